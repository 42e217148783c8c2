import type { SpiffeBundle } from '../bundle/index.js';
import { quote } from '../internal/errors.js';
import type { Logger } from '../internal/logger.js';
import type { TrustDomain } from '../spiffeid/index.js';
import { checkClock, type FederationClock } from './clock.js';
import { FederationError, reasonOf } from './errors.js';
import { planFetch, runFetch, type FetchPlan } from './fetch-bundle.js';
import { whole, type FetchBundleOptions } from './fetch-options.js';
import { LatestChannel } from '../internal/latest-channel.js';
import { DEFAULT_REFRESH_MS, MAX_REFRESH_MS, judgeFetched, refreshDelay } from './refresh.js';
import { displayUrl } from './url.js';

/** Options of {@link watchBundle}: those of `fetchBundle`, plus scheduling and callbacks. */
export interface WatchBundleOptions extends FetchBundleOptions {
  /** Stops the watch when aborted (as `close()`). */
  signal?: AbortSignal;
  /** The clock of the poll timers; default the real one (a `ManualClock` in tests). */
  clock?: FederationClock;
  /** Called with each new bundle (a copy), in order. */
  onUpdate?: (bundle: SpiffeBundle) => void;
  /** Called with each failed fetch; the watch retries at the next interval (F-18). */
  onError?: (error: FederationError) => void;
  /** Poll interval when the bundle has no refresh hint, in ms; default 5 minutes (F-2, B-16). */
  defaultRefreshMs?: number;
}

/** Options of {@link BundleWatch.updates}. */
export interface BundleUpdatesOptions {
  /** Ends the iteration when aborted. */
  signal?: AbortSignal;
}

/** The health of a {@link BundleWatch}. */
export interface BundleWatchStatus {
  /** When the held bundle was accepted, by the watch's clock. */
  lastUpdate: Date | undefined;
  /** When the last fetch ended. */
  lastFetch: Date | undefined;
  /** Failed fetches since the last successful one. */
  consecutiveFailures: number;
  /** The error of the last fetch, if it failed. */
  lastError: FederationError | undefined;
  /** When the next fetch is due; undefined while one runs or once closed. */
  nextRefreshAt: Date | undefined;
}

/**
 * Keeps the bundle of one trust domain fresh by polling its bundle endpoint (SPIFFE Federation
 * §4, §6.2). Made by {@link watchBundle}.
 */
export class BundleWatch implements AsyncIterable<SpiffeBundle>, AsyncDisposable, Disposable {
  /** The trust domain whose bundle is watched. */
  readonly trustDomain: TrustDomain;
  readonly #plan: FetchPlan;
  readonly #selfServing: boolean;
  readonly #clock: FederationClock;
  readonly #logger: Logger;
  readonly #defaultRefreshMs: number;
  readonly #onUpdate: ((bundle: SpiffeBundle) => void) | undefined;
  readonly #onError: ((error: FederationError) => void) | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => this.close();
  readonly #channels = new Set<LatestChannel<SpiffeBundle>>();
  #held: SpiffeBundle | undefined;
  #timer: { handle: unknown; dueAt: Date } | undefined;
  #inFlight: AbortController | undefined;
  #closed = false;
  #lastUpdate: Date | undefined;
  #lastFetch: Date | undefined;
  #failures = 0;
  #lastError: FederationError | undefined;

