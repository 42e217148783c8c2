/** Runs the demo (`node --import tsx src/demo/main.ts`) as a subprocess, as `npm start` does. */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A running demo: its output so far, and how it ended. */
export interface DemoRun {
  readonly child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves when a stdout line matches `pattern`. */
  waitFor(pattern: RegExp): Promise<string>;
  /** Resolves with the exit code (or the signal's name) and the output. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts the demo with `args`; `env` is added to a copy of this process's environment. */
export function startDemo(args: string[], env: Record<string, string | undefined> = {}): DemoRun {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    SPIFFE_ENDPOINT_SOCKET: '',
    SPIFFE_DEMO_SPIRE: '',
    ...env,
  };
  for (const [key, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[key];
  const child = spawn(process.execPath, ['--import', 'tsx', join('src', 'demo', 'main.ts'), ...args], {
    cwd: repoRoot,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    for (const w of [...waiters]) {
      const line = out.split('\n').find((l) => w.pattern.test(l));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err })));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const line = out.split('\n').find((l) => pattern.test(l));
        if (line !== undefined) return resolve(line);
        waiters.push({ pattern, resolve });
        void exited.then(() =>
          reject(new Error(`the demo exited before printing ${pattern}:\n${out}${err}`)),
        );
      }),
    exited,
  };
}

/** The lines of `stdout` whose actor column is `actor` (the timestamp and actor removed). */
export function eventsOf(stdout: string, actor: string): string[] {
  const prefix = new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  ${actor}\\s+`);
  return stdout
    .split('\n')
    .filter((line) => prefix.test(line))
    .map((line) => line.replace(prefix, ''));
}
