import type { TrustDomain } from '../spiffeid/index.js';
import type { JwtBundle } from './jwt-bundle.js';
import type { SpiffeBundle } from './spiffe-bundle.js';
import type { X509Bundle } from './x509-bundle.js';

/**
 * Gives the X.509 bundle of one trust domain. Verifiers ask for the bundle of the peer's own
 * trust domain only (B-1, X-14, W-11).
 *
 * Bundles are mutable. A bundle, or a set the caller built, returns its own bundle (as go-spiffe
 * does); sources that share state with other users, such as the Workload API sources, return
 * clones, so a caller that changes the result never changes what the source serves.
 */
export interface X509BundleSource {
  /**
   * The X.509 authorities of `trustDomain`.
   * @throws {BundleError} `bundle_not_found` when the source has no bundle for it.
   */
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle;
}

/** Gives the JWT bundle of one trust domain (J-17, W-25). */
export interface JwtBundleSource {
  /**
   * The JWT authorities of `trustDomain`.
   * @throws {BundleError} `bundle_not_found` when the source has no bundle for it.
   */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle;
}

/** Gives the full SPIFFE bundle (X.509 and JWT authorities, sequence, refresh hint) of one trust domain. */
export interface SpiffeBundleSource {
  /**
   * The SPIFFE bundle of `trustDomain`.
   * @throws {BundleError} `bundle_not_found` when the source has no bundle for it.
   */
  getBundleForTrustDomain(trustDomain: TrustDomain): SpiffeBundle;
}
