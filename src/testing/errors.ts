import { SpiffeError } from '../internal/errors.js';

/** Why the testing kit refused a request. */
export type TestingErrorCode =
  /** An option has a value the kit cannot use (unknown key type, negative TTL, malformed DN, ...). */
  | 'invalid_option'
  /** A signing key of a type the kit cannot sign certificates or tokens with. */
  | 'unsupported_key';

/** Thrown by the `testing` layer (`FakeCa`, `createCertificate`, `ManualClock`) for bad options. */
export class TestingError extends SpiffeError {
  declare readonly code: TestingErrorCode;

  constructor(code: TestingErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