  /** @internal made by `watchBundle` */
  constructor(plan: FetchPlan, options: WatchBundleOptions, where: string) {
    this.#plan = plan;
    this.trustDomain = plan.trustDomain;
    const { auth } = plan;
    this.#selfServing =
      auth.profile === 'https_spiffe' && auth.endpointId.trustDomain.equals(plan.trustDomain);
    this.#clock = checkClock(options.clock, where);
    this.#logger = plan.limits.logger;
    this.#defaultRefreshMs = whole(
      options.defaultRefreshMs,
      DEFAULT_REFRESH_MS,
      1000,
      `${where}: defaultRefreshMs`,
    );
    if (this.#defaultRefreshMs > MAX_REFRESH_MS) {
      throw new FederationError(
        'invalid_argument',
        `${where}: defaultRefreshMs must be at most ${MAX_REFRESH_MS}`,
      );
    }
    this.#onUpdate = checkCallback(options.onUpdate, `${where}: onUpdate`);
    this.#onError = checkCallback(options.onError, `${where}: onError`);
    this.#signal = options.signal;
  }

  /** @internal starts polling: the first fetch at once */
  start(): this {
    if (this.#signal?.aborted) {
      this.close();
      return this;
    }
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    void this.#poll();
    return this;
  }

  /** A copy of the bundle held now (the newest accepted, F-3), or undefined before the first one. */
  latest(): SpiffeBundle | undefined {
    return this.#held?.clone();
  }

  /** The watch's health, for monitoring. */
  status(): BundleWatchStatus {
    return {
      lastUpdate: this.#lastUpdate,
      lastFetch: this.#lastFetch,
      consecutiveFailures: this.#failures,
      lastError: this.#lastError,
      nextRefreshAt: this.#timer?.dueAt,
    };
  }

  /**
   * The bundle updates as an async iterator (copies), starting with the held bundle if there is
   * one; a slow consumer gets the newest bundle, never a backlog. Failed fetches do not end it
   * (see `onError`); it ends when the watch is closed or `signal` aborts.
   */
  updates(options: BundleUpdatesOptions = {}): AsyncIterableIterator<SpiffeBundle> {
    const signal = options.signal;
    const onAbort = (): void => channel.end();
    const channel = new LatestChannel<SpiffeBundle>({
      onEnd: () => {
        this.#channels.delete(channel);
        signal?.removeEventListener('abort', onAbort);
      },
    });
    if (this.#held !== undefined) channel.push(this.#held.clone());
    if (this.#closed || signal?.aborted) {
      channel.end();
      return channel;
    }
    this.#channels.add(channel);
    signal?.addEventListener('abort', onAbort, { once: true });
    return channel;
  }

  /** `for await (const bundle of watch)`: {@link BundleWatch.updates}. */
  [Symbol.asyncIterator](): AsyncIterator<SpiffeBundle> {
    return this.updates();
  }

  /** Whether the watch was closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Stops polling, cancels a fetch under way and ends the iterators. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer.handle);
    this.#timer = undefined;
    this.#inFlight?.abort(new FederationError('closed', 'the bundle watch was closed'));
    for (const channel of [...this.#channels]) channel.end();
    this.#logger.debug(`federation: stopped watching the bundle of ${quote(this.trustDomain.name)}`);
  }

  /** `using watch = watchBundle(...)`: closes it. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `await using watch = watchBundle(...)`: closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  async #poll(): Promise<void> {
    this.#timer = undefined;
    if (this.#closed) return;
    const inFlight = new AbortController();
    this.#inFlight = inFlight;
    // F-17: a self-serving endpoint is verified with the configured bundle the first time, with
    // the latest fetched bundle after that.
    const verifyWith = this.#selfServing ? this.#held : undefined;
    try {
      const { bundle } = await runFetch(this.#plan, inFlight.signal, verifyWith);
      if (this.#closed) return;
      this.#lastFetch = this.#clock.now();
      this.#failures = 0;
      this.#lastError = undefined;
      this.#accept(bundle);
    } catch (error) {
      if (this.#closed) return;
      this.#lastFetch = this.#clock.now();
      this.#failures++;
      const failure =
        error instanceof FederationError
          ? error
          : new FederationError('network', reasonOf(error), { cause: error });
      this.#lastError = failure;
      this.#call(this.#onError, failure, 'onError');
    } finally {
      if (this.#inFlight === inFlight) this.#inFlight = undefined;
    }
    this.#schedule();
  }

  #accept(bundle: SpiffeBundle): void {
    const td = quote(this.trustDomain.name);
    const held = this.#held;
    const verdict = judgeFetched(held, bundle);
    if (verdict === 'unchanged') {
      this.#logger.debug(`federation: the bundle of ${td} is unchanged`);
      return;
    }
    if (verdict === 'older') {
      this.#logger.warn(
        `federation: ignoring a bundle of ${td} with sequence ${bundle.sequenceNumber} lower than the held ` +
          `${held?.sequenceNumber} (F-4)`,
      );
      return;
    }
    if (
      held !== undefined &&
      held.sequenceNumber !== undefined &&
      held.sequenceNumber === bundle.sequenceNumber
    ) {
      this.#logger.warn(
        `federation: the bundle of ${td} changed but kept sequence ${bundle.sequenceNumber} (B-3 says it changes on ` +
          'every update); taking the newest fetch',
      );
    }
    this.#held = bundle;
    this.#lastUpdate = this.#clock.now();
    this.#logger.info(
      `federation: new bundle of ${td} (sequence ${bundle.sequenceNumber ?? 'none'}, ` +
        `${bundle.x509Authorities().length} X.509 and ${bundle.jwtAuthorities().size} JWT authorities)`,
    );
    this.#call(this.#onUpdate, bundle.clone(), 'onUpdate');
    for (const channel of this.#channels) channel.push(bundle.clone());
  }

  #schedule(): void {
    if (this.#closed) return;
    const delay = refreshDelay(this.#held, this.#defaultRefreshMs);
    const dueAt = new Date(this.#clock.now().getTime() + delay);
    this.#timer = { handle: this.#clock.setTimeout(() => void this.#poll(), delay), dueAt };
    this.#logger.debug(
      `federation: next fetch of the bundle of ${quote(this.trustDomain.name)} from ` +
        `${displayUrl(this.#plan.url)} at ${dueAt.toISOString()}`,
    );
  }

  #call<T>(callback: ((value: T) => void) | undefined, value: T, name: string): void {
    if (callback === undefined) return;
    try {
      callback(value);
    } catch (error) {
      this.#logger.error(`federation: the ${name} callback of the bundle watch threw: ${reasonOf(error)}`);
    }
  }
}

/**
 * Watches the bundle of `trustDomain` at a bundle endpoint: fetches it now, then polls (F-2,
 * F-18), with every fetch checked as `fetchBundle` checks it.
 *
 * - Interval: the held bundle's `spiffe_refresh_hint`, clamped to 1 minute .. 1 day; without a
 *   hint, `defaultRefreshMs` (5 minutes, F-2, B-16). A failed fetch is reported to `onError`
 *   and retried at the next interval, never in a tight loop (F-18).
 * - Updates: only a bundle that differs from the held one is reported (`onUpdate` and the async
 *   iterator). By `spiffe_sequence` (F-4): a fetched bundle with a lower sequence than the held
 *   one is not an update (it is logged and ignored); without sequence numbers the newest fetch
 *   wins.
 * - `https_spiffe` with a self-serving endpoint (the endpoint's trust domain is `trustDomain`):
 *   the first fetch is verified with `auth.bundle`, every later one with the newest fetched
 *   bundle (F-14, F-17). Otherwise `auth.bundle` is asked on every fetch (pass a live source).
 * - Each fetch starts at the configured URL: redirects are never remembered (F-12).
 * - Stops on `close()` or when `signal` aborts.
 *
 * @example
 * const watch = watchBundle('partner.example', 'https://bundle.partner.example/', {
 *   auth: { profile: 'https_web' },
 *   onError: (error) => console.warn(error.message),
 * });
 * for await (const bundle of watch) console.log('sequence', bundle.sequenceNumber);
 * @throws {FederationError} `invalid_argument` or `invalid_url` for bad arguments (fetch
 *   failures go to `onError`).
 */
export function watchBundle(
  trustDomain: TrustDomain | string,
  url: string | URL,
  options: WatchBundleOptions,
): BundleWatch {
  const where = 'watchBundle';
  const plan = planFetch(trustDomain, url, options, where);
  return new BundleWatch(plan, options, where).start();
}

function checkCallback<T>(value: unknown, what: string): ((value: T) => void) | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function')
    throw new FederationError('invalid_argument', `${what} must be a function`);
  return value as (value: T) => void;
}
