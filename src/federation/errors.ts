import { SpiffeError } from '../internal/errors.js';

/**
 * Why a federation operation failed. Stable across releases; the message adds what and where
 * (trust domain, URL without its query) and the rule id (`F-n`) that was broken.
 *
 * Fetching a bundle (`fetchBundle`, `watchBundle`, `FederatedBundleSet`):
 * - `invalid_url`: the configured URL is not `https:`, carries userinfo, or is not a URL (F-9,
 *   F-13).
 * - `redirect_refused`: a redirect pointed to a URL that breaks the same rules (F-12), or had no
 *   usable `Location`.
 * - `too_many_redirects`: more redirects than `maxRedirects` (default 5).
 * - `http_status`: the final answer was not `200 OK`.
 * - `content_type`: a `Content-Type` other than `application/json` (or `application/jwk-set+json`)
 *   in UTF-8, or a `Content-Encoding` other than identity (F-11).
 * - `body_too_large`: the body exceeded `maxBodyBytes` (default 1 MiB).
 * - `invalid_bundle`: the body is not a SPIFFE bundle (the `BundleError` is the `cause`).
 * - `tls_verification`: the server's certificate did not verify: Web PKI roots or hostname (F-12),
 *   or, for `https_spiffe`, not a valid X509-SVID of the endpoint's trust domain (F-15, F-17),
 *   or no bundle to verify it with.
 * - `unauthorized_endpoint`: `https_spiffe` only: a valid X509-SVID, but not the configured
 *   endpoint SPIFFE ID (F-16, F-17).
 * - `timeout`: the fetch took longer than `timeoutMs` (default 30 s); `ready()` timed out.
 * - `aborted`: the caller's `signal` was aborted.
 * - `network`: the connection failed or broke (DNS, refused, reset, TLS protocol error).
 *
 * Arguments:
 * - `invalid_argument`: a trust domain, endpoint ID, auth profile, source or option that cannot
 *   be used.
 * - `closed`: the watch or set was closed.
 */
export type FederationErrorCode =
  | 'invalid_url'
  | 'redirect_refused'
  | 'too_many_redirects'
  | 'http_status'
  | 'content_type'
  | 'body_too_large'
  | 'invalid_bundle'
  | 'tls_verification'
  | 'unauthorized_endpoint'
  | 'timeout'
  | 'aborted'
  | 'network'
  | 'invalid_argument'
  | 'closed';

/** Thrown by the `federation` layer: failed bundle fetches, refused endpoints, bad arguments. */
export class FederationError extends SpiffeError {
  declare readonly code: FederationErrorCode;

  /** Creates the error with its stable `code`, a message saying what was wrong and where, and an optional `cause`. */
  constructor(code: FederationErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The message of any thrown value, for wrapping it into a `FederationError`. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
