/**
 * TLS quick start (docs/tls.md): database serves mTLS over HTTPS, HTTP/2 and raw TLS and admits
 * api-server only; api-server calls each server with the client made for it: https.get, fetch()
 * and the raw TLS `connect` to the HTTPS server's and the TLS server's ports, http2.connect to
 * the HTTP/2 server.
 *
 * A FakeAgent plays the SPIRE agent, with one Workload API socket per workload. In production
 * each service is its own process and makes its source with `await X509Source.create()`.
 *
 * Run: npx tsx examples/tls-quick-start.ts
 */
import { once } from 'node:events';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo, Server } from 'node:net';
import { FakeAgent, FakeCa } from '@spiffe-ts/sdk/testing';
import {
  authorizeId,
  connect,
  createDispatcher,
  createHttp2SecureServer,
  createHttpsAgent,
  createHttpsServer,
  createTlsServer,
  mtlsClientOptions,
  mtlsServerOptions,
  peerIdFrom,
} from '@spiffe-ts/sdk/tlsconfig';
import { X509Source } from '@spiffe-ts/sdk/workloadapi';

// The fake agent gives each workload (its own socket) the SPIFFE ID of its service account.
const agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org' }) });
agent.register({
  spiffeId: 'spiffe://example.org/ns/prod/sa/{{ .PodSpec.ServiceAccountName }}',
  selectors: ['k8s:ns:prod'],
});
const sourceOf = async (serviceAccount: string): Promise<X509Source> => {
  const workload = await agent.workload({ k8s: { namespace: 'prod', serviceAccount } });
  return X509Source.create({ clientOptions: { address: workload.address }, timeoutMs: 10_000 });
};
const database = await sourceOf('database'); // its SVID and the bundles, kept current
const apiServer = await sourceOf('api-server');
const port = (server: Server | http2.Http2SecureServer): number => (server.address() as AddressInfo).port;

try {
  // #region servers
  // database: three servers, one set of options. Admits the api-server only.
  const serverOptions = mtlsServerOptions(
    database,
    database,
    authorizeId('spiffe://example.org/ns/prod/sa/api-server'),
  );
  const httpsServer = createHttpsServer(serverOptions, (req, res) =>
    res.end(`https: hello ${peerIdFrom(req)}`),
  );
  const h2Server = createHttp2SecureServer(serverOptions, (req, res) =>
    res.end(`http2: hello ${peerIdFrom(req)}`),
  );
  const tlsServer = createTlsServer(serverOptions, (socket) =>
    socket.end(`tls: hello ${peerIdFrom(socket)}`),
  );
  for (const server of [httpsServer, h2Server, tlsServer]) server.listen(0, '127.0.0.1'); // any free port
  await Promise.all([httpsServer, h2Server, tlsServer].map((server) => once(server, 'listening')));
  // #endregion servers

  // #region clients
  // api-server: talks to the database only, whichever the transport.
  const client = mtlsClientOptions(
    apiServer,
    apiServer,
    authorizeId('spiffe://example.org/ns/prod/sa/database'),
  );

  // https.get, with an https.Agent, to the HTTPS server.
  const agentHttps = createHttpsAgent(client);
  const [res] = (await once(
    https.get(`https://127.0.0.1:${port(httpsServer)}/`, { agent: agentHttps }),
    'response',
  )) as [import('node:http').IncomingMessage];
  console.log(`https.get      <- ${res.statusCode} ${(await res.toArray()).join('')}`);

  // fetch(), with an undici dispatcher, to the HTTPS server.
  const dispatcher = createDispatcher(client);
  const fetched = await fetch(`https://127.0.0.1:${port(httpsServer)}/`, { dispatcher });
  console.log(`fetch          <- ${fetched.status} ${await fetched.text()}`);

  // http2.connect to the HTTP/2 server (an HTTP/2 client cannot talk to an HTTP/1.1 server).
  const session = http2.connect(`https://127.0.0.1:${port(h2Server)}`, client);
  session.on('error', (error) => console.error(`http2 session: ${error.message}`));
  const stream = session.request({ ':path': '/' });
  const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
  console.log(`http2.connect  <- ${headers[':status']} ${(await stream.toArray()).join('')}`);
  session.close();

  // Raw TLS, like tls.connect, to the TLS server.
  const socket = connect({ ...client, host: '127.0.0.1', port: port(tlsServer) });
  await once(socket, 'secureConnect');
  console.log(`connect        <- ${(await socket.toArray()).join('')}`);
  // #endregion clients

  agentHttps.destroy();
  await dispatcher.close();
  httpsServer.closeAllConnections();
  await Promise.all(
    [httpsServer, h2Server, tlsServer].map((server) => new Promise((resolve) => server.close(resolve))),
  );
} finally {
  database.close();
  apiServer.close();
  await agent.stop();
}
