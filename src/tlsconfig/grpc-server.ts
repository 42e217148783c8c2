import tls from 'node:tls';
import { ServerCredentials, type Server, type ServerUnaryCall } from '@grpc/grpc-js';
import type { SpiffeId } from '../spiffeid/index.js';
import { TlsConfigError } from './errors.js';
import { guardServer } from './guard.js';
import { peerOfCertificate } from './peer.js';
import { serverConfigOf, type SpiffeTlsServerOptions } from './server-options.js';

/**
 * Serves a @grpc/grpc-js `Server` over a guarded TLS server made from server options
 * (`mtlsServerOptions`, `tlsServerOptions`, `mtlsWebServerOptions`): the TLS server verifies and
 * authorizes each client (per trust domain, before any byte of HTTP/2 is read) and rotates the
 * SVID without restart (see `guardServer`), then hands the connection to gRPC through grpc-js's
 * connection injector (grpc-js ≥ 1.11). grpc-js's own TLS credentials cannot do the per-trust-
 * domain check: its auth context has the leaf only (NODE-NOTES §2).
 *
 * Call `listen` on the result (not `bindAsync` on the gRPC server). Shut down with
 * `grpcServer.tryShutdown()` and `tlsServer.close()`.
 *
 * @example
 * const grpcServer = new grpc.Server();
 * grpcServer.addService(service, impl);
 * createGrpcTlsServer(grpcServer, mtlsServerOptions(source, source, authorizeMemberOf('example.org'))).listen(8443);
 * @throws {TlsConfigError} `invalid_argument` for a server without `createConnectionInjector`, or as `guardServer`.
 */
export function createGrpcTlsServer(
  grpcServer: Server,
  options: SpiffeTlsServerOptions & tls.TlsOptions,
): tls.Server {
  serverConfigOf(options, 'createGrpcTlsServer');
  if (typeof (grpcServer as Partial<Server> | null)?.createConnectionInjector !== 'function') {
    throw new TlsConfigError(
      'invalid_argument',
      'createGrpcTlsServer: grpcServer must be a @grpc/grpc-js Server (version 1.11 or later)',
    );
  }
  const injector = grpcServer.createConnectionInjector(ServerCredentials.createInsecure());
  const tlsOptions = { ...options, ALPNProtocols: ['h2'] };
  const server = tls.createServer(tlsOptions, (socket) => {
    socket.on('error', () => {}); // the HTTP/2 session reports failures; a reset must not crash the process
    injector.injectConnection(socket);
  });
  return guardServer(server, tlsOptions);
}

/**
 * The SPIFFE ID of the client of a gRPC call (go-spiffe `grpccredentials.PeerIDFromContext`): the
 * client that the SDK verified as an X509-SVID of its own trust domain and authorized, when the
 * call came through `createGrpcTlsServer` with client authentication (`mtlsServerOptions`,
 * `mtlsWebServerOptions`).
 *
 * Only a peer the SDK verified has an ID here. A call that came through grpc-js's own TLS
 * (`ServerCredentials.createSsl`) is refused even though its auth context has a certificate with
 * a SPIFFE ID: OpenSSL accepts a chain ending in any configured root, so an ID of one trust
 * domain signed by another trust domain's CA would pass (NODE-NOTES §1, X-16, W-11).
 *
 * @throws {TlsConfigError} `no_peer_id` when the call has no client that the SDK verified.
 */
export function peerIdFromCall(call: Pick<ServerUnaryCall<unknown, unknown>, 'getAuthContext'>): SpiffeId {
  const certificate =
    typeof call?.getAuthContext === 'function' ? call.getAuthContext()?.sslPeerCertificate : undefined;
  if (certificate === undefined || certificate === null) {
    throw new TlsConfigError('no_peer_id', 'the gRPC call has no authenticated TLS peer certificate');
  }
  const peer = peerOfCertificate(certificate);
  const leaf = peer?.chains[0]?.[0];
  const raw = (certificate as { raw?: unknown }).raw;
  if (peer === undefined || leaf === undefined || !Buffer.isBuffer(raw) || !leaf.raw.equals(raw)) {
    throw new TlsConfigError(
      'no_peer_id',
      'the gRPC call’s TLS peer was not verified by @spiffe-ts/sdk (serve with createGrpcTlsServer and mtlsServerOptions; grpc-js ServerCredentials.createSsl does not check trust domains)',
    );
  }
  return peer.id;
}
