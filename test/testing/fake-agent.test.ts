import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JwtSvid } from '../../src/svid/index.js';
import { FakeAgent, FakeCa, TestingError } from '../../src/testing/index.js';
import { parseEndpointAddress } from '../../src/workloadapi/index.js';
import type { SpiffeWorkloadAPIClient } from '../../src/workloadapi/proto/workload.js';
import {
  checkX509Response,
  failure,
  jwtBundles,
  plainClient,
  StreamReader,
  unary,
  x509Bundles,
} from './fake-agent-support.js';

const API = 'spiffe://example.org/api';

describe('FakeAgent: lifecycle', () => {
  it('listens on a unix socket in a fresh folder; stop() removes the socket and the folder', async () => {
    const agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org' }) });
    expect(agent.address).toMatch(/^unix:\/\/\/.+\/agent\.sock$/);
    const endpoint = parseEndpointAddress(agent.address);
    if (endpoint.kind !== 'unix') throw new Error('expected a unix address');
    expect(existsSync(endpoint.path)).toBe(true);
    await agent.stop();
    expect(existsSync(endpoint.path)).toBe(false);
    expect(existsSync(dirname(endpoint.path))).toBe(false);
    await agent.stop(); // idempotent
    expect(() => agent.register({ spiffeId: API })).toThrow(TestingError);
  });

  it('E-2, E-3, E-10: listens on loopback TCP when asked', async () => {
    await using agent = await FakeAgent.start({
      ca: new FakeCa({ trustDomain: 'example.org' }),
      transport: 'tcp',
    });
    expect(agent.address).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    agent.register({ spiffeId: API });
    const client = plainClient(agent.address);
    const first = await new StreamReader(client.fetchX509Svid({})).next();
    expect(first.svids.map((s) => s.spiffeId)).toEqual([API]);
    client.close();
  });

  it('Symbol.asyncDispose stops the agent', async () => {
    let address = '';
    {
      await using agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org' }) });
      address = agent.address;
    }
    expect(
      existsSync(parseEndpointAddress(address).kind === 'unix' ? address.slice('unix://'.length) : ''),
    ).toBe(false);
  });

  it('rejects bad options with TestingError invalid_option', async () => {
    const ca = new FakeCa({ trustDomain: 'example.org' });
    await expect(FakeAgent.start({})).rejects.toMatchObject({ code: 'invalid_option' });
    await expect(FakeAgent.start({ ca, cas: [ca] })).rejects.toMatchObject({ code: 'invalid_option' });
    await expect(FakeAgent.start({ ca, transport: 'http' as never })).rejects.toMatchObject({
      code: 'invalid_option',
    });
    await expect(FakeAgent.start({ ca: {} as FakeCa })).rejects.toMatchObject({ code: 'invalid_option' });
    await expect(FakeAgent.start({ ca, socketDir: '/nonexistent/folder' })).rejects.toMatchObject({
      code: 'invalid_option',
    });
    const long = mkdtempSync(join(tmpdir(), `${'x'.repeat(90)}-`));
    await expect(FakeAgent.start({ ca, socketDir: long })).rejects.toThrow(/cannot hold unix sockets/);
    expect(readdirSync(long)).toEqual([]); // the socket folder it made was removed
    rmSync(long, { recursive: true });
    await expect(FakeAgent.start({ ca, transport: 'tcp', socketDir: tmpdir() })).rejects.toThrow(
      TestingError,
    );
    await using agent = await FakeAgent.start({ ca });
    expect(() => agent.register({ spiffeId: 'spiffe://other.org/x' })).toThrow(
      /no CA for the trust domain "other.org"/,
    );
    expect(() => agent.register({ spiffeId: 'not-an-id' })).toThrow();
    expect(() => agent.register({ spiffeId: API, hint: 'h'.repeat(1025) })).toThrow(/W-28/);
    expect(() => agent.register({ spiffeId: API, x509SvidTtl: 0 })).toThrow(TestingError);
    expect(() => agent.register({ spiffeId: API, selectors: ['no-colon'] })).toThrow(/type:value/);
    expect(() => agent.register({ spiffeId: API, federatesWith: ['example.org'] })).toThrow(
      /own trust domain/,
    );
    await expect(agent.workload({ k8s: { namespace: '', serviceAccount: 'sa' } })).rejects.toThrow(
      TestingError,
    );
  });
});

