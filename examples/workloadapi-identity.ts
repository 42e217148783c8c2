/**
 * A service living on the SPIFFE Workload API: it gets its X509-SVID from an X509Source, prints
 * its identity, follows one rotation, and shuts down cleanly. A FakeAgent stands in for the SPIRE
 * agent (in production, drop it: the X509Source reads SPIFFE_ENDPOINT_SOCKET).
 *
 * Run: npx tsx examples/workloadapi-identity.ts
 */
import { FakeAgent, FakeCa } from '@spiffe-ts/sdk/testing';
import { X509Source } from '@spiffe-ts/sdk/workloadapi';

const ca = new FakeCa({ trustDomain: 'example.org' });
const agent = await FakeAgent.start({ ca });
try {
  // 2-second SVIDs: the agent renews them at half-life, about every second.
  agent.register({ spiffeId: 'spiffe://example.org/billing', x509SvidTtl: 2000 });

  const source = await X509Source.create({
    clientOptions: { address: agent.address },
    timeoutMs: 5000, // fail fast, with the reason, when no identity comes (go-spiffe #207)
    expiryWarning: false, // 2-second SVIDs are always "near expiry"
  });
  try {
    const svid = source.getX509Svid();
    const bundle = source.getX509BundleForTrustDomain(svid.id.trustDomain);
    console.log(`I am ${svid.id.toString()}`);
    console.log(`  serial ${svid.leaf.serialNumber}, expires ${svid.expiresAt.toISOString()}`);
    console.log(`  trusting ${bundle.x509Authorities().length} CA(s) of ${bundle.trustDomain.name}`);

    // Follow one rotation: updates() yields the current context, then each new one.
    for await (const context of source.updates({ signal: AbortSignal.timeout(10_000) })) {
      const next = context.defaultSvid;
      if (next.leaf.serialNumber === svid.leaf.serialNumber) continue;
      console.log(`rotated: serial ${next.leaf.serialNumber}, expires ${next.expiresAt.toISOString()}`);
      break;
    }
    const status = source.status();
    console.log(`health: ${status.state}, ${status.consecutiveErrors} errors since the last update`);
  } finally {
    source.close();
  }
} finally {
  await agent.stop();
}
console.log('closed');
