// WorkloadApiClient against the fake agent over a real unix socket (and TCP, and the in-process
// transport): every method, the security header on every call (E-4, A-21), addresses (E-7..E-10),
// a socket that does not exist yet, abort and close.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAgent, FakeCa, ManualClock } from '../../src/testing/index.js';
import {
  SOCKET_ENV,
  WorkloadApiClient,
  WorkloadApiError,
  type X509Context,
} from '../../src/workloadapi/index.js';
import { CODE, FAST, Inbox, agentCalls } from './helpers.js';

const ID = 'spiffe://example.org/api';
const ca = new FakeCa({ trustDomain: 'example.org' });
const federated = new FakeCa({ trustDomain: 'federated.org' });
let agent: FakeAgent;

beforeAll(async () => {
  agent = await FakeAgent.start({ ca });
  agent.register({ spiffeId: ID, hint: 'main', federatesWith: ['federated.org'] });
  agent.register({ spiffeId: 'spiffe://example.org/second' });
  agent.setFederatedBundle('federated.org', federated.spiffeBundle());
});
afterAll(() => agent.stop());

function client(options: ConstructorParameters<typeof WorkloadApiClient>[0] = {}): WorkloadApiClient {
  return new WorkloadApiClient({ address: agent.address, backoff: FAST, ...options });
}

describe('WorkloadApiClient over a unix socket', () => {
  it('fetchX509Svid, fetchX509Svids, fetchX509Context', async () => {
    await using c = client();
    const svid = await c.fetchX509Svid();
    expect(svid.id.toString()).toBe(ID);
    expect(svid.hint).toBe('main');
    expect((await c.fetchX509Svids()).map((s) => s.id.toString()).sort()).toEqual([
      ID,
      'spiffe://example.org/second',
    ]);
    const ctx = await c.fetchX509Context();
    expect(ctx.defaultSvid.id.toString()).toBe(agent.x509Svids()[0]!.id.toString());
    expect(ctx.bundles.bundles().map((b) => b.trustDomain.name)).toEqual(['example.org', 'federated.org']);
  });

  it('fetchX509Bundles and fetchJwtBundles', async () => {
    await using c = client();
    const x509 = await c.fetchX509Bundles();
    expect(
      x509
        .get('example.org')!
        .x509Authorities()
        .map((a) => a.fingerprint256),
    ).toEqual(ca.rootCertificates().map((a) => a.fingerprint256));
    const jwt = await c.fetchJwtBundles();
    expect([...jwt.get('example.org')!.jwtAuthorities().keys()]).toEqual([...ca.jwtAuthorities().keys()]);
  });

  it('fetchJwtSvid, fetchJwtSvids and validateJwtSvid', async () => {
    await using c = client();
    const svid = await c.fetchJwtSvid({
      audience: 'api',
      extraAudiences: ['more'],
      subject: 'spiffe://example.org/second',
    });
    expect(svid.id.toString()).toBe('spiffe://example.org/second');
    expect(svid.audience).toEqual(['api', 'more']);
    expect((await c.fetchJwtSvids({ audience: 'api' })).map((s) => s.id.path).sort()).toEqual([
      '/api',
      '/second',
    ]);
    const validated = await c.validateJwtSvid(svid.token, 'api');
    expect(validated.id.toString()).toBe('spiffe://example.org/second');
    await expect(c.validateJwtSvid(svid.token, 'wrong-audience')).rejects.toBeInstanceOf(WorkloadApiError);
  });

  it('E-4, A-21: every call, unary and streaming, carries workload.spiffe.io: true', async () => {
    const before = agent.calls.length;
    await using c = client();
    await c.fetchX509Context();
    await c.fetchX509Bundles();
    await c.fetchJwtBundles();
    const svid = await c.fetchJwtSvid({ audience: 'api' });
    await c.validateJwtSvid(svid.token, 'api');
    const calls = agent.calls.slice(before);
    expect(calls.map((x) => x.method).sort()).toEqual([
      'FetchJWTBundles',
      'FetchJWTSVID',
      'FetchX509Bundles',
      'FetchX509SVID',
      'ValidateJWTSVID',
    ]);
    expect(calls.every((x) => x.securityHeader && x.via === 'socket')).toBe(true);
  });

  it('W-20: PermissionDenied from the agent comes through with its code', async () => {
    agent.failNext('FetchJWTSVID', CODE.PERMISSION_DENIED, { details: 'no identity issued' });
    await using c = client();
    await expect(c.fetchJwtSvid({ audience: 'api' })).rejects.toMatchObject({
      code: 'permission_denied',
      grpcCode: CODE.PERMISSION_DENIED,
      message: expect.stringMatching(/PERMISSION_DENIED: no identity issued/),
    });
  });

  it('the in-process transport gives the same answers', async () => {
    await using c = new WorkloadApiClient({ transport: agent.transport() });
    expect((await c.fetchX509Svid()).id.toString()).toBe(ID);
    expect((await c.fetchJwtBundles()).has('example.org')).toBe(true);
  });
});

