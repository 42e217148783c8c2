/**
 * Testing kit: a FakeAgent serves the SPIFFE Workload API on a real unix socket, as a SPIRE agent
 * does. The "service" reads its X509-SVID through the SDK, the agent renews it at half-life (a
 * ManualClock moves time without sleeping), and the service sees the new one; then a JWT-SVID is
 * fetched and validated by the agent.
 *
 * Run: npx tsx examples/testing-fake-agent.ts
 */
import { FakeAgent, FakeCa, ManualClock } from '@spiffe-ts/sdk/testing';
import { WorkloadApiClient, X509Source } from '@spiffe-ts/sdk/workloadapi';

const MINUTE = 60_000;
const clock = new ManualClock();
const ca = new FakeCa({ trustDomain: 'example.org', clock });
const agent = await FakeAgent.start({ ca });
try {
  // A registration entry without selectors: the identity of the workload behind agent.address.
  agent.register({ spiffeId: 'spiffe://example.org/api', x509SvidTtl: 60 * MINUTE });
  console.log(`fake agent listening at ${agent.address} (what SPIFFE_ENDPOINT_SOCKET would hold)`);

  // The service under test keeps its SVID current with an X509Source over the socket.
  const source = await X509Source.create({
    clientOptions: { address: agent.address, clock },
    timeoutMs: 5000,
  });
  const before = source.getX509Svid();
  console.log(`service got ${before.id.toString()}, serial ${before.leaf.serialNumber}`);

  // Half-life of the 1 h SVID: the agent renews it and pushes it on the open stream.
  const renewed = new Promise<void>((resolve) => {
    const onUpdate = (): void => {
      source.off('update', onUpdate);
      resolve();
    };
    source.on('update', onUpdate);
  });
  clock.advance(30 * MINUTE);
  await renewed;
  const after = source.getX509Svid();
  console.log(
    `after 30 min: serial ${after.leaf.serialNumber} (renewed: ${after.leaf.serialNumber !== before.leaf.serialNumber})`,
  );
  source.close();

  // JWT-SVIDs: minted by the agent for an audience, and validated by it (ValidateJWTSVID).
  const client = new WorkloadApiClient({ address: agent.address, clock });
  const jwt = await client.fetchJwtSvid({ audience: 'spiffe://example.org/db' });
  const validated = await client.validateJwtSvid(jwt.token, 'spiffe://example.org/db');
  console.log(`JWT-SVID for ${jwt.audience.join(', ')}: subject ${validated.id.toString()}`);
  client.close();
} finally {
  await agent.stop();
}
console.log('agent stopped, socket removed');
