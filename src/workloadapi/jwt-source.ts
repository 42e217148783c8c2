import type { JwtBundle, JwtBundleSet, JwtBundleSource } from '../bundle/index.js';
import { BundleError } from '../bundle/index.js';
import { quote } from '../internal/errors.js';
import { TrustDomain } from '../spiffeid/index.js';
import type { JwtSvid, JwtSvidParams, JwtSvidSource } from '../svid/index.js';
import { cloneJwtBundles } from './bundles-response.js';
import { checkJwtParams, type CallOptions } from './client.js';
import { WorkloadApiError } from './errors.js';
import { reason } from './response.js';
import { SourceBase, type SourceOptions, type SourceStatus } from './source-base.js';

const STREAM = 'FetchJWTBundles';
/** Cached JWT-SVIDs at most; the oldest entry goes first. */
const MAX_CACHED = 256;

/** Options of {@link JwtSource.create}. */
export interface JwtSourceOptions extends SourceOptions {
  /**
   * Chooses the JWT-SVID when `fetchJwtSvid` is called without a subject and the workload has
   * several identities (go-spiffe `WithDefaultJWTSVIDPicker`, #301); default: the first.
   */
  picker?: (svids: readonly JwtSvid[]) => JwtSvid | undefined;
}

/** The events of a {@link JwtSource}. */
export interface JwtSourceEvents {
  /** New JWT bundles were accepted (copies). */
  update: (bundles: JwtBundleSet) => void;
  /** A failure the source recovers from, or the one that stopped it. */
  error: (error: WorkloadApiError) => void;
}

interface CacheEntry {
  svid: JwtSvid;
  /** Epoch ms after which the token is fetched anew: half its lifetime. */
  refreshAt: number;
}

/**
 * JWT-SVIDs on demand and the JWT bundles to validate tokens with, kept current by a watch of
 * `FetchJWTBundles`.
 *
 * `fetchJwtSvid` reuses a token for the same audiences and subject until half its lifetime has
 * passed (go-spiffe asks the agent on every call), and concurrent calls for the same token share
 * one request.
 *
 * @example
 * await using source = await JwtSource.create({ timeoutMs: 10_000 });
 * const { token } = await source.fetchJwtSvid({ audience: 'spiffe://example.org/api' });
 * const caller = JwtSvid.parseAndValidate(incoming, source, 'spiffe://example.org/api');
 */
