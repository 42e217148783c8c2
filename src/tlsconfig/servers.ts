import http2 from 'node:http2';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import tls from 'node:tls';
import { guardServer } from './guard.js';
import { serverConfigOf, type SpiffeTlsServerOptions } from './server-options.js';

/**
 * Creates a guarded `tls.Server` (go-spiffe `spiffetls.Listen`): `tls.createServer(options)` plus
 * `guardServer`. `secureConnectionListener` gets verified and authorized clients only.
 *
 * @example
 * const server = createTlsServer(mtlsServerOptions(source, source, authorizeId(clientId)), (socket) => {
 *   socket.end(`hello ${peerIdFrom(socket)}\n`);
 * });
 * server.listen(8443);
 * @throws {TlsConfigError} as `guardServer`.
 */
export function createTlsServer(
  options: SpiffeTlsServerOptions & tls.TlsOptions,
  secureConnectionListener?: (socket: tls.TLSSocket) => void,
): tls.Server {
  serverConfigOf(options, 'createTlsServer');
  return guardServer(tls.createServer(options, secureConnectionListener), options);
}

/**
 * Creates a guarded `https.Server`: `https.createServer(options, handler)` plus `guardServer`.
 * Works with any `(req, res)` handler, such as an Express app.
 *
 * @throws {TlsConfigError} as `guardServer`.
 */
export function createHttpsServer(
  options: SpiffeTlsServerOptions & https.ServerOptions,
  handler?: (req: IncomingMessage, res: ServerResponse) => void,
): https.Server {
  serverConfigOf(options, 'createHttpsServer');
  return guardServer(https.createServer(options, handler), options);
}

/**
 * Creates a guarded `http2.Http2SecureServer`: `http2.createSecureServer(options, handler)` plus
 * `guardServer`. Listen to `stream` on the result, or pass a compatibility-API `handler`.
 *
 * @throws {TlsConfigError} as `guardServer`.
 */
export function createHttp2SecureServer(
  options: SpiffeTlsServerOptions & http2.SecureServerOptions,
  handler?: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
): http2.Http2SecureServer {
  serverConfigOf(options, 'createHttp2SecureServer');
  const server =
    handler === undefined ? http2.createSecureServer(options) : http2.createSecureServer(options, handler);
  return guardServer(server, options);
}
