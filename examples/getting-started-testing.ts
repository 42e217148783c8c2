/**
 * Getting started (docs/getting-started.md), "Test with the fake agent": unit tests of a service
 * that gets its identity from the Workload API, with FakeAgent and FakeCa instead of SPIRE: its
 * identity, a rotation (with a ManualClock, no sleeping), and a workload with no identity.
 *
 * Written with node:test so that it runs by itself; with vitest or jest, the same code goes in
 * their `beforeAll` / `afterAll` / `it`.
 *
 * Run: npx tsx examples/getting-started-testing.ts
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FakeAgent, FakeCa, ManualClock } from '@spiffe-ts/sdk/testing';
import { WorkloadApiError, X509Source, type X509SourceOptions } from '@spiffe-ts/sdk/workloadapi';

// #region service
// The code under test: the service keeps its identity in an X509Source (SPIFFE_ENDPOINT_SOCKET).
export async function openIdentity(options?: X509SourceOptions): Promise<X509Source> {
  return X509Source.create({ timeoutMs: 10_000, ...options });
}
// #endregion service

// #region tests
const clock = new ManualClock(); // time moves only when the test says so
let agent: FakeAgent;

before(async () => {
  agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org', clock }) });
  agent.register({ spiffeId: 'spiffe://example.org/ns/production/sa/api-server', x509SvidTtl: 60 * 60_000 });
  process.env.SPIFFE_ENDPOINT_SOCKET = agent.address; // the service connects here, as to SPIRE
});
after(() => agent.stop());

test('the service runs as api-server', async () => {
  await using source = await openIdentity({ clientOptions: { clock } });
  assert.equal(source.getX509Svid().id.toString(), 'spiffe://example.org/ns/production/sa/api-server');
});

test('the service picks up the renewed X509-SVID at half-life', async () => {
  await using source = await openIdentity({ clientOptions: { clock } });
  const before = source.getX509Svid().leaf.serialNumber;
  const renewed = new Promise((resolve) => source.on('update', resolve));
  clock.advance(30 * 60_000); // the agent renews and pushes the new SVID on the open stream
  await renewed;
  assert.notEqual(source.getX509Svid().leaf.serialNumber, before);
});

test('a workload with no registration entry is told why it has no identity', async () => {
  const stranger = await agent.workload({ selectors: ['unix:uid:4242'] });
  await assert.rejects(
    openIdentity({ clientOptions: { address: stranger.address, clock }, timeoutMs: 500 }),
    (error) => {
      assert.ok(error instanceof WorkloadApiError);
      assert.equal(error.code, 'timeout');
      assert.match(error.message, /no identity issued/);
      return true;
    },
  );
});
// #endregion tests
