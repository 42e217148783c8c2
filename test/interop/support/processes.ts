/**
 * Long-running processes of the interop suite (SPIRE server and agent, go-spiffe servers): each
 * in a process group of its own, stopped by group, and checked gone afterwards. One-shot
 * commands (`run`) are bounded by a timeout.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** A started process. */
export interface Started {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Settles when the process exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The next line it prints on stdout (only with `lines: true`); rejects on exit or after `ms`. */
  nextLine(ms: number): Promise<string>;
}

/** Options of {@link Processes.start}. */
export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** Appends stdout and stderr to this file (default: discarded, unless `lines`). */
  logFile?: string;
  /** Reads stdout line by line for `nextLine` (stderr still goes to `logFile`). */
  lines?: boolean;
  /** Keeps stdin open (a go-spiffe server stops when it closes). */
  stdin?: boolean;
  /** Run as another user (the suite runs as root, and some checks need an unattested workload). */
  uid?: number;
  gid?: number;
}

/** Every process group one suite started; `stopAll` ends them all. */
export class Processes {
  readonly #started = new Set<Started>();
  readonly #pgids = new Set<number>();

  /** Starts `command` in a new process group. */
  start(name: string, command: string, args: string[], options: StartOptions = {}): Started {
    const log = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
    const child = spawn(command, args, {
      detached: true,
      env: options.env ?? process.env,
      stdio: [
        options.stdin ? 'pipe' : 'ignore',
        options.lines || log ? 'pipe' : 'ignore',
        log ? 'pipe' : 'ignore',
      ],
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid ?? options.uid }),
    });
    if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
    const pid = child.pid;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', () => resolve({ code: null, signal: null }));
    });
    if (log) child.stderr?.pipe(log, { end: false });
    const queue: string[] = [];
    const waiters: ((line: string | undefined) => void)[] = [];
    let ended = false;
    if (options.lines && child.stdout) {
      const rl = createInterface({ input: child.stdout });
      rl.on('line', (line) => {
        log?.write(`${line}\n`);
        const waiter = waiters.shift();
        if (waiter) waiter(line);
        else queue.push(line);
      });
      rl.on('close', () => {
        ended = true;
        for (const w of waiters.splice(0)) w(undefined);
      });
    } else if (log) {
      child.stdout?.pipe(log, { end: false });
    }
    const nextLine = (ms: number): Promise<string> => {
      const queued = queue.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      if (ended) return Promise.reject(new Error(`${name}: exited before printing a line`));
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(done), 1);
          reject(new Error(`${name}: no line within ${ms} ms`));
        }, ms);
        const done = (line: string | undefined): void => {
          clearTimeout(timer);
          if (line === undefined) reject(new Error(`${name}: exited before printing a line`));
          else resolve(line);
        };
        waiters.push(done);
      });
    };
    void exited.then(() => log?.end());
    const started: Started = { name, pid, child, exited, nextLine };
    this.#started.add(started);
    this.#pgids.add(pid);
    return started;
  }

  /** Stops one process group: SIGTERM, then SIGKILL after `graceMs`; resolves once the leader exited. */
  async stop(started: Started, graceMs = 5000): Promise<void> {
    signalGroup(started.pid, 'SIGTERM');
    started.child.stdin?.end();
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        signalGroup(started.pid, 'SIGKILL');
        resolve();
      }, graceMs);
    });
    await Promise.race([started.exited, killed]);
    await started.exited;
    clearTimeout(timer);
    // Whatever the leader left in its group goes too.
    signalGroup(started.pid, 'SIGKILL');
    this.#started.delete(started);
  }

  /** Stops every group still running, newest first. */
  async stopAll(): Promise<void> {
    for (const s of [...this.#started].reverse()) await this.stop(s);
  }

  /** Synchronous last resort (process exit): SIGKILL to every group. */
  killAllNow(): void {
    for (const pgid of this.#pgids) signalGroup(pgid, 'SIGKILL');
  }

  /** Process groups started here that still have a member (should be none after `stopAll`). */
  leftovers(): number[] {
    return [...this.#pgids].filter((pgid) => groupAlive(pgid));
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is gone already.
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The outcome of a one-shot command. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a one-shot command to its end (killed after `timeoutMs`); never rejects for a non-zero exit. */
export function run(
  command: string,
  args: string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        timeout: options.timeoutMs ?? 30_000,
        killSignal: 'SIGKILL',
        env: options.env ?? process.env,
        maxBuffer: 16 * 1024 * 1024,
        ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid ?? options.uid }),
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`${command} ${args.join(' ')}: ${error.message}\n${stderr}`));
          return;
        }
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/**
 * Polls `probe` until it answers a value (not `undefined`), at most `timeoutMs`, `intervalMs`
 * apart: for conditions that have no event (a socket that starts answering, an entry the agent
 * has synced). Rejects with the last probe error or `what`.
 */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms${last ? `; last error: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Waits for `promise` at most `ms`; past that, rejects saying what hung and which resources keep
 * the event loop busy (a shutdown that never finishes fails with a reason, not a hook timeout).
 */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const resources = process.getActiveResourcesInfo().join(', ');
      reject(new Error(`${what} did not finish within ${ms} ms; active resources: ${resources}`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
