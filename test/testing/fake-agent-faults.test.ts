import { existsSync } from 'node:fs';
import { TextDecoder } from 'node:util';
import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JwtBundle, X509Bundle } from '../../src/bundle/index.js';
import { JwtSvid, SvidError, X509Svid } from '../../src/svid/index.js';
import { FakeAgent, FakeCa, ManualClock, TestingError, type MalformKind } from '../../src/testing/index.js';
import { parseEndpointAddress } from '../../src/workloadapi/index.js';
import type {
  JWTBundlesResponse,
  JWTSVIDResponse,
  SpiffeWorkloadAPIClient,
  ValidateJWTSVIDResponse,
  X509BundlesResponse,
  X509SVIDResponse,
} from '../../src/workloadapi/proto/workload.js';
import {
  checkX509Response,
  failure,
  plainClient,
  serials,
  StreamReader,
  unary,
} from './fake-agent-support.js';

const API = 'spiffe://example.org/api';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function setup(options: { clock?: ManualClock } = {}) {
  const ca = new FakeCa({ trustDomain: 'example.org', ...(options.clock ? { clock: options.clock } : {}) });
  const agent = await FakeAgent.start({ ca });
  const client = plainClient(agent.address);
  cleanup.push(
    () => agent.stop(),
    () => client.close(),
  );
  agent.register({ spiffeId: API, hint: 'main' });
  return { ca, agent, client };
}

const fetchJwt = (client: SpiffeWorkloadAPIClient, spiffeId = '') =>
  unary<JWTSVIDResponse>((done) => client.fetchJwtsvid({ audience: ['aud'], spiffeId }, done));

describe('FakeAgent.failNext', () => {
  it('fails the next `count` calls with the code and details, then serves again', async () => {
    const { agent, client } = await setup();
    agent.failNext('FetchJWTSVID', status.UNAVAILABLE, { count: 2, details: 'warming up' });
    agent.failNext('FetchX509SVID', status.PERMISSION_DENIED);
    for (let i = 0; i < 2; i++) {
      expect(await failure(fetchJwt(client))).toMatchObject({
        code: status.UNAVAILABLE,
        details: 'warming up',
      });
    }
    expect((await fetchJwt(client)).svids).toHaveLength(1);
    expect(await new StreamReader(client.fetchX509Svid({})).ended()).toMatchObject({
      code: status.PERMISSION_DENIED,
    });
    checkX509Response(await new StreamReader(client.fetchX509Svid({})).next());
  });

  it('E-5 comes first: a call without the header does not consume an armed failure', async () => {
    const { agent, client } = await setup();
    agent.failNext('FetchJWTSVID', status.INTERNAL);
    const bare = plainClient(agent.address, null);
    cleanup.push(() => bare.close());
    expect((await failure(fetchJwt(bare))).code).toBe(status.INVALID_ARGUMENT);
    expect((await failure(fetchJwt(client))).code).toBe(status.INTERNAL);
  });

  it('rejects unknown methods, OK and out-of-range codes, and bad counts', async () => {
    const { agent } = await setup();
    expect(() => agent.failNext('Fetch' as never, status.INTERNAL)).toThrow(TestingError);
    expect(() => agent.failNext('FetchJWTSVID', status.OK)).toThrow(/not a gRPC error code/);
    expect(() => agent.failNext('FetchJWTSVID', 17)).toThrow(TestingError);
    expect(() => agent.failNext('FetchJWTSVID', status.INTERNAL, { count: 0 })).toThrow(TestingError);
  });
});

describe('FakeAgent.endStreams', () => {
  it('ends every open stream normally, or with a status code; new streams work afterwards', async () => {
    const { agent, client } = await setup();
    const a = new StreamReader(client.fetchX509Svid({}));
    const b = new StreamReader(client.fetchJwtBundles({}));
    await Promise.all([a.next(), b.next()]);
    agent.endStreams();
    expect(await a.ended()).toBe('end');
    expect(await b.ended()).toBe('end');

    const c = new StreamReader(client.fetchX509Bundles({}));
    await c.next();
    agent.endStreams(status.UNAVAILABLE);
    expect(await c.ended()).toMatchObject({
      code: status.UNAVAILABLE,
      details: 'stream ended by FakeAgent.endStreams',
    });
    await new StreamReader(client.fetchX509Svid({})).next();
    expect(() => agent.endStreams(99)).toThrow(TestingError);
  });
});

