import { JwtBundle, JwtBundleSet, X509Bundle, X509BundleSet } from '../bundle/index.js';
import { quote } from '../internal/errors.js';
import type { JWTBundlesResponse, X509BundlesResponse } from './proto/workload.js';
import { BundleCache } from './bundle-cache.js';
import { bundleEntries, discarded, reason, sameBytes } from './response.js';

/**
 * Turns a `FetchX509Bundles` message into a set of X.509 bundles, one per trust domain, keyed
 * `spiffe://td` or `td`. Full state: a trust domain missing from the message is gone
 * (W-7, W-8). `crl` is ignored, as in go-spiffe. `cache` (a watch's) reuses unchanged bundles.
 *
 * @throws {WorkloadApiError} `invalid_response` for an empty map (the agent's own trust domain
 *   is always there, W-16, W-10), a bad key, a trust domain given twice, or a bundle that is not
 *   concatenated DER certificates.
 */
export function parseX509BundlesResponse(
  message: X509BundlesResponse,
  cache: BundleCache<X509Bundle> = new BundleCache(),
): X509BundleSet {
  const method = 'FetchX509Bundles';
  cache.begin();
  if (message.bundles.size === 0) throw discarded(method, 'it has no bundles (W-16, W-10)');
  const set = new X509BundleSet();
  for (const { td, value } of bundleEntries(method, 'bundles', message.bundles, sameBytes).values()) {
    try {
      set.add(cache.get(td, value, () => X509Bundle.parseRaw(td, value)));
    } catch (cause) {
      throw discarded(method, `the bundle of ${quote(td.name)} is malformed: ${reason(cause)} (A-13)`, cause);
    }
  }
  cache.commit();
  return set;
}

/**
 * Turns a `FetchJWTBundles` message into a set of JWT bundles (JWKS documents), one per trust
 * domain, keyed `spiffe://td` or `td`. Keys of other uses are ignored (W-22, A-17).
 * Full state (W-7, W-8). `cache` (a watch's) reuses unchanged bundles.
 *
 * @throws {WorkloadApiError} `invalid_response` for an empty map (W-21, W-10), a bad key, a trust
 *   domain given twice, or a JWKS the bundle layer refuses.
 */
export function parseJwtBundlesResponse(
  message: JWTBundlesResponse,
  cache: BundleCache<JwtBundle> = new BundleCache(),
): JwtBundleSet {
  const method = 'FetchJWTBundles';
  cache.begin();
  if (message.bundles.size === 0) throw discarded(method, 'it has no bundles (W-21, W-10)');
  const set = new JwtBundleSet();
  for (const { td, value } of bundleEntries(method, 'bundles', message.bundles, sameBytes).values()) {
    try {
      set.add(cache.get(td, value, () => JwtBundle.parse(td, value)));
    } catch (cause) {
      throw discarded(method, `the JWKS of ${quote(td.name)} is malformed: ${reason(cause)}`, cause);
    }
  }
  cache.commit();
  return set;
}

/** A set of independent copies of JWT bundles. */
export function cloneJwtBundles(set: JwtBundleSet): JwtBundleSet {
  return new JwtBundleSet(...set.bundles().map((b) => b.clone()));
}
