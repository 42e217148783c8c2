/**
 * @spiffe-ts/sdk: SPIFFE workload identity for Node.js. Each layer is also its own subpath
 * (`@spiffe-ts/sdk/spiffeid`, `@spiffe-ts/sdk/bundle`, `@spiffe-ts/sdk/svid`,
 * `@spiffe-ts/sdk/workloadapi`, `@spiffe-ts/sdk/tlsconfig`, `@spiffe-ts/sdk/federation`); this
 * root re-exports them all. The testing kit is only at `@spiffe-ts/sdk/testing`, so production
 * code never loads it by accident. The framework integrations are only at their own subpaths
 * (`@spiffe-ts/sdk/express`, `/fastify`, `/hono`, `/nestjs`).
 * @module
 */
export { SpiffeError } from './internal/errors.js';
export type { Logger } from './internal/logger.js';
export * from './spiffeid/index.js';
export * from './bundle/index.js';
export * from './svid/index.js';
export * from './workloadapi/index.js';
export * from './tlsconfig/index.js';
export * from './federation/index.js';
