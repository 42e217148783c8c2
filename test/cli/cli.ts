/**
 * Runs the `spiffe` command as a subprocess: the built executable (`dist/cli/main.js`, which
 * `npm test` builds first) when it exists, else the TypeScript source through tsx.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The built executable; SPIFFE_CLI_MAIN points the tests at another build of it. */
const BUILT = process.env.SPIFFE_CLI_MAIN ?? join(ROOT, 'dist', 'cli', 'main.js');
/** How the command is started: `node dist/cli/main.js` or `node --import tsx src/cli/main.ts`. */
export const CLI_ARGS = existsSync(BUILT)
  ? [BUILT]
  : ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts')];

/** The outcome of a finished run. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCli} and {@link startCli}. */
export interface RunOptions {
  /** Extra environment; `SPIFFE_ENDPOINT_SOCKET` is removed unless set here. */
  env?: Record<string, string>;
  /** Written to stdin, which is then closed. */
  input?: string;
  cwd?: string;
  /** The process's umask (set before the command's code loads). */
  umask?: number;
}

function environment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  if (extra.SPIFFE_ENDPOINT_SOCKET === undefined) delete env.SPIFFE_ENDPOINT_SOCKET;
  return env;
}

/** A running `spiffe` process whose output lines can be awaited. */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<CliResult>;
  readonly #waiters = new Set<() => void>();
  #done = false;

  constructor(args: string[], options: RunOptions = {}) {
    const umask =
      options.umask === undefined
        ? []
        : ['--import', `data:text/javascript,process.umask(${options.umask.toString()})`];
    this.child = spawn(process.execPath, [...umask, ...CLI_ARGS, ...args], {
      cwd: options.cwd ?? ROOT,
      env: environment(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += d;
      this.#wake();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
      this.#wake();
    });
    if (options.input !== undefined) this.child.stdin!.end(options.input);
    else this.child.stdin!.end();
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.#done = true;
        this.#wake();
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  /** stdout lines that are JSON objects (the `--json` event stream). */
  get events(): Record<string, unknown>[] {
    return this.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /**
   * Waits until `found` returns a value (checked on every output), and returns it.
   * Rejects when the process exits first or after `timeoutMs`, with its output for diagnosis.
   */
  async until<T>(found: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = found();
      if (value !== undefined) return value;
      if (this.#done || Date.now() > deadline) {
        const why = this.#done ? 'the process exited' : `${timeoutMs} ms passed`;
        throw new Error(`${why} before ${what}\n--- stdout:\n${this.stdout}\n--- stderr:\n${this.stderr}`);
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.#waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(1, deadline - Date.now()));
        this.#waiters.add(done);
      });
    }
  }

  /** Waits for the `n`-th (1-based) JSON event matching `predicate`. */
  event(predicate: (e: Record<string, unknown>) => boolean, what: string, n = 1, timeoutMs?: number) {
    return this.until(() => this.events.filter(predicate)[n - 1], what, timeoutMs);
  }

  /** Waits until stdout or stderr (`stream`) matches `pattern`. */
  output(pattern: RegExp, what: string, stream: 'stdout' | 'stderr' = 'stdout', timeoutMs?: number) {
    return this.until(() => this[stream].match(pattern) ?? undefined, what, timeoutMs);
  }

  /** Sends `signal` and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<CliResult> {
    if (!this.#done) this.child.kill(signal);
    return this.exited;
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/** Starts `spiffe <args>`. */
export function startCli(args: string[], options?: RunOptions): CliProcess {
  return new CliProcess(args, options);
}

/** Runs `spiffe <args>` to completion. */
export function runCli(args: string[], options?: RunOptions): Promise<CliResult> {
  return startCli(args, options).exited;
}