describe('addresses (E-7..E-10)', () => {
  it('E-10: tcp://127.0.0.1:port works', async () => {
    await using tcpAgent = await FakeAgent.start({ ca, transport: 'tcp' });
    tcpAgent.register({ spiffeId: ID });
    expect(tcpAgent.address).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    await using c = new WorkloadApiClient({ address: tcpAgent.address });
    expect((await c.fetchX509Svid()).id.toString()).toBe(ID);
  });

  it('E-7: the SPIFFE_ENDPOINT_SOCKET variable is the default; an explicit address wins', async () => {
    const saved = process.env[SOCKET_ENV];
    try {
      process.env[SOCKET_ENV] = agent.address;
      await using fromEnv = new WorkloadApiClient();
      expect((await fromEnv.fetchX509Svid()).id.toString()).toBe(ID);
      process.env[SOCKET_ENV] = 'unix:///nonexistent/agent.sock';
      await using explicit = new WorkloadApiClient({ address: agent.address });
      expect((await explicit.fetchX509Svid()).id.toString()).toBe(ID);
      delete process.env[SOCKET_ENV];
      expect(() => new WorkloadApiClient()).toThrow(
        expect.objectContaining({
          code: 'address_not_configured',
          message: expect.stringMatching(/SPIFFE_ENDPOINT_SOCKET \(E-7\)/),
        }),
      );
    } finally {
      if (saved === undefined) delete process.env[SOCKET_ENV];
      else process.env[SOCKET_ENV] = saved;
    }
  });

  it.each(['unix://tmp/agent.sock', 'tcp://localhost:8000', 'http://127.0.0.1:80', '/tmp/agent.sock', ''])(
    'E-8..E-10: the constructor refuses %j',
    (address) => {
      expect(() => new WorkloadApiClient({ address })).toThrow(
        expect.objectContaining({ code: 'invalid_address' }),
      );
    },
  );

  it('refuses bad options', () => {
    expect(() => new WorkloadApiClient(null as never)).toThrow(
      expect.objectContaining({ code: 'invalid_argument_local' }),
    );
  });
});

describe('a socket that does not exist yet', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wl-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a fetch fails with unavailable', async () => {
    await using c = new WorkloadApiClient({ address: `unix://${dir}/missing.sock` });
    await expect(c.fetchX509Svid()).rejects.toMatchObject({
      code: 'unavailable',
      grpcCode: CODE.UNAVAILABLE,
    });
  });

  it('a watch retries it like Unavailable and connects once it appears', async () => {
    const path = join(dir, 'later.sock');
    await using c = new WorkloadApiClient({ address: `unix://${path}`, backoff: FAST });
    const errors = new Inbox<WorkloadApiError>();
    const updates = new Inbox<X509Context>();
    c.watchX509Context({ onUpdate: updates.push, onError: errors.push });
    expect(await errors.take()).toMatchObject({ code: 'unavailable' });
    expect(await errors.take()).toMatchObject({ code: 'unavailable' });
    symlinkSync(agent.address.replace(/^unix:\/\//, ''), path);
    expect((await updates.take()).defaultSvid.id.toString()).toBe(ID);
  });
});

describe('abort and close', () => {
  it('a signal aborted before the call: aborted, and the agent is not called', async () => {
    const before = agent.calls.length;
    await using c = client();
    await expect(c.fetchX509Svid({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'aborted' });
    await expect(c.fetchJwtSvid({ audience: 'api' }, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'aborted',
    });
    expect(agent.calls.length).toBe(before);
  });

  it('aborting a call in flight rejects it with aborted; closing the client rejects with closed', async () => {
    const clock = new ManualClock();
    await using slow = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org', clock }) });
    slow.register({ spiffeId: ID });
    slow.delay('FetchX509SVID', 60_000);
    slow.delay('FetchJWTSVID', 60_000);
    await using c = new WorkloadApiClient({ address: slow.address, clock });
    const controller = new AbortController();
    const call = c.fetchX509Svid({ signal: controller.signal });
    const jwt = c.fetchJwtSvid({ audience: 'api' }, { signal: controller.signal });
    await agentCalls(slow, 'FetchX509SVID', 1);
    await agentCalls(slow, 'FetchJWTSVID', 1);
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: 'aborted' });
    await expect(jwt).rejects.toMatchObject({ code: 'aborted' });
    const pending = c.fetchX509Bundles();
    const pendingJwt = c.fetchJwtSvid({ audience: 'api' });
    slow.delay('FetchX509Bundles', 60_000);
    await agentCalls(slow, 'FetchX509Bundles', 1);
    await agentCalls(slow, 'FetchJWTSVID', 2);
    c.close();
    await expect(pending).rejects.toMatchObject({ code: 'closed' });
    await expect(pendingJwt).rejects.toMatchObject({ code: 'closed' });
    expect(c.closed).toBe(true);
  });

  it('the client signal closes the client', async () => {
    const controller = new AbortController();
    const c = client({ signal: controller.signal });
    controller.abort();
    expect(c.closed).toBe(true);
    await expect(c.fetchX509Svid()).rejects.toMatchObject({ code: 'closed' });
    expect(client({ signal: AbortSignal.abort() }).closed).toBe(true);
  });

  it('close() is idempotent; await using closes', async () => {
    let c: WorkloadApiClient;
    {
      await using inner = client();
      c = inner;
      await inner.fetchX509Svid();
    }
    expect(c.closed).toBe(true);
    c.close();
  });

  it('refuses bad call options', async () => {
    await using c = client();
    await expect(c.fetchX509Svid({ signal: 'x' } as never)).rejects.toMatchObject({
      code: 'invalid_argument_local',
    });
  });
});
