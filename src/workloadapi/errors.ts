import { SpiffeError } from '../internal/errors.js';

/** Why a Workload API call, watch or source failed. */
export type WorkloadApiErrorCode =
  /** No address was given and SPIFFE_ENDPOINT_SOCKET is not set (E-7). */
  | 'address_not_configured'
  /** The endpoint address breaks E-8..E-10. */
  | 'invalid_address'
  /** The agent is unreachable, initialising or shedding load; retried with backoff. */
  | 'unavailable'
  /** The agent has no identity for this workload (W-15, W-20); retried with backoff. */
  | 'permission_denied'
  /** The agent refused the request (missing security header, empty mandatory field: E-5, W-9); not retried. */
  | 'invalid_argument'
  /** The agent does not implement the RPC (W-26); not retried. */
  | 'unimplemented'
  /** Any other gRPC failure. */
  | 'rpc_failed'
  /** The agent's response broke a spec rule or did not validate (W-10, W-13); it was discarded. */
  | 'invalid_response'
  /** The caller's AbortSignal fired. */
  | 'aborted'
  /** A wait (first update, first SVID) ran past its timeout; the message says what was tried. */
  | 'timeout'
  /** The client or source was closed. */
  | 'closed'
  /** A source has no SVID to give (none issued, or withdrawn by the agent, W-15). */
  | 'no_identity'
  /** The caller passed bad arguments (e.g. an empty audience). */
  | 'invalid_argument_local';

/** Thrown by the `workloadapi` layer. `grpcCode` is set when the agent answered with a gRPC status. */
export class WorkloadApiError extends SpiffeError {
  declare readonly code: WorkloadApiErrorCode;
  /** The gRPC status code of the failed call, when there was one. */
  readonly grpcCode: number | undefined;

  /** Creates the error with its stable `code`, a message saying what was wrong and where, and an optional `cause`. */
  constructor(code: WorkloadApiErrorCode, message: string, options?: { cause?: unknown; grpcCode?: number }) {
    super(code, message, options);
    this.grpcCode = options?.grpcCode;
  }
}
