import type { Logger } from '../internal/logger.js';
import { nullLogger } from '../internal/logger.js';
import type { EndpointAuth } from './auth.js';
import { FederationError } from './errors.js';

/** Default of {@link FetchBundleOptions.maxBodyBytes}: 1 MiB, far above any real bundle. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Default of {@link FetchBundleOptions.timeoutMs}. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Default of {@link FetchBundleOptions.maxRedirects}. */
export const DEFAULT_MAX_REDIRECTS = 5;

/** How `fetchBundle` fetches; `watchBundle` and `FederatedBundleSet` take the same options. */
export interface FetchBundleOptions {
  /** How the endpoint is authenticated: `https_web` or `https_spiffe` (F-6, F-8). Required. */
  auth: EndpointAuth;
  /** Aborts the fetch (`aborted`). */
  signal?: AbortSignal;
  /** Largest accepted body in bytes; default 1 MiB. */
  maxBodyBytes?: number;
  /** Deadline of the whole fetch, redirects included, in ms; default 30 000. */
  timeoutMs?: number;
  /** Redirects followed at most (each checked like the configured URL, F-12); default 5, 0 refuses all. */
  maxRedirects?: number;
  /** Where each fetch is logged (F-20); default: silent. Bundle contents are never logged. */
  logger?: Logger;
}

/** Fetch limits, checked. */
export interface FetchLimits {
  maxBodyBytes: number;
  timeoutMs: number;
  maxRedirects: number;
  logger: Logger;
}

/**
 * Checks the limits of fetch options.
 *
 * @throws {FederationError} `invalid_argument`.
 */
export function checkFetchLimits(options: Partial<FetchBundleOptions>, where: string): FetchLimits {
  const logger = options.logger ?? nullLogger;
  for (const method of ['debug', 'info', 'warn', 'error'] as const) {
    if (typeof (logger as Partial<Logger>)[method] !== 'function') {
      throw new FederationError(
        'invalid_argument',
        `${where}: logger must have debug, info, warn and error methods`,
      );
    }
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new FederationError('invalid_argument', `${where}: signal must be an AbortSignal`);
  }
  return {
    maxBodyBytes: whole(options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, 1, `${where}: maxBodyBytes`),
    timeoutMs: whole(options.timeoutMs, DEFAULT_TIMEOUT_MS, 1, `${where}: timeoutMs`),
    maxRedirects: whole(options.maxRedirects, DEFAULT_MAX_REDIRECTS, 0, `${where}: maxRedirects`),
    logger,
  };
}

/** A whole number option of at least `min`, or its default. @throws {FederationError} `invalid_argument`. */
export function whole(value: unknown, fallback: number, min: number, what: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new FederationError(
      'invalid_argument',
      `${what} must be a whole number >= ${min}, got ${String(value)}`,
    );
  }
  return value;
}