describe('FakeAgent.restart', () => {
  it('ends streams with Unavailable and serves again on the same socket, keeping entries and SVIDs', async () => {
    const { agent, client } = await setup();
    const workload = await agent.workload({ selectors: ['unix:uid:5'] });
    agent.register({ spiffeId: 'spiffe://example.org/five', selectors: ['unix:uid:5'] });
    const reader = new StreamReader(client.fetchX509Svid({}));
    const before = serials(await reader.next());
    await agent.restart();
    expect(await reader.ended()).toMatchObject({
      code: status.UNAVAILABLE,
      details: 'the fake agent is restarting',
    });
    const endpoint = parseEndpointAddress(agent.address);
    expect(endpoint.kind === 'unix' && existsSync(endpoint.path)).toBe(true);
    // The same channel reconnects to the same address.
    expect(serials(await new StreamReader(client.fetchX509Svid({})).next())).toEqual(before);
    const other = plainClient(workload.address);
    cleanup.push(() => other.close());
    expect((await new StreamReader(other.fetchX509Svid({})).next()).svids[0]!.spiffeId).toBe(
      'spiffe://example.org/five',
    );
  });

  it('works on TCP too, on the same port', async () => {
    const agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org' }), transport: 'tcp' });
    cleanup.push(() => agent.stop());
    agent.register({ spiffeId: API });
    const client = plainClient(agent.address);
    cleanup.push(() => client.close());
    await new StreamReader(client.fetchX509Svid({})).next();
    await agent.restart();
    expect((await new StreamReader(client.fetchX509Svid({})).next()).svids).toHaveLength(1);
  });
});

