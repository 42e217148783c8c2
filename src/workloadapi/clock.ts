/**
 * Where the Workload API layer reads the time: validity checks of what the agent sends (an
 * expired X509-SVID or JWT-SVID is discarded), the expiry of the SVID a source serves, the
 * half-life of cached JWT-SVIDs and the timer of the `expiring` warning. The testing kit's
 * `ManualClock` fits, so tests move time without sleeping. Reconnect backoff always uses real
 * timers.
 */
export interface WorkloadApiClock {
  /** The current time. */
  now(): Date;
  /** Calls `callback` once, `delayMs` from now; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, delayMs: number): unknown;
  /** Cancels a timer set with `setTimeout`. */
  clearTimeout(timer: unknown): void;
}

// Node's timers overflow above 2^31-1 ms (about 24.8 days): longer delays are re-armed in steps.
const MAX_NODE_DELAY = 2 ** 31 - 1;

interface RealTimer {
  handle: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The real clock. Its timers are `unref`'d: a pending expiry warning alone never keeps the
 * process alive (an open watch does).
 */
export const realClock: WorkloadApiClock = Object.freeze({
  now: () => new Date(),
  setTimeout(callback: () => void, delayMs: number): unknown {
    const due = Date.now() + (Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0);
    const timer: RealTimer = { handle: undefined };
    const arm = (): void => {
      const remaining = due - Date.now();
      timer.handle =
        remaining > MAX_NODE_DELAY
          ? setTimeout(arm, MAX_NODE_DELAY)
          : setTimeout(callback, Math.max(0, remaining));
      timer.handle.unref();
    };
    arm();
    return timer;
  },
  clearTimeout(timer: unknown): void {
    const handle = (timer as Partial<RealTimer> | undefined)?.handle;
    if (handle !== undefined) clearTimeout(handle);
  },
});
