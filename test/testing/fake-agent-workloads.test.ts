import { existsSync } from 'node:fs';
import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { SpiffeBundle } from '../../src/bundle/index.js';
import { FakeAgent, FakeCa, TestingError } from '../../src/testing/index.js';
import { parseEndpointAddress } from '../../src/workloadapi/index.js';
import type { X509SVIDResponse } from '../../src/workloadapi/proto/workload.js';
import {
  checkX509Response,
  failure,
  jwtBundles,
  plainClient,
  StreamReader,
  unary,
  x509Bundles,
} from './fake-agent-support.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function start(options: { cas?: FakeCa[] } = {}) {
  const ca = new FakeCa({ trustDomain: 'example.org' });
  const agent = await FakeAgent.start({ ca, ...options });
  cleanup.push(() => agent.stop());
  return { ca, agent };
}

function client(address: string) {
  const c = plainClient(address);
  cleanup.push(() => c.close());
  return c;
}

async function firstSvids(address: string): Promise<X509SVIDResponse> {
  return new StreamReader(client(address).fetchX509Svid({})).next();
}

const ids = (response: X509SVIDResponse) => response.svids.map((s) => s.spiffeId);

describe('FakeAgent: workloads with their own sockets', () => {
  it('serves each workload the entries whose selectors are all among its own (SPIRE semantics)', async () => {
    const { agent } = await start();
    const web = await agent.workload({
      k8s: {
        namespace: 'prod',
        serviceAccount: 'web',
        podName: 'web-1',
        labels: { app: 'web' },
        nodeName: 'n1',
      },
    });
    const batch = await agent.workload({ selectors: ['unix:uid:1000', 'unix:gid:50'] });
    expect(web.address).not.toBe(agent.address);
    expect(web.selectors).toEqual([
      'k8s:node-name:n1',
      'k8s:ns:prod',
      'k8s:pod-label:app:web',
      'k8s:pod-name:web-1',
      'k8s:sa:web',
    ]);
    agent.register({ spiffeId: 'spiffe://example.org/default' });
    agent.register({ spiffeId: 'spiffe://example.org/web', selectors: ['k8s:ns:prod', 'k8s:sa:web'] });
    agent.register({ spiffeId: 'spiffe://example.org/db', selectors: ['k8s:ns:prod', 'k8s:sa:db'] });
    agent.register({ spiffeId: 'spiffe://example.org/batch', selectors: ['unix:uid:1000'] });
    agent.register({ spiffeId: 'spiffe://example.org/both', selectors: ['unix:uid:1000', 'unix:gid:51'] });

    expect(ids(await firstSvids(agent.address))).toEqual(['spiffe://example.org/default']);
    expect(ids(await firstSvids(web.address))).toEqual(['spiffe://example.org/web']);
    expect(ids(await firstSvids(batch.address))).toEqual(['spiffe://example.org/batch']);
    checkX509Response(await firstSvids(web.address));
    expect(agent.x509Svids(web).map((s) => s.id.toString())).toEqual(['spiffe://example.org/web']);
  });

  it('a workload without matching entries gets PermissionDenied; close() ends its streams and removes its socket', async () => {
    const { agent } = await start();
    const lonely = await agent.workload({ selectors: ['unix:uid:7'] });
    expect(await new StreamReader(client(lonely.address).fetchX509Svid({})).ended()).toMatchObject({
      code: status.PERMISSION_DENIED,
    });
    agent.register({ spiffeId: 'spiffe://example.org/seven', selectors: ['unix:uid:7'] });
    const reader = new StreamReader(client(lonely.address).fetchX509Svid({}));
    await reader.next();
    const transport = agent.transport(lonely);
    await lonely.close();
    expect(await reader.ended()).toMatchObject({ code: status.UNAVAILABLE });
    const endpoint = parseEndpointAddress(lonely.address);
    expect(endpoint.kind === 'unix' && existsSync(endpoint.path)).toBe(false);
    await expect(
      transport.fetchJwtSvid({ audience: ['a'], spiffeId: '' }, new AbortController().signal),
    ).rejects.toMatchObject({
      code: 'unavailable',
    });
    expect(() => agent.x509Svids(lonely)).toThrow(TestingError);
    await lonely.close(); // twice: nothing
  });

  it('workloads on TCP get their own loopback ports', async () => {
    const agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org' }), transport: 'tcp' });
    cleanup.push(() => agent.stop());
    const other = await agent.workload({ selectors: ['unix:uid:1'] });
    expect(other.address).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(other.address).not.toBe(agent.address);
    agent.register({ spiffeId: 'spiffe://example.org/one', selectors: ['unix:uid:1'] });
    expect(ids(await firstSvids(other.address))).toEqual(['spiffe://example.org/one']);
  });
});

