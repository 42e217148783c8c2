import { SpiffeError } from '../internal/errors.js';

/** Why a SPIFFE ID, trust domain or path was refused. */
export type SpiffeIdErrorCode =
  | 'empty'
  | 'invalid_scheme'
  | 'missing_trust_domain'
  | 'invalid_trust_domain'
  | 'invalid_path'
  | 'too_long'
  | 'unexpected_id'
  | 'unexpected_trust_domain';

/** Thrown by the `spiffeid` layer: invalid IDs, trust domains, paths, and failed matchers. */
export class SpiffeIdError extends SpiffeError {
  declare readonly code: SpiffeIdErrorCode;

  /** Creates the error with its stable `code`, a message saying what was wrong and where, and an optional `cause`. */
  constructor(code: SpiffeIdErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
