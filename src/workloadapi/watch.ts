import type { Logger } from '../internal/logger.js';
import type { Backoff } from './backoff.js';
import { WorkloadApiError } from './errors.js';
import { LatestChannel } from '../internal/latest-channel.js';
import { reason, sameBytes, type Accepted } from './response.js';
import type { MessageStream } from './transport.js';

/** Options of the client's `watch…` methods. */
export interface WatchOptions<T> {
  /** Stops the watch when aborted, as `close()` does. */
  signal?: AbortSignal;
  /** Called with each new full-state snapshot (W-4). */
  onUpdate?: (value: T) => void;
  /**
   * Called with each failure the watch recovers from (a failed or ended stream, a discarded
   * message, a discarded SVID) and with the error that stops it (InvalidArgument, Unimplemented).
   */
  onError?: (error: WorkloadApiError) => void;
  /**
   * Called when the agent sends a message identical to the last one delivered: nothing changed,
   * so `onUpdate` is not called and iterators yield nothing, but the stream is working (a health
   * check may count it as a sign of life).
   */
  onUnchanged?: () => void;
}

/**
 * A running watch of a Workload API stream. It starts at once, reconnects with backoff when the
 * stream fails or ends (W-3, A-15), and delivers every accepted message as a full-state snapshot,
 * both to `onUpdate` and to each async iterator over it:
 *
 * ```ts
 * for await (const ctx of client.watchX509Context({ signal })) use(ctx);
 * ```
 *
 * An iterator starts with the newest snapshot already received and then yields only the newest
 * one when it falls behind (snapshots are never merged or queued). Leaving a `for await` loop
 * early closes the watch. Iteration ends when the watch is closed or aborted, and throws the
 * error that stopped it otherwise.
 *
 * A message identical to the last one the same stream delivered is not an update: it is compared
 * field by field (bytes for the certificates, keys and bundles) before any parsing, and skipped
 * (`onUnchanged`), so an agent that repeats itself costs a comparison, not a parse. A discarded
 * message (W-10) does not change what was last delivered. The first message of every new stream
 * (after a reconnect, or after PermissionDenied, W-15) is delivered in full: it is the state the
 * agent confirms after a failure.
 */
export interface Watch<T> extends AsyncIterable<T>, AsyncDisposable {
  /** An iterator of snapshots; see {@link Watch}. */
  [Symbol.asyncIterator](): AsyncIterableIterator<T>;
  /** Stops the watch: cancels the stream or the pending retry; idempotent. */
  close(): void;
  /**
   * Settles when the watch has stopped, with the error that stopped it (InvalidArgument or
   * Unimplemented from the agent, or `closed` when its client was closed), or `undefined` after
   * `close()` or an abort. Never rejects.
   */
  readonly stopped: Promise<WorkloadApiError | undefined>;
}

/** What a {@link WatchLoop} watches. */
export interface WatchSpec<M, T> {
  /** The RPC name, for messages. */
  method: string;
  /** Opens the stream; aborting `signal` cancels it. */
  open(signal: AbortSignal): MessageStream<M>;
  /** Validates a message (throws `invalid_response` to discard it). */
  parse(message: M): Accepted<T>;
  backoff: Backoff;
  logger: Logger;
}

/** Codes that stop a watch instead of being retried (A-15: no retry storm). */
const FATAL = new Set(['invalid_argument', 'unimplemented']);

/**
 * Whether a watch stops after reporting `error`: InvalidArgument and Unimplemented, and
 * `closed` (its client was closed).
 */
export function stopsWatch(error: WorkloadApiError): boolean {
  return FATAL.has(error.code) || error.code === 'closed';
}

/** The watch loop behind {@link Watch}. */
export class WatchLoop<M, T> implements Watch<T> {
  readonly stopped: Promise<WorkloadApiError | undefined>;
  readonly #spec: WatchSpec<M, T>;
  readonly #options: WatchOptions<T>;
  readonly #controller = new AbortController();
  readonly #channels = new Set<LatestChannel<T>>();
  #latest: { value: T } | undefined;
  #stopError: WorkloadApiError | undefined;
  #done = false;
  #wake: (() => void) | undefined;
  #resolveStopped!: (error: WorkloadApiError | undefined) => void;
  readonly #onAbort = (): void => this.close();

  /** Starts the watch at once (unless `options.signal` is already aborted). */
  constructor(spec: WatchSpec<M, T>, options: WatchOptions<T> = {}) {
    this.#spec = spec;
    this.#options = options;
    this.stopped = new Promise((resolve) => (this.#resolveStopped = resolve));
    const signal = options.signal;
    if (signal?.aborted) {
      this.#finish(undefined);
      return;
    }
    signal?.addEventListener('abort', this.#onAbort, { once: true });
    void this.#run().catch((error: unknown) => {
      // Not expected: every step catches its own errors. Stop rather than leave a dead watch.
      spec.logger.error(`Workload API ${spec.method} watch failed: ${reason(error)}`);
      this.#finish(
        new WorkloadApiError('rpc_failed', `${spec.method} watch failed: ${reason(error)}`, { cause: error }),
      );
    });
  }

