// How the client checks FetchJWTSVID, ValidateJWTSVID, FetchX509Bundles and FetchJWTBundles
// answers (W-9..W-25, A-12, A-17, A-18), fed hand-built messages through a scripted transport.
import { describe, expect, it } from 'vitest';
import { FakeCa } from '../../src/testing/index.js';
import { WorkloadApiClient, WorkloadApiError } from '../../src/workloadapi/index.js';
import type { JWTSVID } from '../../src/workloadapi/proto/workload.js';
import { ScriptedTransport, der, jwks, recordingLogger } from './helpers.js';

const ID = 'spiffe://example.org/api';
const ca = new FakeCa({ trustDomain: 'example.org' });
const federated = new FakeCa({ trustDomain: 'federated.org' });

function jwtEntry(
  options: {
    id?: string;
    audience?: string | string[];
    hint?: string;
    spiffeId?: string;
    ttl?: number;
    claims?: Record<string, unknown>;
  } = {},
): JWTSVID {
  const id = options.id ?? ID;
  const { token } = ca.issueJwtSvid({
    id,
    audience: options.audience ?? 'api',
    ...(options.ttl === undefined ? {} : { ttl: options.ttl }),
    ...(options.claims === undefined ? {} : { claims: options.claims }),
  });
  return { spiffeId: options.spiffeId ?? id, svid: token, hint: options.hint ?? '' };
}

function clientWith(svids: JWTSVID[]) {
  const transport = new ScriptedTransport();
  transport.jwtSvid = () => ({ svids });
  const logger = recordingLogger();
  const client = new WorkloadApiClient({ transport, logger });
  return { transport, client, logger };
}

