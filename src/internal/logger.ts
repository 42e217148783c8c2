/**
 * The logger the SDK writes to: any object with these four methods (the global `console`, pino,
 * winston and bunyan all fit). The SDK never logs private keys or tokens.
 */
export interface Logger {
  /** Detail for troubleshooting (each fetch, each update). */
  debug(message: string, ...rest: unknown[]): void;
  /** Normal events worth a line (a rotation, a started watch). */
  info(message: string, ...rest: unknown[]): void;
  /** Something is off but handled (a discarded message, a retry). */
  warn(message: string, ...rest: unknown[]): void;
  /** A failure the caller should know about. */
  error(message: string, ...rest: unknown[]): void;
}

/** A logger that drops everything: the default. */
export const nullLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
});
