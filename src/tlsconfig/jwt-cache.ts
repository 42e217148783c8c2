import { quote } from '../internal/errors.js';
import { nullLogger, type Logger } from '../internal/logger.js';
import type { JwtSvid, JwtSvidParams, JwtSvidSource } from '../svid/index.js';
import { reasonOf, TlsConfigError } from './errors.js';

/** A cached token still in its lifetime is used when a refresh fails, if it has this much left. */
const MIN_REMAINING_MS = 10_000;

/** Options of {@link JwtSvidCache}. */
export interface JwtSvidCacheOptions {
  /** Where failed refreshes are reported (never the token); default: silent. */
  logger?: Logger;
  /** The time, for tests; default `Date.now`. */
  now?: () => number;
}

const BRAND = Symbol.for('@spiffe-ts/sdk:JwtSvidCache');

/**
 * The client side of JWT-SVID authentication: fetches a JWT-SVID for one audience from a
 * `JwtSvidSource` (a `JwtSource` or `WorkloadApiClient`) and reuses it until half of its
 * remaining lifetime at fetch time has passed (as SPIRE renews at half-life), then fetches
 * anew; concurrent callers share one fetch. If a refresh fails while the cached token still has
 * time left, the cached one is used and the failure logged. Use it with `jwtSvidFetch`,
 * `jwtSvidCallCredentials`, or `authorizationHeader()` for any HTTP client.
 *
 * @example
 * const tokens = new JwtSvidCache(jwtSource, { audience: 'spiffe://example.org/database' });
 * const res = await jwtSvidFetch(tokens)('https://db.internal/query');
 */
export class JwtSvidCache {
  /** Recognises instances from any copy of this package (ESM and CJS builds alike). */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** @internal brand for `instanceof` across package copies */
  get [BRAND](): true {
    return true;
  }

  readonly #source: JwtSvidSource;
  readonly #params: JwtSvidParams;
  readonly #logger: Logger;
  readonly #now: () => number;
  #svid: JwtSvid | undefined;
  #refreshAt = 0;
  #pending: Promise<JwtSvid> | undefined;

  /** @throws {TlsConfigError} `invalid_argument` for a bad source or audience. */
  constructor(source: JwtSvidSource, params: JwtSvidParams, options: JwtSvidCacheOptions = {}) {
    if (typeof (source as Partial<JwtSvidSource> | null)?.fetchJwtSvid !== 'function') {
      throw new TlsConfigError(
        'invalid_argument',
        'JwtSvidCache: source must be a JWT-SVID source (a JwtSource or WorkloadApiClient)',
      );
    }
    if (typeof params?.audience !== 'string' || params.audience === '') {
      throw new TlsConfigError(
        'invalid_argument',
        'JwtSvidCache: params.audience must be a non-empty string (J-8)',
      );
    }
    this.#source = source;
    this.#params = { ...params };
    this.#logger = options.logger ?? nullLogger;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The JWT-SVID to send now.
   * @throws {TlsConfigError} `token_unavailable` when none can be fetched and no cached one is usable.
   */
  async get(): Promise<JwtSvid> {
    const now = this.#now();
    if (this.#svid !== undefined && now < this.#refreshAt) return this.#svid;
    this.#pending ??= this.#refresh().finally(() => (this.#pending = undefined));
    return this.#pending;
  }

  /** `Bearer <JWT-SVID>`, the value of the `Authorization` header (J-14). */
  async authorizationHeader(): Promise<string> {
    return `Bearer ${(await this.get()).token}`;
  }

  async #refresh(): Promise<JwtSvid> {
    const fetchedAt = this.#now();
    let svid: JwtSvid;
    try {
      svid = await this.#source.fetchJwtSvid(this.#params);
    } catch (error) {
      const cached = this.#svid;
      if (cached !== undefined && cached.expiry.getTime() - this.#now() > MIN_REMAINING_MS) {
        this.#logger.warn(
          `tlsconfig: cannot refresh the JWT-SVID for ${this.#params.audience}, using the cached one: ${reasonOf(error)}`,
        );
        return cached;
      }
      throw new TlsConfigError(
        'token_unavailable',
        `cannot get a JWT-SVID for audience ${quote(this.#params.audience)}: ${reasonOf(error)}`,
        {
          cause: error,
        },
      );
    }
    this.#svid = svid;
    this.#refreshAt = fetchedAt + (svid.expiry.getTime() - fetchedAt) / 2;
    return svid;
  }
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A `fetch` that sends `Authorization: Bearer <JWT-SVID>` from `cache` (J-14). Bearer tokens go
 * over `https:` only (or to a loopback address): a plain `http:` URL elsewhere is refused.
 *
 * @param fetchImpl the `fetch` to wrap; default the global one. Pass `dispatcher` in `init` as usual.
 */
export function jwtSvidFetch(cache: JwtSvidCache, fetchImpl: typeof fetch = globalThis.fetch): typeof fetch {
  if (!(cache instanceof JwtSvidCache))
    throw new TlsConfigError('invalid_argument', 'jwtSvidFetch: cache must be a JwtSvidCache');
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    let url: URL;
    try {
      url = new URL(input instanceof Request ? input.url : input);
    } catch (error) {
      throw new TlsConfigError('invalid_argument', 'jwtSvidFetch: the URL must be absolute', {
        cause: error,
      });
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
      throw new TlsConfigError(
        'invalid_argument',
        `jwtSvidFetch: refusing to send a JWT-SVID over ${url.protocol} to ${quote(url.host)}; use https:`,
      );
    }
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    headers.set('authorization', await cache.authorizationHeader());
    return fetchImpl(input, { ...init, headers });
  };
}
