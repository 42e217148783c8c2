import { SpiffeError } from '../internal/errors.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';

/**
 * Why the `spiffe` command failed:
 * - `usage`: a bad flag value, flag combination or config file (exit 2);
 * - `read_failed` / `write_failed`: a file could not be read or written (exit 1);
 * - `no_identity`: no identity came from the agent (exit 3);
 * - `invalid`: the input broke a SPIFFE rule or did not validate (exit 4);
 * - `failed`: any other runtime failure (exit 1).
 */
export type CliErrorCode = 'usage' | 'read_failed' | 'write_failed' | 'no_identity' | 'invalid' | 'failed';

const EXIT: Record<CliErrorCode, ExitCodeValue> = {
  usage: ExitCode.usage,
  read_failed: ExitCode.failure,
  write_failed: ExitCode.failure,
  no_identity: ExitCode.noIdentity,
  invalid: ExitCode.invalid,
  failed: ExitCode.failure,
};

/** An error of the `spiffe` command: a message for the user, a hint on what to do, an exit code. */
export class CliError extends SpiffeError {
  declare readonly code: CliErrorCode;
  /** One line telling the user what to do about it, if there is something to say. */
  readonly hint: string | undefined;

  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown; hint?: string }) {
    super(code, message, options);
    this.hint = options?.hint;
  }

  /** The process exit code for this error. */
  get exitCode(): ExitCodeValue {
    return EXIT[this.code];
  }
}

/** Hints for Workload API failures, by error code. */
const WORKLOAD_HINTS: Partial<Record<string, string>> = {
  address_not_configured:
    'pass --socket unix:///path/to/agent.sock or set SPIFFE_ENDPOINT_SOCKET (try `spiffe fake-agent` for a local one)',
  invalid_address: 'use unix:///absolute/path/to/agent.sock or tcp://<ip>:<port>',
  timeout:
    'is the agent running at that address, and is this workload registered (SPIRE: `spire-server entry show`)?',
  permission_denied:
    'the agent has no registration entry for this workload (SPIRE: `spire-server entry create`)',
  no_identity: 'the agent has no registration entry for this workload (SPIRE: `spire-server entry create`)',
  unavailable: 'is the agent running, and does the socket path match its `socket_path`?',
};

/** Workload API codes that mean "no identity for this workload (yet)". */
const NO_IDENTITY = new Set(['timeout', 'permission_denied', 'no_identity']);
/** Workload API codes that mean the caller's input was wrong. */
const USAGE = new Set(['address_not_configured', 'invalid_address', 'invalid_argument_local']);

/**
 * Turns any error into a {@link CliError} with the right exit code: a Workload API timeout or
 * PermissionDenied is "no identity" (3), a missing or bad address is a usage error (2), other
 * SDK and system errors are runtime failures (1). Loads the Workload API layer only on this
 * error path, so that `--help` and `inspect` start without gRPC.
 */
export async function toCliError(error: unknown): Promise<CliError> {
  if (error instanceof CliError) return error;
  const { WorkloadApiError } = await import('../workloadapi/index.js');
  if (error instanceof WorkloadApiError) {
    // A timeout's cause is the last failure while waiting: its hint is the useful one.
    const cause = error.cause instanceof WorkloadApiError ? error.cause.code : undefined;
    const hint =
      (error.code === 'timeout' && cause !== undefined ? WORKLOAD_HINTS[cause] : undefined) ??
      WORKLOAD_HINTS[error.code];
    const code: CliErrorCode = NO_IDENTITY.has(error.code)
      ? 'no_identity'
      : USAGE.has(error.code)
        ? 'usage'
        : 'failed';
    return new CliError(code, error.message, { cause: error, ...(hint ? { hint } : {}) });
  }
  if (error instanceof SpiffeError) return new CliError('failed', error.message, { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return new CliError('failed', message, { cause: error });
}