describe('FakeAgent: the Workload API over the socket (plain grpc-js client)', () => {
  let ca: FakeCa;
  let agent: FakeAgent;
  let client: SpiffeWorkloadAPIClient;

  beforeEach(async () => {
    ca = new FakeCa({ trustDomain: 'example.org' });
    agent = await FakeAgent.start({ ca });
    client = plainClient(agent.address);
  });
  afterEach(async () => {
    client.close();
    await agent.stop();
  });

  it('W-5, W-13, W-27: FetchX509SVID sends the full state at once; each SVID parses and chains to its bundle', async () => {
    agent.register({ spiffeId: API, hint: 'internal' });
    agent.register({ spiffeId: 'spiffe://example.org/second' });
    const response = await new StreamReader(client.fetchX509Svid({})).next();
    expect(response.svids.map((s) => [s.spiffeId, s.hint])).toEqual([
      [API, 'internal'],
      ['spiffe://example.org/second', ''],
    ]);
    const svids = checkX509Response(response);
    expect(svids[0]!.id.toString()).toBe(API);
    expect(response.federatedBundles.size).toBe(0);
    expect(response.crl).toEqual([]);
    expect(agent.x509Svids().map((s) => s.certificates[0]!.serialNumber)).toEqual(
      svids.map((s) => s.leaf.serialNumber),
    );
  });

  it('W-16, A-12, A-13: FetchX509Bundles keys the own bundle by spiffe://<td>, as concatenated DER', async () => {
    agent.register({ spiffeId: API });
    const response = await new StreamReader(client.fetchX509Bundles({})).next();
    expect([...response.bundles.keys()]).toEqual(['spiffe://example.org']);
    const bundle = x509Bundles(response).get('example.org')!;
    expect(bundle.x509Authorities().map((c) => c.fingerprint256)).toEqual(
      ca.rootCertificates().map((c) => c.fingerprint256),
    );
  });

  it('W-21, W-22: FetchJWTBundles sends the own JWKS with the CA keys', async () => {
    agent.register({ spiffeId: API });
    const response = await new StreamReader(client.fetchJwtBundles({})).next();
    expect([...response.bundles.keys()]).toEqual(['spiffe://example.org']);
    expect([...jwtBundles(response).get('example.org')!.jwtAuthorities().keys()]).toEqual([
      ...ca.jwtAuthorities().keys(),
    ]);
  });

  it('W-17, W-18: FetchJWTSVID mints for the audience, for every identity without spiffe_id', async () => {
    agent.register({ spiffeId: API, hint: 'a' });
    agent.register({ spiffeId: 'spiffe://example.org/b', hint: 'b' });
    const response = await unary<{ svids: { spiffeId: string; svid: string; hint: string }[] }>((done) =>
      client.fetchJwtsvid({ audience: ['aud1', 'aud2'], spiffeId: '' }, done),
    );
    expect(response.svids.map((s) => [s.spiffeId, s.hint])).toEqual([
      [API, 'a'],
      ['spiffe://example.org/b', 'b'],
    ]);
    const bundles = jwtBundles(await new StreamReader(client.fetchJwtBundles({})).next());
    for (const s of response.svids) {
      const svid = JwtSvid.parseAndValidate(s.svid, bundles.get('example.org')!, 'aud2');
      expect(svid.id.toString()).toBe(s.spiffeId);
      expect(svid.audience).toEqual(['aud1', 'aud2']);
    }
  });

  it('W-18, W-20: FetchJWTSVID with spiffe_id returns that identity only, PermissionDenied for another', async () => {
    agent.register({ spiffeId: API });
    agent.register({ spiffeId: 'spiffe://example.org/b' });
    const response = await unary<{ svids: { spiffeId: string }[] }>((done) =>
      client.fetchJwtsvid({ audience: ['x'], spiffeId: 'spiffe://example.org/b' }, done),
    );
    expect(response.svids.map((s) => s.spiffeId)).toEqual(['spiffe://example.org/b']);
    const denied = await failure(
      unary((done) => client.fetchJwtsvid({ audience: ['x'], spiffeId: 'spiffe://example.org/other' }, done)),
    );
    expect(denied.code).toBe(status.PERMISSION_DENIED);
    const invalid = await failure(
      unary((done) => client.fetchJwtsvid({ audience: ['x'], spiffeId: 'bad id' }, done)),
    );
    expect(invalid.code).toBe(status.INVALID_ARGUMENT);
  });

  it('W-9: FetchJWTSVID with an empty audience is InvalidArgument', async () => {
    agent.register({ spiffeId: API });
    const err = await failure(unary((done) => client.fetchJwtsvid({ audience: [], spiffeId: '' }, done)));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toBe('audience must be specified');
    const blank = await failure(unary((done) => client.fetchJwtsvid({ audience: [''], spiffeId: '' }, done)));
    expect(blank.code).toBe(status.INVALID_ARGUMENT);
  });

  it('W-23: ValidateJWTSVID validates with the SDK and returns spiffe_id and claims', async () => {
    agent.register({ spiffeId: API });
    const token = ca.issueJwtSvid({
      id: 'spiffe://example.org/caller',
      audience: 'api',
      claims: { role: 'admin' },
    }).token;
    const response = await unary<{ spiffeId: string; claims: Record<string, unknown> | undefined }>((done) =>
      client.validateJwtsvid({ audience: 'api', svid: token }, done),
    );
    expect(response.spiffeId).toBe('spiffe://example.org/caller');
    expect(response.claims).toMatchObject({ sub: 'spiffe://example.org/caller', aud: 'api', role: 'admin' });
  });

  it('W-23, W-9: ValidateJWTSVID answers InvalidArgument for a bad token, a wrong audience or empty fields', async () => {
    agent.register({ spiffeId: API });
    const token = ca.issueJwtSvid({ id: API, audience: 'api' }).token;
    const foreign = new FakeCa({ trustDomain: 'example.org' }).issueJwtSvid({
      id: API,
      audience: 'api',
    }).token;
    const cases: [string, string, RegExp][] = [
      ['other', token, /audience/],
      ['api', foreign, /authority|signature/],
      ['api', 'not-a-token', /./],
      ['api', ca.issueJwtSvid({ id: API, audience: 'api', invalidSignature: true }).token, /signature/],
      ['', token, /audience must be specified/],
      ['api', '', /svid must be specified/],
    ];
    for (const [audience, svid, details] of cases) {
      const err = await failure(unary((done) => client.validateJwtsvid({ audience, svid }, done)));
      expect(err.code, `${audience} ${svid.slice(0, 12)}`).toBe(status.INVALID_ARGUMENT);
      expect(err.details).toMatch(details);
    }
  });

  it('W-26: both WIT RPCs are Unimplemented', async () => {
    agent.register({ spiffeId: API });
    const wit = await new StreamReader(client.fetchWitsvid({ spiffeId: '' })).ended();
    const witBundles = await new StreamReader(client.fetchWitBundles({})).ended();
    expect(wit).toMatchObject({ code: status.UNIMPLEMENTED });
    expect(witBundles).toMatchObject({ code: status.UNIMPLEMENTED });
  });

  it('W-15, W-16: without identity every call is PermissionDenied "no identity issued"', async () => {
    for (const stream of [
      client.fetchX509Svid({}),
      client.fetchX509Bundles({}),
      client.fetchJwtBundles({}),
    ]) {
      const end = await new StreamReader<unknown>(stream).ended();
      expect(end).toMatchObject({ code: status.PERMISSION_DENIED, details: 'no identity issued' });
    }
    const jwt = await failure(unary((done) => client.fetchJwtsvid({ audience: ['x'], spiffeId: '' }, done)));
    expect(jwt.code).toBe(status.PERMISSION_DENIED);
  });

  it('W-15: removing the last entry ends an open stream with PermissionDenied, as SPIRE does', async () => {
    const entry = agent.register({ spiffeId: API });
    const reader = new StreamReader(client.fetchX509Svid({}));
    await reader.next();
    entry.remove();
    expect(entry.removed).toBe(true);
    expect(await reader.ended()).toMatchObject({
      code: status.PERMISSION_DENIED,
      details: 'no identity issued',
    });
    entry.remove(); // twice: nothing
  });

  it("an entry without selectors is the default workload's; one with selectors is not", async () => {
    agent.register({ spiffeId: 'spiffe://example.org/elsewhere', selectors: ['unix:uid:1000'] });
    const end = await new StreamReader(client.fetchX509Svid({})).ended();
    expect(end).toMatchObject({ code: status.PERMISSION_DENIED });
  });
});

