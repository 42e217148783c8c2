import {
  BundleError,
  SpiffeBundleSet,
  type JwtBundle,
  type JwtBundleSource,
  type SpiffeBundle,
  type SpiffeBundleSource,
  type X509Bundle,
  type X509BundleSource,
} from '../bundle/index.js';
import { quote } from '../internal/errors.js';
import type { Logger } from '../internal/logger.js';
import { TrustDomain } from '../spiffeid/index.js';
import type { EndpointAuth } from './auth.js';
import { FederationError, reasonOf } from './errors.js';
import { planFetch } from './fetch-bundle.js';
import { checkFetchLimits } from './fetch-options.js';
import { BundleWatch, type BundleWatchStatus, type WatchBundleOptions } from './watch-bundle.js';

/** One trust domain to federate with: where its bundle endpoint is and how to authenticate it (F-8). */
export interface FederationRelationship {
  /** The federated trust domain; its bundle is always stored under this name (F-8, F-19). */
  trustDomain: TrustDomain | string;
  /** Its bundle endpoint URL (`https:`, F-9). */
  url: string | URL;
  /** The endpoint profile: `https_web` or `https_spiffe` (F-6). */
  auth: EndpointAuth;
}

/** A local source the set answers every non-federated trust domain from (an `X509Source`, a `BundleSource`). */
export type LocalBundleSource = X509BundleSource & Partial<JwtBundleSource & SpiffeBundleSource>;

/** Options of a {@link FederatedBundleSet}: shared by all its watches. */
export interface FederatedBundleSetOptions extends Omit<WatchBundleOptions, 'auth' | 'onUpdate' | 'onError'> {
  /**
   * Answers for every trust domain that is not federated by this set, typically the workload's
   * own (an `X509Source`), so that one object verifies local and federated peers. Each trust
   * domain is answered by exactly one of the two; bundles are never merged (F-5).
   */
  local?: LocalBundleSource;
}

/** Options of {@link FederatedBundleSet.ready}. */
export interface FederationReadyOptions {
  /** Rejects with `timeout` after this many ms; default: no limit. */
  timeoutMs?: number;
  /** Rejects with `aborted` when aborted. */
  signal?: AbortSignal;
}

/** The events of a {@link FederatedBundleSet}. */
export interface FederatedBundleSetEvents {
  /** A federated trust domain has a new bundle (a copy). */
  update: (bundle: SpiffeBundle) => void;
  /** A fetch failed; the set keeps the bundle it holds and retries at the next interval (F-18). */
  error: (error: FederationError, trustDomain: TrustDomain) => void;
}

type Listener = (...args: never[]) => void;

interface Waiter {
  resolve: () => void;
  reject: (error: FederationError) => void;
}

/**
 * The bundles of the trust domains a service federates with, each kept fresh by its own
 * {@link watchBundle} (go-spiffe has no equivalent). It is an X.509, JWT and SPIFFE bundle
 * source, so the `tlsconfig` layer verifies peers of federated trust domains with it, and with
 * `local` (the workload's `X509Source`) it also answers the local trust domain: one object for
 * every peer.
 *
 * - Each trust domain's bundle comes only from its own endpoint, stored under the configured
 *   name (F-8); bundles of different trust domains are never merged (F-5, B-1).
 * - Until the first fetch of a trust domain succeeds, it has no bundle (`bundle_not_found`, which
 *   fails peers of it closed); a failed refresh keeps the bundle held (F-3). `ready()` waits
 *   for every first bundle.
 * - Emits `update` and `error`; `close()` (or `signal`) stops every watch.
 *
 * @example
 * const source = await X509Source.create();
 * const federation = new FederatedBundleSet(
 *   [{ trustDomain: 'partner.example', url: 'https://bundle.partner.example/',
 *      auth: { profile: 'https_spiffe', endpointId: 'spiffe://partner.example/spire/server', bundle: initial } }],
 *   { local: source },
 * );
 * await federation.ready({ timeoutMs: 10_000 });
 * const server = createHttpsServer(mtlsServerOptions(source, federation, authorizeMemberOf('partner.example')), app);
 */
