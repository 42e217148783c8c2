import { TestingError } from './errors.js';

/** A timer set with {@link Clock.setTimeout}; pass it to {@link Clock.clearTimeout} to cancel it. */
export interface ClockTimer {
  /** When the timer fires, by its clock. */
  readonly dueAt: Date;
}

/**
 * A source of time with timers. The testing kit reads time only through a `Clock`, so a test can
 * swap the {@link systemClock} for a {@link ManualClock} and move time itself: certificate
 * validity, token expiry, authority retirement and the timers of a fake agent then follow it.
 */
export interface Clock {
  /** The current time. */
  now(): Date;
  /** Calls `callback` once, `delayMs` milliseconds from now by this clock. */
  setTimeout(callback: () => void, delayMs: number): ClockTimer;
  /** Cancels a timer of this clock; a timer that already fired or was cancelled is ignored. */
  clearTimeout(timer: ClockTimer): void;
}

// Node's timers overflow above 2^31-1 ms (about 24.8 days): longer delays are re-armed in steps.
const MAX_NODE_DELAY = 2 ** 31 - 1;

interface SystemTimer extends ClockTimer {
  handle: ReturnType<typeof setTimeout> | undefined;
}

function delayOf(delayMs: number): number {
  return Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0;
}

/**
 * The real clock. Its timers are `unref`'d: a pending timer alone does not keep the process alive
 * (a test runner must never hang on a fake CA or agent that was left running).
 */
export const systemClock: Clock = Object.freeze({
  now: () => new Date(),
  setTimeout(callback: () => void, delayMs: number): ClockTimer {
    const timer: SystemTimer = { dueAt: new Date(Date.now() + delayOf(delayMs)), handle: undefined };
    const arm = (): void => {
      const remaining = timer.dueAt.getTime() - Date.now();
      timer.handle =
        remaining > MAX_NODE_DELAY
          ? setTimeout(arm, MAX_NODE_DELAY)
          : setTimeout(callback, Math.max(0, remaining));
      timer.handle.unref();
    };
    arm();
    return timer;
  },
  clearTimeout(timer: ClockTimer): void {
    const handle = (timer as Partial<SystemTimer>).handle;
    if (handle !== undefined) clearTimeout(handle);
  },
});

interface ManualTimer extends ClockTimer {
  readonly due: number;
  readonly seq: number;
  readonly callback: () => void;
}

/**
 * A clock that moves only when told to. {@link ManualClock.advance} fires the timers that fall due
 * on the way, in order of due time (then of creation), each seeing `now()` equal to its due time;
 * timers set by those callbacks fire too if they fall due before the target time.
 *
 * @example
 * const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
 * clock.setTimeout(() => console.log('half-life', clock.now()), 30 * 60_000);
 * clock.advance(60 * 60_000); // prints "half-life 2030-01-01T00:30:00.000Z"
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: ManualTimer[] = [];
  readonly #listeners = new Set<(now: Date) => void>();

  /**
   * @param start the initial time; defaults to the real current time, so that certificates
   *   minted on this clock also verify with tools that use the real time (such as `openssl verify`).
   * @throws {TestingError} `invalid_option` when `start` is not a valid date.
   */
  constructor(start: Date | number = new Date()) {
    this.#now = checkedTime(start, 'start');
  }

  /** The current time of this clock. */
  now(): Date {
    return new Date(this.#now);
  }

  /** How many timers are waiting to fire. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Calls `callback` once this clock has been moved `delayMs` (at least 0) past the current time. */
  setTimeout(callback: () => void, delayMs: number): ClockTimer {
    const due = this.#now + delayOf(delayMs);
    const timer: ManualTimer = { due, dueAt: new Date(due), seq: this.#seq++, callback };
    this.#timers.push(timer);
    this.#timers.sort((a, b) => a.due - b.due || a.seq - b.seq);
    return timer;
  }

  /** Cancels a timer set on this clock. */
  clearTimeout(timer: ClockTimer): void {
    this.#timers = this.#timers.filter((t) => t !== timer);
  }

  /**
   * Moves the clock `ms` milliseconds forward, firing due timers on the way, then notifies the
   * {@link ManualClock.onChange} listeners. An exception from a timer stops the advance there and
   * propagates (the clock stays at that timer's due time).
   * @throws {TestingError} `invalid_option` when `ms` is negative or not finite.
   */
  advance(ms: number): void {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new TestingError(
        'invalid_option',
        `ManualClock.advance: expected a finite number >= 0, got ${String(ms)}`,
      );
    }
    const target = this.#now + ms;
    for (;;) {
      const next = this.#timers[0];
      if (next === undefined || next.due > target) break;
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.due);
      next.callback();
    }
    this.#now = Math.max(this.#now, target);
    this.#notify();
  }

  /**
   * Sets the clock to `time`. Moving forward is {@link ManualClock.advance}; moving backward
   * fires nothing (pending timers keep their due times) but still notifies the listeners.
   * @throws {TestingError} `invalid_option` when `time` is not a valid date.
   */
  set(time: Date | number): void {
    const to = checkedTime(time, 'time');
    if (to >= this.#now) {
      this.advance(to - this.#now);
      return;
    }
    this.#now = to;
    this.#notify();
  }

  /**
   * Calls `listener` with the new time after every {@link ManualClock.advance} or
   * {@link ManualClock.set}. Returns a function that removes the listener.
   */
  onChange(listener: (now: Date) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(): void {
    const now = this.now();
    for (const listener of [...this.#listeners]) listener(now);
  }
}

function checkedTime(value: Date | number, what: string): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new TestingError(
      'invalid_option',
      `ManualClock: ${what} must be a valid Date or epoch milliseconds`,
    );
  }
  return ms;
}
