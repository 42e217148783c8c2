import { SpiffeError } from '../internal/errors.js';

/**
 * Why an SVID was refused. Stable across releases; the message adds what and where, and the rule
 * id (`X-n`, `J-n`, RFC 5280 section) that was broken.
 *
 * Input and usage:
 * - `invalid_argument`: the caller passed something unusable (an empty expected audience list,
 *   a non-string token, a bad leeway ...). This is a programming error, not a bad SVID.
 * - `read_failed`: `X509Svid.load` could not read a file.
 *
 * X509-SVID parsing (`X509Svid.parse*`) and leaf checks shared with verification:
 * - `invalid_certificate`: not PEM / not DER / not a certificate the SDK can read.
 * - `no_certificates`: no certificate at all.
 * - `invalid_private_key`: no PKCS#8 key, malformed or encrypted key, or an unsupported key type.
 * - `key_mismatch`: the private key does not belong to the leaf's public key.
 * - `no_uri_san`, `multiple_uri_sans`, `invalid_spiffe_id`.
 * - `leaf_root_path`, `leaf_is_ca`, `leaf_key_usage`,
 *   `leaf_ext_key_usage`, `leaf_san_not_critical`.
 * - `signing_certificate_not_ca`, `signing_certificate_key_usage`,
 *   `signing_certificate_id_path`.
 *
 * X509-SVID verification (`verifyX509Svid`, X-14 / RFC 5280 §6):
 * - `bundle_not_found`: no X.509 bundle for the leaf's trust domain (B-1).
 * - `untrusted_chain`: no path from the leaf to an authority of that bundle.
 * - `certificate_expired`, `certificate_not_yet_valid`, `path_length_exceeded`,
 *   `name_constraint_violation`, `unsupported_name_constraint`, `unknown_critical_extension`.
 * - Key and algorithm policy (docs/svid.md, "Keys and algorithms"), for every certificate of a
 *   path: `weak_key` (RSA under 2048 bits, an even or too small exponent),
 *   `unsupported_key` (RSA over 8192 bits or with an exponent over 2^31 - 1, EC curves other than
 *   P-256/P-384/P-521, key types other than RSA, EC and Ed25519), `weak_signature_algorithm`
 *   (MD5, SHA-1 and older), `unsupported_signature_algorithm` (outside the allow-list, e.g.
 *   RSASSA-PSS).
 *
 * JWT-SVID (`JwtSvid.parseAndValidate`, `JwtSvid.parseInsecure`):
 * - `malformed_token` (J-1), `unsupported_algorithm` (J-3, J-4), `invalid_header` (J-6, `crit`,
 *   `kid`), `missing_claim` / `invalid_claim` (J-7, J-8, J-12), `audience_mismatch` (J-10),
 *   `token_expired`, `token_not_yet_valid`, `token_issued_in_future` (J-12, A-9),
 *   `bundle_not_found` (J-17), `authority_not_found` (J-5), `key_algorithm_mismatch` (J-3: the
 *   bundle key cannot verify that `alg`), `invalid_signature`.
 */
export type SvidErrorCode =
  | 'invalid_argument'
  | 'read_failed'
  | 'invalid_certificate'
  | 'no_certificates'
  | 'invalid_private_key'
  | 'key_mismatch'
  | 'no_uri_san'
  | 'multiple_uri_sans'
  | 'invalid_spiffe_id'
  | 'leaf_root_path'
  | 'leaf_is_ca'
  | 'leaf_key_usage'
  | 'leaf_ext_key_usage'
  | 'leaf_san_not_critical'
  | 'signing_certificate_not_ca'
  | 'signing_certificate_key_usage'
  | 'signing_certificate_id_path'
  | 'unknown_critical_extension'
  | 'bundle_not_found'
  | 'untrusted_chain'
  | 'certificate_expired'
  | 'certificate_not_yet_valid'
  | 'name_constraint_violation'
  | 'unsupported_name_constraint'
  | 'path_length_exceeded'
  | 'weak_key'
  | 'unsupported_key'
  | 'weak_signature_algorithm'
  | 'unsupported_signature_algorithm'
  | 'malformed_token'
  | 'unsupported_algorithm'
  | 'invalid_header'
  | 'missing_claim'
  | 'invalid_claim'
  | 'audience_mismatch'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'token_issued_in_future'
  | 'authority_not_found'
  | 'key_algorithm_mismatch'
  | 'invalid_signature';

/** Thrown by the `svid` layer: an X509-SVID or JWT-SVID was malformed, untrusted or unusable. */
export class SvidError extends SpiffeError {
  declare readonly code: SvidErrorCode;

  /** Creates the error with its stable `code`, a message saying what was wrong and where, and an optional `cause`. */
  constructor(code: SvidErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
