/**
 * The SPIFFE Workload API: endpoint addresses, the client, and the X509Source, JwtSource and
 * BundleSource that services live on.
 * @module workloadapi
 */
export { WorkloadApiError, type WorkloadApiErrorCode } from './errors.js';
export {
  SOCKET_ENV,
  getDefaultAddress,
  parseEndpointAddress,
  grpcTarget,
  type WorkloadEndpoint,
} from './address.js';
export { WorkloadApiClient, type WorkloadApiClientOptions, type CallOptions } from './client.js';
export { Backoff, type BackoffOptions } from './backoff.js';
export type { WorkloadApiClock } from './clock.js';
export type { Watch, WatchOptions } from './watch.js';
export type { X509Context } from './x509-context.js';
export type { SourceOptions, SourceState, SourceStatus, UpdatesOptions } from './source-base.js';
export {
  X509Source,
  type X509SourceOptions,
  type X509SourceStatus,
  type X509SourceEvents,
  type ExpiringSvid,
} from './x509-source.js';
export { JwtSource, type JwtSourceOptions, type JwtSourceEvents } from './jwt-source.js';
export {
  BundleSource,
  type BundleSourceOptions,
  type BundleSourceEvents,
  type BundleSourceUpdate,
} from './bundle-source.js';
export type { WorkloadApiTransport, MessageStream } from './transport.js';
export type { Logger } from '../internal/logger.js';
