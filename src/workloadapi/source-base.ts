import { status as GrpcStatus } from '@grpc/grpc-js';
import { nullLogger, type Logger } from '../internal/logger.js';
import { WorkloadApiClient, type WorkloadApiClientOptions } from './client.js';
import type { WorkloadApiClock } from './clock.js';
import { WorkloadApiError } from './errors.js';
import { LatestChannel } from '../internal/latest-channel.js';
import { reason } from './response.js';
import { quote } from '../internal/errors.js';
import { stopsWatch, type Watch } from './watch.js';

/** How a source is made; shared by `X509Source.create`, `JwtSource.create` and `BundleSource.create`. */
export interface SourceOptions {
  /**
   * A client to share (go-spiffe #318: many sources, one connection). The source does not close
   * it. Without it the source makes its own from `clientOptions` and closes it with itself.
   */
  client?: WorkloadApiClient;
  /** Options of the client the source makes when `client` is not given. */
  clientOptions?: WorkloadApiClientOptions;
  /**
   * How long `create` waits for the first update, in ms; default: no limit. On timeout it rejects
   * with `timeout`, saying what went wrong meanwhile (go-spiffe #207).
   */
  timeoutMs?: number;
  /** Aborting it stops `create` (with `aborted`, saying why no update came) or closes the source. */
  signal?: AbortSignal;
}

/**
 * Where a source stands:
 * - `starting`: no update yet;
 * - `ready`: serving what the agent last sent, and the last call to the agent succeeded;
 * - `stale`: serving the last good state while the agent fails (it is retried);
 * - `withdrawn`: the agent withdrew the X509-SVID (PermissionDenied, W-15), or the picker chose
 *   none; the SVID is not served, bundles are;
 * - `expired`: the served X509-SVID expired without a rotation; it is not served any more;
 * - `failed`: the watch stopped for good (InvalidArgument, Unimplemented, or its shared client
 *   was closed);
 * - `closed`: `close()` was called.
 */
export type SourceState = 'starting' | 'ready' | 'stale' | 'withdrawn' | 'expired' | 'failed' | 'closed';

/** The health of a source, for monitoring. */
export interface SourceStatus {
  state: SourceState;
  /** When the last accepted update arrived (by the client's clock). */
  lastUpdate: Date | undefined;
  /** Failures since the last accepted update (failed or ended streams, discarded messages). */
  consecutiveErrors: number;
  /** The most recent failure, if any since the last accepted update. */
  lastError: WorkloadApiError | undefined;
}

type Listener = (value: never) => void;

/** Options of a source's `updates()` iterator. */
export interface UpdatesOptions {
  /** Ends the iteration when aborted. */
  signal?: AbortSignal;
}

interface StreamHealth {
  updated: boolean;
  errors: number;
  lastError: WorkloadApiError | undefined;
}

/** When a source still waiting for its first update first says so, in ms (by the client's clock). */
const WAIT_NOTICE_FIRST_MS = 5_000;
/** How often it says so again after that, in ms. */
const WAIT_NOTICE_EVERY_MS = 30_000;
/** The code of the process warning a source waiting without a logger emits. */
const WAITING_WARNING_CODE = 'SPIFFE_SOURCE_WAITING';

/** Human words for the codes that keep a source from its first update (#207). */
const WHY: Partial<Record<string, string>> = {
  permission_denied: 'no identity issued',
  unavailable: 'agent unreachable',
  invalid_response: 'every response was discarded',
  invalid_argument: 'the agent refused the request',
  unimplemented: 'the agent does not implement the Workload API call',
};

/**
 * What the three sources share: the client (own or shared), waiting for the first update with a
 * reason on timeout, error bookkeeping, events, the `updates()` iterator, and closing.
 */
export abstract class SourceBase<
  Update,
  Events extends { [K in keyof Events]: Listener },
