// Issue #13: an agent that sends the same state again and again (the fake agent's repeatState)
// gives no update events, not one per message, on every source; a real change afterwards is still
// an update.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeAgent, FakeCa } from '../../src/testing/index.js';
import { BundleSource, JwtSource, WorkloadApiClient, X509Source } from '../../src/workloadapi/index.js';
import { FAST, Inbox } from './helpers.js';

const ID = 'spiffe://example.org/api';
const PUSHES = 20;
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/**
 * A fake agent with one entry, a client on it, and `repeat()`: makes the agent push its unchanged
 * state to every open stream `PUSHES` times, each push awaited on a watch of `FetchX509Bundles`.
 */
async function setup() {
  const ca = new FakeCa({ trustDomain: 'example.org' });
  const agent = await FakeAgent.start({ ca });
  cleanup.push(() => agent.stop());
  agent.register({ spiffeId: ID });
  const client = new WorkloadApiClient({ address: agent.address, backoff: FAST });
  cleanup.push(() => client.close());
  const repeat = async (): Promise<void> => {
    const unchanged = new Inbox<void>();
    const first = new Inbox<void>();
    const watch = client.watchX509Bundles({
      onUpdate: () => first.push(),
      onUnchanged: () => unchanged.push(),
    });
    await first.take();
    for (let i = 0; i < PUSHES; i++) {
      agent.repeatState();
      await unchanged.take();
    }
    watch.close();
  };
  return { ca, agent, client, repeat };
}

describe('identical Workload API messages are one update (issue #13)', () => {
  it('X509Source: no update for the repeated state, one for the rotation; status stays ready', async () => {
    const { ca, client, repeat } = await setup();
    const source = await X509Source.create({ client });
    cleanup.push(() => source.close());
    const updates = new Inbox<unknown>();
    source.on('update', updates.push);
    await repeat();
    ca.prepareRotation();
    await updates.take();
    expect(updates.all).toHaveLength(1);
    expect(source.status()).toMatchObject({ state: 'ready', consecutiveErrors: 0 });
  });

  it('JwtSource: no update for the repeated state, one for the rotation', async () => {
    const { ca, client, repeat } = await setup();
    const source = await JwtSource.create({ client });
    cleanup.push(() => source.close());
    const updates = new Inbox<unknown>();
    source.on('update', updates.push);
    await repeat();
    ca.prepareRotation();
    await updates.take();
    expect(updates.all).toHaveLength(1);
  });

  it('BundleSource: one update per stream for the rotation, none for the repeated state', async () => {
    const { ca, client, repeat } = await setup();
    const source = await BundleSource.create({ client });
    cleanup.push(() => source.close());
    const updates = new Inbox<{ kind: string }>();
    source.on('update', updates.push);
    await repeat();
    ca.prepareRotation();
    const kinds = [(await updates.take()).kind, (await updates.take()).kind].sort();
    expect(kinds).toEqual(['jwt', 'x509']);
    expect(updates.all).toHaveLength(2);
  });
});
