import type { JsonValue } from '../internal/json.js';
import { BundleError } from './errors.js';

/** B-3: `spiffe_sequence` is at least 64 bits; the SDK keeps it as an exact unsigned 64-bit bigint. */
export const MAX_SEQUENCE = 2n ** 64n - 1n;

/**
 * Checks a sequence number (B-3): an integer in 0..2^64-1. A `number` must be a safe integer
 * (beyond 2^53 only a `bigint` is exact).
 *
 * @throws {BundleError} `invalid_sequence`.
 */
export function checkSequence(value: unknown, where: string): bigint {
  if (typeof value === 'bigint' && value >= 0n && value <= MAX_SEQUENCE) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  throw new BundleError(
    'invalid_sequence',
    `${where}: the sequence number must be an integer from 0 to 2^64-1, got ${describeNumber(value)} (B-3)`,
  );
}

/**
 * Checks a refresh hint (B-4): a whole, non-negative, safe integer number of seconds.
 *
 * @throws {BundleError} `invalid_refresh_hint`.
 */
export function checkRefreshHint(value: unknown, where: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  throw new BundleError(
    'invalid_refresh_hint',
    `${where}: the refresh hint must be a whole, non-negative number of seconds, got ${describeNumber(value)} (B-4)`,
  );
}

/** Reads `spiffe_sequence`; absent or null means none (as go-spiffe reads it). */
export function readSequence(value: JsonValue | undefined, where: string): bigint | undefined {
  return value === undefined || value === null
    ? undefined
    : checkSequence(value, `${where}: "spiffe_sequence"`);
}

/** Reads `spiffe_refresh_hint`; absent or null means none (as go-spiffe reads it). */
export function readRefreshHint(value: JsonValue | undefined, where: string): number | undefined {
  return value === undefined || value === null
    ? undefined
    : checkRefreshHint(value, `${where}: "spiffe_refresh_hint"`);
}

function describeNumber(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint') {
    const text = String(value);
    return text.length > 40 ? `${text.slice(0, 40)}…` : text;
  }
  return value === null ? 'null' : `a ${Array.isArray(value) ? 'array' : typeof value}`;
}
