/**
 * An async iterator over a stream of full-state snapshots that keeps only the newest one not yet
 * taken: a slow consumer skips stale states instead of queueing them (every Workload API message
 * replaces the previous one, W-4; a federation watch's bundles likewise). `end()` finishes it,
 * after the pending value; `end(error)` makes the iteration throw `error` once, after the pending
 * value.
 */
export class LatestChannel<T> implements AsyncIterableIterator<T> {
  #pending: { value: T } | undefined;
  #waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  #ended = false;
  #error: unknown;
  readonly #onReturn: (() => void) | undefined;
  readonly #onEnd: (() => void) | undefined;

  /**
   * @param hooks `onReturn`: called once when the consumer stops early (`break`, `return()`), to
   *   tell the producer; `onEnd`: called once when the iteration ends either way, for cleanup.
   */
  constructor(hooks: { onReturn?: () => void; onEnd?: () => void } = {}) {
    this.#onReturn = hooks.onReturn;
    this.#onEnd = hooks.onEnd;
  }

  /** Offers the newest value; a value not yet taken is replaced. */
  push(value: T): void {
    if (this.#ended) return;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter.resolve({ value, done: false });
    } else {
      this.#pending = { value };
    }
  }

  /** Ends the iteration: with `error`, the next `next()` after the pending value rejects with it. */
  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    this.#onEnd?.();
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      this.#settle(waiter);
    }
  }

  /** The next snapshot: the pending one, or the next pushed. */
  next(): Promise<IteratorResult<T>> {
    const pending = this.#pending;
    if (pending) {
      this.#pending = undefined;
      return Promise.resolve({ value: pending.value, done: false });
    }
    return new Promise((resolve, reject) => {
      if (this.#ended) this.#settle({ resolve, reject });
      else this.#waiter = { resolve, reject };
    });
  }

  /** Stops early: drops the pending value and tells the producer. */
  return(): Promise<IteratorResult<T>> {
    this.#pending = undefined;
    if (!this.#ended) {
      this.end();
      this.#onReturn?.();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #settle(waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }): void {
    const error = this.#error;
    if (error !== undefined) {
      this.#error = undefined;
      waiter.reject(error);
    } else {
      waiter.resolve({ value: undefined, done: true });
    }
  }
}
