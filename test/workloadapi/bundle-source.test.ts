// BundleSource against the fake agent over a real socket: X.509 and JWT bundles from both
// watches, federated trust domains added and dropped (W-8), rotation, failures, close.
import { afterEach, describe, expect, it } from 'vitest';
import { SpiffeBundle } from '../../src/bundle/index.js';
import { FakeAgent, FakeCa, ManualClock } from '../../src/testing/index.js';
import { verifyX509Svid } from '../../src/svid/index.js';
import { BundleSource, WorkloadApiError, type BundleSourceUpdate } from '../../src/workloadapi/index.js';
import { CODE, FAST, Inbox } from './helpers.js';

const ID = 'spiffe://example.org/api';
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function setup(options: { timeoutMs?: number } = {}) {
  const clock = new ManualClock();
  const ca = new FakeCa({ trustDomain: 'example.org', clock });
  const agent = await FakeAgent.start({ ca });
  cleanup.push(() => agent.stop());
  const entry = agent.register({ spiffeId: ID, federatesWith: ['federated.org'] });
  const clientOptions = { address: agent.address, clock, backoff: FAST };
  const source = await BundleSource.create({ clientOptions, ...options });
  cleanup.push(() => source.close());
  const updates = new Inbox<BundleSourceUpdate>();
  const errors = new Inbox<WorkloadApiError>();
  source.on('update', updates.push).on('error', errors.push);
  return { clock, ca, agent, entry, source, updates, errors, clientOptions };
}

describe('BundleSource', () => {
  it('serves X.509, JWT and SPIFFE bundles of the agent trust domain', async () => {
    const { source, ca, agent } = await setup();
    const spiffe = source.getBundleForTrustDomain('example.org');
    expect(spiffe).toBeInstanceOf(SpiffeBundle);
    expect(spiffe.x509Authorities().map((c) => c.fingerprint256)).toEqual(
      ca.rootCertificates().map((c) => c.fingerprint256),
    );
    expect([...spiffe.jwtAuthorities().keys()]).toEqual([...ca.jwtAuthorities().keys()]);
    expect(source.getX509BundleForTrustDomain('example.org').x509Authorities()).toHaveLength(1);
    expect(source.getJwtBundleForTrustDomain('example.org').jwtAuthorities().size).toBe(1);
    expect(source.x509Bundles().size).toBe(1);
    expect(source.jwtBundles().size).toBe(1);
    // W-11: a peer SVID is verified with the bundle of its own trust domain.
    const peer = agent.x509Svids()[0]!;
    expect(
      verifyX509Svid(peer.certificates, source, { time: source.status().lastUpdate }).id.toString(),
    ).toBe(ID);
    for (const get of [
      'getBundleForTrustDomain',
      'getX509BundleForTrustDomain',
      'getJwtBundleForTrustDomain',
    ] as const) {
      expect(() => source[get]('other.org')).toThrow(expect.objectContaining({ code: 'bundle_not_found' }));
    }
    expect(source.status()).toMatchObject({ state: 'ready', consecutiveErrors: 0 });
  });

  it('W-8: a federated trust domain is added, then dropped when absent from the next update', async () => {
    const { source, agent, updates } = await setup();
    const federated = new FakeCa({ trustDomain: 'federated.org' });
    agent.setFederatedBundle('federated.org', federated.spiffeBundle());
    const has = () => [source.x509Bundles(), source.jwtBundles()].map((set) => set.has('federated.org'));
    while (!has().every(Boolean)) await updates.take();
    const merged = source.getBundleForTrustDomain('federated.org');
    expect(merged.x509Authorities()[0]!.fingerprint256).toBe(federated.rootCertificates()[0]!.fingerprint256);
    expect([...merged.jwtAuthorities().keys()]).toEqual([...federated.jwtAuthorities().keys()]);
    agent.setFederatedBundle('federated.org', undefined);
    while (has().some(Boolean)) await updates.take();
    expect(() => source.getBundleForTrustDomain('federated.org')).toThrow(
      expect.objectContaining({ code: 'bundle_not_found' }),
    );
  });

  it('a trust domain with only JWT authorities is still a SPIFFE bundle', async () => {
    const { source, agent, updates } = await setup();
    const jwtOnly = SpiffeBundle.fromJwtBundle(new FakeCa({ trustDomain: 'federated.org' }).jwtBundle());
    agent.setFederatedBundle('federated.org', jwtOnly);
    while (!(source.x509Bundles().has('federated.org') && source.jwtBundles().has('federated.org')))
      await updates.take();
    const bundle = source.getBundleForTrustDomain('federated.org');
    expect(bundle.x509Authorities()).toHaveLength(0);
    expect(bundle.jwtAuthorities().size).toBe(1);
  });

  it('follows CA rotation on both streams', async () => {
    const { source, updates, ca } = await setup();
    ca.prepareRotation();
    const rotated = () =>
      source.getX509BundleForTrustDomain('example.org').x509Authorities().length === 2 &&
      source.getJwtBundleForTrustDomain('example.org').jwtAuthorities().size === 2;
    while (!rotated()) await updates.take();
    expect(source.getBundleForTrustDomain('example.org').x509Authorities()).toHaveLength(2);
  });

  it('each watch fails and recovers on its own; health counts both', async () => {
    const { source, agent, errors, updates } = await setup();
    agent.failNext('FetchX509Bundles', CODE.UNAVAILABLE);
    agent.endStreams(CODE.UNAVAILABLE);
    const seen = [await errors.take(), await errors.take()];
    expect(seen.map((e) => e.code)).toEqual(['unavailable', 'unavailable']);
    expect(source.getX509BundleForTrustDomain('example.org')).toBeDefined();
    await updates.until((u) => u.kind === 'x509');
    expect(source.status().state).not.toBe('failed');
  });

  it('W-10: malformed bundle messages are reported and the last bundles kept', async () => {
    const { source, agent, errors, ca } = await setup();
    agent.malformNext('FetchX509Bundles', 'empty-bundles');
    ca.prepareRotation();
    expect((await errors.take()).message).toMatch(/no bundles \(W-16/);
    expect(source.getX509BundleForTrustDomain('example.org').x509Authorities()).toHaveLength(1);
  });

  it('#207: create() times out naming each stream still waiting', async () => {
    const { agent, clientOptions } = await setup();
    agent.failNext('FetchJWTBundles', CODE.PERMISSION_DENIED, { count: 1000 });
    const err = await BundleSource.create({ clientOptions, timeoutMs: 150 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'timeout' });
    expect((err as Error).message).toMatch(
      /^bundles not received within 150 ms: FetchJWTBundles: no identity issued: PermissionDenied/,
    );
    expect((err as Error).message).not.toMatch(/FetchX509Bundles/);
  });

  it('updates() yields both kinds; close() ends it and getters throw closed', async () => {
    const { source, ca } = await setup();
    const it = source.updates();
    expect(['x509', 'jwt']).toContain((await it.next()).value?.kind);
    ca.prepareRotation();
    const kinds = new Set<string>();
    while (kinds.size < 2) kinds.add((await it.next()).value!.kind);
    source.close();
    expect(await it.next()).toEqual({ value: undefined, done: true });
    expect(() => source.x509Bundles()).toThrow(expect.objectContaining({ code: 'closed' }));
    expect(source.status().state).toBe('closed');
  });
});
