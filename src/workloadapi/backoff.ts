import { WorkloadApiError } from './errors.js';

/**
 * How long a watch waits before it calls the agent again after a failure: exponential, with
 * jitter, capped, and reset by every good message. go-spiffe waits 1 s, 2 s, 3 s … 30 s (linear);
 * the SDK grows faster and spreads reconnects out so that many workloads on one agent do not
 * reconnect in lockstep after an agent restart.
 */
export interface BackoffOptions {
  /** The first delay in ms (after a reset). Default 1000; at least 1, so a watch never spins. */
  initialDelayMs?: number;
  /** The longest delay in ms, jitter included. Default 30000 (go-spiffe's cap). */
  maxDelayMs?: number;
  /** Each delay is the previous one times this, before jitter. Default 2; at least 1. */
  multiplier?: number;
  /**
   * Random spread as a fraction of the delay, from 0 (none) to 1: a delay `d` becomes a value in
   * `[d·(1−jitter), d·(1+jitter)]`, then capped. Default 0.2.
   */
  jitter?: number;
}

const DEFAULTS: Required<BackoffOptions> = {
  initialDelayMs: 1000,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: 0.2,
};

/**
 * The delays of one watch: `next()` gives the delay before the next attempt, `reset()` starts
 * over after a success.
 *
 * @example
 * const b = new Backoff({ initialDelayMs: 100, maxDelayMs: 1000, jitter: 0 });
 * [b.next(), b.next(), b.next()]; // [100, 200, 400]
 */
export class Backoff {
  /** The options in effect, defaults filled in. */
  readonly options: Readonly<Required<BackoffOptions>>;
  readonly #random: () => number;
  #attempt = 0;

  /**
   * @param options see {@link BackoffOptions}.
   * @param random a source of numbers in [0, 1) for the jitter; default `Math.random`.
   * @throws {WorkloadApiError} `invalid_argument_local` for an option out of range.
   */
  constructor(options: BackoffOptions = {}, random: () => number = Math.random) {
    this.options = Object.freeze(checkBackoffOptions(options));
    this.#random = random;
  }

  /** The delay in ms before the next attempt; each call moves one step further. */
  next(): number {
    const { initialDelayMs, maxDelayMs, multiplier, jitter } = this.options;
    const base = Math.min(maxDelayMs, initialDelayMs * multiplier ** this.#attempt);
    if (base < maxDelayMs) this.#attempt++;
    const spread = jitter === 0 ? 1 : 1 + jitter * (2 * this.#random() - 1);
    return Math.max(1, Math.min(maxDelayMs, Math.round(base * spread)));
  }

  /** Starts over from `initialDelayMs` (called after a good message). */
  reset(): void {
    this.#attempt = 0;
  }
}

/** The options with defaults filled in; throws `invalid_argument_local` for a bad value. */
export function checkBackoffOptions(options: BackoffOptions | undefined): Required<BackoffOptions> {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new WorkloadApiError('invalid_argument_local', 'backoff options must be an object');
  }
  const o = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS) as (keyof BackoffOptions)[]) {
    const value = options?.[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new WorkloadApiError('invalid_argument_local', `backoff.${key} must be a finite number`);
    }
    o[key] = value;
  }
  if (o.initialDelayMs < 1)
    throw range('initialDelayMs', 'at least 1 (a watch must never retry in a tight loop)');
  if (o.maxDelayMs < o.initialDelayMs) throw range('maxDelayMs', 'at least initialDelayMs');
  if (o.multiplier < 1) throw range('multiplier', 'at least 1');
  if (o.jitter < 0 || o.jitter > 1) throw range('jitter', 'from 0 to 1');
  return o;
}

function range(key: string, what: string): WorkloadApiError {
  return new WorkloadApiError('invalid_argument_local', `backoff.${key} must be ${what}`);
}
