import type { JwtBundle, JwtBundleSet, X509Bundle, X509BundleSet } from '../bundle/index.js';
import { quote } from '../internal/errors.js';
import { nullLogger, type Logger } from '../internal/logger.js';
import { SpiffeId } from '../spiffeid/index.js';
import { JwtSvid, type JwtSvidParams, type JwtSvidSource, type X509Svid } from '../svid/index.js';
import { getDefaultAddress, grpcTarget, parseEndpointAddress, SOCKET_ENV } from './address.js';
import { Backoff, checkBackoffOptions, type BackoffOptions } from './backoff.js';
import { BundleCache } from './bundle-cache.js';
import { parseJwtBundlesResponse, parseX509BundlesResponse } from './bundles-response.js';
import { realClock, type WorkloadApiClock } from './clock.js';
import { WorkloadApiError } from './errors.js';
import { createGrpcTransport } from './grpc-transport.js';
import { parseJwtSvidResponse } from './jwt-svids-response.js';
import { discarded, invalidResponse, reason, type Accepted } from './response.js';
import type { MessageStream, WorkloadApiTransport } from './transport.js';
import { WatchLoop, asWorkloadApiError, type Watch, type WatchOptions } from './watch.js';
import { parseX509SvidResponse, type X509Context } from './x509-context.js';

/** Options of {@link WorkloadApiClient}. */
export interface WorkloadApiClientOptions {
  /**
   * The endpoint: `unix:///path/to/agent.sock` or `tcp://<ip>:<port>` (E-8..E-10). Default: the
   * `SPIFFE_ENDPOINT_SOCKET` environment variable (E-7).
   */
  address?: string;
  /** Closes the client when aborted. */
  signal?: AbortSignal;
  /** Reconnect backoff of every watch on this client; see {@link BackoffOptions}. */
  backoff?: BackoffOptions;
  /** Where the client reports retried failures and discarded messages; default: silent. */
  logger?: Logger;
  /** The time used to check what the agent sends (default: the real clock). */
  clock?: WorkloadApiClock;
  /**
   * @internal How the client reaches the agent (the testing kit's in-process transport); when
   * set, `address` is ignored.
   */
  transport?: WorkloadApiTransport;
}

/** Options of one call. */
export interface CallOptions {
  /** Cancels the call; it then rejects with `aborted`. */
  signal?: AbortSignal;
}

/**
 * A client of the SPIFFE Workload API (a SPIRE agent, or the testing kit's fake agent): one-shot
 * fetches and long-running watches of X509-SVIDs, JWT-SVIDs and bundles.
 *
 * Every call carries the `workload.spiffe.io: true` header (E-4, A-21) over an insecure local
 * channel (E-6). Everything the agent sends is checked by the `svid` and `bundle` layers before it
 * is handed out: see {@link WorkloadApiClient.fetchX509Context} for the X.509 checks, which go
 * beyond go-spiffe's.
 *
 * Most services want the long-lived sources (`X509Source`, `JwtSource`, `BundleSource`) rather
 * than the client itself.
 *
 * @example
 * await using client = new WorkloadApiClient({ address: 'unix:///run/spire/agent.sock' });
 * const svid = await client.fetchX509Svid();
 * console.log(svid.id.toString());
 */
export class WorkloadApiClient implements JwtSvidSource, AsyncDisposable {
  /** The clock the client checks validity with (a source uses its client's). */
  readonly clock: WorkloadApiClock;
  /** The logger the client (and the sources using it) report to. */
  readonly logger: Logger;
  /**
   * The Workload API endpoint the client dials, as given or read from `SPIFFE_ENDPOINT_SOCKET`;
   * `undefined` for a client over an injected transport.
   */
  readonly address: string | undefined;
  readonly #transport: WorkloadApiTransport;
  readonly #backoff: Required<BackoffOptions>;
  readonly #closer = new AbortController();
  readonly #watches = new Set<WatchLoop<unknown, unknown>>();
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => this.close();

