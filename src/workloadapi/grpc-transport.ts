import {
  InterceptingCall,
  credentials,
  status as GrpcStatus,
  type ClientOptions,
  type ClientReadableStream,
  type Interceptor,
  type ServiceError,
} from '@grpc/grpc-js';
import { WorkloadApiError } from './errors.js';
import {
  SpiffeWorkloadAPIClient,
  type JWTSVIDRequest,
  type JWTSVIDResponse,
  type ValidateJWTSVIDRequest,
  type ValidateJWTSVIDResponse,
} from './proto/workload.js';
import { errorFromStatus, type MessageStream, type WorkloadApiTransport } from './transport.js';

/** The security header every Workload API request carries (E-4, A-21); lowercase, value case-sensitive. */
export const SECURITY_HEADER = 'workload.spiffe.io';

/** Adds `workload.spiffe.io: true` to every call, unary and streaming (E-4, A-21). */
const securityHeader: Interceptor = (options, nextCall) =>
  new InterceptingCall(nextCall(options), {
    start(metadata, listener, next) {
      metadata.set(SECURITY_HEADER, 'true');
      next(metadata, listener);
    },
  });

/** Channel settings of {@link createGrpcTransport}. */
export interface GrpcTransportOptions {
  /** grpc-js's own reconnect backoff follows the watch backoff, so a restarted agent is found quickly. */
  initialReconnectMs: number;
  maxReconnectMs: number;
}

/**
 * The gRPC transport: a grpc-js channel to `target` (from `grpcTarget`) with insecure channel
 * credentials (E-6: the endpoint is local and authenticates the workload out of band, E-11) and
 * the security header on every call. The channel has its own subchannel pool, so `close()`
 * releases its socket.
 */
export function createGrpcTransport(target: string, options: GrpcTransportOptions): WorkloadApiTransport {
  const channelOptions: Partial<ClientOptions> = {
    interceptors: [securityHeader],
    'grpc.initial_reconnect_backoff_ms': options.initialReconnectMs,
    'grpc.max_reconnect_backoff_ms': options.maxReconnectMs,
    'grpc.use_local_subchannel_pool': 1,
    // Watches retry on their own terms; grpc-js must not retry underneath them.
    'grpc.enable_retries': 0,
  };
  const client = new SpiffeWorkloadAPIClient(target, credentials.createInsecure(), channelOptions);

  return {
    fetchX509Svid: (signal) => openStream('FetchX509SVID', () => client.fetchX509Svid({}), signal),
    fetchX509Bundles: (signal) => openStream('FetchX509Bundles', () => client.fetchX509Bundles({}), signal),
    fetchJwtBundles: (signal) => openStream('FetchJWTBundles', () => client.fetchJwtBundles({}), signal),
    fetchJwtSvid: (request: JWTSVIDRequest, signal) =>
      unary<JWTSVIDResponse>('FetchJWTSVID', signal, (done) => client.fetchJwtsvid(request, done)),
    validateJwtSvid: (request: ValidateJWTSVIDRequest, signal) =>
      unary<ValidateJWTSVIDResponse>('ValidateJWTSVID', signal, (done) =>
        client.validateJwtsvid(request, done),
      ),
    close: () => client.close(),
  };
}

function aborted(method: string): WorkloadApiError {
  return new WorkloadApiError('aborted', `Workload API ${method} was cancelled`);
}

function fromServiceError(method: string, error: unknown): WorkloadApiError {
  const e = error as Partial<ServiceError>;
  if (typeof e?.code === 'number') return errorFromStatus(method, e.code, e.details ?? '');
  return new WorkloadApiError('rpc_failed', `Workload API ${method} failed: ${String(error)}`, {
    cause: error,
  });
}

function unary<T>(
  method: string,
  signal: AbortSignal,
  call: (done: (error: ServiceError | null, response: T) => void) => { cancel(): void },
): Promise<T> {
  if (signal.aborted) return Promise.reject(aborted(method));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => handle.cancel();
    const handle = call((error, response) => {
      signal.removeEventListener('abort', onAbort);
      if (error === null) resolve(response);
      else if (error.code === GrpcStatus.CANCELLED && signal.aborted) reject(aborted(method));
      else reject(fromServiceError(method, error));
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A server stream as a {@link MessageStream}: messages are queued as they arrive (the agent sends
 * few), iteration ends when the stream completes and throws the mapped status when it fails.
 */
function openStream<T>(
  method: string,
  open: () => ClientReadableStream<T>,
  signal: AbortSignal,
): MessageStream<T> {
  const queue: T[] = [];
  let ended = false;
  let failure: WorkloadApiError | undefined;
  let wake: (() => void) | undefined;
  let cancelled = false;
  let call: ClientReadableStream<T> | undefined;

  const finish = (error?: WorkloadApiError): void => {
    if (ended) return;
    ended = true;
    failure = error;
    signal.removeEventListener('abort', cancel);
    wake?.();
  };
  function cancel(): void {
    if (cancelled) return;
    cancelled = true;
    call?.cancel();
    finish(aborted(method));
  }

  if (signal.aborted) {
    cancelled = true;
    finish(aborted(method));
  } else {
    call = open();
    call.on('data', (message: T) => {
      if (ended) return;
      queue.push(message);
      wake?.();
    });
    call.on('error', (error: unknown) =>
      finish(cancelled ? aborted(method) : fromServiceError(method, error)),
    );
    call.on('end', () => finish());
    signal.addEventListener('abort', cancel, { once: true });
  }

  const iterator: AsyncIterator<T> = {
    async next(): Promise<IteratorResult<T>> {
      for (;;) {
        if (cancelled) throw failure ?? aborted(method);
        if (queue.length > 0) return { value: queue.shift() as T, done: false };
        if (ended) {
          if (failure) throw failure;
          return { value: undefined, done: true };
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    },
    async return(): Promise<IteratorResult<T>> {
      cancel();
      return { value: undefined, done: true };
    },
  };
  return { [Symbol.asyncIterator]: () => iterator, cancel };
}