> implements AsyncDisposable {
  protected readonly client: WorkloadApiClient;
  protected readonly clock: WorkloadApiClock;
  protected readonly logger: Logger;
  readonly #ownsClient: boolean;
  readonly #name: string;
  /** Per event, its listeners in call order, each with whether it is a `once` listener. */
  readonly #listeners = new Map<PropertyKey, Map<Listener, boolean>>();
  #maxListeners = 0;
  readonly #channels = new Set<LatestChannel<Update>>();
  readonly #health = new Map<string, StreamHealth>();
  readonly #watches: Watch<unknown>[] = [];
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => this.close();
  #lastUpdate: Date | undefined;
  #latest: { value: Update } | undefined;
  #failure: WorkloadApiError | undefined;
  #closed = false;
  #waiter: { resolve: () => void; reject: (error: WorkloadApiError) => void } | undefined;

  /** @param streams the names of the watched RPCs; the source is ready once each has updated. */
  protected constructor(name: string, options: SourceOptions, streams: string[]) {
    this.#name = name;
    checkSourceOptions(name, options);
    this.#ownsClient = options.client === undefined;
    this.client = options.client ?? new WorkloadApiClient(options.clientOptions);
    this.clock = this.client.clock;
    this.logger = this.client.logger;
    for (const s of streams) this.#health.set(s, { updated: false, errors: 0, lastError: undefined });
    this.#signal = options.signal;
  }

  /**
   * Registers `listener` for `event`; see each source for its events. A listener that throws is
   * logged and does not disturb the source. A listener is registered at most once per event.
   *
   * The listener methods follow Node's `EventEmitter`, so `events.once(source, 'update')` and
   * `events.on(source, 'update')` work; note that those also reject on the first `error` event,
   * which a source emits for failures it recovers from.
   */
  on<E extends keyof Events>(event: E, listener: Events[E]): this {
    return this.#add(event, listener, false, false);
  }

  /** Same as `on` (`EventEmitter.addListener`). */
  addListener<E extends keyof Events>(event: E, listener: Events[E]): this {
    return this.#add(event, listener, false, false);
  }

  /**
   * Registers `listener` for the next `event` only: it is removed before it is called. `off`
   * with the same listener removes it before that.
   */
  once<E extends keyof Events>(event: E, listener: Events[E]): this {
    return this.#add(event, listener, true, false);
  }

  /** As `on`, but the listener runs before those already registered. */
  prependListener<E extends keyof Events>(event: E, listener: Events[E]): this {
    return this.#add(event, listener, false, true);
  }

  /** As `once`, but the listener runs before those already registered. */
  prependOnceListener<E extends keyof Events>(event: E, listener: Events[E]): this {
    return this.#add(event, listener, true, true);
  }

  /** Removes a listener added with `on` or `once`. */
  off<E extends keyof Events>(event: E, listener: Events[E]): this {
    this.#listeners.get(event)?.delete(listener);
    return this;
  }

  /** Same as `off` (`EventEmitter.removeListener`). */
  removeListener<E extends keyof Events>(event: E, listener: Events[E]): this {
    return this.off(event, listener);
  }

  /** Removes every listener of `event`, or of every event. */
  removeAllListeners(event?: keyof Events): this {
    // Cleared in place, so that an emit under way calls none of them any more.
    if (event === undefined) for (const registered of this.#listeners.values()) registered.clear();
    else this.#listeners.get(event)?.clear();
    return this;
  }

  /** The listeners of `event`, in call order. */
  listeners<E extends keyof Events>(event: E): Events[E][] {
    return [...(this.#listeners.get(event)?.keys() ?? [])] as Events[E][];
  }

  /** Same as `listeners`: `once` listeners are not wrapped. */
  rawListeners<E extends keyof Events>(event: E): Events[E][] {
    return this.listeners(event);
  }

  /** How many listeners `event` has (only `listener`, when given: 0 or 1). */
  listenerCount<E extends keyof Events>(event: E, listener?: Events[E]): number {
    const registered = this.#listeners.get(event);
    if (listener !== undefined) return registered?.has(listener) ? 1 : 0;
    return registered?.size ?? 0;
  }

  /** The events that have listeners. */
  eventNames(): (keyof Events & (string | symbol))[] {
    return [...this.#listeners].filter(([, l]) => l.size > 0).map(([e]) => e) as (keyof Events &
      (string | symbol))[];
  }

  /**
   * Kept for `EventEmitter` compatibility: a source has no listener limit and never warns about
   * many listeners; the value is only returned by `getMaxListeners`.
   */
  setMaxListeners(n: number): this {
    this.#maxListeners = n;
    return this;
  }

  /** The value last given to `setMaxListeners` (default 0: no limit). */
  getMaxListeners(): number {
    return this.#maxListeners;
  }

  /**
   * Not for callers: a source emits only what the Workload API sent, so that a listener can trust
   * its `update` events. Present so that a source is an `EventEmitter` to `events.once` and
   * `events.on` type-wise.
   * @throws {WorkloadApiError} `invalid_argument_local`, always.
   */
  emit(event: keyof Events): boolean {
    throw new WorkloadApiError(
      'invalid_argument_local',
      `${this.#name}.emit(${quote(String(event))}): a source emits its own events only`,
    );
  }

  /**
   * The source's updates as an async iterator, starting with the current state: a slow consumer
   * gets the newest state, never a backlog. Ends when the source closes or `signal` aborts.
   */
  updates(options: UpdatesOptions = {}): AsyncIterableIterator<Update> {
    const signal = options.signal;
    const onAbort = (): void => void channel.return();
    const channel: LatestChannel<Update> = new LatestChannel<Update>({
      onEnd: () => {
        this.#channels.delete(channel);
        signal?.removeEventListener('abort', onAbort);
      },
    });
    if (this.#latest) channel.push(this.#latest.value);
    if (this.#closed || signal?.aborted) {
      channel.end();
      return channel;
    }
    this.#channels.add(channel);
    signal?.addEventListener('abort', onAbort, { once: true });
    return channel;
  }

  /**
   * Closes the source: stops its watches, ends `updates()` iterators, and closes the client if the
   * source made it. Idempotent; getters then throw `closed`.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.onClose();
    for (const watch of this.#watches) watch.close();
    for (const channel of this.#channels) channel.end();
    this.#channels.clear();
    if (this.#ownsClient) this.client.close();
    this.#waiter?.reject(new WorkloadApiError('closed', `${this.#name} was closed before its first update`));
  }

  /** Closes the source (`await using source = await X509Source.create()`). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Starts watching. */
  protected start(watches: Watch<unknown>[]): void {
    this.#watches.push(...watches);
  }

  /** From now on, the source's abort signal closes it (after `create`, whose wait it aborts). */
  protected armSignal(): void {
    if (this.#signal?.aborted) this.close();
    else this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  /**
   * Waits for the first update of every stream, `timeoutMs` at most. A wait is never silent: after
   * 5 s, then every 30 s (by the client's clock), it logs a warning saying what it waits for, from
   * which address, the last error, and how to bound the wait; once the update comes after such a
   * warning, it logs that at `info`. Without a logger and without `timeoutMs`, it says it once,
   * after 5 s, as a process warning (`SPIFFE_SOURCE_WAITING`) rather than wait silently.
   * @throws {WorkloadApiError} `timeout` or `aborted` (saying why nothing came), the error that
   *   stopped a watch, or `closed`.
   */
  protected async waitReady(
    timeoutMs: number | undefined,
    signal: AbortSignal | undefined,
    what: string,
  ): Promise<void> {
    if (this.#isReady()) return;
    if (this.#failure) throw this.#explain(`${this.#name} cannot start`, this.#failure.code, this.#failure);
    if (this.#closed)
      throw new WorkloadApiError('closed', `${this.#name} was closed before its first update`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let noticeTimer: unknown;
    let noticed = false;
    const started = this.clock.now().getTime();
    const elapsed = (): string => `${Math.round((this.clock.now().getTime() - started) / 1000)} s`;
    const notice = (): void => {
      const message = this.#waitingMessage(what, elapsed(), timeoutMs);
      if (this.logger !== nullLogger) {
        this.logger.warn(message);
        noticeTimer = this.clock.setTimeout(notice, WAIT_NOTICE_EVERY_MS);
      } else if (!noticed && timeoutMs === undefined) {
        // No logger and no bound: say it once on stderr rather than wait silently.
        process.emitWarning(message, { code: WAITING_WARNING_CODE });
      }
      noticed = true;
    };
    const onAbort = (): void =>
      this.#waiter?.reject(this.#explain(`${what} not received before the signal aborted`, 'aborted'));
    try {
      await new Promise<void>((resolve, reject) => {
        this.#waiter = { resolve, reject };
        if (timeoutMs !== undefined) {
          timer = setTimeout(
            () => reject(this.#explain(`${what} not received within ${timeoutMs} ms`, 'timeout')),
            timeoutMs,
          );
        }
        noticeTimer = this.clock.setTimeout(notice, WAIT_NOTICE_FIRST_MS);
        if (signal?.aborted) onAbort();
        else signal?.addEventListener('abort', onAbort, { once: true });
      });
      if (noticed) this.logger.info(`${this.#name}: ${what} received after ${elapsed()}`);
    } finally {
      this.#waiter = undefined;
      clearTimeout(timer);
      this.clock.clearTimeout(noticeTimer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** What a source waiting for its first update logs (#207: never wait silently). */
  #waitingMessage(what: string, elapsed: string, timeoutMs: number | undefined): string {
    const address = this.client.address ?? 'an injected transport';
    const bound =
      timeoutMs === undefined
        ? `it keeps waiting (no timeoutMs; go-spiffe waits too): pass { timeoutMs } or { signal } to ${this.#name}.create to bound the wait`
        : `it gives up after timeoutMs = ${timeoutMs} ms`;
    return `${this.#name}.create: still waiting for the first ${what} from ${address} after ${elapsed}: ${this.#pendingDetail()}; ${bound}`;
  }

  /** Records an accepted update of `stream` and hands `update` to listeners and iterators. */
  protected accepted(stream: string, update: Update): void {
    const health = this.#health.get(stream)!;
    health.updated = true;
    health.errors = 0;
    health.lastError = undefined;
    this.#lastUpdate = this.clock.now();
    this.#latest = { value: update };
    for (const channel of this.#channels) channel.push(update);
    this.#emit('update', update);
    if (this.#isReady()) this.#waiter?.resolve();
  }

  /**
   * Records that `stream` sent again what it last sent (no `update`): the stream works, so the
   * failures counted since are over.
   */
  protected unchanged(stream: string): void {
    const health = this.#health.get(stream)!;
    health.errors = 0;
    health.lastError = undefined;
  }

  /** Records a failure of `stream` and emits it as an `error` event. */
  protected failed(stream: string, error: WorkloadApiError): void {
    const health = this.#health.get(stream)!;
    health.errors++;
    health.lastError = error;
    const fatal = stopsWatch(error) && this.#failure === undefined;
    if (fatal) {
      this.#failure = error;
      this.logger.error(`${this.#name} stopped: ${error.message}`);
    }
    this.#emit('error', error);
    if (fatal) this.#waiter?.reject(this.#explain(`${this.#name} cannot start`, error.code, error));
  }

  /** Emits `event` to its listeners; a throwing listener is logged. */
  protected emitEvent<E extends keyof Events>(event: E, value: Parameters<Events[E]>[0]): void {
    this.#emit(event, value);
  }

  #add(event: PropertyKey, listener: unknown, once: boolean, prepend: boolean): this {
    if (typeof listener !== 'function') {
      throw new WorkloadApiError(
        'invalid_argument_local',
        `${this.#name}: the listener of ${quote(String(event))} must be a function`,
      );
    }
    const l = listener as Listener;
    let registered = this.#listeners.get(event);
    if (registered === undefined) this.#listeners.set(event, (registered = new Map()));
    // A listener registered with `on` stays so when also registered with `once`.
    const isOnce = once && registered.get(l) !== false;
    if (prepend) {
      // In place: an emit under way checks this same map for removed `once` listeners.
      const rest = [...registered].filter(([k]) => k !== l);
      registered.clear();
      registered.set(l, isOnce);
      for (const [k, v] of rest) registered.set(k, v);
    } else {
      registered.set(l, isOnce);
    }
    return this;
  }

  #emit(event: PropertyKey, value: unknown): void {
    const registered = this.#listeners.get(event);
    if (registered === undefined) return;
    for (const listener of [...registered.keys()]) {
      // Read live: an earlier listener may have removed it (skipped) or re-registered it.
      const once = registered.get(listener);
      if (once === undefined) continue;
      if (once) registered.delete(listener); // removed before it runs
      try {
        (listener as (v: unknown) => void)(value);
      } catch (error) {
        this.logger.error(`${this.#name}: a "${String(event)}" listener threw: ${reason(error)}`);
      }
    }
  }

  /** Throws `closed` once the source is closed. */
  protected checkOpen(): void {
    if (this.#closed) throw new WorkloadApiError('closed', `${this.#name} is closed`);
  }

  /** Health common to every source; subclasses refine the state. */
  protected baseStatus(): SourceStatus {
    const all = [...this.#health.values()];
    const lastError = all.map((h) => h.lastError).find((e) => e !== undefined);
    const consecutiveErrors = all.reduce((n, h) => n + h.errors, 0);
    let state: SourceState;
    if (this.#closed) state = 'closed';
    else if (this.#failure) state = 'failed';
    else if (!this.#isReady()) state = 'starting';
    else state = consecutiveErrors > 0 ? 'stale' : 'ready';
    return { state, lastUpdate: this.#lastUpdate, consecutiveErrors, lastError };
  }

  /** The error that stopped the source's watch for good, if any. */
  protected get failure(): WorkloadApiError | undefined {
    return this.#failure;
  }

  /** Subclass clean-up on close (timers, caches). */
  protected onClose(): void {}

  #isReady(): boolean {
    return [...this.#health.values()].every((h) => h.updated);
  }

  /** An error saying why no first update came: e.g. "no identity issued: PermissionDenied, 3 attempts". */
  #explain(what: string, code: WorkloadApiError['code'], cause?: WorkloadApiError): WorkloadApiError {
    const pending = [...this.#health].filter(([, h]) => !h.updated);
    return new WorkloadApiError(code, `${what}: ${this.#pendingDetail()}`, {
      cause: cause ?? this.#lastErrorOf(pending),
    });
  }

  /** Why the streams without an update have none yet: their errors, or no answer. */
  #pendingDetail(): string {
    const pending = [...this.#health].filter(([, h]) => !h.updated);
    const parts = pending.map(([stream, h]) => {
      const e = h.lastError;
      if (e === undefined) return `${stream}: no answer from the agent yet`;
      const status = e.grpcCode !== undefined ? grpcName(e.grpcCode) : e.code;
      const why = WHY[e.code] ?? 'the Workload API call failed';
      const attempts = `${h.errors} failed attempt${h.errors === 1 ? '' : 's'}`;
      return `${stream}: ${why}: ${status}, ${attempts} (last error: ${e.message})`;
    });
    return parts.length > 0 ? parts.join('; ') : 'no answer from the agent yet';
  }

  #lastErrorOf(pending: [string, StreamHealth][]): WorkloadApiError | undefined {
    return pending.map(([, h]) => h.lastError).find((e) => e !== undefined);
  }
}

/** `PERMISSION_DENIED` → `PermissionDenied`. */
function grpcName(code: number): string {
  const name = GrpcStatus[code];
  if (name === undefined) return `gRPC code ${code}`;
  return name
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

function checkSourceOptions(name: string, options: SourceOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new WorkloadApiError('invalid_argument_local', `${name} options must be an object`);
  }
  if (options.client !== undefined && !(options.client instanceof WorkloadApiClient)) {
    throw new WorkloadApiError(
      'invalid_argument_local',
      `${name}: options.client must be a WorkloadApiClient`,
    );
  }
  if (options.client !== undefined && options.clientOptions !== undefined) {
    throw new WorkloadApiError(
      'invalid_argument_local',
      `${name}: pass either client or clientOptions, not both`,
    );
  }
  const t = options.timeoutMs;
  if (t !== undefined && (typeof t !== 'number' || !Number.isFinite(t) || t <= 0)) {
    throw new WorkloadApiError(
      'invalid_argument_local',
      `${name}: options.timeoutMs must be a positive number of ms`,
    );
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new WorkloadApiError('invalid_argument_local', `${name}: options.signal must be an AbortSignal`);
  }
}