describe('FakeAgent: the security header (E-4, E-5, A-21)', () => {
  let agent: FakeAgent;
  beforeEach(async () => {
    agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org' }) });
    agent.register({ spiffeId: API });
  });
  afterEach(() => agent.stop());

  for (const [label, header] of [
    ['missing', null],
    ['"True" (the value is case-sensitive)', 'True'],
    ['"1"', '1'],
  ] as const) {
    it(`E-5: header ${label} → InvalidArgument on every RPC, unary and streaming`, async () => {
      const client = plainClient(agent.address, header);
      const streams = [
        client.fetchX509Svid({}),
        client.fetchX509Bundles({}),
        client.fetchJwtBundles({}),
        client.fetchWitsvid({ spiffeId: '' }),
        client.fetchWitBundles({}),
      ];
      for (const stream of streams) {
        expect(await new StreamReader<unknown>(stream).ended()).toMatchObject({
          code: status.INVALID_ARGUMENT,
          details: 'security header missing from request',
        });
      }
      const jwt = await failure(
        unary((done) => client.fetchJwtsvid({ audience: ['x'], spiffeId: '' }, done)),
      );
      const validate = await failure(
        unary((done) => client.validateJwtsvid({ audience: 'x', svid: 'y' }, done)),
      );
      expect([jwt.code, validate.code]).toEqual([status.INVALID_ARGUMENT, status.INVALID_ARGUMENT]);
      expect(agent.calls).toHaveLength(7);
      expect(
        agent.calls.every((c) => !c.securityHeader && c.via === 'socket' && c.address === agent.address),
      ).toBe(true);
      client.close();
    });
  }

  it('E-4: calls with the header are recorded as such', async () => {
    const client = plainClient(agent.address);
    await new StreamReader(client.fetchX509Svid({})).next();
    expect(agent.calls).toEqual([
      { method: 'FetchX509SVID', address: agent.address, securityHeader: true, via: 'socket' },
    ]);
    client.close();
  });
});
