import type { TrustDomain } from '../spiffeid/index.js';
import { BundleSet } from './bundle-set.js';
import type { X509BundleSource } from './source.js';
import { X509Bundle } from './x509-bundle.js';

/**
 * X.509 bundles of several trust domains, at most one each; an {@link X509BundleSource} that
 * answers with the bundle of the asked trust domain only (B-1, W-11).
 *
 * @example
 * const set = new X509BundleSet(X509Bundle.parse('example.org', pem));
 * set.getX509BundleForTrustDomain('example.org');
 */
export class X509BundleSet extends BundleSet<X509Bundle> implements X509BundleSource {
  /** A set holding `bundles`; a later bundle replaces an earlier one of the same trust domain. */
  constructor(...bundles: X509Bundle[]) {
    super('X.509', (value): value is X509Bundle => value instanceof X509Bundle, bundles);
  }

  /**
   * The stored bundle of `trustDomain` (not a copy).
   *
   * @throws {BundleError} `bundle_not_found`.
   */
  getX509BundleForTrustDomain(trustDomain: TrustDomain | string): X509Bundle {
    return this.require(trustDomain);
  }
}
