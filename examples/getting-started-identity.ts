/**
 * Getting started (docs/getting-started.md), "Fetch an identity": a service gets its X509-SVID
 * from the Workload API named by SPIFFE_ENDPOINT_SOCKET, and follows its rotation.
 *
 * So that it runs anywhere, a FakeAgent plays the SPIRE agent (on a cluster, SPIRE and the
 * SPIFFE CSI driver provide the socket and the variable).
 *
 * Run: npx tsx examples/getting-started-identity.ts
 */
import { FakeAgent, FakeCa } from '@spiffe-ts/sdk/testing';
import { X509Source } from '@spiffe-ts/sdk/workloadapi';

const agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org' }) });
agent.register({ spiffeId: 'spiffe://example.org/ns/production/sa/api-server', x509SvidTtl: 4000 });
process.env.SPIFFE_ENDPOINT_SOCKET = agent.address;

try {
  // #region identity
  // Connects to SPIFFE_ENDPOINT_SOCKET and waits for the first X509-SVID.
  const source = await X509Source.create({ timeoutMs: 10_000 });

  const svid = source.getX509Svid(); // always the current one: call it when you need it
  console.log(`I am ${svid.id}, until ${svid.expiresAt.toISOString()}`);

  const bundle = source.getX509BundleForTrustDomain(svid.id.trustDomain);
  console.log(
    `${bundle.x509Authorities().length} CA certificate(s) of ${bundle.trustDomain} to verify peers with`,
  );

  source.on('update', () =>
    console.log(`rotated, now valid until ${source.getX509Svid().expiresAt.toISOString()}`),
  );
  source.on('error', (error) => console.warn(`Workload API: ${error.message}`));
  // #endregion identity

  // The fake agent's SVIDs live 4 s: wait for the first rotation.
  await new Promise((resolve) => source.on('update', resolve));
  // #region close
  source.close(); // or: await using source = await X509Source.create()
  // #endregion close
} finally {
  await agent.stop();
}
