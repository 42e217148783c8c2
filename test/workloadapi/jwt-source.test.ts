// JwtSource against the fake agent over a real socket: first bundles, the JWT-SVID cache (half
// lifetime), picker, bundle rotation, failures, close.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeAgent, FakeCa, ManualClock } from '../../src/testing/index.js';
import { JwtSvid } from '../../src/svid/index.js';
import { JwtSource, WorkloadApiClient, WorkloadApiError } from '../../src/workloadapi/index.js';
import type { JwtBundleSet } from '../../src/bundle/index.js';
import { CODE, FAST, Inbox, agentCalls } from './helpers.js';

const ID = 'spiffe://example.org/api';
const JWT_TTL = 300_000;
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function setup() {
  const clock = new ManualClock();
  const ca = new FakeCa({ trustDomain: 'example.org', clock });
  const agent = await FakeAgent.start({ ca });
  cleanup.push(() => agent.stop());
  agent.register({ spiffeId: ID, jwtSvidTtl: JWT_TTL });
  const clientOptions = { address: agent.address, clock, backoff: FAST };
  const source = await JwtSource.create({ clientOptions });
  cleanup.push(() => source.close());
  const updates = new Inbox<JwtBundleSet>();
  const errors = new Inbox<WorkloadApiError>();
  source.on('update', updates.push).on('error', errors.push);
  const jwtCalls = () => agent.calls.filter((c) => c.method === 'FetchJWTSVID').length;
  return { clock, ca, agent, source, updates, errors, jwtCalls, clientOptions };
}

