/**
 * SPIFFE Federation: fetch, watch and serve trust bundles across trust domains (SPIFFE
 * Federation spec; go-spiffe `federation`), with both endpoint profiles, and a managed set of
 * federated bundles that the `tlsconfig` layer verifies peers with.
 * @module federation
 */
export { FederationError, type FederationErrorCode } from './errors.js';
export type { EndpointAuth, HttpsWebAuth, HttpsSpiffeAuth } from './auth.js';
export type { FetchBundleOptions } from './fetch-options.js';
export { fetchBundle } from './fetch-bundle.js';
export type { FederationClock } from './clock.js';
export {
  watchBundle,
  type BundleWatch,
  type WatchBundleOptions,
  type BundleUpdatesOptions,
  type BundleWatchStatus,
} from './watch-bundle.js';
export {
  FederatedBundleSet,
  type FederationRelationship,
  type FederatedBundleSetOptions,
  type FederatedBundleSetEvents,
  type FederationReadyOptions,
  type LocalBundleSource,
} from './federated-bundle-set.js';
export {
  createBundleEndpointHandler,
  type BundleEndpointHandler,
  type BundleEndpointHandlerOptions,
} from './bundle-endpoint-handler.js';
export {
  serveBundleEndpoint,
  type BundleEndpointServer,
  type BundleEndpointServerOptions,
  type BundleEndpointServerCommonOptions,
  type HttpsWebBundleEndpointOptions,
  type HttpsSpiffeBundleEndpointOptions,
} from './bundle-endpoint-server.js';
export type { Logger } from '../internal/logger.js';
