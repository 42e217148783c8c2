import * as grpc from '@grpc/grpc-js';
import http from 'node:http';
import type tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { JwtBundleSet } from '../../src/bundle/index.js';
import { JwtSvid, type JwtSvidParams, type JwtSvidSource } from '../../src/svid/index.js';
import { FakeCa } from '../../src/testing/index.js';
import {
  authorizeId,
  authorizeMatch,
  createGrpcTlsServer,
  grpcChannelCredentials,
  jwtSvidAuth,
  jwtSvidCallCredentials,
  jwtSvidFetch,
  jwtSvidFrom,
  jwtSvidFromCall,
  JwtSvidCache,
  jwtSvidServerInterceptor,
  TlsConfigError,
  tlsClientOptions,
  tlsServerOptions,
  type JwtSvidAuthOptions,
} from '../../src/tlsconfig/index.js';
import { WorkloadApiError } from '../../src/workloadapi/index.js';
import { TestClient, testService, whoAmI } from './grpc-support.js';
import { close, listen, svidOf, trustDomains } from './support.js';

const DATABASE = 'spiffe://example.org/ns/prod/sa/database';
const API = 'spiffe://example.org/ns/prod/sa/api-server';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function setup() {
  const caA = new FakeCa({ trustDomain: 'example.org' });
  const caB = new FakeCa({ trustDomain: 'other.org' });
  const bundles = new JwtBundleSet(caA.jwtBundle(), caB.jwtBundle());
  return { caA, caB, bundles };
}

/** A JwtSvidSource minting tokens with `ca`, counting fetches. */
function tokenSource(
  ca: FakeCa,
  id: string,
  ttl?: number,
): JwtSvidSource & { fetches: number; fail: boolean } {
  const source = {
    fetches: 0,
    fail: false,
    async fetchJwtSvid(params: JwtSvidParams): Promise<JwtSvid> {
      source.fetches++;
      if (source.fail) throw new WorkloadApiError('unavailable', 'agent away');
      return JwtSvid.parseInsecure(
        ca.issueJwtSvid({ id, audience: params.audience, ...(ttl ? { ttl } : {}) }).token,
        params.audience,
      );
    },
  };
  return source;
}

/** A plain HTTP server behind the middleware; returns its URL and what the handler saw. */
async function httpServer(options: JwtSvidAuthOptions) {
  const auth = jwtSvidAuth(options);
  const seen: string[] = [];
  const server = http.createServer((req, res) =>
    auth(req, res, () => {
      seen.push(jwtSvidFrom(req)!.id.toString());
      res.end('ok');
    }),
  );
  cleanup.push(() => close(server));
  return { url: `http://127.0.0.1:${await listen(server)}/`, seen };
}

async function send(url: string, authorization?: string) {
  const res = await fetch(url, { headers: authorization === undefined ? {} : { authorization } });
  return { status: res.status, body: await res.text(), challenge: res.headers.get('www-authenticate') };
}

