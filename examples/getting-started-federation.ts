/**
 * Federation between two clusters (docs/kubernetes.md, "Federation"): api-server of trust domain
 * example.org (cluster A) calls reports of eu.example.org (cluster B) over mTLS. With the
 * ClusterFederatedTrustDomain and federatesWith of examples/kubernetes/federation/, each SPIRE
 * agent hands its workloads the other trust domain's bundle next to their own; the code only
 * names the peer it expects.
 *
 * One FakeAgent with both CAs plays the two clusters' agents, so that the example runs anywhere.
 *
 * Run: npx tsx examples/getting-started-federation.ts
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

const agent = await FakeAgent.start({
  ca: new FakeCa({ trustDomain: 'example.org' }),
  cas: [new FakeCa({ trustDomain: 'eu.example.org' })],
});
agent.register({
  spiffeId: 'spiffe://example.org/ns/production/sa/api-server',
  selectors: ['k8s:sa:api-server'],
  federatesWith: ['eu.example.org'],
});
agent.register({
  spiffeId: 'spiffe://eu.example.org/ns/production/sa/reports',
  selectors: ['k8s:sa:reports'],
  federatesWith: ['example.org'],
});
const sourceOf = async (serviceAccount: string): Promise<X509Source> => {
  const pod = await agent.workload({ selectors: [`k8s:sa:${serviceAccount}`] });
  return X509Source.create({ clientOptions: { address: pod.address }, timeoutMs: 10_000 });
};
const reportsSource = await sourceOf('reports');
const apiServerSource = await sourceOf('api-server');
process.env.PORT = '0'; // any free port, so that the example runs anywhere

try {
  // #region server
  // reports, in cluster B: admits api-server of cluster A, verified with example.org's bundle.
  const server = createHttpsServer(
    mtlsServerOptions(
      reportsSource,
      reportsSource,
      authorizeId('spiffe://example.org/ns/production/sa/api-server'),
    ),
    (req, res) => res.end(`report for ${peerIdFrom(req)}`),
  );
  server.listen(Number(process.env.PORT ?? 8443));
  // #endregion server
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  // #region client
  // api-server, in cluster A: its source holds both bundles, its own and eu.example.org's.
  console.log(
    `trust domains: ${apiServerSource
      .bundles()
      .bundles()
      .map((b) => b.trustDomain.name)
      .join(', ')}`,
  );
  const reports = 'spiffe://eu.example.org/ns/production/sa/reports';
  const dispatcher = createDispatcher(
    mtlsClientOptions(apiServerSource, apiServerSource, authorizeId(reports)),
  );
  const res = await fetch(url, { dispatcher });
  console.log(`api-server <- ${res.status} ${await res.text()}`);
  // #endregion client

  await dispatcher.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
} finally {
  reportsSource.close();
  apiServerSource.close();
  await agent.stop();
}
