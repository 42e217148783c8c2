/**
 * Getting started (docs/getting-started.md), "mTLS client and server": the database serves
 * HTTPS with its X509-SVID and admits api-server only; api-server calls it with fetch() over
 * mTLS; a third workload, frontend, is refused during the handshake.
 *
 * A FakeAgent plays the SPIRE agent, with one Workload API socket per pod. In production each
 * service is its own process and makes its source with `await X509Source.create()`.
 *
 * Run: npx tsx examples/getting-started-mtls.ts
 */
import type { AddressInfo } from 'node:net';
import { FakeAgent, FakeCa } from '@spiffe-ts/sdk/testing';
import {
  authorizeId,
  createDispatcher,
  createHttpsServer,
  mtlsClientOptions,
  mtlsServerOptions,
  peerIdFrom,
} from '@spiffe-ts/sdk/tlsconfig';
import { X509Source } from '@spiffe-ts/sdk/workloadapi';

const agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org' }) });
agent.register({
  spiffeId: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
  selectors: ['k8s:ns:production'],
});
const sourceOf = async (serviceAccount: string): Promise<X509Source> => {
  const pod = await agent.workload({ k8s: { namespace: 'production', serviceAccount } });
  return X509Source.create({ clientOptions: { address: pod.address }, timeoutMs: 10_000 });
};
const databaseSource = await sourceOf('database');
const apiServerSource = await sourceOf('api-server');
const frontendSource = await sourceOf('frontend');
process.env.PORT = '0'; // any free port, so that the example runs anywhere

try {
  // #region server
  // The database: presents its X509-SVID, requires one from the client, admits api-server only.
  const apiServer = 'spiffe://example.org/ns/production/sa/api-server';
  const server = createHttpsServer(
    mtlsServerOptions(databaseSource, databaseSource, authorizeId(apiServer)),
    (req, res) => res.end(`orders for ${peerIdFrom(req)}`),
  );
  server.on('tlsClientError', (error) => console.warn(`database refused a client: ${error.message}`));
  server.listen(Number(process.env.PORT ?? 8443));
  // #endregion server
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/orders`;

  // #region client
  // api-server: presents its X509-SVID and accepts the database only (by SPIFFE ID, not hostname).
  const database = 'spiffe://example.org/ns/production/sa/database';
  const dispatcher = createDispatcher(
    mtlsClientOptions(apiServerSource, apiServerSource, authorizeId(database)),
  );
  const res = await fetch(url, { dispatcher });
  console.log(`api-server <- ${res.status} ${await res.text()}`);
  // #endregion client

  // #region refused
  // frontend holds a valid SVID of example.org, but the database's authorizer refuses it.
  const asFrontend = createDispatcher(
    mtlsClientOptions(frontendSource, frontendSource, authorizeId(database)),
  );
  await fetch(url, { dispatcher: asFrontend }).then(
    () => Promise.reject(new Error('frontend was served: the authorizer must refuse it')),
    (error: Error) => console.log(`frontend <- refused: ${error.message}, ${String(error.cause)}`),
  );
  // #endregion refused

  await Promise.all([dispatcher.close(), asFrontend.close()]);
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
} finally {
  for (const source of [databaseSource, apiServerSource, frontendSource]) source.close();
  await agent.stop();
}