  /** Stops the watch; see {@link Watch.close}. */
  close(): void {
    if (this.#done) return;
    this.#controller.abort();
    this.#wake?.();
    this.#finish(undefined);
  }

  /** Stops the watch with `error` (the client was closed). */
  fail(error: WorkloadApiError): void {
    if (this.#done) return;
    this.#controller.abort();
    this.#wake?.();
    this.#report(error);
    this.#finish(error);
  }

  /** A new iterator of snapshots; see {@link Watch}. */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    const channel = new LatestChannel<T>({
      onReturn: () => {
        this.#channels.delete(channel);
        this.close();
      },
    });
    if (this.#latest) channel.push(this.#latest.value);
    if (this.#done) channel.end(this.#stopError);
    else this.#channels.add(channel);
    return channel;
  }

  /** Closes the watch and waits until it has stopped (`await using watch = …`). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.stopped;
  }

  async #run(): Promise<void> {
    const { backoff, logger, method } = this.#spec;
    const signal = this.#controller.signal;
    let lastImmediate = -Infinity;
    while (!signal.aborted) {
      /** The message this stream last delivered; an identical one is skipped before parsing. */
      let lastDelivered: { message: M } | undefined;
      let delivered = false;
      let endedCleanly = false;
      try {
        const stream = this.#spec.open(signal);
        for await (const message of stream) {
          if (signal.aborted) break;
          if (lastDelivered !== undefined && sameMessage(lastDelivered.message, message)) {
            delivered = true;
            backoff.reset();
            this.#unchanged();
            continue;
          }
          let accepted: Accepted<T>;
          try {
            accepted = this.#spec.parse(message);
          } catch (error) {
            // W-10: report, discard, keep the last good state and the stream.
            this.#report(asWorkloadApiError(error, method));
            continue;
          }
          delivered = true;
          backoff.reset();
          for (const problem of accepted.problems) this.#report(problem);
          lastDelivered = { message };
          this.#deliver(accepted.value);
        }
        endedCleanly = true;
      } catch (error) {
        if (signal.aborted) break;
        const e = asWorkloadApiError(error, method);
        this.#report(e);
        if (stopsWatch(e)) {
          this.#finish(e);
          return;
        }
      }
      if (signal.aborted) break;
      let delay: number;
      const now = Date.now();
      if (endedCleanly && delivered && now - lastImmediate >= backoff.options.initialDelayMs) {
        // W-3: reconnect at once when a working stream ends, but at most once per initial delay.
        lastImmediate = now;
        delay = 0;
        logger.debug(`Workload API ${method} stream ended; reconnecting`);
      } else {
        if (endedCleanly) {
          this.#report(
            new WorkloadApiError(
              'unavailable',
              `Workload API ${method} stream ended without a usable message`,
            ),
          );
        }
        delay = backoff.next();
        logger.debug(`Workload API ${method}: retrying in ${delay} ms`);
      }
      if (delay > 0) await this.#sleep(delay);
    }
    this.#finish(undefined);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  #deliver(value: T): void {
    this.#latest = { value };
    for (const channel of this.#channels) channel.push(value);
    const onUpdate = this.#options.onUpdate;
    if (onUpdate) {
      try {
        onUpdate(value);
      } catch (error) {
        this.#spec.logger.error(`Workload API ${this.#spec.method}: onUpdate threw: ${reason(error)}`);
      }
    }
  }

  #unchanged(): void {
    const onUnchanged = this.#options.onUnchanged;
    if (onUnchanged) {
      try {
        onUnchanged();
      } catch (error) {
        this.#spec.logger.error(`Workload API ${this.#spec.method}: onUnchanged threw: ${reason(error)}`);
      }
    }
  }

  #report(error: WorkloadApiError): void {
    this.#spec.logger.warn(error.message);
    const onError = this.#options.onError;
    if (onError) {
      try {
        onError(error);
      } catch (e) {
        this.#spec.logger.error(`Workload API ${this.#spec.method}: onError threw: ${reason(e)}`);
      }
    }
  }

  #finish(error: WorkloadApiError | undefined): void {
    if (this.#done) return;
    this.#done = true;
    this.#stopError = error;
    this.#controller.abort();
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    for (const channel of this.#channels) channel.end(error);
    this.#channels.clear();
    this.#resolveStopped(error);
  }
}

/** `error` as a WorkloadApiError (anything else becomes `invalid_response` naming the RPC). */
export function asWorkloadApiError(error: unknown, method: string): WorkloadApiError {
  if (error instanceof WorkloadApiError) return error;
  return new WorkloadApiError('invalid_response', `Workload API ${method}: ${reason(error)}`, {
    cause: error,
  });
}

/**
 * Whether two Workload API messages are identical: the same fields with equal values, byte arrays
 * compared by content, maps regardless of order. Messages are plain decoded protobuf objects
 * (strings, numbers, booleans, byte arrays, arrays, maps and nested messages).
 */
export function sameMessage(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && sameBytes(a, b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((value, i) => sameMessage(value, b[i]))
    );
  }
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map) || !(b instanceof Map) || a.size !== b.size) return false;
    for (const [key, value] of a) {
      if (!b.has(key) || !sameMessage(value, b.get(key))) return false;
    }
    return true;
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every(
    (key) =>
      Object.hasOwn(b, key) &&
      sameMessage((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}
