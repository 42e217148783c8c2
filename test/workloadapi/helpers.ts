// Shared helpers of the workloadapi tests: a scripted transport that hands the client exactly the
// messages a test builds (from FakeCa output), event waiting, and small message builders.
import type { X509Certificate } from 'node:crypto';
import type { FakeCa, IssueX509SvidOptions } from '../../src/testing/index.js';
import type { Logger } from '../../src/internal/logger.js';
import {
  WorkloadApiError,
  type BackoffOptions,
  type MessageStream,
  type WorkloadApiTransport,
} from '../../src/workloadapi/index.js';
import type {
  JWTBundlesResponse,
  JWTSVIDRequest,
  JWTSVIDResponse,
  ValidateJWTSVIDRequest,
  ValidateJWTSVIDResponse,
  X509BundlesResponse,
  X509SVID,
  X509SVIDResponse,
} from '../../src/workloadapi/proto/workload.js';

/** Short reconnect delays, no jitter: tests never wait long for a retry. */
export const FAST: BackoffOptions = { initialDelayMs: 5, maxDelayMs: 40, multiplier: 2, jitter: 0 };

/** gRPC status codes used by the tests. */
export const CODE = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  PERMISSION_DENIED: 7,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

/** A failure as a transport reports a gRPC status. */
export function grpcError(
  code: WorkloadApiError['code'],
  grpcCode: number,
  details = 'scripted',
): WorkloadApiError {
  return new WorkloadApiError(code, `Workload API scripted failed: ${details}`, { grpcCode });
}

/** One scripted server stream: the test pushes messages, fails or ends it. */
export class ScriptedStream<T> implements MessageStream<T> {
  readonly #queue: T[] = [];
  #end: { error?: WorkloadApiError } | undefined;
  #wake: (() => void) | undefined;
  cancelled = false;

  constructor(signal: AbortSignal) {
    if (signal.aborted) this.cancel();
    else signal.addEventListener('abort', () => this.cancel(), { once: true });
  }

  push(message: T): void {
    this.#queue.push(message);
    this.#wake?.();
  }

  fail(error: WorkloadApiError): void {
    this.#end ??= { error };
    this.#wake?.();
  }

  end(): void {
    this.#end ??= {};
    this.#wake?.();
  }

