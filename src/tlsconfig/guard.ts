import { constants } from 'node:crypto';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import type { X509Svid } from '../svid/index.js';
import { reasonOf, TlsConfigError } from './errors.js';
import { currentSvid, sameSvid, svidPem } from './local-svid.js';
import { acceptPeer, verifyPeer } from './peer.js';
import { serverConfigOf, type SpiffeTlsServerOptions } from './server-options.js';
import { checkMinVersion } from './tls-version.js';

const GUARDED = Symbol.for('@spiffe-ts/sdk:tlsconfig:guarded');

/**
 * Installs the SDK's checks on a TLS server (`tls.Server`, `https.Server`,
 * `http2.Http2SecureServer`) created with `options` (the same object, or a spread of it):
 *
 * - Client verification (mTLS options): when a handshake completes, before the server emits
 *   `secureConnection`, the client's X509-SVID is verified against the bundle of the client's own
 *   trust domain (X-14..X-19, W-11) and authorized. A refused client is destroyed and
 *   `secureConnection` is never emitted for it, so no listener (the HTTP/1.1 or HTTP/2 parser,
 *   your handler) ever sees it or a byte it sent. The reason is reported as the server's
 *   `tlsClientError` event (a `TlsConfigError`) and to the logger. Resumed sessions are verified
 *   like new ones.
 * - Rotation: on every new connection, the server compares the source's current SVID with the
 *   one it serves and, when it changed, installs it with `setSecureContext` before the handshake
 *   starts. Open connections keep theirs. When the source has no SVID, the connection is dropped
 *   (reported as `tlsClientError` with `svid_unavailable`).
 *
 * Accepted sockets have `authorized === true`, and `peerIdFrom(socket | request)` gives the
 * client's SPIFFE ID.
 *
 * @returns `server`
 * @throws {TlsConfigError} `invalid_argument` for a server that is not a `tls.Server`, options not
 *   made by the builders, a `minVersion` below TLS 1.2, or a server guarded twice.
 */
export function guardServer<S extends tls.Server>(server: S, options: SpiffeTlsServerOptions): S {
  const where = 'guardServer';
  const config = serverConfigOf(options, where);
  if (!(server instanceof tls.Server)) {
    throw new TlsConfigError(
      'invalid_argument',
      `${where}: server must be a tls.Server (https.Server and Http2SecureServer are)`,
    );
  }
  if ((server as unknown as Record<symbol, unknown>)[GUARDED] === true) {
    throw new TlsConfigError('invalid_argument', `${where}: the server is already guarded`);
  }
  checkMinVersion(options.minVersion, where);
  Object.defineProperty(server, GUARDED, { value: true });

  const { svidSource, verifier, logger } = config;
  const emit = server.emit as (this: S, event: string | symbol, ...args: unknown[]) => boolean;
  /** Node reads these per connection (`tlsConnectionListener`); they are not in the typings. */
  const flags = server as unknown as { requestCert: boolean; rejectUnauthorized: boolean };
  let contextOptions: tls.SecureContextOptions = options;
  if (verifier !== undefined) {
    flags.requestCert = true;
    // The SDK decides, not OpenSSL: it would accept a client of any trust domain whose CA it
    // was given (NODE-NOTES §1). `ca` is empty anyway.
    flags.rejectUnauthorized = false;
    const secureOptions = options.secureOptions ?? 0;
    if ((secureOptions & constants.SSL_OP_NO_TICKET) === 0) {
      contextOptions = { ...options, secureOptions: secureOptions | constants.SSL_OP_NO_TICKET };
      server.setSecureContext(contextOptions);
    }
  }
  let served: X509Svid | undefined = config.initialSvid;

  const refuse = (error: TlsConfigError, socket: Socket, level: 'warn' | 'error'): false => {
    logger[level](
      `tlsconfig: refused TLS client ${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}: ${error.message}`,
    );
    socket.destroy();
    emit.call(server, 'tlsClientError', error, socket);
    return false;
  };

  /** Installs the source's current SVID if it changed; false when there is none to serve. */
  const rotate = (socket: Socket): boolean => {
    if (svidSource === undefined) return true;
    let svid: X509Svid;
    try {
      svid = currentSvid(svidSource);
      if (sameSvid(svid, served)) return true;
      server.setSecureContext({ ...contextOptions, ...svidPem(svid) });
    } catch (error) {
      const reason =
        error instanceof TlsConfigError
          ? error
          : new TlsConfigError('svid_unavailable', `cannot serve the new X509-SVID: ${reasonOf(error)}`, {
              cause: error,
            });
      return refuse(reason, socket, 'error');
    }
    served = svid;
    logger.info(
      `tlsconfig: now serving X509-SVID ${svid.id.toString()} (expires ${svid.expiresAt.toISOString()})`,
    );
    return true;
  };

  server.emit = function guardedEmit(this: S, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'connection') {
      if (!rotate(args[0] as Socket)) return false;
    } else if (event === 'secureConnection' && verifier !== undefined) {
      const socket = args[0] as tls.TLSSocket;
      try {
        acceptPeer(socket, verifyPeer(socket, verifier));
      } catch (error) {
        return refuse(error as TlsConfigError, socket, 'warn');
      }
    }
    return emit.call(this, event, ...args);
  } as S['emit'];
  return server;
}
