import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { ServerCredentials, type Server, type ServerUnaryCall } from '@grpc/grpc-js';
import type { SpiffeId } from '../spiffeid/index.js';
import { idFromCertificate } from '../svid/index.js';
import { reasonOf, TlsConfigError } from './errors.js';
import { guardServer } from './guard.js';
import { serverConfigOf, type SpiffeTlsServerOptions } from './server-options.js';

/** Peer IDs by leaf certificate (base64 DER): calls on one connection share a leaf. */
const idCache = new Map<string, SpiffeId>();
const ID_CACHE_SIZE = 256;

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
 * ID in the client's certificate as the call's auth context reports it. The client was verified
 * as an X509-SVID of its own trust domain and authorized when the call came through
 * `createGrpcTlsServer`.
 *
 * @throws {TlsConfigError} `no_peer_id` when the call has no authenticated TLS peer.
 */
export function peerIdFromCall(call: Pick<ServerUnaryCall<unknown, unknown>, 'getAuthContext'>): SpiffeId {
  const raw =
    typeof call?.getAuthContext === 'function' ? call.getAuthContext().sslPeerCertificate?.raw : undefined;
  if (!Buffer.isBuffer(raw))
    throw new TlsConfigError('no_peer_id', 'the gRPC call has no authenticated TLS peer certificate');
  const key = raw.toString('base64');
  let id = idCache.get(key);
  if (id === undefined) {
    try {
      id = idFromCertificate(new X509Certificate(raw));
    } catch (error) {
      throw new TlsConfigError(
        'no_peer_id',
        `the gRPC peer certificate has no usable SPIFFE ID: ${reasonOf(error)}`,
        { cause: error },
      );
    }
    if (idCache.size >= ID_CACHE_SIZE) idCache.delete(idCache.keys().next().value as string);
    idCache.set(key, id);
  }
  return id;
}