describe('FakeAgent: ClusterSPIFFEID-style templates', () => {
  const TEMPLATE =
    'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}';

  it('renders the template per workload from its Kubernetes attributes', async () => {
    const { agent } = await start();
    agent.register({ spiffeId: TEMPLATE, selectors: ['k8s:ns:prod'] });
    agent.register({
      spiffeId:
        'spiffe://{{.TrustDomain}}/pod/{{ .PodMeta.Name }}/{{ index .PodMeta.Labels "app" }}/{{- .PodSpec.NodeName -}}',
      selectors: ['k8s:sa:web'],
    });
    const web = await agent.workload({
      k8s: {
        namespace: 'prod',
        serviceAccount: 'web',
        podName: 'web-1',
        labels: { app: 'shop' },
        nodeName: 'n1',
      },
    });
    const api = await agent.workload({ k8s: { namespace: 'prod', serviceAccount: 'api' } });
    expect(ids(await firstSvids(web.address))).toEqual([
      'spiffe://example.org/ns/prod/sa/web',
      'spiffe://example.org/pod/web-1/shop/n1',
    ]);
    const apiSvids = await firstSvids(api.address);
    expect(ids(apiSvids)).toEqual(['spiffe://example.org/ns/prod/sa/api']);
    checkX509Response(apiSvids);
  });

  it('rejects unknown fields and unbalanced braces at registration', async () => {
    const { agent } = await start();
    for (const bad of [
      'spiffe://{{ .TrustDomain }}/x/{{ .PodMeta.UID }}',
      'spiffe://{{ .TrustDomain }}/x/{{ .Foo }}',
      'spiffe://{{ .TrustDomain }}/x/{{ index .PodMeta.Annotations "a" }}',
      'spiffe://{{ .TrustDomain }/x',
      'spiffe://example.org/}}',
    ]) {
      expect(() => agent.register({ spiffeId: bad }), bad).toThrow(TestingError);
    }
    expect(() => agent.register({ spiffeId: 'spiffe://{{ .TrustDomain }}/{{ .Foo }}' })).toThrow(
      /unknown field or action "\{\{ \.Foo \}\}"/,
    );
  });

  it('a template that cannot be rendered for a workload gives it no identity, and says why', async () => {
    const { agent } = await start();
    agent.register({ spiffeId: TEMPLATE }); // the default workload has no Kubernetes attributes
    expect(await new StreamReader(client(agent.address).fetchX509Svid({})).ended()).toMatchObject({
      code: status.PERMISSION_DENIED,
      details: expect.stringMatching(/^no identity issued; .*needs Kubernetes attributes/),
    });
    agent.register({
      spiffeId: 'spiffe://example.org/app/{{ index .PodMeta.Labels "app" }}',
      selectors: ['k8s:ns:a'],
    });
    const unlabelled = await agent.workload({ k8s: { namespace: 'a', serviceAccount: 'b' } });
    expect(await new StreamReader(client(unlabelled.address).fetchX509Svid({})).ended()).toMatchObject({
      code: status.PERMISSION_DENIED,
      details: expect.stringMatching(/rendered "spiffe:\/\/example.org\/app\/", not a valid SPIFFE ID/),
    });
  });
});

