import type { ConnectionOptions, TLSSocket } from 'node:tls';
import type { ClientTlsConfig } from './client-config.js';
import { clientConfigOf, type SpiffeTlsClientOptions } from './client-options.js';

/**
 * Opens a TLS connection with client options from `tlsClientOptions`, `mtlsClientOptions` or
 * `mtlsWebClientOptions`, like `tls.connect` (go-spiffe `spiffetls.Dial`): the current SVID is
 * presented, the session is never resumed, and a SPIFFE server is verified and authorized before
 * `secureConnect` is emitted. A refused server destroys the socket with a `TlsConfigError`
 * (`untrusted_peer`, `unauthorized`) as its `error` event; nothing written before is sent.
 *
 * @example
 * const socket = connect({ ...mtlsClientOptions(source, source, authorizeId(serverId)), host, port });
 * socket.on('secureConnect', () => console.log('server is', peerIdFrom(socket).toString()));
 * @throws {TlsConfigError} `invalid_argument` for options not made by the builders;
 *   `svid_unavailable` when the source has no SVID.
 */
export function connect(
  options: SpiffeTlsClientOptions & ConnectionOptions,
  secureConnectListener?: () => void,
): TLSSocket {
  const config = clientConfigOf(options, 'connect');
  const socket = config.connect(options);
  if (secureConnectListener !== undefined) socket.once('secureConnect', secureConnectListener);
  return socket;
}

/**
 * Opens a connection and reports once: `(null, socket)` when the server is verified and
 * authorized, `(error)` when the connection failed or was refused first.
 */
export function connectVerified(
  config: ClientTlsConfig,
  options: ConnectionOptions,
  done: (error: Error | null, socket?: TLSSocket) => void,
): void {
  let socket: TLSSocket;
  try {
    socket = config.connect(options);
  } catch (error) {
    process.nextTick(done, error as Error);
    return;
  }
  const onError = (error: Error): void => settle(error);
  const onClose = (): void => settle(new Error('the TLS connection closed before the handshake completed'));
  const onSecure = (): void => settle(null);
  function settle(error: Error | null): void {
    socket.removeListener('error', onError);
    socket.removeListener('close', onClose);
    socket.removeListener('secureConnect', onSecure);
    if (error !== null) {
      socket.on('error', () => {});
      socket.destroy();
      done(error);
    } else {
      done(null, socket);
    }
  }
  socket.once('secureConnect', onSecure);
  socket.once('error', onError);
  socket.once('close', onClose);
}
