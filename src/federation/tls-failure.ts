import { TlsConfigError } from '../tlsconfig/index.js';
import { FederationError, reasonOf } from './errors.js';

/**
 * OpenSSL's certificate verification results as Node reports them (`err.code`), plus Node's own
 * hostname check: these mean "the server's certificate was not trusted", not a network problem.
 */
const CERTIFICATE_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Turns what a request failed with into the layer's error: our own reasons (timeout, abort, body
 * limits) pass through; the `tlsconfig` verdicts on an `https_spiffe` server become
 * `tls_verification` (not a valid X509-SVID of the endpoint's trust domain) or
 * `unauthorized_endpoint` (another SPIFFE ID); OpenSSL and hostname failures of an `https_web`
 * server become `tls_verification`; anything else is `network`.
 */
export function requestFailure(error: unknown, where: string): FederationError {
  if (error instanceof FederationError) return error;
  if (error instanceof TlsConfigError) {
    if (error.code === 'unauthorized') {
      return new FederationError(
        'unauthorized_endpoint',
        `${where}: the server is not the configured bundle endpoint (F-16, F-17): ${error.message}`,
        { cause: error },
      );
    }
    return new FederationError(
      'tls_verification',
      `${where}: the server's certificate is not a valid X509-SVID of the endpoint's trust domain (F-15, F-17): ${error.message}`,
      { cause: error },
    );
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CERTIFICATE_CODES.has(code)) {
    return new FederationError(
      'tls_verification',
      `${where}: the server's certificate did not verify (${code}) (F-12): ${reasonOf(error)}`,
      { cause: error },
    );
  }
  const suffix = typeof code === 'string' ? ` (${code})` : '';
  return new FederationError('network', `${where}: ${reasonOf(error)}${suffix}`, { cause: error });
}