  cancel(): void {
    this.cancelled = true;
    this.fail(new WorkloadApiError('aborted', 'cancelled'));
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: async (): Promise<IteratorResult<T>> => {
        for (;;) {
          if (this.cancelled) throw new WorkloadApiError('aborted', 'cancelled');
          if (this.#queue.length > 0) return { value: this.#queue.shift() as T, done: false };
          if (this.#end) {
            if (this.#end.error) throw this.#end.error;
            return { value: undefined, done: true };
          }
          await new Promise<void>((resolve) => (this.#wake = resolve));
          this.#wake = undefined;
        }
      },
      return: async (): Promise<IteratorResult<T>> => {
        this.cancel();
        return { value: undefined, done: true };
      },
    };
  }
}

type StreamScript<T> = (stream: ScriptedStream<T>, attempt: number) => void;

/**
 * A transport whose streams are scripted per attempt: `script(stream, n)` runs when the client
 * opens the n-th stream (from 1) of that RPC. Unary calls answer with `unary…` functions.
 */
export class ScriptedTransport implements WorkloadApiTransport {
  readonly x509 = new StreamSide<X509SVIDResponse>();
  readonly x509Bundles = new StreamSide<X509BundlesResponse>();
  readonly jwtBundles = new StreamSide<JWTBundlesResponse>();
  jwtSvid: (request: JWTSVIDRequest) => JWTSVIDResponse | Promise<JWTSVIDResponse> = () => {
    throw grpcError('unimplemented', CODE.UNIMPLEMENTED);
  };
  validate: (request: ValidateJWTSVIDRequest) => ValidateJWTSVIDResponse | Promise<ValidateJWTSVIDResponse> =
    () => {
      throw grpcError('unimplemented', CODE.UNIMPLEMENTED);
    };
  readonly jwtRequests: JWTSVIDRequest[] = [];
  readonly validateRequests: ValidateJWTSVIDRequest[] = [];
  closed = false;

  fetchX509Svid(signal: AbortSignal): MessageStream<X509SVIDResponse> {
    return this.x509.open(signal);
  }
  fetchX509Bundles(signal: AbortSignal): MessageStream<X509BundlesResponse> {
    return this.x509Bundles.open(signal);
  }
  fetchJwtBundles(signal: AbortSignal): MessageStream<JWTBundlesResponse> {
    return this.jwtBundles.open(signal);
  }
  async fetchJwtSvid(request: JWTSVIDRequest, signal: AbortSignal): Promise<JWTSVIDResponse> {
    this.jwtRequests.push(request);
    if (signal.aborted) throw new WorkloadApiError('aborted', 'cancelled');
    return this.jwtSvid(request);
  }
  async validateJwtSvid(
    request: ValidateJWTSVIDRequest,
    signal: AbortSignal,
  ): Promise<ValidateJWTSVIDResponse> {
    this.validateRequests.push(request);
    if (signal.aborted) throw new WorkloadApiError('aborted', 'cancelled');
    return this.validate(request);
  }
  close(): void {
    this.closed = true;
  }
}

/** The streams of one RPC of a {@link ScriptedTransport}. */
export class StreamSide<T> {
  readonly streams: ScriptedStream<T>[] = [];
  /** When each stream was opened (ms, `performance.now()`). */
  readonly openedAt: number[] = [];
  script: StreamScript<T> = () => {};
  readonly #waiters: { count: number; resolve: () => void }[] = [];

  open(signal: AbortSignal): ScriptedStream<T> {
    const stream = new ScriptedStream<T>(signal);
    this.streams.push(stream);
    this.openedAt.push(performance.now());
    this.script(stream, this.streams.length);
    for (const w of this.#waiters.filter((w) => this.streams.length >= w.count)) w.resolve();
    return stream;
  }

  /** The most recently opened stream. */
  get current(): ScriptedStream<T> {
    const s = this.streams.at(-1);
    if (!s) throw new Error('no stream opened yet');
    return s;
  }

  /** Resolves once `count` streams have been opened. */
  opened(count: number): Promise<void> {
    if (this.streams.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }
}

/** Resolves with the next value `register` reports (an event, a callback), optionally filtered. */
export function next<T>(
  register: (listener: (value: T) => void) => void,
  accept: (value: T) => boolean = () => true,
): Promise<T> {
  return new Promise((resolve) => register((value) => accept(value) && resolve(value)));
}

/** A queue of callback values, awaited one by one. */
export class Inbox<T> {
  readonly #items: T[] = [];
  readonly #waiters: ((value: T) => void)[] = [];
  /** Everything received, in order. */
  readonly all: T[] = [];

  readonly push = (value: T): void => {
    this.all.push(value);
    const waiter = this.#waiters.shift();
    if (waiter) waiter(value);
    else this.#items.push(value);
  };

  take(): Promise<T> {
    if (this.#items.length > 0) return Promise.resolve(this.#items.shift() as T);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Takes values until one passes `accept`. */
  async until(accept: (value: T) => boolean): Promise<T> {
    for (;;) {
      const value = await this.take();
      if (accept(value)) return value;
    }
  }
}

/**
 * Resolves once `agent` has received `count` calls of `method` in all. The fake agent has no event
 * for calls, so this yields to the event loop between looks (no timers).
 */
export async function agentCalls(
  agent: { calls: readonly { method: string }[] },
  method: string,
  count: number,
): Promise<void> {
  while (agent.calls.filter((c) => c.method === method).length < count)
    await new Promise((r) => setImmediate(r));
}

/** A logger that records what it is given. */
export function recordingLogger(): Logger & { lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = [];
  const at = (level: string) => (message: string) => void lines.push({ level, message });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Concatenated DER of certificates. */
export function der(certs: readonly X509Certificate[]): Uint8Array {
  return new Uint8Array(Buffer.concat(certs.map((c) => c.raw)));
}

/** One `X509SVID` message entry issued by `ca` for `id` (overrides go to `issueX509Svid`). */
export function svidEntry(ca: FakeCa, options: IssueX509SvidOptions & { bundleFrom?: FakeCa }): X509SVID {
  const { bundleFrom, ...issue } = options;
  const issued = ca.issueX509Svid(issue);
  return {
    spiffeId: issued.id.toString(),
    x509Svid: issued.chainDer,
    x509SvidKey: issued.privateKeyDer,
    bundle: der((bundleFrom ?? ca).rootCertificates()),
    hint: issued.hint,
  };
}

/** An `X509SVIDResponse`. */
export function x509Response(
  svids: X509SVID[],
  federated: Record<string, Uint8Array> = {},
): X509SVIDResponse {
  return { svids, crl: [], federatedBundles: new Map(Object.entries(federated)) };
}

/** The JWKS bytes of a CA's JWT bundle. */
export function jwks(ca: FakeCa): Uint8Array {
  return new TextEncoder().encode(ca.jwtBundle().marshal());
}
