/**
 * The logger the SDK writes to: any object with these four methods (the global `console`, pino,
 * winston and bunyan all fit). The SDK never logs private keys or tokens.
 */
export interface Logger {
  debug(message: string, ...rest: unknown[]): void;
  info(message: string, ...rest: unknown[]): void;
  warn(message: string, ...rest: unknown[]): void;
  error(message: string, ...rest: unknown[]): void;
}

/** A logger that drops everything: the default. */
export const nullLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
});