describe('FetchJWTSVID', () => {
  it('W-17, W-18: sends [audience, ...extraAudiences] and the subject', async () => {
    const { client, transport } = clientWith([jwtEntry({ audience: ['api', 'extra'] })]);
    const svid = await client.fetchJwtSvid({ audience: 'api', extraAudiences: ['extra'], subject: ID });
    expect(transport.jwtRequests).toEqual([{ audience: ['api', 'extra'], spiffeId: ID }]);
    expect(svid.id.toString()).toBe(ID);
    expect(svid.audience).toEqual(['api', 'extra']);
    await client.fetchJwtSvid({ audience: 'api' });
    expect(transport.jwtRequests[1]).toEqual({ audience: ['api'], spiffeId: '' });
  });

  it('fetchJwtSvids returns every identity; fetchJwtSvid the first', async () => {
    const { client } = clientWith([jwtEntry(), jwtEntry({ id: 'spiffe://example.org/b' })]);
    expect((await client.fetchJwtSvids({ audience: 'api' })).map((s) => s.id.path)).toEqual(['/api', '/b']);
    expect((await client.fetchJwtSvid({ audience: 'api' })).id.path).toBe('/api');
  });

  it('W-19: a response without SVIDs is discarded', async () => {
    const { client } = clientWith([]);
    await expect(client.fetchJwtSvid({ audience: 'api' })).rejects.toMatchObject({
      code: 'invalid_response',
      message: expect.stringMatching(/no SVIDs \(W-19\)/),
    });
  });

  it.each(['spiffeId', 'svid'] as const)(
    'W-10: an SVID with an empty %s discards the response',
    async (field) => {
      const { client } = clientWith([jwtEntry(), { ...jwtEntry(), [field]: '' }]);
      await expect(client.fetchJwtSvid({ audience: 'api' })).rejects.toMatchObject({
        code: 'invalid_response',
        message: expect.stringMatching(/empty mandatory field/),
      });
    },
  );

  it.each([
    ['a token that is not a JWT', { ...jwtEntry(), svid: 'not.a.jwt' }, /JWT-SVID 1 .* discarded/],
    ['W-17: a token without the requested audience', jwtEntry({ audience: 'other' }), /discarded/],
    [
      'W-17: a token lacking one of the requested audiences',
      jwtEntry({ audience: ['api'] }),
      /lacks the requested audience "extra" \(W-17\)/,
    ],
    [
      'a spiffe_id field other than sub',
      jwtEntry({ spiffeId: 'spiffe://example.org/impostor', audience: ['api', 'extra'] }),
      /sub is "spiffe:\/\/example.org\/api", not the spiffe_id field/,
    ],
    [
      'J-12: an expired token',
      jwtEntry({ audience: ['api', 'extra'], claims: { exp: Math.floor(Date.now() / 1000) - 3600 } }),
      /discarded: .*expired/,
    ],
  ])('drops %s and keeps the good ones', async (_name, bad, message) => {
    const good = jwtEntry({ id: 'spiffe://example.org/good', audience: ['api', 'extra'] });
    const { client, logger } = clientWith([{ ...bad }, good]);
    const svids = await client.fetchJwtSvids({ audience: 'api', extraAudiences: ['extra'] });
    expect(svids.map((s) => s.id.path)).toEqual(['/good']);
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      expect.stringMatching(message),
    ]);
  });

  it('W-18: a token for another subject than the requested one is dropped', async () => {
    const { client } = clientWith([jwtEntry({ id: 'spiffe://example.org/b' })]);
    await expect(client.fetchJwtSvid({ audience: 'api', subject: ID })).rejects.toMatchObject({
      code: 'invalid_response',
      message: expect.stringMatching(/not the requested "spiffe:\/\/example.org\/api" \(W-18\)/),
    });
  });

  it('W-19, A-19: a later SVID repeating a hint is dropped', async () => {
    const { client } = clientWith([
      jwtEntry({ hint: 'h' }),
      jwtEntry({ id: 'spiffe://example.org/b', hint: 'h' }),
    ]);
    const svids = await client.fetchJwtSvids({ audience: 'api' });
    expect(svids.map((s) => [s.id.path, s.hint])).toEqual([['/api', 'h']]);
  });

  it.each([
    [{ audience: '' }, /audience must be a non-empty string \(W-9/],
    [{ audience: 42 }, /audience must be a non-empty string/],
    [{ audience: 'a', extraAudiences: [''] }, /extraAudiences/],
    [{ audience: 'a', extraAudiences: 'b' }, /extraAudiences/],
    [{ audience: 'a', subject: 'not an id' }, /subject is not a SPIFFE ID/],
    [null, /params must be an object/],
  ])('W-9: refuses bad params %j before calling the agent', async (params, message) => {
    const { client, transport } = clientWith([jwtEntry()]);
    await expect(client.fetchJwtSvid(params as never)).rejects.toMatchObject({
      code: 'invalid_argument_local',
      message: expect.stringMatching(message),
    });
    expect(transport.jwtRequests).toHaveLength(0);
  });

  it('the agent error comes through with its code (W-20)', async () => {
    const transport = new ScriptedTransport();
    transport.jwtSvid = () => {
      throw new WorkloadApiError('permission_denied', 'no identity issued', { grpcCode: 7 });
    };
    const client = new WorkloadApiClient({ transport });
    await expect(client.fetchJwtSvid({ audience: 'api' })).rejects.toMatchObject({
      code: 'permission_denied',
      grpcCode: 7,
    });
  });
});

describe('ValidateJWTSVID', () => {
  function validating(spiffeId: string) {
    const transport = new ScriptedTransport();
    transport.validate = () => ({ spiffeId, claims: {} });
    return { transport, client: new WorkloadApiClient({ transport }) };
  }

  it('W-23, A-18: asks the agent, then parses the token locally and returns its claims', async () => {
    const { client, transport } = validating(ID);
    const { token } = ca.issueJwtSvid({ id: ID, audience: 'api', claims: { extra: 'x' } });
    const svid = await client.validateJwtSvid(token, 'api');
    expect(transport.validateRequests).toEqual([{ svid: token, audience: 'api' }]);
    expect(svid.id.toString()).toBe(ID);
    expect(svid.claims['extra']).toBe('x');
  });

  it('W-23: an empty spiffe_id in the answer is an invalid response', async () => {
    const { client } = validating('');
    const { token } = ca.issueJwtSvid({ id: ID, audience: 'api' });
    await expect(client.validateJwtSvid(token, 'api')).rejects.toMatchObject({
      code: 'invalid_response',
      message: expect.stringMatching(/spiffe_id is empty \(W-23\)/),
    });
  });

  it('the agent naming another ID than sub is an invalid response', async () => {
    const { client } = validating('spiffe://example.org/other');
    const { token } = ca.issueJwtSvid({ id: ID, audience: 'api' });
    await expect(client.validateJwtSvid(token, 'api')).rejects.toMatchObject({
      code: 'invalid_response',
      message: expect.stringMatching(/says the token is for "spiffe:\/\/example.org\/other"/),
    });
  });

  it('A-18: a token the agent accepts but that does not parse here is refused', async () => {
    const { client } = validating(ID);
    const { token } = ca.issueJwtSvid({ id: ID, audience: 'other' });
    const err = await client.validateJwtSvid(token, 'api').catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'invalid_response',
      message: expect.stringMatching(/does not parse here.*\(A-18\)/),
    });
    expect((err as Error).message).not.toContain(token.split('.')[2]);
  });

  it.each([
    ['', 'api', /token must be a non-empty string/],
    ['t', '', /audience must be a non-empty string \(W-9\)/],
  ])('W-9: refuses token %j / audience %j locally', async (token, audience, message) => {
    const { client, transport } = validating(ID);
    await expect(client.validateJwtSvid(token, audience)).rejects.toMatchObject({
      code: 'invalid_argument_local',
      message: expect.stringMatching(message),
    });
    expect(transport.validateRequests).toHaveLength(0);
  });
});

