import type { SpiffeBundle } from '../bundle/index.js';

/** Poll interval when the bundle has no refresh hint: five minutes (F-2, B-16). */
export const DEFAULT_REFRESH_MS = 5 * 60_000;
/** Shortest poll interval a refresh hint can ask for: one minute (SPIRE's `MinimumRefreshHint`). */
export const MIN_REFRESH_MS = 60_000;
/** Longest poll interval a refresh hint can ask for: one day. */
export const MAX_REFRESH_MS = 24 * 60 * 60_000;

/**
 * When to poll next (F-2, F-18): the bundle's `spiffe_refresh_hint`, clamped to one minute .. one
 * day (a hint is only a hint, B-4: a misconfigured `0` must not turn into a tight loop, nor a
 * 28-day hint into a month without refresh); without a hint, `defaultMs` (B-16). A failed fetch
 * is retried at the same interval, never sooner (F-18).
 */
export function refreshDelay(bundle: SpiffeBundle | undefined, defaultMs: number): number {
  const hint = bundle?.refreshHint;
  if (hint === undefined) return defaultMs;
  return Math.min(MAX_REFRESH_MS, Math.max(MIN_REFRESH_MS, hint * 1000));
}

/** What a fetched bundle means for the one held. */
export type FetchedBundleVerdict = 'update' | 'unchanged' | 'older';

/**
 * F-3, F-4: a fetched bundle replaces the held one when it differs and is not older. With both
 * sequence numbers present, a lower one is older (a stale replica or a replay) and is ignored;
 * otherwise the newest fetch wins.
 */
export function judgeFetched(held: SpiffeBundle | undefined, fetched: SpiffeBundle): FetchedBundleVerdict {
  if (held === undefined) return 'update';
  if (held.equals(fetched)) return 'unchanged';
  const a = held.sequenceNumber;
  const b = fetched.sequenceNumber;
  if (a !== undefined && b !== undefined && b < a) return 'older';
  return 'update';
}