  /**
   * @throws {WorkloadApiError} `address_not_configured` when there is no address and
   *   `SPIFFE_ENDPOINT_SOCKET` is unset (E-7); `invalid_address` for an address that breaks
   *   E-8..E-10; `invalid_argument_local` for bad options. The agent is not contacted here: a
   *   socket that does not exist yet makes calls fail with `unavailable`, and watches retry.
   */
  constructor(options: WorkloadApiClientOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new WorkloadApiError('invalid_argument_local', 'WorkloadApiClient options must be an object');
    }
    this.#backoff = checkBackoffOptions(options.backoff);
    this.clock = options.clock ?? realClock;
    this.logger = options.logger ?? nullLogger;
    if (options.transport !== undefined) {
      this.#transport = options.transport;
      this.address = undefined;
    } else {
      const address = options.address ?? getDefaultAddress();
      if (address === undefined) {
        throw new WorkloadApiError(
          'address_not_configured',
          `no Workload API address: pass { address } or set ${SOCKET_ENV} (E-7)`,
        );
      }
      const target = grpcTarget(parseEndpointAddress(address));
      this.address = address;
      this.#transport = createGrpcTransport(target, {
        initialReconnectMs: this.#backoff.initialDelayMs,
        maxReconnectMs: this.#backoff.maxDelayMs,
      });
    }
    this.#signal = options.signal;
    if (this.#signal?.aborted) this.close();
    else this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Whether {@link WorkloadApiClient.close} was called (or the client's signal aborted). */
  get closed(): boolean {
    return this.#closer.signal.aborted;
  }

  /**
   * The default X509-SVID (W-27): the first that passed the checks of
   * {@link WorkloadApiClient.fetchX509Context}.
   * @throws {WorkloadApiError} as {@link WorkloadApiClient.fetchX509Context}.
   */
  async fetchX509Svid(options?: CallOptions): Promise<X509Svid> {
    return (await this.fetchX509Context(options)).defaultSvid;
  }

  /**
   * Every X509-SVID of the workload that passed the checks of
   * {@link WorkloadApiClient.fetchX509Context}, in the agent's order.
   * @throws {WorkloadApiError} as {@link WorkloadApiClient.fetchX509Context}.
   */
  async fetchX509Svids(options?: CallOptions): Promise<X509Svid[]> {
    return [...(await this.fetchX509Context(options)).svids];
  }

  /**
   * The X509-SVIDs and X.509 bundles of the first `FetchX509SVID` message.
   *
   * The message is discarded when a mandatory field is empty (W-10, W-13) or malformed. Each SVID
   * must also parse (`X509Svid.parseRaw`: leaf rules, key match), carry its `spiffe_id` as its URI
   * SAN, and verify, now, against its trust domain's bundle in the same message; an SVID that does
   * not is dropped (and logged), and the message is discarded when none is left. A later SVID
   * repeating a hint is dropped (W-14). Bundles: the SVIDs' trust domain and every federated one
   * (keys `spiffe://td` or `td`, A-12), never merged (F-5).
   *
   * @throws {WorkloadApiError} `invalid_response`, `unavailable`, `permission_denied`,
   *   `invalid_argument`, `unimplemented`, `rpc_failed`, `aborted` or `closed`.
   */
  async fetchX509Context(options?: CallOptions): Promise<X509Context> {
    return this.#first(
      'FetchX509SVID',
      (s) => this.#transport.fetchX509Svid(s),
      (m) => parseX509SvidResponse(m, this.clock.now()),
      options,
    );
  }

  /**
   * The X.509 bundles of the first `FetchX509Bundles` message, one per trust domain (keys
   * `spiffe://td` or `td`, A-12).
   * @throws {WorkloadApiError} `invalid_response` for an empty or malformed message (W-16, A-13),
   *   or a call error as {@link WorkloadApiClient.fetchX509Context}.
   */
  async fetchX509Bundles(options?: CallOptions): Promise<X509BundleSet> {
    return this.#first(
      'FetchX509Bundles',
      (s) => this.#transport.fetchX509Bundles(s),
      (m) => ({ value: parseX509BundlesResponse(m), problems: [] }),
      options,
    );
  }

  /**
   * The JWT bundles of the first `FetchJWTBundles` message, one per trust domain.
   * @throws {WorkloadApiError} `invalid_response` for an empty or malformed message (W-21), or a
   *   call error as {@link WorkloadApiClient.fetchX509Context}.
   */
  async fetchJwtBundles(options?: CallOptions): Promise<JwtBundleSet> {
    return this.#first(
      'FetchJWTBundles',
      (s) => this.#transport.fetchJwtBundles(s),
      (m) => ({ value: parseJwtBundlesResponse(m), problems: [] }),
      options,
    );
  }

  /**
   * A JWT-SVID for `params.audience` (plus `extraAudiences`), for `params.subject` when the
   * workload has several identities, else the agent's first.
   *
   * Each token is parsed without its signature (it comes from the agent, go-spiffe's
   * `ParseInsecure`) and dropped when it is malformed or expired, lacks a requested audience
   * (W-17), has a `sub` other than its `spiffe_id` field or than `subject`.
   *
   * @throws {WorkloadApiError} `invalid_argument_local` for an empty audience or a bad subject;
   *   `invalid_response` when no SVID is left (W-19); `permission_denied` when the workload may not
   *   have one (W-20); or a call error as {@link WorkloadApiClient.fetchX509Context}.
   */
  async fetchJwtSvid(params: JwtSvidParams, options?: CallOptions): Promise<JwtSvid> {
    return (await this.fetchJwtSvids(params, options))[0]!;
  }

  /**
   * Every JWT-SVID the agent issues for `params` (one per identity of the workload, or the one of
   * `params.subject`), checked as in {@link WorkloadApiClient.fetchJwtSvid}.
   * @throws {WorkloadApiError} as {@link WorkloadApiClient.fetchJwtSvid}.
   */
  async fetchJwtSvids(params: JwtSvidParams, options?: CallOptions): Promise<JwtSvid[]> {
    const { audience, subject } = checkJwtParams(params);
    const accepted = await this.#unary(
      'FetchJWTSVID',
      (s) => this.#transport.fetchJwtSvid({ audience, spiffeId: subject?.toString() ?? '' }, s),
      (m) => parseJwtSvidResponse(m, audience, subject, this.clock.now()),
      options,
    );
    return accepted;
  }

  /**
   * Asks the agent to validate `token` for `audience` (W-23, W-24), then parses the token locally
   * as well (A-18, as go-spiffe does) and checks that the agent's `spiffe_id` is the token's `sub`.
   *
   * @returns the token's claims, as parsed locally.
   * @throws {WorkloadApiError} `invalid_argument_local` for an empty token or audience;
   *   `invalid_argument` when the agent refuses the token; `invalid_response` when the agent's
   *   answer has no `spiffe_id`, names another ID than `sub`, or the token does not parse locally;
   *   or a call error as {@link WorkloadApiClient.fetchX509Context}.
   */
  async validateJwtSvid(token: string, audience: string, options?: CallOptions): Promise<JwtSvid> {
    if (typeof token !== 'string' || token === '') {
      throw new WorkloadApiError(
        'invalid_argument_local',
        'validateJwtSvid: token must be a non-empty string',
      );
    }
    if (typeof audience !== 'string' || audience === '') {
      throw new WorkloadApiError(
        'invalid_argument_local',
        'validateJwtSvid: audience must be a non-empty string (W-9)',
      );
    }
    const method = 'ValidateJWTSVID';
    return this.#unary(
      method,
      (s) => this.#transport.validateJwtSvid({ svid: token, audience }, s),
      (response) => {
        if (response.spiffeId === '')
          throw discarded(method, 'the mandatory field spiffe_id is empty (W-23)');
        let svid: JwtSvid;
        try {
          svid = JwtSvid.parseInsecure(token, audience, { time: this.clock.now() });
        } catch (cause) {
          throw invalidResponse(
            method,
            `the agent accepted a token that does not parse here: ${reason(cause)} (A-18)`,
            cause,
          );
        }
        if (svid.id.toString() !== response.spiffeId) {
          throw invalidResponse(
            method,
            `the agent says the token is for ${quote(response.spiffeId)}, but its sub is ${quote(svid.id.toString())}`,
          );
        }
        return { value: svid, problems: [] };
      },
      options,
    );
  }

  /**
   * Watches the workload's X.509 context (`FetchX509SVID`): every accepted message, checked as
   * in {@link WorkloadApiClient.fetchX509Context}, is a full-state snapshot (W-4, W-7, W-8). A
   * discarded message is reported to `onError` and the last good snapshot stays current (W-10).
   *
   * Reconnects with backoff when the stream fails or ends (W-3); InvalidArgument and
   * Unimplemented stop the watch; Unavailable, PermissionDenied and the rest are retried.
   *
   * @example
   * for await (const ctx of client.watchX509Context({ signal })) console.log(ctx.defaultSvid.id);
   * client.watchX509Context({ onUpdate: (ctx) => use(ctx), onError: (e) => log(e) });
   * @throws {WorkloadApiError} `closed` when the client is closed.
   */
  watchX509Context(options?: WatchOptions<X509Context>): Watch<X509Context> {
    const cache = new BundleCache<X509Bundle>();
    return this.#watch(
      'FetchX509SVID',
      (s) => this.#transport.fetchX509Svid(s),
      (m) => parseX509SvidResponse(m, this.clock.now(), cache),
      options,
    );
  }

  /**
   * Watches the X.509 bundles (`FetchX509Bundles`), as {@link WorkloadApiClient.watchX509Context}
   * does the context: a trust domain missing from a message is gone (W-8).
   * @throws {WorkloadApiError} `closed` when the client is closed.
   */
  watchX509Bundles(options?: WatchOptions<X509BundleSet>): Watch<X509BundleSet> {
    const cache = new BundleCache<X509Bundle>();
    return this.#watch(
      'FetchX509Bundles',
      (s) => this.#transport.fetchX509Bundles(s),
      (m) => ({ value: parseX509BundlesResponse(m, cache), problems: [] }),
      options,
    );
  }

  /**
   * Watches the JWT bundles (`FetchJWTBundles`), as {@link WorkloadApiClient.watchX509Context}
   * does the context.
   * @throws {WorkloadApiError} `closed` when the client is closed.
   */
  watchJwtBundles(options?: WatchOptions<JwtBundleSet>): Watch<JwtBundleSet> {
    const cache = new BundleCache<JwtBundle>();
    return this.#watch(
      'FetchJWTBundles',
      (s) => this.#transport.fetchJwtBundles(s),
      (m) => ({ value: parseJwtBundlesResponse(m, cache), problems: [] }),
      options,
    );
  }

  /**
   * Closes the client: pending calls reject with `closed`, watches stop (their `onError` and
   * iterators get `closed`), and the connection to the agent is released. Idempotent.
   */
  close(): void {
    if (this.#closer.signal.aborted) return;
    this.#closer.abort();
    this.#signal?.removeEventListener('abort', this.#onAbort);
    const closed = new WorkloadApiError('closed', 'the Workload API client was closed');
    for (const watch of [...this.#watches]) watch.fail(closed);
    this.#watches.clear();
    this.#transport.close();
  }

  /** Closes the client (`await using client = new WorkloadApiClient()`). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  #watch<M, T>(
    method: string,
    open: (signal: AbortSignal) => MessageStream<M>,
    parse: (message: M) => Accepted<T>,
    options: WatchOptions<T> | undefined,
  ): Watch<T> {
    this.#checkOpen();
    const watchOptions = checkWatchOptions<T>(options);
    const watch = new WatchLoop<M, T>(
      { method, open, parse, backoff: new Backoff(this.#backoff), logger: this.logger },
      watchOptions,
    );
    const entry = watch as WatchLoop<unknown, unknown>;
    this.#watches.add(entry);
    void watch.stopped.then(() => this.#watches.delete(entry));
    return watch;
  }

  /** Reads the first message of a stream, then cancels it. */
  async #first<M, T>(
    method: string,
    open: (signal: AbortSignal) => MessageStream<M>,
    parse: (message: M) => Accepted<T>,
    options: CallOptions | undefined,
  ): Promise<T> {
    return this.#run(method, options, async (signal) => {
      const stream = open(signal);
      const iterator = stream[Symbol.asyncIterator]();
      let first: IteratorResult<M>;
      try {
        first = await iterator.next();
      } finally {
        stream.cancel();
      }
      if (first.done) throw discarded(method, 'the stream ended before its first message (W-5)');
      return this.#accept(parse(first.value));
    });
  }

  async #unary<M, T>(
    method: string,
    call: (signal: AbortSignal) => Promise<M>,
    parse: (message: M) => Accepted<T>,
    options: CallOptions | undefined,
  ): Promise<T> {
    return this.#run(method, options, async (signal) => this.#accept(parse(await call(signal))));
  }

  async #run<T>(
    method: string,
    options: CallOptions | undefined,
    body: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    this.#checkOpen();
    const own = checkCallOptions(options);
    if (own?.aborted)
      throw new WorkloadApiError('aborted', `Workload API ${method} was aborted before it started`);
    const signal = own ? AbortSignal.any([this.#closer.signal, own]) : this.#closer.signal;
    try {
      return await body(signal);
    } catch (error) {
      if (this.closed)
        throw new WorkloadApiError('closed', `Workload API ${method}: the client was closed`, {
          cause: error,
        });
      if (own?.aborted)
        throw new WorkloadApiError('aborted', `Workload API ${method} was aborted`, { cause: error });
      throw asWorkloadApiError(error, method);
    }
  }

  #accept<T>(accepted: Accepted<T>): T {
    for (const problem of accepted.problems) this.logger.warn(problem.message);
    return accepted.value;
  }

  #checkOpen(): void {
    if (this.closed) throw new WorkloadApiError('closed', 'the Workload API client is closed');
  }
}

