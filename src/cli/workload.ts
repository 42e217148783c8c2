import type { Logger } from '../internal/logger.js';
import {
  Backoff,
  WorkloadApiClient,
  WorkloadApiError,
  type X509Context,
  type X509Source,
} from '../workloadapi/index.js';

/**
 * The Workload API address from `--socket` (or a config file): a `unix://` or `tcp://` address,
 * or an absolute socket path (as spiffe-helper's `agent_address` takes it), which becomes
 * `unix://<path>`. Undefined means `SPIFFE_ENDPOINT_SOCKET`.
 */
export function agentAddress(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  return value.startsWith('/') ? `unix://${value}` : value;
}

/**
 * A Workload API client for `--socket` (or `SPIFFE_ENDPOINT_SOCKET`), reporting retried
 * failures to `logger` when given.
 * @throws {WorkloadApiError} `address_not_configured`, `invalid_address`.
 */
export function createClient(socket: string | undefined, logger?: Logger): WorkloadApiClient {
  const address = agentAddress(socket);
  return new WorkloadApiClient({
    ...(address === undefined ? {} : { address }),
    ...(logger === undefined ? {} : { logger }),
  });
}

/** Failures worth another try: the agent is away, or has no identity for us yet (W-15, A-15). */
const RETRIED = new Set(['unavailable', 'permission_denied']);

/**
 * Calls `call` until it succeeds, retrying Unavailable and PermissionDenied with the SDK's
 * backoff, for at most `timeoutMs`.
 *
 * @throws {WorkloadApiError} the first error that is not retried, `timeout` (naming the last
 *   error) when the time is up, or `aborted` when `signal` fires.
 */
export async function retryUntil<T>(
  what: string,
  timeoutMs: number,
  call: (signal: AbortSignal) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const stop = signal ? AbortSignal.any([deadline, signal]) : deadline;
  const backoff = new Backoff({ initialDelayMs: 200, maxDelayMs: 2000 });
  let attempts = 0;
  let last: WorkloadApiError | undefined;
  for (;;) {
    attempts++;
    try {
      return await call(stop);
    } catch (error) {
      if (!(error instanceof WorkloadApiError)) throw error;
      if (error.code !== 'aborted' && !RETRIED.has(error.code)) throw error;
      if (error.code !== 'aborted') last = error;
    }
    if (!stop.aborted) await sleep(backoff.next(), stop);
    if (stop.aborted) {
      const why = last ? `; last error: ${last.message}` : '';
      if (signal?.aborted) throw new WorkloadApiError('aborted', `${what} was interrupted${why}`);
      throw new WorkloadApiError(
        'timeout',
        `${what} not received within ${timeoutMs} ms (${attempts} attempt${attempts === 1 ? '' : 's'})${why}`,
        { cause: last },
      );
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * The source's current X.509 context (a source that `create` resolved has one).
 * @throws {WorkloadApiError} `closed` when the source closed first.
 */
export async function currentContext(source: X509Source): Promise<X509Context> {
  const updates = source.updates();
  const first = await updates.next();
  await updates.return?.();
  if (first.done) throw new WorkloadApiError('closed', 'the X.509 source closed before its first update');
  return first.value;
}
