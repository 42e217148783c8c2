/**
 * The base of every error this SDK throws. Each layer has one subclass (`SpiffeIdError`,
 * `BundleError`, `SvidError`, ...) with a stable, machine-readable `code`; the message says what
 * was wrong and where, and cites the SPIFFE rule (e.g. `ID-5`) where one applies.
 */
export class SpiffeError extends Error {
  /** Stable, machine-readable reason; the set of codes is documented per layer. */
  readonly code: string;

  /** Creates the error with its stable `code`, a message saying what was wrong and where, and an optional `cause`. */
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * Quotes untrusted input for an error message: JSON-escaped and cut to a readable length, so that
 * a hostile or huge value cannot forge log lines or flood them.
 */
export function quote(value: string, max = 120): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut);
}
