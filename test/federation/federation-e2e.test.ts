// End to end: two trust domains, each with its own CA, agent and bundle endpoint (https_spiffe,
// presenting the SVID of an X509Source), federate with each other through FederatedBundleSets;
// their services talk mTLS through the tlsconfig layer, before and after the federated trust
// domain rotates its CA.
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SpiffeBundle } from '../../src/bundle/index.js';
import {
  FederatedBundleSet,
  serveBundleEndpoint,
  type FederationRelationship,
} from '../../src/federation/index.js';
import { FakeAgent, FakeCa, ManualClock } from '../../src/testing/index.js';
import {
  authorizeId,
  authorizeMemberOf,
  createHttpsServer,
  mtlsClientOptions,
  mtlsServerOptions,
  peerIdFrom,
  TlsConfigError,
} from '../../src/tlsconfig/index.js';
import type { X509Source } from '../../src/workloadapi/index.js';

const CLIENT = 'spiffe://a.test/client';
const SERVER = 'spiffe://b.test/server';
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function domain(name: string, workloadId: string) {
  const ca = new FakeCa({ trustDomain: name });
  const agent = await FakeAgent.start({ ca });
  cleanups.push(() => agent.stop());
  const entry = agent.register({ spiffeId: workloadId });
  const source = await agent.x509Source();
  cleanups.push(() => source.close());
  // The trust domain's bundle endpoint (SPIRE server's role), presenting the workload's SVID.
  const endpoint = await serveBundleEndpoint({
    trustDomain: name,
    source: { getBundleForTrustDomain: () => ca.spiffeBundle() },
    profile: 'https_spiffe',
    svidSource: source,
    host: '127.0.0.1',
    port: 0,
  });
  cleanups.push(() => endpoint.close());
  return { ca, agent, entry, source, endpoint };
}

type Domain = Awaited<ReturnType<typeof domain>>;

/** How `local` federates with `remote`: its endpoint URL, endpoint SPIFFE ID, and a bootstrap bundle exchanged once (F-14). */
function relationshipWith(remote: Domain, endpointId: string): FederationRelationship {
  return {
    trustDomain: remote.ca.trustDomain,
    url: remote.endpoint.url,
    auth: { profile: 'https_spiffe', endpointId, bundle: remote.ca.spiffeBundle() },
  };
}

function get(url: string, options: https.RequestOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(url, options, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

function nextUpdate(set: FederatedBundleSet): Promise<SpiffeBundle> {
  return new Promise((resolve) => {
    const listener = (bundle: SpiffeBundle): void => {
      set.off('update', listener);
      resolve(bundle);
    };
    set.on('update', listener);
  });
}

function nextSvid(source: X509Source): Promise<void> {
  return new Promise((resolve) => source.on('update', () => resolve()));
}

describe('two trust domains federate through bundle endpoints', () => {
  it('F-6, F-8, F-17: their services talk mTLS, before and after the federated CA rotates', async () => {
    const a = await domain('a.test', CLIENT);
    const b = await domain('b.test', SERVER);
    const clock = new ManualClock();
    // Each side: the other trust domain's bundle from its endpoint, its own from its agent (local).
    const federationA = new FederatedBundleSet([relationshipWith(b, SERVER)], { local: a.source, clock });
    const federationB = new FederatedBundleSet([relationshipWith(a, CLIENT)], { local: b.source, clock });
    cleanups.push(
      () => federationA.close(),
      () => federationB.close(),
    );
    await Promise.all([federationA.ready({ timeoutMs: 10_000 }), federationB.ready({ timeoutMs: 10_000 })]);

    const server = createHttpsServer(
      mtlsServerOptions(b.source, federationB, authorizeMemberOf('a.test')),
      (req, res) =>
        res.end(`hello ${peerIdFrom(req).toString()} from ${peerIdFrom(req.socket).trustDomain.name}`),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => (server.close(resolve), server.closeAllConnections())));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const client = mtlsClientOptions(a.source, federationA, authorizeId(SERVER));

    expect(await get(url, client)).toBe(`hello ${CLIENT} from a.test`);

    // Without the federated bundle, a.test cannot verify b.test's server (B-1).
    const unfederated = await get(url, mtlsClientOptions(a.source, a.source, authorizeId(SERVER))).catch(
      (e: unknown) => e,
    );
    expect(unfederated).toBeInstanceOf(TlsConfigError);
    expect((unfederated as TlsConfigError).code).toBe('untrusted_peer');

    // b.test rotates its CA (F-1): the next key is published, a.test picks it up at its next poll...
    const published = nextUpdate(federationA);
    b.ca.prepareRotation();
    clock.advance(5 * 60_000);
    expect((await published).x509Authorities()).toHaveLength(2);

    // ...then b.test signs with it: its server (and its bundle endpoint) present a new SVID.
    const rotated = nextSvid(b.source);
    b.ca.rotate();
    b.entry.update({ spiffeId: SERVER });
    await rotated;
    const newRoot = b.ca.certificate;
    expect(b.source.getX509Svid().certificates[0]!.checkIssued(newRoot)).toBe(true);
    expect(await get(url, client)).toBe(`hello ${CLIENT} from a.test`);

    // The self-serving watch verifies the endpoint's new SVID with the latest bundle (F-17).
    const next = nextUpdate(federationA);
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(2));
    clock.advance(5 * 60_000);
    expect((await next).sequenceNumber).toBe(b.ca.sequenceNumber);
    expect(federationA.status().get('b.test')?.lastError).toBeUndefined();
  });

  it('a peer of a trust domain nobody federated with is refused', async () => {
    const a = await domain('a.test', CLIENT);
    const b = await domain('b.test', SERVER);
    const stranger = new FakeCa({ trustDomain: 'c.test' });
    const clock = new ManualClock();
    const federationB = new FederatedBundleSet([relationshipWith(a, CLIENT)], { local: b.source, clock });
    cleanups.push(() => federationB.close());
    await federationB.ready();
    const refused: Error[] = [];
    const server = createHttpsServer(
      mtlsServerOptions(b.source, federationB, authorizeMemberOf('c.test')),
      (_req, res) => res.end('no'),
    );
    server.on('tlsClientError', (error) => refused.push(error));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => (server.close(resolve), server.closeAllConnections())));
    const svid = stranger.issueX509Svid({ id: 'spiffe://c.test/intruder' }).toX509Svid();
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    await expect(get(url, mtlsClientOptions(svid, federationB, authorizeId(SERVER)))).rejects.toThrow();
    await vi.waitFor(() => expect(refused).toHaveLength(1));
    expect((refused[0] as TlsConfigError).code).toBe('untrusted_peer');
  });
});
