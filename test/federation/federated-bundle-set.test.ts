import { afterEach, describe, expect, it, vi } from 'vitest';
import { BundleError, SpiffeBundle, X509BundleSet } from '../../src/bundle/index.js';
import {
  FederatedBundleSet,
  FederationError,
  type FederatedBundleSetOptions,
  type FederationRelationship,
} from '../../src/federation/index.js';
import { TrustDomain } from '../../src/spiffeid/index.js';
import { FakeBundleEndpoint, FakeCa, ManualClock } from '../../src/testing/index.js';

/** What `promise` rejects with (a resolved promise fails the test). */
async function rejected(promise: Promise<unknown>): Promise<FederationError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as FederationError,
  );
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Partner {
  ca: FakeCa;
  endpoint: FakeBundleEndpoint;
  relationship: FederationRelationship;
}

async function partner(
  name: string,
  profile: 'https_web' | 'https_spiffe' = 'https_spiffe',
): Promise<Partner> {
  const ca = new FakeCa({ trustDomain: name });
  const endpoint = await FakeBundleEndpoint.start({ ca, profile });
  cleanups.push(() => endpoint.stop());
  const auth =
    profile === 'https_web'
      ? ({ profile, roots: [...endpoint.webRoots] } as const)
      : ({ profile, endpointId: endpoint.endpointId!, bundle: ca.spiffeBundle() } as const);
  return { ca, endpoint, relationship: { trustDomain: name, url: endpoint.url, auth } };
}