function checkCallOptions(options: CallOptions | undefined): AbortSignal | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) {
    throw new WorkloadApiError('invalid_argument_local', 'call options must be an object');
  }
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new WorkloadApiError('invalid_argument_local', 'options.signal must be an AbortSignal');
  }
  return signal;
}

function checkWatchOptions<T>(options: WatchOptions<T> | undefined): WatchOptions<T> {
  checkCallOptions(options);
  for (const key of ['onUpdate', 'onError', 'onUnchanged'] as const) {
    const fn = options?.[key];
    if (fn !== undefined && typeof fn !== 'function') {
      throw new WorkloadApiError('invalid_argument_local', `options.${key} must be a function`);
    }
  }
  return { ...options };
}

/** The request of `FetchJWTSVID`: `[audience, ...extraAudiences]` (W-9: not empty) and the subject. */
export function checkJwtParams(params: JwtSvidParams): { audience: string[]; subject: SpiffeId | undefined } {
  if (typeof params !== 'object' || params === null) {
    throw new WorkloadApiError(
      'invalid_argument_local',
      'JWT-SVID params must be an object { audience, extraAudiences?, subject? }',
    );
  }
  const { audience, extraAudiences = [], subject } = params;
  if (typeof audience !== 'string' || audience === '') {
    throw new WorkloadApiError(
      'invalid_argument_local',
      'params.audience must be a non-empty string (W-9, J-8)',
    );
  }
  if (!Array.isArray(extraAudiences) || !extraAudiences.every((a) => typeof a === 'string' && a !== '')) {
    throw new WorkloadApiError(
      'invalid_argument_local',
      'params.extraAudiences must be an array of non-empty strings',
    );
  }
  let id: SpiffeId | undefined;
  if (subject !== undefined) {
    try {
      id = SpiffeId.from(subject);
    } catch (cause) {
      throw new WorkloadApiError(
        'invalid_argument_local',
        `params.subject is not a SPIFFE ID: ${reason(cause)}`,
        { cause },
      );
    }
  }
  return { audience: [audience, ...extraAudiences], subject: id };
}
