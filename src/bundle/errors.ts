import { SpiffeError } from '../internal/errors.js';

/**
 * Why a bundle operation failed. Stable across releases; the message adds what and where, and the
 * rule id (`B-n`, `X-n`, `J-n`) that was broken.
 *
 * Lookup:
 * - `bundle_not_found`: a source or set has no bundle for the trust domain (B-1, J-17, W-11).
 *
 * X.509 input (`X509Bundle.parse`, `parseRaw`, authority methods, `x5c`):
 * - `invalid_pem`: non-empty input with no PEM block, a BEGIN line without its END line, or a
 *   CERTIFICATE block whose body is not base64.
 * - `invalid_certificate`: bytes that are not exactly one DER certificate (or, for `parseRaw`, a
 *   concatenation of them), or a value that is neither an `X509Certificate` nor bytes.
 *
 * JSON input (`JwtBundle.parse`, `SpiffeBundle.parse`, `SpiffeBundleSet.parseMap`):
 * - `invalid_jwks`: not JSON (syntax, encoding, repeated member name, nesting), or not shaped as
 *   a JWK Set (top level not an object, `keys` not an array, a key not an object).
 * - `missing_keys`: no `keys` member, or `keys: null` (B-5).
 * - `invalid_jwk`: a key the SDK must load is malformed: bad key material, private members,
 *   `kid` not a string, `x5c` not base64 or not matching the key (RFC 7517 §4.7).
 * - `missing_key_id`: a JWT authority without `kid`, or an empty one (J-15, A-4).
 * - `duplicate_key_id`: two JWT authorities with the same `kid`.
 * - `invalid_sequence`: `spiffe_sequence` (or `setSequenceNumber`) not an integer in 0..2^64-1
 *   (B-3).
 * - `invalid_refresh_hint`: `spiffe_refresh_hint` (or `setRefreshHint`) not a whole,
 *   non-negative number of seconds (B-4).
 * - `invalid_bundle_map`: a bundle map without a `trust_domains` object, or with a key that is
 *   not a trust domain (B-12).
 * - `duplicate_trust_domain`: a bundle map names a trust domain twice (B-13).
 *
 * Keys and other arguments:
 * - `invalid_key`: a JWT authority that is not a public `KeyObject` (bundles never hold private
 *   or secret keys).
 * - `unsupported_key_type`: `SpiffeBundle.marshal` / `JwtBundle.marshal` met a key with no JWK
 *   form (e.g. an RSA-PSS or DSA certificate key).
 * - `invalid_argument`: a value of the wrong kind given to a bundle set or to
 *   `SpiffeBundle.fromX509Bundle` / `fromJwtBundle`.
 * - `trust_domain_mismatch`: a bundle is for another trust domain than the one it was given for
 *   (for layers that check a bundle against an expected trust domain).
 * - `read_failed`: `load()` could not read the file.
 */
export type BundleErrorCode =
  | 'bundle_not_found'
  | 'invalid_pem'
  | 'invalid_certificate'
  | 'invalid_jwks'
  | 'missing_keys'
  | 'invalid_jwk'
  | 'missing_key_id'
  | 'duplicate_key_id'
  | 'invalid_sequence'
  | 'invalid_refresh_hint'
  | 'invalid_bundle_map'
  | 'duplicate_trust_domain'
  | 'invalid_key'
  | 'unsupported_key_type'
  | 'invalid_argument'
  | 'trust_domain_mismatch'
  | 'read_failed';

/** Thrown by the `bundle` layer: malformed bundles, bad authorities, and failed lookups. */
export class BundleError extends SpiffeError {
  declare readonly code: BundleErrorCode;

  /** Creates the error with its stable `code`, a message saying what was wrong and where, and an optional `cause`. */
  constructor(code: BundleErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
