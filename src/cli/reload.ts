import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { HelperConfig } from './helper-config.js';
import type { HelperLog } from './helper-log.js';

/** How long a managed child gets to exit after the helper forwards SIGTERM, before SIGKILL. */
const CHILD_STOP_MS = 10_000;

/**
 * Tells the workload that new files are on disk, after each write:
 * - `--cmd` with `--signal` (spiffe-helper's `cmd` + `renew_signal`): starts the command after
 *   the first write and sends it the signal after every later one; a command that exited is
 *   started again at the next write;
 * - `--cmd` alone: runs the command after each write and waits for it (a reload hook, such as
 *   `nginx -s reload`);
 * - `--signal` with `--pid` or `--pid-file` (spiffe-helper's `pid_file_name`): signals that
 *   process; the pid file is read anew each time.
 * Failures are logged; the helper keeps running.
 */
export class Reloader {
  readonly #config: HelperConfig;
  readonly #log: HelperLog;
  readonly #jsonStdout: boolean;
  #child: ChildProcess | undefined;
  #childExit: Promise<void> | undefined;

  constructor(config: HelperConfig, log: HelperLog) {
    this.#config = config;
    this.#log = log;
    this.#jsonStdout = config.json;
  }

  /** Reloads after a write; resolves `false` when a hook command failed or a signal could not be sent. */
  async afterWrite(): Promise<boolean> {
    let ok = true;
    const { cmd, signal } = this.#config;
    if (cmd !== undefined)
      ok = signal !== undefined ? this.#signalChild(cmd, signal) : await this.#runHook(cmd);
    if (signal !== undefined && (this.#config.pid !== undefined || this.#config.pidFile !== undefined)) {
      ok = (await this.#signalPid(signal)) && ok;
    }
    return ok;
  }

  /** Stops the managed child, if any: forwards `signal`, then SIGKILL after 10 s. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.#child;
    if (child === undefined || this.#childExit === undefined) return;
    const exited = this.#childExit;
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, CHILD_STOP_MS);
    });
    await Promise.race([exited, killed]);
    clearTimeout(timer);
  }

  #spawn(cmd: string): ChildProcess {
    // With --json, stdout carries the helper's events: the child's stdout goes to stderr instead.
    return spawn(cmd, this.#config.cmdArgs, {
      stdio: ['inherit', this.#jsonStdout ? 2 : 'inherit', 'inherit'],
    });
  }

  #signalChild(cmd: string, signal: NodeJS.Signals): boolean {
    const child = this.#child;
    if (child !== undefined) {
      try {
        child.kill(signal);
        this.#log.event('reload', `sent ${signal} to ${cmd} (pid ${child.pid})`, {
          action: 'signal',
          signal,
          pid: child.pid,
        });
        return true;
      } catch (error) {
        this.#log.warn(`cannot send ${signal} to ${cmd}: ${(error as Error).message}`);
        return false;
      }
    }
    const started = this.#spawn(cmd);
    this.#child = started;
    this.#childExit = new Promise((resolve) => {
      started.once('error', (error) => {
        this.#log.error(`cannot start ${cmd}: ${error.message}`);
        if (this.#child === started) this.#child = undefined;
        resolve();
      });
      started.once('exit', (code, sig) => {
        this.#log.event(
          'child-exit',
          `${cmd} exited (${sig ?? `code ${code}`}); it is started again at the next rotation`,
          {
            code,
            signal: sig,
          },
        );
        if (this.#child === started) this.#child = undefined;
        resolve();
      });
    });
    if (started.pid !== undefined) {
      this.#log.event('reload', `started ${cmd} (pid ${started.pid})`, { action: 'start', pid: started.pid });
    }
    return true;
  }

  async #runHook(cmd: string): Promise<boolean> {
    const child = this.#spawn(cmd);
    const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>(
      (resolve) => {
        child.once('error', (error) => resolve({ code: null, signal: null, error }));
        child.once('exit', (code, signal) => resolve({ code, signal }));
      },
    );
    if (result.error) {
      this.#log.error(`cannot run ${cmd}: ${result.error.message}`);
      return false;
    }
    const ok = result.code === 0;
    const how = result.signal ?? `code ${result.code}`;
    if (ok) this.#log.event('reload', `ran ${cmd} (exit code 0)`, { action: 'run', code: 0 });
    else
      this.#log.warn(`${cmd} failed (${how})`, { action: 'run', code: result.code, signal: result.signal });
    return ok;
  }

  async #signalPid(signal: NodeJS.Signals): Promise<boolean> {
    let pid = this.#config.pid;
    const file = this.#config.pidFile;
    if (file !== undefined) {
      try {
        const text = (await readFile(file, 'utf8')).trim();
        if (!/^\d+$/.test(text))
          throw new Error(`it holds ${JSON.stringify(text.slice(0, 40))}, not a process id`);
        pid = Number(text);
      } catch (error) {
        this.#log.warn(`cannot read the pid file ${file}: ${(error as Error).message}`);
        return false;
      }
    }
    try {
      process.kill(pid!, signal);
      this.#log.event('reload', `sent ${signal} to pid ${pid}`, { action: 'signal', signal, pid });
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why =
        code === 'ESRCH' ? 'no such process' : code === 'EPERM' ? 'not permitted' : (error as Error).message;
      this.#log.warn(`cannot send ${signal} to pid ${pid}: ${why}`);
      return false;
    }
  }
}
