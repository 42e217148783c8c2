import { status } from '@grpc/grpc-js';
import type { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import { WorkloadApiError } from '../../workloadapi/errors.js';
import {
  JWTBundlesResponse,
  JWTSVIDRequest,
  JWTSVIDResponse,
  ValidateJWTSVIDRequest,
  ValidateJWTSVIDResponse,
  X509BundlesResponse,
  X509SVIDResponse,
} from '../../workloadapi/proto/workload.js';
import {
  errorFromStatus,
  type MessageStream,
  type WorkloadApiTransport,
} from '../../workloadapi/transport.js';
import type { Answer, CallInfo, CallTarget, WorkloadApiHandlers } from './handlers.js';
import { garbageBytes, isGarbage } from './malform.js';
import { RpcStatus } from './status.js';

interface Codec<T> {
  encode(message: T): BinaryWriter;
  decode(input: BinaryReader | Uint8Array): T;
}

function aborted(method: string): WorkloadApiError {
  return new WorkloadApiError('aborted', `Workload API ${method} was cancelled`);
}

/** A failure as the gRPC transport would report it. */
function toError(method: string, err: unknown): WorkloadApiError {
  if (err instanceof WorkloadApiError) return err;
  if (err instanceof RpcStatus) {
    return err.code === status.CANCELLED ? aborted(method) : errorFromStatus(method, err.code, err.details);
  }
  return errorFromStatus(
    method,
    status.INTERNAL,
    `fake agent failure: ${err instanceof Error ? err.message : String(err)}`,
  );
}

/**
 * Sends a message "over the wire": encoded and decoded, so the client gets exactly what a gRPC
 * client would (proto3 defaults, `Map`s, `Uint8Array`s). Bytes that do not decode fail the call
 * with Internal, as grpc-js does.
 */
function overTheWire<T>(method: string, codec: Codec<T>, answer: Answer<T>): T {
  const bytes = isGarbage(answer) ? garbageBytes(answer) : codec.encode(answer).finish();
  try {
    return codec.decode(bytes);
  } catch (err) {
    throw errorFromStatus(
      method,
      status.INTERNAL,
      `Response message parsing error: ${(err as Error).message}`,
    );
  }
}

/**
 * A `WorkloadApiTransport` that calls the fake agent's handlers directly: the same messages,
 * pushes and failures as over the socket (errors through `errorFromStatus`), without gRPC.
 */
export function inProcessTransport(handlers: WorkloadApiHandlers, target: CallTarget): WorkloadApiTransport {
  const info: CallInfo = { target, securityHeader: true, via: 'in-process' };
  const open = new Set<() => void>();
  let closed = false;

  const checkOpen = (method: string): void => {
    if (closed)
      throw new WorkloadApiError('closed', `Workload API ${method}: the in-process transport is closed`);
  };

  function stream<T>(
    method: string,
    codec: Codec<T>,
    signal: AbortSignal,
    start: (signal: AbortSignal) => AsyncIterable<Answer<T>>,
  ): MessageStream<T> {
    checkOpen(method);
    const queue: T[] = [];
    const controller = new AbortController();
    let ended = false;
    let failure: WorkloadApiError | undefined;
    let wake: (() => void) | undefined;

    const finish = (error?: WorkloadApiError): void => {
      if (ended) return;
      ended = true;
      failure = error;
      open.delete(cancel);
      signal.removeEventListener('abort', cancel);
      wake?.();
    };
    function cancel(): void {
      if (ended) return;
      queue.length = 0;
      finish(aborted(method));
      controller.abort();
    }

    if (signal.aborted) finish(aborted(method));
    else {
      open.add(cancel);
      signal.addEventListener('abort', cancel, { once: true });
      void (async () => {
        try {
          for await (const answer of start(controller.signal)) {
            if (ended) return;
            queue.push(overTheWire(method, codec, answer));
            wake?.();
          }
          finish();
        } catch (err) {
          finish(toError(method, err));
        }
      })();
    }

    const iterator: AsyncIterator<T> = {
      async next(): Promise<IteratorResult<T>> {
        for (;;) {
          if (queue.length > 0) return { value: queue.shift() as T, done: false };
          if (ended) {
            if (failure !== undefined) throw failure;
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

  async function unary<Req, Res>(
    method: string,
    requestCodec: Codec<Req>,
    responseCodec: Codec<Res>,
    request: Req,
    signal: AbortSignal,
    answer: (request: Req, signal: AbortSignal) => Promise<Answer<Res>>,
  ): Promise<Res> {
    checkOpen(method);
    if (signal.aborted) throw aborted(method);
    const sent = requestCodec.decode(requestCodec.encode(request).finish());
    try {
      const response = overTheWire(method, responseCodec, await answer(sent, signal));
      if (signal.aborted) throw aborted(method);
      return response;
    } catch (err) {
      throw toError(method, err);
    }
  }

  return {
    fetchX509Svid: (signal) =>
      stream('FetchX509SVID', X509SVIDResponse, signal, (s) => handlers.fetchX509Svid(info, s)),
    fetchX509Bundles: (signal) =>
      stream('FetchX509Bundles', X509BundlesResponse, signal, (s) => handlers.fetchX509Bundles(info, s)),
    fetchJwtBundles: (signal) =>
      stream('FetchJWTBundles', JWTBundlesResponse, signal, (s) => handlers.fetchJwtBundles(info, s)),
    fetchJwtSvid: (request, signal) =>
      unary('FetchJWTSVID', JWTSVIDRequest, JWTSVIDResponse, request, signal, (r, s) =>
        handlers.fetchJwtSvid(info, r, s),
      ),
    validateJwtSvid: (request, signal) =>
      unary('ValidateJWTSVID', ValidateJWTSVIDRequest, ValidateJWTSVIDResponse, request, signal, (r, s) =>
        handlers.validateJwtSvid(info, r, s),
      ),
    close: () => {
      closed = true;
      for (const cancel of [...open]) cancel();
    },
  };
}
