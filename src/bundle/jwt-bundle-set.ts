import type { TrustDomain } from '../spiffeid/index.js';
import { BundleSet } from './bundle-set.js';
import { JwtBundle } from './jwt-bundle.js';
import type { JwtBundleSource } from './source.js';

/**
 * JWT bundles of several trust domains, at most one each; a {@link JwtBundleSource} that answers
 * with the bundle of the asked trust domain only (J-17, W-25).
 *
 * @example
 * const set = new JwtBundleSet(JwtBundle.parse('example.org', jwks));
 * set.getJwtBundleForTrustDomain('example.org').findJwtAuthority(kid);
 */
export class JwtBundleSet extends BundleSet<JwtBundle> implements JwtBundleSource {
  /** A set holding `bundles`; a later bundle replaces an earlier one of the same trust domain. */
  constructor(...bundles: JwtBundle[]) {
    super('JWT', (value): value is JwtBundle => value instanceof JwtBundle, bundles);
  }

  /**
   * The stored bundle of `trustDomain` (not a copy).
   *
   * @throws {BundleError} `bundle_not_found`.
   */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain | string): JwtBundle {
    return this.require(trustDomain);
  }
}