function federate(
  relationships: FederationRelationship[],
  options: FederatedBundleSetOptions = {},
): FederatedBundleSet {
  const set = new FederatedBundleSet(relationships, { clock: new ManualClock(), ...options });
  cleanups.push(() => set.close());
  return set;
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('FederatedBundleSet', () => {
  it('F-3, F-8: keeps the bundle of each federated trust domain, each from its own endpoint (both profiles)', async () => {
    const a = await partner('a.test');
    const b = await partner('b.test', 'https_web');
    const set = federate([a.relationship, b.relationship]);
    expect(set.trustDomains.map(String)).toEqual(['a.test', 'b.test']);
    await set.ready({ timeoutMs: 10_000 });
    expect(set.getBundleForTrustDomain('a.test').equals(a.ca.spiffeBundle())).toBe(true);
    expect(set.getBundleForTrustDomain(TrustDomain.from('b.test')).equals(b.ca.spiffeBundle())).toBe(true);
    expect(set.getX509BundleForTrustDomain('a.test').equals(a.ca.x509Bundle())).toBe(true);
    expect([...set.getJwtBundleForTrustDomain('b.test').jwtAuthorities().keys()]).toEqual([
      ...b.ca.jwtAuthorities().keys(),
    ]);
    expect(
      set
        .bundles()
        .bundles()
        .map((x) => x.trustDomain.name)
        .sort(),
    ).toEqual(['a.test', 'b.test']);
  });

  it('B-1, F-5: never answers one trust domain with another one, nor merges them', async () => {
    const a = await partner('a.test');
    const set = federate([a.relationship]);
    await set.ready();
    const error = caught(() => set.getX509BundleForTrustDomain('c.test'));
    expect(error).toBeInstanceOf(BundleError);
    expect((error as BundleError).code).toBe('bundle_not_found');
    expect(set.getX509BundleForTrustDomain('a.test').x509Authorities()).toHaveLength(1);
  });

  it('F-5: local answers only the trust domains the set does not federate', async () => {
    const a = await partner('a.test');
    const local = new FakeCa({ trustDomain: 'local.test' });
    const impostor = new FakeCa({ trustDomain: 'a.test' }); // the local source also claims a.test
    const localSource = new X509BundleSet(local.x509Bundle(), impostor.x509Bundle());
    const set = federate([a.relationship], { local: localSource });
    await set.ready();
    expect(set.getX509BundleForTrustDomain('local.test').equals(local.x509Bundle())).toBe(true);
    expect(set.getX509BundleForTrustDomain('a.test').equals(a.ca.x509Bundle())).toBe(true);
    const jwt = caught(() => set.getJwtBundleForTrustDomain('local.test'));
    expect((jwt as BundleError).code).toBe('bundle_not_found');
    expect((jwt as BundleError).message).toContain('local source has no JWT bundles');
  });

  it('B-7: before its first fetch succeeds, a federated trust domain has no bundle, saying why', async () => {
    const a = await partner('a.test');
    a.endpoint.respondNext({ status: 503 });
    const set = federate([a.relationship], { local: new FakeCa({ trustDomain: 'a.test' }).x509Bundle() });
    const error = await new Promise<FederationError>((resolve) => set.on('error', (e) => resolve(e)));
    expect(error.code).toBe('http_status');
    const missing = caught(() => set.getX509BundleForTrustDomain('a.test'));
    expect((missing as BundleError).code).toBe('bundle_not_found');
    expect((missing as BundleError).message).toContain('last fetch failed');
  });

  it("emits 'update' with each new bundle and 'error' with the trust domain", async () => {
    const clock = new ManualClock();
    const a = await partner('a.test');
    const updates: SpiffeBundle[] = [];
    const errors: [string, string][] = [];
    const set = federate([a.relationship], { clock });
    set.on('update', (bundle) => updates.push(bundle));
    set.on('error', (error, td) => errors.push([error.code, td.name]));
    await set.ready();
    expect(updates.map((u) => u.sequenceNumber)).toEqual([1n]);
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1));
    a.endpoint.respondNext({ body: 'garbage' });
    clock.advance(5 * 60_000);
    await vi.waitFor(() => expect(errors).toEqual([['invalid_bundle', 'a.test']]));
    a.ca.prepareRotation();
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1));
    clock.advance(5 * 60_000);
    await vi.waitFor(() => expect(updates.map((u) => u.sequenceNumber)).toEqual([1n, 2n]));
    expect(set.status().get('a.test')?.consecutiveFailures).toBe(0);
  });

  it('a throwing listener is logged and does not disturb the set', async () => {
    const a = await partner('a.test');
    const logged: string[] = [];
    const set = federate([a.relationship], {
      logger: { debug() {}, info() {}, warn() {}, error: (m: string) => logged.push(m) },
    });
    set.on('update', () => {
      throw new Error('listener bug');
    });
    await set.ready();
    expect(logged.some((m) => m.includes('listener bug'))).toBe(true);
  });

  it('ready() times out naming the trust domains without a bundle and why', async () => {
    const a = await partner('a.test');
    a.endpoint.respondNext({ status: 404 }, 2);
    const set = federate([a.relationship]);
    await new Promise((resolve) => set.on('error', resolve));
    const error = await rejected(set.ready({ timeoutMs: 1 }));
    expect(error.code).toBe('timeout');
    expect(error.message).toContain('"a.test"');
    expect(error.message).toContain('404');
  });

  it('ready() rejects with aborted on its signal, and with closed when the set closes', async () => {
    const a = await partner('a.test');
    a.endpoint.respondNext({ status: 404 });
    const set = federate([a.relationship]);
    await expect(set.ready({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'aborted' });
    const pending = set.ready();
    set.close();
    await expect(pending).rejects.toMatchObject({ code: 'closed' });
  });

  it('close() stops every watch; the set then refuses lookups', async () => {
    const clock = new ManualClock();
    const a = await partner('a.test');
    const b = await partner('b.test');
    const set = federate([a.relationship, b.relationship], { clock });
    await set.ready();
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(2));
    await set[Symbol.asyncDispose]();
    expect(set.closed).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    expect((caught(() => set.getBundleForTrustDomain('a.test')) as FederationError).code).toBe('closed');
    await expect(set.ready()).rejects.toMatchObject({ code: 'closed' });
  });

  it('an aborted signal closes the set', async () => {
    const a = await partner('a.test');
    const controller = new AbortController();
    const set = federate([a.relationship], { signal: controller.signal });
    await set.ready();
    controller.abort();
    expect(set.closed).toBe(true);
  });

  it.each([
    ['relationships not an array', undefined, {}],
    ['a trust domain twice', 'twice', {}],
    [
      'a bad trust domain',
      [{ trustDomain: 'Bad', url: 'https://x.test/', auth: { profile: 'https_web' } }],
      {},
    ],
    ['no auth', [{ trustDomain: 'a.test', url: 'https://x.test/' }], {}],
    ['a local source without getX509BundleForTrustDomain', [], { local: {} }],
  ])('F-5, F-8: %s is invalid_argument', (_name, relationships, options) => {
    const list =
      relationships === 'twice'
        ? [1, 2].map(() => ({
            trustDomain: 'a.test',
            url: 'https://x.test/',
            auth: { profile: 'https_web' } as const,
          }))
        : relationships;
    const error = caught(() => new FederatedBundleSet(list as never, options as never));
    expect(error).toBeInstanceOf(FederationError);
    expect((error as FederationError).code).toBe('invalid_argument');
  });

  it('F-9: an http URL is invalid_url', () => {
    const error = caught(
      () =>
        new FederatedBundleSet([
          { trustDomain: 'a.test', url: 'http://x.test/', auth: { profile: 'https_web' } },
        ]),
    );
    expect((error as FederationError).code).toBe('invalid_url');
  });
});
