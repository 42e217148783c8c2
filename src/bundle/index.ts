/**
 * Trust bundles (SPIFFE Trust Domain and Bundle spec): X.509 and JWT authorities per trust
 * domain, SPIFFE bundle JSON, bundle sets, and bundle maps.
 * @module bundle
 */
export { X509Bundle } from './x509-bundle.js';
export { JwtBundle } from './jwt-bundle.js';
export { SpiffeBundle } from './spiffe-bundle.js';
export { X509BundleSet } from './x509-bundle-set.js';
export { JwtBundleSet } from './jwt-bundle-set.js';
export { SpiffeBundleSet } from './spiffe-bundle-set.js';
export type { X509BundleSource, JwtBundleSource, SpiffeBundleSource } from './source.js';
export type { X509AuthorityInput } from './certificate.js';
export type { JwtAuthorities } from './jwt-authorities.js';
export { BundleError, type BundleErrorCode } from './errors.js';
