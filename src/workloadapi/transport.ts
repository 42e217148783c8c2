import { status as GrpcStatus } from '@grpc/grpc-js';
import { WorkloadApiError, type WorkloadApiErrorCode } from './errors.js';
import type {
  JWTBundlesResponse,
  JWTSVIDRequest,
  JWTSVIDResponse,
  ValidateJWTSVIDRequest,
  ValidateJWTSVIDResponse,
  X509BundlesResponse,
  X509SVIDResponse,
} from './proto/workload.js';

/**
 * A server stream of raw Workload API messages. Iteration ends when the server completes the
 * stream, and throws a `WorkloadApiError` (with `grpcCode`) when it fails. `cancel()` and the
 * signal given when it was opened both end it; iteration then throws `aborted`.
 */
export interface MessageStream<T> extends AsyncIterable<T> {
  /** Ends the stream; iteration then throws `aborted`. */
  cancel(): void;
}

/**
 * How a `WorkloadApiClient` reaches an agent: raw proto messages in, raw messages out. The
 * client validates everything it receives, whatever the transport. The gRPC transport sends the
 * `workload.spiffe.io: true` header on every call (E-4, A-21); the testing kit's in-process
 * transport calls the fake agent's handlers directly.
 * @internal used by the client and by `@spiffe-ts/sdk/testing`; not a stable extension point.
 */
export interface WorkloadApiTransport {
  fetchX509Svid(signal: AbortSignal): MessageStream<X509SVIDResponse>;
  fetchX509Bundles(signal: AbortSignal): MessageStream<X509BundlesResponse>;
  fetchJwtBundles(signal: AbortSignal): MessageStream<JWTBundlesResponse>;
  fetchJwtSvid(request: JWTSVIDRequest, signal: AbortSignal): Promise<JWTSVIDResponse>;
  validateJwtSvid(request: ValidateJWTSVIDRequest, signal: AbortSignal): Promise<ValidateJWTSVIDResponse>;
  close(): void;
}

const CODES: Partial<Record<number, WorkloadApiErrorCode>> = {
  [GrpcStatus.UNAVAILABLE]: 'unavailable',
  [GrpcStatus.PERMISSION_DENIED]: 'permission_denied',
  [GrpcStatus.INVALID_ARGUMENT]: 'invalid_argument',
  [GrpcStatus.UNIMPLEMENTED]: 'unimplemented',
  [GrpcStatus.CANCELLED]: 'aborted',
};

/**
 * The `WorkloadApiError` for a gRPC status from `method` (e.g. `FetchX509SVID`); shared by every
 * transport so that a failure reads the same whichever way the agent was reached.
 */
export function errorFromStatus(method: string, code: number, details: string): WorkloadApiError {
  const name = GrpcStatus[code] ?? `code ${code}`;
  const detail = details ? `: ${details}` : '';
  return new WorkloadApiError(
    CODES[code] ?? 'rpc_failed',
    `Workload API ${method} failed with ${name}${detail}`,
    {
      grpcCode: code,
    },
  );
}
