import { FederationError } from './errors.js';

/**
 * Where bundle watches read the time and set their poll timers. The testing kit's `ManualClock`
 * fits, so a test moves time and sees the next poll happen without sleeping. Fetch timeouts
 * always use real timers (they bound network I/O).
 */
export interface FederationClock {
  /** The current time. */
  now(): Date;
  /** Calls `callback` once, `delayMs` from now; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, delayMs: number): unknown;
  /** Cancels a timer set with `setTimeout`. */
  clearTimeout(timer: unknown): void;
}

/** The real clock. Its poll timers keep the process alive, as an open watch should. */
export const realClock: FederationClock = Object.freeze({
  now: () => new Date(),
  setTimeout: (callback: () => void, delayMs: number): unknown => setTimeout(callback, delayMs),
  clearTimeout: (timer: unknown): void => clearTimeout(timer as ReturnType<typeof setTimeout>),
});

/** Checks a `clock` option. @throws {FederationError} `invalid_argument`. */
export function checkClock(clock: unknown, where: string): FederationClock {
  if (clock === undefined) return realClock;
  const c = clock as Partial<FederationClock> | null;
  if (
    typeof c?.now !== 'function' ||
    typeof c.setTimeout !== 'function' ||
    typeof c.clearTimeout !== 'function'
  ) {
    throw new FederationError(
      'invalid_argument',
      `${where}: clock must have now, setTimeout and clearTimeout`,
    );
  }
  return clock as FederationClock;
}