describe('FakeAgent: trust domains and federation (A-12)', () => {
  it("issues each entry from the CA of its trust domain, with that trust domain's bundle", async () => {
    const partner = new FakeCa({ trustDomain: 'partner.org' });
    const { agent } = await start({ cas: [partner] });
    agent.register({ spiffeId: 'spiffe://example.org/a' });
    agent.register({ spiffeId: 'spiffe://partner.org/b' });
    const response = await firstSvids(agent.address);
    const svids = checkX509Response(response);
    expect(svids.map((s) => s.id.trustDomain.name)).toEqual(['example.org', 'partner.org']);
    expect(
      x509Bundles({ bundles: new Map([['spiffe://partner.org', response.svids[1]!.bundle]]), crl: [] })
        .get('partner.org')!
        .x509Authorities()[0]!.fingerprint256,
    ).toBe(partner.rootCertificates()[0]!.fingerprint256);
  });

  it('federatesWith adds the federated bundles to every stream, keyed spiffe://<td>', async () => {
    const partner = new FakeCa({ trustDomain: 'partner.org' });
    const { agent } = await start({ cas: [partner] });
    agent.register({ spiffeId: 'spiffe://example.org/a', federatesWith: ['partner.org'] });
    const c = client(agent.address);
    const svid = await new StreamReader(c.fetchX509Svid({})).next();
    expect([...svid.federatedBundles.keys()]).toEqual(['spiffe://partner.org']);
    expect(x509Bundles(svid).get('partner.org')!.x509Authorities()[0]!.fingerprint256).toBe(
      partner.rootCertificates()[0]!.fingerprint256,
    );
    const bundles = await new StreamReader(c.fetchX509Bundles({})).next();
    expect([...bundles.bundles.keys()]).toEqual(['spiffe://example.org', 'spiffe://partner.org']);
    const jwt = jwtBundles(await new StreamReader(c.fetchJwtBundles({})).next());
    expect([...jwt.get('partner.org')!.jwtAuthorities().keys()]).toEqual([
      ...partner.jwtAuthorities().keys(),
    ]);

    const token = partner.issueJwtSvid({ id: 'spiffe://partner.org/caller', audience: 'a' }).token;
    const ok = await unary<{ spiffeId: string }>((done) =>
      c.validateJwtsvid({ audience: 'a', svid: token }, done),
    );
    expect(ok.spiffeId).toBe('spiffe://partner.org/caller');
  });

  it('ValidateJWTSVID rejects tokens of trust domains the workload does not federate with (W-25)', async () => {
    const partner = new FakeCa({ trustDomain: 'partner.org' });
    const { agent } = await start({ cas: [partner] });
    agent.register({ spiffeId: 'spiffe://example.org/a' });
    const token = partner.issueJwtSvid({ id: 'spiffe://partner.org/caller', audience: 'a' }).token;
    const err = await failure(
      unary((done) => client(agent.address).validateJwtsvid({ audience: 'a', svid: token }, done)),
    );
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/partner.org/);
  });

  it('W-7, W-8: setFederatedBundle pushes the bundle, and removing it pushes the state without it', async () => {
    const { agent } = await start();
    agent.register({ spiffeId: 'spiffe://example.org/a', federatesWith: ['other.org'] });
    const reader = new StreamReader(client(agent.address).fetchX509Svid({}));
    expect((await reader.next()).federatedBundles.size).toBe(0); // no bundle known yet: omitted

    const other = new FakeCa({ trustDomain: 'other.org' });
    const bundle = SpiffeBundle.fromX509Authorities('other.org', other.rootCertificates());
    bundle.setJwtAuthorities(other.jwtAuthorities());
    agent.setFederatedBundle('other.org', bundle);
    const pushed = await reader.next();
    expect([...pushed.federatedBundles.keys()]).toEqual(['spiffe://other.org']);
    bundle.setX509Authorities([]); // the agent keeps its own copy
    expect(
      x509Bundles(await new StreamReader(client(agent.address).fetchX509Bundles({})).next())
        .get('other.org')!
        .x509Authorities(),
    ).toHaveLength(1);

    agent.setFederatedBundle('other.org', undefined);
    expect((await reader.next()).federatedBundles.size).toBe(0);
    expect(() => agent.setFederatedBundle('example.org', SpiffeBundle.empty('example.org'))).toThrow(
      /has a CA/,
    );
    expect(() => agent.setFederatedBundle('other.org', SpiffeBundle.empty('third.org'))).toThrow(
      /expected a SpiffeBundle/,
    );
  });
});