describe('JwtSource', () => {
  it('create() resolves with the JWT bundles; tokens validate against the source', async () => {
    const { source, ca } = await setup();
    const bundle = source.getJwtBundleForTrustDomain('example.org');
    expect([...bundle.jwtAuthorities().keys()]).toEqual([...ca.jwtAuthorities().keys()]);
    bundle.removeJwtAuthority([...bundle.jwtAuthorities().keys()][0]!);
    expect(source.getJwtBundleForTrustDomain('example.org').jwtAuthorities().size).toBe(1);
    expect(source.bundles().size).toBe(1);
    expect(() => source.getJwtBundleForTrustDomain('other.org')).toThrow(
      expect.objectContaining({ code: 'bundle_not_found' }),
    );
    const svid = await source.fetchJwtSvid({ audience: 'api' });
    expect(
      JwtSvid.parseAndValidate(svid.token, source, 'api', { time: source.status().lastUpdate }).id.toString(),
    ).toBe(ID);
    expect(source.status()).toMatchObject({ state: 'ready', consecutiveErrors: 0 });
  });

  it('fetchJwtSvid reuses a token until half its lifetime (go-spiffe asks every time)', async () => {
    const { source, clock, jwtCalls } = await setup();
    const first = await source.fetchJwtSvid({ audience: 'api' });
    expect(await source.fetchJwtSvid({ audience: 'api' })).toBe(first);
    clock.advance(JWT_TTL / 2 - 1000);
    expect(await source.fetchJwtSvid({ audience: 'api' })).toBe(first);
    expect(jwtCalls()).toBe(1);
    clock.advance(1000);
    const second = await source.fetchJwtSvid({ audience: 'api' });
    expect(second).not.toBe(first);
    expect(jwtCalls()).toBe(2);
  });

  it('the cache is per audience list and subject', async () => {
    const { source, jwtCalls } = await setup();
    const a = await source.fetchJwtSvid({ audience: 'a' });
    const ab = await source.fetchJwtSvid({ audience: 'a', extraAudiences: ['b'] });
    const aSubject = await source.fetchJwtSvid({ audience: 'a', subject: ID });
    expect(new Set([a, ab, aSubject]).size).toBe(3);
    expect(ab.audience).toEqual(['a', 'b']);
    expect(await source.fetchJwtSvid({ audience: 'a', extraAudiences: ['b'] })).toBe(ab);
    expect(jwtCalls()).toBe(3);
  });

  it('concurrent calls for one token share one request', async () => {
    const { source, jwtCalls } = await setup();
    const svids = await Promise.all(
      Array.from({ length: 10 }, () => source.fetchJwtSvid({ audience: 'api' })),
    );
    expect(new Set(svids).size).toBe(1);
    expect(jwtCalls()).toBe(1);
  });

  it('fetchJwtSvids always asks the agent', async () => {
    const { source, jwtCalls } = await setup();
    await source.fetchJwtSvids({ audience: 'api' });
    await source.fetchJwtSvids({ audience: 'api' });
    expect(jwtCalls()).toBe(2);
  });

  it('#301: the picker chooses among identities when no subject is given', async () => {
    const { agent, clientOptions } = await setup();
    agent.register({ spiffeId: 'spiffe://example.org/admin', hint: 'admin' });
    const picked = await JwtSource.create({
      clientOptions,
      picker: (svids) => svids.find((s) => s.hint === 'admin'),
    });
    cleanup.push(() => picked.close());
    expect((await picked.fetchJwtSvid({ audience: 'api' })).id.path).toBe('/admin');
    expect((await picked.fetchJwtSvid({ audience: 'api', subject: ID })).id.path).toBe('/api');
    const none = await JwtSource.create({ clientOptions, picker: () => undefined });
    cleanup.push(() => none.close());
    await expect(none.fetchJwtSvid({ audience: 'api' })).rejects.toMatchObject({ code: 'no_identity' });
  });

  it('a failed fetch is not cached', async () => {
    const { source, agent, jwtCalls } = await setup();
    agent.failNext('FetchJWTSVID', CODE.PERMISSION_DENIED);
    await expect(source.fetchJwtSvid({ audience: 'api' })).rejects.toMatchObject({
      code: 'permission_denied',
    });
    expect((await source.fetchJwtSvid({ audience: 'api' })).id.toString()).toBe(ID);
    expect(jwtCalls()).toBe(2);
  });

  it('aborting one caller does not cancel the shared request', async () => {
    const { source, agent, clock } = await setup();
    agent.delay('FetchJWTSVID', 1000);
    const controller = new AbortController();
    const aborted = source.fetchJwtSvid({ audience: 'api' }, { signal: controller.signal });
    const waiting = source.fetchJwtSvid({ audience: 'api' });
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'aborted' });
    await agentCalls(agent, 'FetchJWTSVID', 1);
    clock.advance(1000);
    expect((await waiting).id.toString()).toBe(ID);
    await expect(
      source.fetchJwtSvid({ audience: 'api' }, { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ code: 'aborted' });
  });

  it('follows JWT key rotation (W-4: new bundles replace the old)', async () => {
    const { source, updates, ca, clock } = await setup();
    ca.prepareRotation();
    const set = await updates.until((s) => s.get('example.org')!.jwtAuthorities().size === 2);
    expect(source.getJwtBundleForTrustDomain('example.org').jwtAuthorities().size).toBe(2);
    ca.rotate();
    clock.advance(JWT_TTL * 3);
    await updates.until((s) => s.get('example.org')!.jwtAuthorities().size === 1);
    expect([...source.getJwtBundleForTrustDomain('example.org').jwtAuthorities().keys()]).toEqual([
      [...set.get('example.org')!.jwtAuthorities().keys()][1],
    ]);
  });

  it('W-10: a malformed bundles message is reported and the last bundles kept', async () => {
    const { source, agent, errors, updates, ca } = await setup();
    agent.malformNext('FetchJWTBundles', 'bad-jwks');
    ca.prepareRotation(); // a change, so that the agent pushes (with the defect)
    expect((await errors.take()).code).toBe('invalid_response');
    expect(source.getJwtBundleForTrustDomain('example.org').jwtAuthorities().size).toBe(1);
    expect(source.status()).toMatchObject({ state: 'stale', consecutiveErrors: 1 });
    agent.endStreams();
    await updates.take();
    expect(source.getJwtBundleForTrustDomain('example.org').jwtAuthorities().size).toBe(2);
  });

  it('#207: create() times out saying why', async () => {
    const { agent, clientOptions } = await setup();
    agent.failNext('FetchJWTBundles', CODE.UNAVAILABLE, { count: 1000 });
    const err = await JwtSource.create({ clientOptions, timeoutMs: 150 }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'timeout',
      message: expect.stringMatching(
        /^JWT bundles not received within 150 ms: FetchJWTBundles: agent unreachable: Unavailable, \d+ failed attempt/,
      ),
    });
  });

  it('close() stops everything; calls then throw closed; a shared client stays open', async () => {
    const { clientOptions } = await setup();
    const client = new WorkloadApiClient(clientOptions);
    cleanup.push(() => client.close());
    const source = await JwtSource.create({ client });
    source.close();
    source.close();
    await expect(source.fetchJwtSvid({ audience: 'api' })).rejects.toMatchObject({ code: 'closed' });
    await expect(source.fetchJwtSvids({ audience: 'api' })).rejects.toMatchObject({ code: 'closed' });
    expect(() => source.getJwtBundleForTrustDomain('example.org')).toThrow(
      expect.objectContaining({ code: 'closed' }),
    );
    expect(source.status().state).toBe('closed');
    expect(client.closed).toBe(false);
  });

  it('refuses bad options and params', async () => {
    const { source, clientOptions } = await setup();
    await expect(source.fetchJwtSvid({ audience: '' })).rejects.toMatchObject({
      code: 'invalid_argument_local',
    });
    await expect(JwtSource.create({ clientOptions, picker: 1 as never })).rejects.toMatchObject({
      code: 'invalid_argument_local',
    });
  });
});
