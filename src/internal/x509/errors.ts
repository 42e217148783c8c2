import { SpiffeError } from '../errors.js';

/**
 * Thrown by the internal DER reader when a certificate is not well-formed DER, breaks the X.509
 * structure (RFC 5280 §4.1), or carries a malformed or duplicated extension (§4.2). Internal:
 * each public layer catches it and rethrows its own error (keeping this one as `cause`).
 * The message names what was wrong and the byte offset where it was found.
 */
export class CertificateParseError extends SpiffeError {
  declare readonly code: 'malformed_certificate';

  constructor(message: string) {
    super('malformed_certificate', message);
  }
}
