// quick-start.mjs: the README's quick start. Run with `node quick-start.mjs` (Node 20.19 or newer).
import { X509Source } from '@spiffe-ts/sdk/workloadapi';
import { FakeAgent, FakeCa } from '@spiffe-ts/sdk/testing';

// No SPIRE agent here: start the SDK's fake agent. It issues 6-second SVIDs and renews them at
// half-life, as a SPIRE agent does. Against a real agent, leave these lines out: X509Source reads
// SPIFFE_ENDPOINT_SOCKET (e.g. unix:///run/spire/agent-sockets/spire-agent.sock).
const agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org' }) });
agent.register({ spiffeId: 'spiffe://example.org/ns/production/sa/api-server', x509SvidTtl: 6_000 });
process.env.SPIFFE_ENDPOINT_SOCKET = agent.address;

// Without `timeoutMs`, create() waits for the agent as long as it takes (and logs why).
const source = await X509Source.create({ timeoutMs: 10_000 });
try {
  const svid = source.getX509Svid();
  console.log(`I am ${svid.id}, valid until ${svid.expiresAt.toISOString()}`);

  // The agent pushes a new SVID before the old one expires; the source swaps it in.
  await new Promise((resolve) => source.on('update', resolve));
  console.log(`rotated: now valid until ${source.getX509Svid().expiresAt.toISOString()}`);
} finally {
  source.close(); // on Node 22+ (or in TypeScript): `await using source = await X509Source.create()`
  await agent.stop();
}
