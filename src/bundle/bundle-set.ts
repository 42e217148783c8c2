import { quote } from '../internal/errors.js';
import { TrustDomain } from '../spiffeid/index.js';
import { describe } from './certificate.js';
import { BundleError } from './errors.js';

/** What every bundle kind has: the trust domain it belongs to. */
interface TrustDomainBundle {
  readonly trustDomain: TrustDomain;
}

/**
 * Bundles keyed by trust domain, at most one per trust domain: the shared implementation of
 * `X509BundleSet`, `JwtBundleSet` and `SpiffeBundleSet`. Bundles are stored as given (not
 * copied), as go-spiffe's sets do.
 */
export abstract class BundleSet<B extends TrustDomainBundle> {
  readonly #bundles = new Map<string, B>();
  readonly #kind: string;
  readonly #isBundle: (value: unknown) => value is B;

  /**
   * @param kind - the bundle kind for messages (`X.509`, `JWT`, `SPIFFE`).
   * @param isBundle - recognises the bundles this set holds.
   */
  protected constructor(kind: string, isBundle: (value: unknown) => value is B, bundles: readonly B[]) {
    this.#kind = kind;
    this.#isBundle = isBundle;
    for (const bundle of bundles) this.add(bundle);
  }

  /**
   * Adds a bundle, replacing any bundle of the same trust domain.
   *
   * @throws {BundleError} `invalid_argument` for a value that is not a bundle of this kind.
   */
  add(bundle: B): void {
    if (!this.#isBundle(bundle)) {
      throw new BundleError('invalid_argument', `expected a ${this.#kind} bundle, got ${describe(bundle)}`);
    }
    this.#bundles.set(bundle.trustDomain.name, bundle);
  }

  /** Removes the bundle of `trustDomain`; an absent one is ignored. */
  remove(trustDomain: TrustDomain | string): void {
    this.#bundles.delete(TrustDomain.from(trustDomain).name);
  }

  /** Whether the set has a bundle for `trustDomain`. */
  has(trustDomain: TrustDomain | string): boolean {
    return this.#bundles.has(TrustDomain.from(trustDomain).name);
  }

  /** The bundle of `trustDomain`, or undefined. */
  get(trustDomain: TrustDomain | string): B | undefined {
    return this.#bundles.get(TrustDomain.from(trustDomain).name);
  }

  /** All bundles, sorted by trust domain name. */
  bundles(): B[] {
    return [...this.#bundles.keys()].sort().map((name) => this.#bundles.get(name) as B);
  }

  /** How many bundles the set holds. */
  get size(): number {
    return this.#bundles.size;
  }

  /**
   * The bundle of `trustDomain`, for the Source methods.
   *
   * @throws {BundleError} `bundle_not_found`, naming the bundle kind asked for.
   */
  protected require(trustDomain: TrustDomain | string, kind: string = this.#kind): B {
    const td = TrustDomain.from(trustDomain);
    const bundle = this.#bundles.get(td.name);
    if (!bundle) {
      throw new BundleError('bundle_not_found', `no ${kind} bundle for trust domain ${quote(td.name)}`);
    }
    return bundle;
  }
}