export class JwtSource
  extends SourceBase<JwtBundleSet, JwtSourceEvents>
  implements JwtSvidSource, JwtBundleSource
{
  readonly #picker: ((svids: readonly JwtSvid[]) => JwtSvid | undefined) | undefined;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #inflight = new Map<string, Promise<JwtSvid>>();
  readonly #closer = new AbortController();
  #bundles: JwtBundleSet | undefined;

  private constructor(options: JwtSourceOptions) {
    // Checked before the base class makes a client, so that bad options leak nothing.
    const picker = options?.picker;
    if (picker !== undefined && typeof picker !== 'function') {
      throw new WorkloadApiError('invalid_argument_local', 'JwtSource: options.picker must be a function');
    }
    super('JwtSource', options, [STREAM]);
    this.#picker = picker;
  }

  /**
   * Starts watching the JWT bundles and resolves once the first set has arrived.
   * @throws {WorkloadApiError} as `X509Source.create` (`timeout` and `aborted` say why nothing came).
   */
  static async create(options: JwtSourceOptions = {}): Promise<JwtSource> {
    const source = new JwtSource(options);
    source.start([
      source.client.watchJwtBundles({
        onUpdate: (bundles) => {
          if (source.closed) return;
          source.#bundles = bundles;
          source.accepted(STREAM, cloneJwtBundles(bundles));
        },
        onError: (error) => {
          if (!source.closed) source.failed(STREAM, error);
        },
        onUnchanged: () => {
          if (!source.closed) source.unchanged(STREAM);
        },
      }),
    ]);
    try {
      await source.waitReady(options.timeoutMs, options.signal, 'JWT bundles');
    } catch (error) {
      source.close();
      throw error;
    }
    source.armSignal();
    return source;
  }

  /**
   * A JWT-SVID for `params` (see `WorkloadApiClient.fetchJwtSvid`), from the cache while the
   * cached one is in the first half of its lifetime (from `iat`, else from when it was fetched).
   * Without `subject`, the picker chooses among the workload's identities.
   *
   * @throws {WorkloadApiError} as `WorkloadApiClient.fetchJwtSvid`; `no_identity` when the picker
   *   chooses none; `closed`.
   */
  async fetchJwtSvid(params: JwtSvidParams, options?: CallOptions): Promise<JwtSvid> {
    this.checkOpen();
    const { audience, subject } = checkJwtParams(params);
    if (options?.signal?.aborted) throw new WorkloadApiError('aborted', 'JwtSource: the call was aborted');
    const key = JSON.stringify([audience, subject?.toString() ?? null]);
    const now = this.clock.now().getTime();
    const cached = this.#cache.get(key);
    if (cached !== undefined && now < cached.refreshAt) return cached.svid;
    let pending = this.#inflight.get(key);
    if (pending === undefined) {
      pending = this.#fetch(params, subject === undefined).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
      pending.then(
        (svid) => this.#store(key, svid),
        () => undefined,
      );
    }
    return raceSignal(pending, options?.signal);
  }

  /**
   * Every JWT-SVID the agent issues for `params`, always fetched anew.
   * @throws {WorkloadApiError} as `WorkloadApiClient.fetchJwtSvids`; `closed`.
   */
  async fetchJwtSvids(params: JwtSvidParams, options?: CallOptions): Promise<JwtSvid[]> {
    this.checkOpen();
    return raceSignal(this.client.fetchJwtSvids(params, { signal: this.#closer.signal }), options?.signal);
  }

  /**
   * A copy of the JWT bundle of `trustDomain`.
   * @throws {BundleError} `bundle_not_found`.
   * @throws {WorkloadApiError} `closed`.
   */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain | string): JwtBundle {
    this.checkOpen();
    const td = TrustDomain.from(trustDomain);
    const bundle = this.#bundles?.get(td);
    if (bundle === undefined) {
      throw new BundleError(
        'bundle_not_found',
        `JwtSource has no JWT bundle for trust domain ${quote(td.name)}`,
      );
    }
    return bundle.clone();
  }

  /**
   * Copies of every JWT bundle the source holds.
   * @throws {WorkloadApiError} `closed`.
   */
  bundles(): JwtBundleSet {
    this.checkOpen();
    return cloneJwtBundles(this.#bundles!);
  }

  /** The source's health: state, last update and errors since. */
  status(): SourceStatus {
    return this.baseStatus();
  }

  protected override onClose(): void {
    this.#closer.abort();
    this.#cache.clear();
  }

  async #fetch(params: JwtSvidParams, pick: boolean): Promise<JwtSvid> {
    const signal = this.#closer.signal;
    if (!pick || this.#picker === undefined) return this.client.fetchJwtSvid(params, { signal });
    const svids = await this.client.fetchJwtSvids(params, { signal });
    let svid: JwtSvid | undefined;
    try {
      svid = this.#picker(svids);
    } catch (error) {
      this.logger.error(`JwtSource: the picker threw: ${reason(error)}`);
    }
    if (svid === undefined || !svids.includes(svid)) {
      throw new WorkloadApiError(
        'no_identity',
        `JwtSource: the picker chose none of the ${svids.length} JWT-SVIDs`,
      );
    }
    return svid;
  }

  #store(key: string, svid: JwtSvid): void {
    if (this.closed) return;
    const exp = svid.expiry.getTime();
    const iat = svid.claims['iat'];
    const now = this.clock.now().getTime();
    const issuedAt = typeof iat === 'number' && Number.isFinite(iat) && iat * 1000 <= now ? iat * 1000 : now;
    this.#cache.delete(key);
    for (const [k, entry] of this.#cache) if (now >= entry.refreshAt) this.#cache.delete(k);
    if (this.#cache.size >= MAX_CACHED) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(key, { svid, refreshAt: issuedAt + (exp - issuedAt) / 2 });
  }
}

/** `promise`, or an `aborted` rejection as soon as `signal` aborts (the shared request goes on). */
function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (!(signal instanceof AbortSignal)) {
    return Promise.reject(
      new WorkloadApiError('invalid_argument_local', 'options.signal must be an AbortSignal'),
    );
  }
  const abortedError = (): WorkloadApiError =>
    new WorkloadApiError('aborted', 'JwtSource: the call was aborted');
  if (signal.aborted) return Promise.reject(abortedError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortedError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