describe('JWT-SVID HTTP middleware (J-14)', () => {
  it('admits a valid bearer JWT-SVID and exposes the caller', async () => {
    const { caA, bundles } = setup();
    const s = await httpServer({ audience: DATABASE, bundleSource: bundles, authorizer: authorizeId(API) });
    const token = caA.issueJwtSvid({ id: API, audience: DATABASE }).token;
    expect(await send(s.url, `Bearer ${token}`)).toMatchObject({ status: 200, body: 'ok' });
    expect(await send(s.url, `bearer   ${token}`)).toMatchObject({ status: 200 });
    expect(s.seen).toEqual([API, API]);
  });

  it('401 without a bearer token, with a WWW-Authenticate challenge', async () => {
    const { bundles } = setup();
    const s = await httpServer({ audience: DATABASE, bundleSource: bundles });
    for (const header of [undefined, 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b']) {
      const r = await send(s.url, header);
      expect(r).toMatchObject({ status: 401, challenge: 'Bearer' });
      expect(r.body).toContain('J-14');
    }
    expect(s.seen).toEqual([]);
  });

  it('J-10: 401 for a token for another audience, with the reason', async () => {
    const { caA, bundles } = setup();
    const s = await httpServer({ audience: DATABASE, bundleSource: bundles });
    const r = await send(
      s.url,
      `Bearer ${caA.issueJwtSvid({ id: API, audience: 'spiffe://example.org/other' }).token}`,
    );
    expect(r.status).toBe(401);
    expect(r.challenge).toMatch(/^Bearer error="invalid_token", error_description=".*audience/);
    expect(s.seen).toEqual([]);
  });

  it('J-17: 401 for an example.org subject signed by the other.org key (trust-domain confusion)', async () => {
    const { caB, bundles } = setup();
    const s = await httpServer({ audience: DATABASE, bundleSource: bundles });
    const r = await send(s.url, `Bearer ${caB.issueJwtSvid({ id: API, audience: DATABASE }).token}`);
    expect(r.status).toBe(401);
    expect(s.seen).toEqual([]);
  });

  it('J-12: 401 for an expired token', async () => {
    const { caA, bundles } = setup();
    const s = await httpServer({ audience: DATABASE, bundleSource: bundles });
    const past = Math.floor(Date.now() / 1000) - 3600;
    const r = await send(
      s.url,
      `Bearer ${caA.issueJwtSvid({ id: API, audience: DATABASE, claims: { exp: past, iat: past - 60 } }).token}`,
    );
    expect(r.status).toBe(401);
  });

  it('403 for a valid caller the authorizer refuses', async () => {
    const { caA, bundles } = setup();
    const s = await httpServer({
      audience: DATABASE,
      bundleSource: bundles,
      authorizer: authorizeMatch('spiffe://example.org/ns/prod/sa/*'),
    });
    const r = await send(
      s.url,
      `Bearer ${caA.issueJwtSvid({ id: 'spiffe://example.org/ns/dev/sa/api-server', audience: DATABASE }).token}`,
    );
    expect(r.status).toBe(403);
    expect(r.body).toContain('spiffe://example.org/ns/dev/sa/api-server');
  });

  it('validates through the agent: invalid token 401, agent unreachable 503', async () => {
    const { caA, bundles } = setup();
    let mode: 'ok' | 'invalid' | 'down' = 'ok';
    const validator = {
      async validateJwtSvid(token: string, audience: string): Promise<JwtSvid> {
        if (mode === 'invalid')
          throw new WorkloadApiError('invalid_argument', 'token signature invalid', { grpcCode: 3 });
        if (mode === 'down') throw new WorkloadApiError('unavailable', 'agent away');
        return JwtSvid.parseAndValidate(token, bundles, audience);
      },
    };
    const s = await httpServer({ audience: DATABASE, validator });
    const header = `Bearer ${caA.issueJwtSvid({ id: API, audience: DATABASE }).token}`;
    expect((await send(s.url, header)).status).toBe(200);
    mode = 'invalid';
    expect((await send(s.url, header)).status).toBe(401);
    mode = 'down';
    expect((await send(s.url, header)).status).toBe(503);
    expect(s.seen).toEqual([API]);
  });

  it('authenticate() serves frameworks with their own reply objects', async () => {
    const { caA, bundles } = setup();
    const auth = jwtSvidAuth({ audience: DATABASE, bundleSource: bundles });
    const req = {
      headers: { authorization: `Bearer ${caA.issueJwtSvid({ id: API, audience: DATABASE }).token}` },
    };
    expect((await auth.authenticate(req)).id.toString()).toBe(API);
    expect(jwtSvidFrom(req)?.id.toString()).toBe(API);
    await expect(auth.authenticate({ headers: {} })).rejects.toMatchObject({ code: 'missing_token' });
  });

  it('rejects bad options with invalid_argument', () => {
    const { bundles } = setup();
    const bad: unknown[] = [
      { audience: '', bundleSource: bundles },
      { audience: DATABASE },
      { audience: DATABASE, bundleSource: bundles, validator: { validateJwtSvid: async () => undefined } },
      { audience: [DATABASE, 'x'], validator: { validateJwtSvid: async () => undefined } },
      { audience: DATABASE, bundleSource: {} },
    ];
    for (const options of bad)
      expect(() => jwtSvidAuth(options as JwtSvidAuthOptions)).toThrow(
        expect.objectContaining({ code: 'invalid_argument' }),
      );
  });
});

describe('JwtSvidCache and jwtSvidFetch', () => {
  it('reuses the token until half its lifetime, then fetches anew; concurrent callers share a fetch', async () => {
    const { caA } = setup();
    const source = tokenSource(caA, API, 60_000);
    let now = Date.now();
    const cache = new JwtSvidCache(source, { audience: DATABASE }, { now: () => now });
    const [a, b] = await Promise.all([cache.get(), cache.get()]);
    expect(a).toBe(b);
    expect(source.fetches).toBe(1);
    now += 29_000;
    expect(await cache.get()).toBe(a);
    now += 2_000;
    expect(await cache.get()).not.toBe(a);
    expect(source.fetches).toBe(2);
  });

  it('falls back to the cached token while it is valid when a refresh fails, else token_unavailable', async () => {
    const { caA } = setup();
    const source = tokenSource(caA, API, 60_000);
    let now = Date.now();
    const cache = new JwtSvidCache(source, { audience: DATABASE }, { now: () => now });
    const first = await cache.get();
    source.fail = true;
    now += 40_000;
    expect(await cache.get()).toBe(first);
    now += 15_000; // 5 s left: too little
    await expect(cache.get()).rejects.toMatchObject({ code: 'token_unavailable' });
  });

  it('jwtSvidFetch sends Authorization: Bearer <JWT-SVID>, and refuses plain http to non-loopback hosts', async () => {
    const { caA, bundles } = setup();
    const s = await httpServer({ audience: DATABASE, bundleSource: bundles });
    const call = jwtSvidFetch(new JwtSvidCache(tokenSource(caA, API), { audience: DATABASE }));
    expect((await call(s.url)).status).toBe(200);
    expect(s.seen).toEqual([API]);
    await expect(call('http://db.example.org/')).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});

describe('JWT-SVID over gRPC (J-14)', () => {
  async function grpcSetup(options: Partial<JwtSvidAuthOptions> = {}) {
    const { caA, caB, bundles } = setup();
    const x509 = trustDomains();
    const server = new grpc.Server({
      interceptors: [jwtSvidServerInterceptor({ audience: DATABASE, bundleSource: bundles, ...options })],
    });
    const handled: string[] = [];
    server.addService(testService, {
      whoAmI: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        const id = jwtSvidFromCall(call)!.id.toString();
        handled.push(id);
        callback(null, Buffer.from(id));
      },
    });
    const tlsServer = createGrpcTlsServer(server, tlsServerOptions(svidOf(x509.caA, DATABASE)));
    const port = await listen(tlsServer);
    cleanup.push(
      () => close(tlsServer as tls.Server),
      () => new Promise<void>((r) => server.tryShutdown(() => r())),
    );
    const channel = grpcChannelCredentials(tlsClientOptions(x509.bundles, authorizeId(DATABASE)));
    const client = (creds: grpc.ChannelCredentials): grpc.Client => {
      const c = new TestClient(`127.0.0.1:${port}`, creds);
      cleanup.push(() => c.close());
      return c;
    };
    return { caA, caB, handled, channel, client };
  }

  it('call credentials attach the cached token; the interceptor admits the caller before the handler', async () => {
    const g = await grpcSetup({ authorizer: authorizeId(API) });
    const source = tokenSource(g.caA, API);
    const c = g.client(
      g.channel.compose(jwtSvidCallCredentials(new JwtSvidCache(source, { audience: DATABASE }))),
    );
    expect(await whoAmI(c)).toBe(API);
    expect(await whoAmI(c)).toBe(API);
    expect(source.fetches).toBe(1);
    expect(g.handled).toEqual([API, API]);
  });

  it('UNAUTHENTICATED without or with a bad token, PERMISSION_DENIED for a refused caller; the handler never runs', async () => {
    const g = await grpcSetup({ authorizer: authorizeId(API) });
    const c = g.client(g.channel);
    const md = (value?: string): grpc.Metadata => {
      const m = new grpc.Metadata();
      if (value !== undefined) m.set('authorization', value);
      return m;
    };
    await expect(whoAmI(c, md())).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await expect(
      whoAmI(c, md(`Bearer ${g.caB.issueJwtSvid({ id: API, audience: DATABASE }).token}`)),
    ).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
    });
    const other = g.caA.issueJwtSvid({
      id: 'spiffe://example.org/ns/prod/sa/intruder',
      audience: DATABASE,
    }).token;
    const error = (await whoAmI(c, md(`Bearer ${other}`)).catch((e: unknown) => e)) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(error.details).toContain('intruder');
    expect(g.handled).toEqual([]);
  });

  it('gRPC refuses call credentials on an insecure channel (a token never goes out in plaintext)', () => {
    const { caA } = setup();
    const creds = jwtSvidCallCredentials(new JwtSvidCache(tokenSource(caA, API), { audience: DATABASE }));
    expect(() => grpc.credentials.createInsecure().compose(creds)).toThrow();
  });

  it('jwtSvidFromCall is undefined for a call the interceptor did not admit', () => {
    expect(jwtSvidFromCall({ metadata: new grpc.Metadata() })).toBeUndefined();
    expect(TlsConfigError).toBeDefined();
  });
});
