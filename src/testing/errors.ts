import { SpiffeError } from '../internal/errors.js';

/** Why the testing kit refused a request. */
export type TestingErrorCode =
  /** An option has a value the kit cannot use (unknown key type, negative TTL, malformed DN, ...). */
  | 'invalid_option'
  /** A signing key of a type the kit cannot sign certificates or tokens with. */
  | 'unsupported_key'
  /** The agent was stopped, or the entry or workload was removed or closed. */
  | 'invalid_state';

/** Thrown by the `testing` layer (`FakeCa`, `createCertificate`, `ManualClock`) for bad options and for use after stop. */
export class TestingError extends SpiffeError {
  declare readonly code: TestingErrorCode;

  /** Creates the error with its stable `code`, a message saying what was wrong and where, and an optional `cause`. */
  constructor(code: TestingErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
