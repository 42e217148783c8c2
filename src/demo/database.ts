import type { TLSSocket } from 'node:tls';
import {
  authorizePolicy,
  createHttpsServer,
  mtlsServerOptions,
  peerIdFrom,
  TlsConfigError,
  type AuthorizationPolicy,
} from '../tlsconfig/index.js';
import { listen, closeServer, type Service } from './http.js';
import { shortSerial, type WorkloadIdentity } from './identity.js';
import type { EventLog } from './log.js';

/** What the database answers: its rows, who asked, and the two certificates of the connection. */
export interface DatabaseAnswer {
  orders: string[];
  caller: string;
  /** Serial (short) of the client's X509-SVID on this connection. */
  clientSerial: string;
  /** Serial (short) of the X509-SVID the database presented on this connection. */
  serverSerial: string;
}

const ORDERS = ['order-1001', 'order-1002', 'order-1003'];

/**
 * The database: an HTTPS server that requires a client X509-SVID (mTLS) and admits the peers
 * its rule in `policy` names (api-server). Every other client is refused during the handshake,
 * before a byte of its request is read; the refusal and its reason are logged.
 */
export async function startDatabase(
  identity: WorkloadIdentity,
  policy: AuthorizationPolicy,
  log: EventLog,
): Promise<Service> {
  const options = mtlsServerOptions(identity.x509, identity.x509, authorizePolicy(policy, identity.x509));
  const server = createHttpsServer(options, (req, res) => {
    const socket = req.socket as TLSSocket;
    const answer: DatabaseAnswer = {
      orders: ORDERS,
      caller: peerIdFrom(req).toString(),
      clientSerial: shortSerial(socket.getPeerX509Certificate()!),
      serverSerial: shortSerial(socket.getX509Certificate()!),
    };
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(answer));
  });
  server.on('tlsClientError', (error: Error) => {
    if (error instanceof TlsConfigError && error.code === 'unauthorized') {
      log.event('database', `refused a TLS client: ${error.message}`, 'error');
    } else if (error instanceof TlsConfigError) {
      log.event('database', `dropped a TLS client: ${error.message}`, 'warn');
    }
  });
  const url = await listen(server);
  const admitted = policy[identity.id.toString()] ?? [];
  log.event('database', `serving mTLS on ${url}; its policy admits ${admitted.join(', ')} only`);
  return { url, close: () => closeServer(server) };
}
