import {
  BundleError,
  SpiffeBundle,
  type JwtBundle,
  type JwtBundleSet,
  type JwtBundleSource,
  type SpiffeBundleSource,
  type X509Bundle,
  type X509BundleSet,
  type X509BundleSource,
} from '../bundle/index.js';
import { quote } from '../internal/errors.js';
import { TrustDomain } from '../spiffeid/index.js';
import { cloneJwtBundles } from './bundles-response.js';
import type { WorkloadApiError } from './errors.js';
import { SourceBase, type SourceOptions, type SourceStatus } from './source-base.js';
import { cloneX509Bundles } from './x509-context.js';

const X509_STREAM = 'FetchX509Bundles';
const JWT_STREAM = 'FetchJWTBundles';

/** Options of {@link BundleSource.create}. */
export type BundleSourceOptions = SourceOptions;

/** An update of a {@link BundleSource}: which kind of bundles changed, and all of that kind (copies). */
export type BundleSourceUpdate =
  { kind: 'x509'; bundles: X509BundleSet } | { kind: 'jwt'; bundles: JwtBundleSet };

/** The events of a {@link BundleSource}. */
export interface BundleSourceEvents {
  /** New X.509 or JWT bundles were accepted. */
  update: (update: BundleSourceUpdate) => void;
  /** A failure the source recovers from, or the one that stopped it. */
  error: (error: WorkloadApiError) => void;
}

/**
 * The X.509 and JWT bundles of every trust domain the agent gives the workload, kept current by
 * watches of `FetchX509Bundles` and `FetchJWTBundles`: for workloads that verify peers without an
 * identity of their own (go-spiffe's BundleSource watches the X.509 context instead, so it needs an
 * SVID). Each message replaces the bundles of its kind: a trust domain missing from it is dropped
 * (W-8).
 *
 * @example
 * await using bundles = await BundleSource.create({ timeoutMs: 10_000 });
 * verifyX509Svid(peerChain, bundles);
 */
export class BundleSource
  extends SourceBase<BundleSourceUpdate, BundleSourceEvents>
  implements X509BundleSource, JwtBundleSource, SpiffeBundleSource
{
  #x509: X509BundleSet | undefined;
  #jwt: JwtBundleSet | undefined;

  private constructor(options: BundleSourceOptions) {
    super('BundleSource', options, [X509_STREAM, JWT_STREAM]);
  }

  /**
   * Starts both watches and resolves once each has delivered its first bundles.
   * @throws {WorkloadApiError} as `X509Source.create` (`timeout` and `aborted` say why nothing came).
   */
  static async create(options: BundleSourceOptions = {}): Promise<BundleSource> {
    const source = new BundleSource(options);
    const onError = (stream: string) => (error: WorkloadApiError) => {
      if (!source.closed) source.failed(stream, error);
    };
    source.start([
      source.client.watchX509Bundles({
        onUpdate: (bundles) => {
          if (source.closed) return;
          source.#x509 = bundles;
          source.accepted(X509_STREAM, { kind: 'x509', bundles: cloneX509Bundles(bundles) });
        },
        onError: onError(X509_STREAM),
        onUnchanged: () => {
          if (!source.closed) source.unchanged(X509_STREAM);
        },
      }),
      source.client.watchJwtBundles({
        onUpdate: (bundles) => {
          if (source.closed) return;
          source.#jwt = bundles;
          source.accepted(JWT_STREAM, { kind: 'jwt', bundles: cloneJwtBundles(bundles) });
        },
        onError: onError(JWT_STREAM),
        onUnchanged: () => {
          if (!source.closed) source.unchanged(JWT_STREAM);
        },
      }),
    ]);
    try {
      await source.waitReady(options.timeoutMs, options.signal, 'bundles');
    } catch (error) {
      source.close();
      throw error;
    }
    source.armSignal();
    return source;
  }

  /**
   * The SPIFFE bundle of `trustDomain`: its X.509 and JWT authorities (a new object).
   * @throws {BundleError} `bundle_not_found` when the agent sent neither.
   * @throws {WorkloadApiError} `closed`.
   */
  getBundleForTrustDomain(trustDomain: TrustDomain | string): SpiffeBundle {
    this.checkOpen();
    const td = TrustDomain.from(trustDomain);
    const x509 = this.#x509?.get(td);
    const jwt = this.#jwt?.get(td);
    if (x509 === undefined && jwt === undefined) throw notFound('SPIFFE', td);
    const bundle = x509 ? SpiffeBundle.fromX509Bundle(x509) : SpiffeBundle.fromJwtBundle(jwt!);
    if (x509 && jwt) bundle.setJwtAuthorities(jwt.jwtAuthorities());
    return bundle;
  }

  /**
   * A copy of the X.509 bundle of `trustDomain`.
   * @throws {BundleError} `bundle_not_found`.
   * @throws {WorkloadApiError} `closed`.
   */
  getX509BundleForTrustDomain(trustDomain: TrustDomain | string): X509Bundle {
    this.checkOpen();
    const td = TrustDomain.from(trustDomain);
    const bundle = this.#x509?.get(td);
    if (bundle === undefined) throw notFound('X.509', td);
    return bundle.clone();
  }

  /**
   * A copy of the JWT bundle of `trustDomain`.
   * @throws {BundleError} `bundle_not_found`.
   * @throws {WorkloadApiError} `closed`.
   */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain | string): JwtBundle {
    this.checkOpen();
    const td = TrustDomain.from(trustDomain);
    const bundle = this.#jwt?.get(td);
    if (bundle === undefined) throw notFound('JWT', td);
    return bundle.clone();
  }

  /**
   * Copies of every X.509 bundle.
   * @throws {WorkloadApiError} `closed`.
   */
  x509Bundles(): X509BundleSet {
    this.checkOpen();
    return cloneX509Bundles(this.#x509!);
  }

  /**
   * Copies of every JWT bundle.
   * @throws {WorkloadApiError} `closed`.
   */
  jwtBundles(): JwtBundleSet {
    this.checkOpen();
    return cloneJwtBundles(this.#jwt!);
  }

  /** The source's health: state, last update and errors since (of both watches). */
  status(): SourceStatus {
    return this.baseStatus();
  }
}

function notFound(kind: string, td: TrustDomain): BundleError {
  return new BundleError(
    'bundle_not_found',
    `BundleSource has no ${kind} bundle for trust domain ${quote(td.name)}`,
  );
}
