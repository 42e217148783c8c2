/**
 * SPIFFE mTLS for Node: authorizers, TLS options and guarded servers for `node:tls`, `https` and
 * `http2`, an `https.Agent`, an undici dispatcher for `fetch()`, gRPC credentials, and JWT-SVID
 * authentication for HTTP and gRPC (go-spiffe `spiffetls`, `tlsconfig`, `grpccredentials`).
 * @module tlsconfig
 */
export { TlsConfigError, type TlsConfigErrorCode } from './errors.js';
export {
  type Authorizer,
  authorizeAny,
  authorizeId,
  authorizeIdPrefix,
  authorizeOneOf,
  authorizeMemberOf,
  authorizeAllOf,
  authorizeAnyOf,
  authorizeNot,
  adaptMatcher,
} from './authorizer.js';
export { authorizeMatch } from './id-pattern.js';
export { authorizePolicy, type AuthorizationPolicy } from './policy.js';
export {
  tlsClientOptions,
  mtlsClientOptions,
  mtlsWebClientOptions,
  type SpiffeTlsClientOptions,
  type SpiffeCreateConnection,
  type TlsConfigOptions,
} from './client-options.js';
export type { ClientTlsConfig, WebPkiRoots } from './client-config.js';
export {
  tlsServerOptions,
  mtlsServerOptions,
  mtlsWebServerOptions,
  type SpiffeTlsServerOptions,
  type WebPkiCertificate,
} from './server-options.js';
export type { ServerTlsConfig } from './server-config.js';
export { connect } from './connect.js';
export { guardServer } from './guard.js';
export { createTlsServer, createHttpsServer, createHttp2SecureServer } from './servers.js';
export { peerIdFrom } from './peer.js';
export { createHttpsAgent } from './https-agent.js';
export { createDispatcher, type SpiffeDispatcher, type FetchDispatcher } from './dispatcher.js';
export { grpcChannelCredentials } from './grpc-credentials.js';
export { createGrpcTlsServer, peerIdFromCall } from './grpc-server.js';
export type { JwtSvidAuthOptions, JwtSvidValidator } from './jwt-authenticator.js';
export { jwtSvidAuth, jwtSvidFrom, type JwtSvidMiddleware } from './jwt-middleware.js';
export {
  spiffeRequestAuth,
  spiffeCallerOf,
  type SpiffeRequestAuth,
  type SpiffeRequestAuthOptions,
  type SpiffeAuthRequest,
  type SpiffeCaller,
  type HttpRefusal,
} from './request-auth.js';
export { JwtSvidCache, jwtSvidFetch, type JwtSvidCacheOptions } from './jwt-cache.js';
export { jwtSvidServerInterceptor, jwtSvidFromCall, jwtSvidCallCredentials } from './jwt-grpc.js';
export type { Logger } from '../internal/logger.js';