export class FederatedBundleSet
  implements X509BundleSource, JwtBundleSource, SpiffeBundleSource, AsyncDisposable
{
  readonly #watches = new Map<string, BundleWatch>();
  readonly #bundles = new Map<string, SpiffeBundle>();
  readonly #local: LocalBundleSource | undefined;
  readonly #logger: Logger;
  readonly #listeners = new Map<keyof FederatedBundleSetEvents, Set<Listener>>();
  readonly #waiters = new Set<Waiter>();
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => this.close();
  #closed = false;

  /**
   * Checks every relationship and starts watching each (the first fetches begin at once).
   *
   * @throws {FederationError} `invalid_argument` (a bad option, a trust domain named twice, a
   *   `local` that is not an X.509 bundle source) or `invalid_url`.
   */
  constructor(relationships: readonly FederationRelationship[], options: FederatedBundleSetOptions = {}) {
    const where = 'FederatedBundleSet';
    if (!Array.isArray(relationships)) {
      throw new FederationError(
        'invalid_argument',
        `${where}: relationships must be an array of { trustDomain, url, auth }`,
      );
    }
    if (typeof options !== 'object' || options === null) {
      throw new FederationError('invalid_argument', `${where}: options must be an object`);
    }
    const local = options.local;
    if (local !== undefined && typeof local?.getX509BundleForTrustDomain !== 'function') {
      throw new FederationError(
        'invalid_argument',
        `${where}: local must be an X.509 bundle source (an X509Source)`,
      );
    }
    this.#local = local;
    this.#logger = checkFetchLimits(options, where).logger;
    const watches: BundleWatch[] = [];
    relationships.forEach((relationship: unknown, i) => {
      const r = (relationship ?? {}) as Partial<FederationRelationship>;
      const at = `${where}: relationship ${i}`;
      const plan = planFetch(r.trustDomain, r.url, { ...options, auth: r.auth as EndpointAuth }, at);
      const name = plan.trustDomain.name;
      if (this.#watches.has(name)) {
        throw new FederationError(
          'invalid_argument',
          `${at}: the trust domain ${quote(name)} is configured twice; it has one bundle endpoint (F-5, B-1)`,
        );
      }
      const watch = new BundleWatch(
        plan,
        {
          ...options,
          signal: undefined,
          auth: r.auth as EndpointAuth,
          onUpdate: (bundle) => this.#update(bundle),
          onError: (error) => this.#emit('error', error, plan.trustDomain),
        },
        at,
      );
      this.#watches.set(name, watch);
      watches.push(watch);
    });
    this.#signal = options.signal;
    if (this.#signal?.aborted) {
      this.#closed = true;
      return;
    }
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    for (const watch of watches) watch.start();
  }

  /** The federated trust domains, in configuration order. */
  get trustDomains(): TrustDomain[] {
    return [...this.#watches.values()].map((w) => w.trustDomain);
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Resolves once every federated trust domain has a bundle.
   *
   * @throws {FederationError} `timeout` (naming the trust domains still missing and why),
   *   `aborted`, or `closed`.
   */
  ready(options: FederationReadyOptions = {}): Promise<void> {
    if (this.#closed)
      return Promise.reject(new FederationError('closed', 'the FederatedBundleSet is closed'));
    if (this.#missing().length === 0) return Promise.resolve();
    const { timeoutMs, signal } = options;
    if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !(timeoutMs >= 0))) {
      return Promise.reject(
        new FederationError('invalid_argument', 'ready: timeoutMs must be a number >= 0'),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const cleanup = (): void => {
        this.#waiters.delete(waiter);
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        resolve: () => {
          cleanup();
          resolve();
        },
        reject: (error) => {
          cleanup();
          reject(error);
        },
      };
      const onAbort = (): void =>
        waiter.reject(
          new FederationError('aborted', `ready: aborted; ${this.#explainMissing()}`, {
            cause: signal?.reason,
          }),
        );
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(
              () =>
                waiter.reject(
                  new FederationError(
                    'timeout',
                    `ready: not ready within ${timeoutMs} ms; ${this.#explainMissing()}`,
                  ),
                ),
              timeoutMs,
            );
      this.#waiters.add(waiter);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Copies of the federated bundles held now (without `local`'s). */
  bundles(): SpiffeBundleSet {
    return new SpiffeBundleSet(...[...this.#bundles.values()].map((b) => b.clone()));
  }

  /** The health of each federated trust domain's watch, by trust domain name. */
  status(): Map<string, BundleWatchStatus> {
    return new Map([...this.#watches].map(([name, watch]) => [name, watch.status()]));
  }

  /** Registers `listener` for `event`. A listener that throws is logged and does not disturb the set. */
  on<E extends keyof FederatedBundleSetEvents>(event: E, listener: FederatedBundleSetEvents[E]): this {
    let set = this.#listeners.get(event);
    if (set === undefined) this.#listeners.set(event, (set = new Set()));
    set.add(listener as Listener);
    return this;
  }

  /** Removes a listener added with `on`. */
  off<E extends keyof FederatedBundleSetEvents>(event: E, listener: FederatedBundleSetEvents[E]): this {
    this.#listeners.get(event)?.delete(listener as Listener);
    return this;
  }

  /**
   * A copy of the SPIFFE bundle of `trustDomain`: the fetched one for a federated trust domain,
   * `local`'s answer for any other.
   *
   * @throws {BundleError} `bundle_not_found` (not fetched yet, not federated and no `local`, or
   *   `local` has none).
   * @throws {FederationError} `closed`.
   */
  getBundleForTrustDomain(trustDomain: TrustDomain | string): SpiffeBundle {
    const td = TrustDomain.from(trustDomain);
    const federated = this.#federated(td, 'SPIFFE');
    if (federated !== undefined) return federated.clone();
    const local = this.#requireLocal(td, 'SPIFFE', 'getBundleForTrustDomain');
    return local.getBundleForTrustDomain!(td);
  }

  /**
   * The X.509 authorities of `trustDomain` (a new bundle): federated or `local`, never both (F-5).
   *
   * @throws {BundleError} `bundle_not_found`.
   * @throws {FederationError} `closed`.
   */
  getX509BundleForTrustDomain(trustDomain: TrustDomain | string): X509Bundle {
    const td = TrustDomain.from(trustDomain);
    const federated = this.#federated(td, 'X.509');
    if (federated !== undefined) return federated.x509Bundle();
    return this.#requireLocal(td, 'X.509', 'getX509BundleForTrustDomain').getX509BundleForTrustDomain(td);
  }

  /**
   * The JWT authorities of `trustDomain` (a new bundle): federated or `local`, never both (F-5).
   *
   * @throws {BundleError} `bundle_not_found`.
   * @throws {FederationError} `closed`.
   */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain | string): JwtBundle {
    const td = TrustDomain.from(trustDomain);
    const federated = this.#federated(td, 'JWT');
    if (federated !== undefined) return federated.jwtBundle();
    const local = this.#requireLocal(td, 'JWT', 'getJwtBundleForTrustDomain');
    return local.getJwtBundleForTrustDomain!(td);
  }

  /** Stops every watch and rejects pending `ready()` calls. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    for (const watch of this.#watches.values()) watch.close();
    for (const waiter of [...this.#waiters]) {
      waiter.reject(
        new FederationError('closed', `the FederatedBundleSet was closed; ${this.#explainMissing()}`),
      );
    }
  }

  /** `await using set = new FederatedBundleSet(...)`: closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** The held bundle of a federated trust domain; undefined when `td` is not federated here. */
  #federated(td: TrustDomain, kind: string): SpiffeBundle | undefined {
    if (this.#closed) throw new FederationError('closed', 'the FederatedBundleSet is closed');
    if (!this.#watches.has(td.name)) return undefined;
    const bundle = this.#bundles.get(td.name);
    if (bundle === undefined) {
      const last = this.#watches.get(td.name)?.status().lastError;
      throw new BundleError(
        'bundle_not_found',
        `no ${kind} bundle for the federated trust domain ${quote(td.name)} yet: ` +
          (last === undefined
            ? 'its first fetch has not completed'
            : `its last fetch failed: ${last.message}`),
      );
    }
    return bundle;
  }

  #requireLocal(td: TrustDomain, kind: string, method: keyof LocalBundleSource): LocalBundleSource {
    const local = this.#local;
    if (local === undefined || typeof local[method] !== 'function') {
      throw new BundleError(
        'bundle_not_found',
        `no ${kind} bundle for trust domain ${quote(td.name)}: it is not federated by this set` +
          (local === undefined
            ? ' and there is no local source'
            : ` and the local source has no ${kind} bundles`),
      );
    }
    return local;
  }

  #update(bundle: SpiffeBundle): void {
    this.#bundles.set(bundle.trustDomain.name, bundle);
    this.#emit('update', bundle.clone());
    if (this.#missing().length === 0) for (const waiter of [...this.#waiters]) waiter.resolve();
  }

  #missing(): string[] {
    return [...this.#watches.keys()].filter((name) => !this.#bundles.has(name));
  }

  #explainMissing(): string {
    const parts = this.#missing().map((name) => {
      const last = this.#watches.get(name)?.status().lastError;
      return `${quote(name)} (${last === undefined ? 'no answer yet' : last.message})`;
    });
    return `no bundle yet for ${parts.join(', ')}`;
  }

  #emit<E extends keyof FederatedBundleSetEvents>(
    event: E,
    ...args: Parameters<FederatedBundleSetEvents[E]>
  ): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        (listener as (...a: unknown[]) => void)(...args);
      } catch (error) {
        this.#logger.error(`federation: a FederatedBundleSet ${event} listener threw: ${reasonOf(error)}`);
      }
    }
  }
}