describe('FakeAgent.delay', () => {
  it("delays unary answers and a stream's first message on the real clock", async () => {
    const { agent, client } = await setup();
    agent.delay('FetchJWTSVID', 200);
    agent.delay('FetchX509SVID', 200);
    let start = Date.now();
    await fetchJwt(client);
    expect(Date.now() - start).toBeGreaterThanOrEqual(190);
    start = Date.now();
    await new StreamReader(client.fetchX509Svid({})).next();
    expect(Date.now() - start).toBeGreaterThanOrEqual(190);
    agent.delay('FetchJWTSVID', 0);
    agent.delay('FetchX509SVID', 0);
    expect(() => agent.delay('FetchJWTSVID', -1)).toThrow(TestingError);
  });

  it('with a ManualClock, the answer waits until the clock is advanced', async () => {
    const clock = new ManualClock();
    const { agent, client } = await setup({ clock });
    agent.delay('FetchJWTSVID', 5000);
    let answered = false;
    const call = fetchJwt(client).then((r) => {
      answered = true;
      return r;
    });
    await vi.waitFor(() => expect(agent.calls.some((c) => c.method === 'FetchJWTSVID')).toBe(true));
    clock.advance(4999);
    expect(answered).toBe(false);
    clock.advance(1);
    expect((await call).svids).toHaveLength(1);
  });

  it('stop() fails a delayed call with Unavailable instead of leaving it hanging', async () => {
    const clock = new ManualClock();
    const { agent, client } = await setup({ clock });
    agent.delay('FetchJWTSVID', 5000);
    const call = failure(fetchJwt(client));
    await vi.waitFor(() => expect(agent.calls).toHaveLength(1));
    await agent.stop();
    expect((await call).code).toBe(status.UNAVAILABLE);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('FakeAgent.malformNext', () => {
  const x509 = async (kind: MalformKind): Promise<X509SVIDResponse> => {
    const { agent, client } = await setup();
    agent.register({ spiffeId: 'spiffe://example.org/second' });
    agent.malformNext('FetchX509SVID', kind);
    return new StreamReader(client.fetchX509Svid({})).next();
  };

  it('W-13: empty-svids', async () => expect((await x509('empty-svids')).svids).toEqual([]));

  it('W-10: empty-spiffe-id, empty-certificate, empty-key, empty-bundle', async () => {
    expect((await x509('empty-spiffe-id')).svids[0]!.spiffeId).toBe('');
    expect((await x509('empty-certificate')).svids[0]!.x509Svid).toHaveLength(0);
    expect((await x509('empty-key')).svids[0]!.x509SvidKey).toHaveLength(0);
    expect((await x509('empty-bundle')).svids[0]!.bundle).toHaveLength(0);
  });

  it("spiffe-id-mismatch: spiffe_id is not the certificate's ID", async () => {
    const s = (await x509('spiffe-id-mismatch')).svids[0]!;
    expect(s.spiffeId).toBe('spiffe://example.org/fake-agent-mismatch');
    expect(X509Svid.parseRaw(s.x509Svid, s.x509SvidKey).id.toString()).toBe(API);
  });

  it('bad-certificate, key-mismatch: the svid layer rejects them', async () => {
    const bad = (await x509('bad-certificate')).svids[0]!;
    expect(() => X509Svid.parseRaw(bad.x509Svid, bad.x509SvidKey)).toThrow(SvidError);
    const mismatch = (await x509('key-mismatch')).svids[0]!;
    expect(() => X509Svid.parseRaw(mismatch.x509Svid, mismatch.x509SvidKey)).toThrow(
      expect.objectContaining({ code: 'key_mismatch' }),
    );
  });

  it('wrong-bundle: the SVID does not chain to the bundle sent with it', async () => {
    const response = await x509('wrong-bundle');
    expect(() => checkX509Response(response)).toThrow(expect.objectContaining({ code: 'untrusted_chain' }));
  });

  it('W-14: duplicate-hint: the first two SVIDs share a hint', async () => {
    const svids = (await x509('duplicate-hint')).svids;
    expect(svids.map((s) => s.hint)).toEqual(['main', 'main']);
    expect(svids.map((s) => s.spiffeId)).toEqual([API, 'spiffe://example.org/second']);
  });

  it('garbage-bytes: the client cannot decode the message (Internal)', async () => {
    const { agent, client } = await setup();
    agent.malformNext('FetchX509SVID', 'garbage-bytes');
    expect(await new StreamReader(client.fetchX509Svid({})).ended()).toMatchObject({
      code: status.INTERNAL,
      details: expect.stringMatching(/Response message parsing error/),
    });
    agent.malformNext('FetchJWTSVID', 'garbage-bytes');
    expect((await failure(fetchJwt(client))).code).toBe(status.INTERNAL);
  });

  it('applies to the next push of an open stream and counts down `count`', async () => {
    const { agent, client } = await setup();
    const reader = new StreamReader(client.fetchX509Svid({}));
    checkX509Response(await reader.next());
    agent.malformNext('FetchX509SVID', 'empty-svids', { count: 2 });
    const entry = agent.register({ spiffeId: 'spiffe://example.org/b' });
    expect((await reader.next()).svids).toEqual([]);
    entry.update({ hint: 'b' });
    expect((await reader.next()).svids).toEqual([]);
    entry.update({ hint: 'c' });
    expect((await reader.next()).svids).toHaveLength(2);
  });

  it('FetchX509Bundles: empty-bundles, bad-certificate, wrong-bundle, garbage-bytes', async () => {
    const { ca, agent, client } = await setup();
    const next = (kind: MalformKind): Promise<X509BundlesResponse> => {
      agent.malformNext('FetchX509Bundles', kind);
      return new StreamReader(client.fetchX509Bundles({})).next();
    };
    expect((await next('empty-bundles')).bundles.size).toBe(0);
    const bad = (await next('bad-certificate')).bundles.get('spiffe://example.org')!;
    expect(() => X509Bundle.parseRaw('example.org', bad)).toThrow();
    const wrong = X509Bundle.parseRaw(
      'example.org',
      (await next('wrong-bundle')).bundles.get('spiffe://example.org')!,
    );
    expect(wrong.x509Authorities()[0]!.fingerprint256).not.toBe(ca.rootCertificates()[0]!.fingerprint256);
    agent.malformNext('FetchX509Bundles', 'garbage-bytes');
    expect(await new StreamReader(client.fetchX509Bundles({})).ended()).toMatchObject({
      code: status.INTERNAL,
    });
  });

  it('FetchJWTBundles: empty-bundles, bad-jwks, wrong-bundle, garbage-bytes', async () => {
    const { ca, agent, client } = await setup();
    const next = (kind: MalformKind): Promise<JWTBundlesResponse> => {
      agent.malformNext('FetchJWTBundles', kind);
      return new StreamReader(client.fetchJwtBundles({})).next();
    };
    const text = new TextDecoder();
    expect((await next('empty-bundles')).bundles.size).toBe(0);
    const bad = text.decode((await next('bad-jwks')).bundles.get('spiffe://example.org')!);
    expect(() => JwtBundle.parse('example.org', bad)).toThrow();
    const wrong = JwtBundle.parse(
      'example.org',
      text.decode((await next('wrong-bundle')).bundles.get('spiffe://example.org')!),
    );
    expect([...wrong.jwtAuthorities().keys()]).toEqual([...ca.jwtAuthorities().keys()]);
    const token = ca.issueJwtSvid({ id: API, audience: 'a' }).token;
    expect(() => JwtSvid.parseAndValidate(token, wrong, 'a')).toThrow(
      expect.objectContaining({ code: 'invalid_signature' }),
    );
    agent.malformNext('FetchJWTBundles', 'garbage-bytes');
    expect(await new StreamReader(client.fetchJwtBundles({})).ended()).toMatchObject({
      code: status.INTERNAL,
    });
  });

  it('FetchJWTSVID: empty-svids, empty-spiffe-id, spiffe-id-mismatch, bad-token, duplicate-hint', async () => {
    const { agent, client } = await setup();
    agent.register({ spiffeId: 'spiffe://example.org/second', hint: 'second' });
    const next = (kind: MalformKind): Promise<JWTSVIDResponse> => {
      agent.malformNext('FetchJWTSVID', kind);
      return fetchJwt(client);
    };
    expect((await next('empty-svids')).svids).toEqual([]);
    expect((await next('empty-spiffe-id')).svids[0]!.spiffeId).toBe('');
    const mismatch = (await next('spiffe-id-mismatch')).svids[0]!;
    expect(JwtSvid.parseInsecure(mismatch.svid, 'aud').id.toString()).not.toBe(mismatch.spiffeId);
    expect((await next('bad-token')).svids[0]!.svid).toBe('not-a-jwt');
    expect((await next('duplicate-hint')).svids.map((s) => s.hint)).toEqual(['main', 'main']);
  });

  it('ValidateJWTSVID: empty-spiffe-id, spiffe-id-mismatch, garbage-bytes', async () => {
    const { ca, agent, client } = await setup();
    const svid = ca.issueJwtSvid({ id: API, audience: 'a' }).token;
    const validate = () =>
      unary<ValidateJWTSVIDResponse>((done) => client.validateJwtsvid({ audience: 'a', svid }, done));
    agent.malformNext('ValidateJWTSVID', 'empty-spiffe-id');
    expect((await validate()).spiffeId).toBe('');
    agent.malformNext('ValidateJWTSVID', 'spiffe-id-mismatch');
    expect((await validate()).spiffeId).toBe('spiffe://example.org/fake-agent-mismatch');
    agent.malformNext('ValidateJWTSVID', 'garbage-bytes');
    expect((await failure(validate())).code).toBe(status.INTERNAL);
    expect((await validate()).spiffeId).toBe(API);
  });

  it('rejects a kind the method cannot carry', async () => {
    const { agent } = await setup();
    expect(() => agent.malformNext('FetchJWTBundles', 'key-mismatch')).toThrow(
      /FetchJWTBundles cannot serve "key-mismatch"/,
    );
    expect(() => agent.malformNext('FetchWITSVID', 'garbage-bytes')).toThrow(/no responses/);
    expect(() => agent.malformNext('FetchX509SVID', 'empty-svids', { count: 1.5 })).toThrow(TestingError);
  });
});