describe('FetchX509Bundles and FetchJWTBundles responses', () => {
  function bundlesClient(x509: Record<string, Uint8Array>, jwt: Record<string, Uint8Array>) {
    const transport = new ScriptedTransport();
    transport.x509Bundles.script = (s) => s.push({ crl: [], bundles: new Map(Object.entries(x509)) });
    transport.jwtBundles.script = (s) => s.push({ bundles: new Map(Object.entries(jwt)) });
    return new WorkloadApiClient({ transport });
  }

  it('A-12: keys in both forms; one bundle per trust domain', async () => {
    const client = bundlesClient(
      {
        'spiffe://example.org': der(ca.rootCertificates()),
        'federated.org': der(federated.rootCertificates()),
      },
      { 'spiffe://example.org': jwks(ca), 'federated.org': jwks(federated) },
    );
    const x509 = await client.fetchX509Bundles();
    expect(x509.bundles().map((b) => b.trustDomain.name)).toEqual(['example.org', 'federated.org']);
    const jwt = await client.fetchJwtBundles();
    expect(jwt.bundles().map((b) => b.trustDomain.name)).toEqual(['example.org', 'federated.org']);
    expect([...jwt.get('example.org')!.jwtAuthorities().keys()]).toEqual([...ca.jwtAuthorities().keys()]);
  });

  it('W-16, W-21: an empty bundle map is discarded', async () => {
    const client = bundlesClient({}, {});
    await expect(client.fetchX509Bundles()).rejects.toMatchObject({
      code: 'invalid_response',
      message: expect.stringMatching(/no bundles \(W-16/),
    });
    await expect(client.fetchJwtBundles()).rejects.toMatchObject({
      code: 'invalid_response',
      message: expect.stringMatching(/no bundles \(W-21/),
    });
  });

  it('A-13: an X.509 bundle that is not DER is discarded', async () => {
    const client = bundlesClient({ 'example.org': new Uint8Array([1, 2]) }, {});
    await expect(client.fetchX509Bundles()).rejects.toMatchObject({
      code: 'invalid_response',
      message: expect.stringMatching(/malformed.*\(A-13\)/),
    });
  });

  it('a JWKS that is not JSON is discarded', async () => {
    const client = bundlesClient({}, { 'example.org': new TextEncoder().encode('{') });
    await expect(client.fetchJwtBundles()).rejects.toMatchObject({
      code: 'invalid_response',
      message: expect.stringMatching(/JWKS of "example.org" is malformed/),
    });
  });

  it('A-17, W-22: JWKS keys of other uses (wit-svid, x509-svid) are ignored, not fatal', async () => {
    const doc = JSON.parse(ca.jwtBundle().marshal()) as { keys: Record<string, unknown>[] };
    doc.keys.push({ ...doc.keys[0], kid: 'wit', use: 'wit-svid' });
    const client = bundlesClient({}, { 'example.org': new TextEncoder().encode(JSON.stringify(doc)) });
    const set = await client.fetchJwtBundles();
    expect(set.get('example.org')!.hasJwtAuthority('wit')).toBe(false);
  });

  it('A-12: a key that is not a trust domain is discarded', async () => {
    const client = bundlesClient({ 'spiffe://example.org/workload': der(ca.rootCertificates()) }, {});
    await expect(client.fetchX509Bundles()).rejects.toMatchObject({
      code: 'invalid_response',
      message: expect.stringMatching(/\(A-12\)/),
    });
  });
});
