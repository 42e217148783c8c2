/**
 * @spiffe-ts/sdk: SPIFFE workload identity for Node.js. Each layer is also its own subpath
 * (`@spiffe-ts/sdk/spiffeid`, `@spiffe-ts/sdk/bundle`, ...); this root re-exports them all.
 * @module
 */
export { SpiffeError } from './internal/errors.js';
export * from './spiffeid/index.js';
