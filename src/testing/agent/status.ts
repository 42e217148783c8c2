import { status } from '@grpc/grpc-js';

/**
 * A gRPC status that a handler of the fake agent answers with instead of a message. It never
 * leaves the agent: the socket adapter sends it as the call's status, and the in-process
 * transport turns it into the SDK's `WorkloadApiError` with `errorFromStatus`, as the real
 * client would.
 */
export class RpcStatus extends Error {
  /** The gRPC status code (never OK). */
  readonly code: status;
  /** The status details sent to the client. */
  readonly details: string;

  constructor(code: status, details: string) {
    super(`${status[code] ?? code}: ${details}`);
    this.code = code;
    this.details = details;
  }
}

/** E-5: what the fake agent (like SPIRE's) answers when `workload.spiffe.io: true` is missing. */
export const MISSING_HEADER = 'security header missing from request';
/** W-15, W-20: SPIRE's details when the caller has no identity. */
export const NO_IDENTITY = 'no identity issued';
