// Shared by the fake agent tests: a PLAIN @grpc/grpc-js client made from the generated proto (not
// the SDK's client), a stream reader that awaits pushed messages, and SVID checks with the svid layer.
import { TextDecoder } from 'node:util';
import {
  InterceptingCall,
  credentials,
  type ClientReadableStream,
  type Interceptor,
  type ServiceError,
} from '@grpc/grpc-js';
import { JwtBundle, X509Bundle } from '../../src/bundle/index.js';
import { TrustDomain } from '../../src/spiffeid/index.js';
import { X509Svid, verifyX509Svid } from '../../src/svid/index.js';
import { grpcTarget, parseEndpointAddress } from '../../src/workloadapi/index.js';
import {
  SpiffeWorkloadAPIClient,
  type JWTBundlesResponse,
  type X509BundlesResponse,
  type X509SVIDResponse,
} from '../../src/workloadapi/proto/workload.js';

/**
 * A plain generated client for `address`. `header` is the value of `workload.spiffe.io` it sends
 * on every call; `null` sends no header at all.
 */
export function plainClient(address: string, header: string | null = 'true'): SpiffeWorkloadAPIClient {
  const interceptors: Interceptor[] =
    header === null
      ? []
      : [
          (options, next) =>
            new InterceptingCall(next(options), {
              start(metadata, listener, nextStart) {
                metadata.set('workload.spiffe.io', header);
                nextStart(metadata, listener);
              },
            }),
        ];
  return new SpiffeWorkloadAPIClient(
    grpcTarget(parseEndpointAddress(address)),
    credentials.createInsecure(),
    {
      interceptors,
      'grpc.initial_reconnect_backoff_ms': 50,
      'grpc.max_reconnect_backoff_ms': 200,
    },
  );
}

/** Reads a server stream message by message; `next()` waits for the next one. */
export class StreamReader<T> {
  readonly #queue: T[] = [];
  #end: ServiceError | 'end' | undefined;
  #wake: (() => void) | undefined;
  readonly stream: ClientReadableStream<T>;
  /** How many messages arrived so far. */
  received = 0;

  constructor(stream: ClientReadableStream<T>) {
    this.stream = stream;
    stream.on('data', (message: T) => {
      this.received++;
      this.#queue.push(message);
      this.#wake?.();
    });
    stream.on('error', (err: ServiceError) => this.#finish(err));
    stream.on('end', () => this.#finish('end'));
  }

  #finish(end: ServiceError | 'end'): void {
    this.#end ??= end;
    this.#wake?.();
  }

  /** The next message; rejects with the status error when the stream fails, or 'end'. */
  async next(): Promise<T> {
    for (;;) {
      const message = this.#queue.shift();
      if (message !== undefined) return message;
      if (this.#end !== undefined) throw this.#end;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }

  /** Waits for the stream's end: its status error, or 'end' when it completed with OK. */
  async ended(): Promise<ServiceError | 'end'> {
    while (this.#end === undefined) {
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
    return this.#end;
  }

  /** Waits for the next message and returns it when `predicate` holds, skipping others. */
  async until(predicate: (message: T) => boolean): Promise<T> {
    for (;;) {
      const message = await this.next();
      if (predicate(message)) return message;
    }
  }

  cancel(): void {
    this.stream.cancel();
  }
}

/** Promisifies a unary call of the generated client. */
export function unary<Res>(
  call: (done: (err: ServiceError | null, res: Res) => void) => unknown,
): Promise<Res> {
  return new Promise((resolve, reject) => call((err, res) => (err ? reject(err) : resolve(res))));
}

/** The error of a promise that must fail. */
export async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error('expected the call to fail');
}

/**
 * Parses every X509-SVID of a response with the svid layer (X509Svid.parseRaw: the leaf rules,
 * the key matches) and verifies that each chains to the bundle sent with it.
 */
export function checkX509Response(response: X509SVIDResponse, time?: Date): X509Svid[] {
  return response.svids.map((s) => {
    const svid = X509Svid.parseRaw(s.x509Svid, s.x509SvidKey, { hint: s.hint });
    if (svid.id.toString() !== s.spiffeId)
      throw new Error(`spiffe_id ${s.spiffeId} is not the leaf's ${svid.id.toString()}`);
    const bundle = X509Bundle.parseRaw(svid.id.trustDomain, s.bundle);
    verifyX509Svid(svid.certificates, bundle, time === undefined ? {} : { time });
    return svid;
  });
}

/** The bundles of a bundle map as X509Bundles, keyed by trust domain name. */
export function x509Bundles(response: X509BundlesResponse | X509SVIDResponse): Map<string, X509Bundle> {
  const map = 'bundles' in response ? response.bundles : response.federatedBundles;
  return new Map(
    [...map].map(([key, der]) => [
      TrustDomain.parse(key).name,
      X509Bundle.parseRaw(TrustDomain.parse(key), der),
    ]),
  );
}

/** The JWT bundles of a FetchJWTBundles response, keyed by trust domain name. */
export function jwtBundles(response: JWTBundlesResponse): Map<string, JwtBundle> {
  const text = new TextDecoder();
  return new Map(
    [...response.bundles].map(([key, jwks]) => [
      TrustDomain.parse(key).name,
      JwtBundle.parse(TrustDomain.parse(key), text.decode(jwks)),
    ]),
  );
}

/** The serial number of each SVID's leaf: changes on every renewal. */
export function serials(response: X509SVIDResponse): string[] {
  return response.svids.map((s) => X509Svid.parseRaw(s.x509Svid, s.x509SvidKey).leaf.serialNumber);
}
