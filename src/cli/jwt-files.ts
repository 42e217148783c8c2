import { join } from 'node:path';
import type { WorkloadApiClient } from '../workloadapi/index.js';
import { writeFileAtomic } from './atomic-write.js';
import { isoTime, relative } from './duration.js';
import type { HelperConfig, JwtFileSpec } from './helper-config.js';
import type { HelperLog } from './helper-log.js';
import { retryUntil } from './workload.js';

/** How a JWT-SVID file stands, for the health endpoint. */
export interface JwtFileStatus {
  file: string;
  expiresAt: Date | undefined;
  lastError: string | undefined;
}

const MIN_REFRESH_MS = 1000;
/** setTimeout's largest delay (about 24.8 days); a longer-lived token is refreshed earlier. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_RETRY_MS = 30_000;

/**
 * Keeps one file per requested audience holding a fresh JWT-SVID (the bare token, mode 0600 by
 * default): fetched from the agent, written atomically, fetched again at half its lifetime, and
 * retried with backoff when the agent fails. JWT refreshes do not trigger a reload: a token is
 * read when it is used.
 */
export class JwtFiles {
  readonly #client: WorkloadApiClient;
  readonly #config: HelperConfig;
  readonly #log: HelperLog;
  readonly #status = new Map<string, JwtFileStatus>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #stopped = false;

  constructor(client: WorkloadApiClient, config: HelperConfig, log: HelperLog) {
    this.#client = client;
    this.#config = config;
    this.#log = log;
    for (const spec of config.jwt)
      this.#status.set(spec.file, { file: spec.file, expiresAt: undefined, lastError: undefined });
  }

  /** Fetches and writes every file once, waiting up to `timeoutMs` for the agent. */
  async writeAll(timeoutMs: number): Promise<void> {
    await Promise.all(this.#config.jwt.map((spec) => this.#fetchAndWrite(spec, timeoutMs)));
  }

  /** Keeps every file fresh until {@link JwtFiles.stop}. */
  start(): void {
    for (const spec of this.#config.jwt) void this.#loop(spec, MIN_REFRESH_MS);
  }

  /** Stops refreshing. */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Each file's expiry and last error. */
  status(): JwtFileStatus[] {
    return [...this.#status.values()].map((s) => ({ ...s }));
  }

  async #loop(spec: JwtFileSpec, retryMs: number): Promise<void> {
    if (this.#stopped) return;
    let delay: number;
    try {
      const expiresAt = await this.#fetchAndWrite(spec, 10_000);
      delay = Math.min(MAX_TIMER_MS, Math.max(MIN_REFRESH_MS, (expiresAt.getTime() - Date.now()) / 2));
      retryMs = MIN_REFRESH_MS;
    } catch (error) {
      const message = (error as Error).message;
      this.#status.get(spec.file)!.lastError = message;
      this.#log.warn(`cannot refresh ${spec.file}: ${message}`, { file: spec.file });
      delay = retryMs;
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    }
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#loop(spec, retryMs);
    }, delay);
    this.#timers.add(timer);
  }

  async #fetchAndWrite(spec: JwtFileSpec, timeoutMs: number): Promise<Date> {
    const svid = await retryUntil(
      `JWT-SVID for audience ${JSON.stringify(spec.audience)}`,
      timeoutMs,
      (signal) =>
        this.#client.fetchJwtSvid(
          { audience: spec.audience, extraAudiences: spec.extraAudiences },
          { signal },
        ),
    );
    await writeFileAtomic(join(this.#config.outDir, spec.file), svid.token, this.#config.jwtMode);
    const status = this.#status.get(spec.file)!;
    status.expiresAt = svid.expiry;
    status.lastError = undefined;
    this.#log.event(
      'jwt',
      `wrote ${spec.file}: JWT-SVID for ${svid.id.toString()}, audience ${svid.audience.join(', ')}, expires ${isoTime(svid.expiry)} (${relative(svid.expiry, new Date())})`,
      {
        file: spec.file,
        spiffeId: svid.id.toString(),
        audience: svid.audience,
        expiresAt: isoTime(svid.expiry),
      },
    );
    return svid.expiry;
  }
}
