/**
 * The Express, Fastify and Hono integrations, each run by the real framework over the SDK's
 * guarded HTTPS server, called over real sockets with fetch(): mTLS callers, JWT-SVID callers,
 * both, and the 401/403 answers with their reasons.
 */
import 'reflect-metadata';
import { getRequestListener } from '@hono/node-server';
import { Controller, Get, Module, Req, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import type { Server } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { JwtBundleSet } from '../../src/bundle/index.js';
import { spiffeAuth as expressAuth, spiffeCaller } from '../../src/express/index.js';
import { spiffeAuth as fastifyAuth } from '../../src/fastify/index.js';
import { spiffeAuth as honoAuth, type SpiffeEnv } from '../../src/hono/index.js';
import { SpiffeGuard, spiffeCaller as nestCaller } from '../../src/nestjs/index.js';
import { FakeCa } from '../../src/testing/index.js';
import {
  authorizeAny,
  authorizeId,
  authorizeMemberOf,
  createDispatcher,
  createHttpsServer,
  mtlsClientOptions,
  mtlsServerOptions,
  tlsClientOptions,
  tlsServerOptions,
  TlsConfigError,
  type SpiffeCaller,
  type SpiffeRequestAuthOptions,
  type SpiffeTlsServerOptions,
} from '../../src/tlsconfig/index.js';
import { close, listen, svidOf } from '../tlsconfig/support.js';

const DATABASE = 'spiffe://example.org/ns/prod/sa/database';
const API = 'spiffe://example.org/ns/prod/sa/api-server';
const WEB = 'spiffe://example.org/ns/prod/sa/web';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** What the handler answers: the caller it was given. */
function describeCaller(caller: SpiffeCaller | null | undefined): string {
  if (caller == null) return 'no caller';
  return `id=${caller.id.toString()} peer=${caller.peerId?.toString() ?? '-'} jwt=${caller.jwtSvid?.id.toString() ?? '-'}`;
}

/** Serves GET /whoami with the framework, behind spiffeAuth(auth), over createHttpsServer(tls). */
type Serve = (
  tls: SpiffeTlsServerOptions,
  auth: SpiffeRequestAuthOptions,
) => Promise<{ url: string; handled: number[] }>;

const frameworks: Record<string, Serve> = {
  async express(tls, auth) {
    const handled: number[] = [];
    const app = express();
    app.use(expressAuth(auth));
    app.get('/whoami', (req, res) => {
      handled.push(1);
      res.send(describeCaller(spiffeCaller(req)));
    });
    const server = createHttpsServer(tls, app);
    cleanup.push(() => close(server));
    return { url: `https://127.0.0.1:${await listen(server)}/whoami`, handled };
  },
  async fastify(tls, auth) {
    const handled: number[] = [];
    let server: Server | undefined;
    const app = Fastify({
      serverFactory: (handler) => (server = createHttpsServer(tls, handler)),
    });
    await app.register(fastifyAuth, auth);
    app.get('/whoami', async (request) => {
      handled.push(1);
      return describeCaller(request.spiffe);
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanup.push(() => app.close());
    const port = (server!.address() as { port: number }).port;
    return { url: `https://127.0.0.1:${port}/whoami`, handled };
  },
  async hono(tls, auth) {
    const handled: number[] = [];
    const app = new Hono<SpiffeEnv>();
    app.use(honoAuth(auth));
    app.get('/whoami', (c) => {
      handled.push(1);
      return c.text(describeCaller(c.get('spiffe')));
    });
    const server = createHttpsServer(tls, getRequestListener(app.fetch));
    cleanup.push(() => close(server));
    return { url: `https://127.0.0.1:${await listen(server)}/whoami`, handled };
  },
  async nestjs(tls, auth) {
    const handled: number[] = [];
    // Decorators applied as functions: the repository's tsconfig has no experimentalDecorators.
    class WhoAmI {
      whoami(req: object): string {
        handled.push(1);
        return describeCaller(nestCaller(req));
      }
    }
    Controller()(WhoAmI);
    UseGuards(new SpiffeGuard(auth))(WhoAmI);
    Req()(WhoAmI.prototype, 'whoami', 0);
    Get('whoami')(WhoAmI.prototype, 'whoami', Object.getOwnPropertyDescriptor(WhoAmI.prototype, 'whoami')!);
    class AppModule {}
    Module({ controllers: [WhoAmI] })(AppModule);
    const expressApp = express();
    const app = await NestFactory.create(AppModule, new ExpressAdapter(expressApp), { logger: false });
    await app.init();
    const server = createHttpsServer(tls, expressApp);
    cleanup.push(() => app.close());
    cleanup.push(() => close(server));
    return { url: `https://127.0.0.1:${await listen(server)}/whoami`, handled };
  },
};

function setup() {
  const ca = new FakeCa({ trustDomain: 'example.org' });
  const other = new FakeCa({ trustDomain: 'other.org' });
  const bundles = new JwtBundleSet(ca.jwtBundle(), other.jwtBundle());
  const x509Bundles = ca.x509Bundle();
  /** Sends GET url as `client` (mTLS with its X509-SVID) or with no client certificate. */
  async function call(url: string, options: { client?: string; token?: string } = {}) {
    const tls =
      options.client === undefined
        ? tlsClientOptions(x509Bundles, authorizeId(DATABASE))
        : mtlsClientOptions(svidOf(ca, options.client), x509Bundles, authorizeId(DATABASE));
    const dispatcher = createDispatcher(tls);
    try {
      const res = await fetch(url, {
        dispatcher,
        headers: options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
      });
      return {
        status: res.status,
        body: (await res.text()).trim(),
        challenge: res.headers.get('www-authenticate'),
      };
    } finally {
      await dispatcher.close();
    }
  }
  const token = (id: string, audience = DATABASE) => ca.issueJwtSvid({ id, audience }).token;
  /** The server: mTLS (any example.org client may connect) or TLS only (no client certificate). */
  const mtls = () => mtlsServerOptions(svidOf(ca, DATABASE), x509Bundles, authorizeMemberOf(ca.trustDomain));
  const tlsOnly = () => tlsServerOptions(svidOf(ca, DATABASE));
  return { ca, other, bundles, call, token, mtls, tlsOnly };
}

describe.each(Object.entries(frameworks))('%s integration', (_name, serve) => {
  it('mTLS: the handler gets the peer SPIFFE ID', async () => {
    const s = setup();
    const { url, handled } = await serve(s.mtls(), { mtls: true });
    expect(await s.call(url, { client: API })).toMatchObject({
      status: 200,
      body: `id=${API} peer=${API} jwt=-`,
    });
    expect(handled).toHaveLength(1);
  });

  it('mTLS with a per-request authorizer: 403 with the reason for a peer it refuses', async () => {
    const s = setup();
    const { url, handled } = await serve(s.mtls(), { mtls: { authorizer: authorizeId(API) } });
    expect(await s.call(url, { client: API })).toMatchObject({
      status: 200,
      body: `id=${API} peer=${API} jwt=-`,
    });
    const refused = await s.call(url, { client: WEB });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain(WEB);
    expect(handled).toHaveLength(1);
  });

  it('mTLS: 401 with a WWW-Authenticate reason when the connection has no verified peer', async () => {
    const s = setup();
    const { url, handled } = await serve(s.tlsOnly(), { mtls: true });
    const r = await s.call(url);
    expect(r.status).toBe(401);
    expect(r.challenge).toMatch(/^SPIFFE-mTLS error="no_peer_id", error_description="no verified mTLS peer/);
    expect(r.body).toContain('no verified mTLS peer');
    expect(handled).toHaveLength(0);
  });

  it('JWT-SVID: the handler gets the token subject', async () => {
    const s = setup();
    const { url, handled } = await serve(s.tlsOnly(), {
      jwt: { audience: DATABASE, bundleSource: s.bundles, authorizer: authorizeId(API) },
    });
    expect(await s.call(url, { token: s.token(API) })).toMatchObject({
      status: 200,
      body: `id=${API} peer=- jwt=${API}`,
    });
    expect(handled).toHaveLength(1);
  });

  it('JWT-SVID: 401 with the Bearer challenge, 401 invalid_token with the reason, 403 insufficient_scope', async () => {
    const s = setup();
    const { url, handled } = await serve(s.tlsOnly(), {
      jwt: { audience: DATABASE, bundleSource: s.bundles, authorizer: authorizeId(API) },
    });
    const missing = await s.call(url);
    expect(missing).toMatchObject({ status: 401, challenge: 'Bearer' });
    expect(missing.body).toContain('J-14');

    const wrongAudience = await s.call(url, { token: s.token(API, 'spiffe://example.org/other') });
    expect(wrongAudience.status).toBe(401);
    expect(wrongAudience.challenge).toMatch(/^Bearer error="invalid_token", error_description=".*audience/);

    // example.org subject signed by other.org's key: trust-domain confusion (J-17)
    const confused = await s.call(url, {
      token: s.other.issueJwtSvid({ id: API, audience: DATABASE }).token,
    });
    expect(confused.status).toBe(401);
    expect(confused.challenge).toMatch(/^Bearer error="invalid_token"/);

    const refused = await s.call(url, { token: s.token(WEB) });
    expect(refused.status).toBe(403);
    expect(refused.challenge).toMatch(/^Bearer error="insufficient_scope", error_description=".*web/);
    expect(handled).toHaveLength(0);
  });

  it('mTLS and JWT-SVID: both required; the id is the token subject, peerId the connection', async () => {
    const s = setup();
    const { url, handled } = await serve(s.mtls(), {
      mtls: { authorizer: authorizeId(API) },
      jwt: { audience: DATABASE, bundleSource: s.bundles, authorizer: authorizeAny() },
    });
    expect(await s.call(url, { client: API, token: s.token(WEB) })).toMatchObject({
      status: 200,
      body: `id=${WEB} peer=${API} jwt=${WEB}`,
    });
    expect(await s.call(url, { client: API })).toMatchObject({ status: 401, challenge: 'Bearer' });
    expect((await s.call(url, { client: WEB, token: s.token(WEB) })).status).toBe(403);
    expect(handled).toHaveLength(1);
  });

  it('refuses bad options when the app is built', async () => {
    const s = setup();
    await expect(serve(s.mtls(), {})).rejects.toThrow(TlsConfigError);
    await expect(serve(s.mtls(), { jwt: { audience: DATABASE } })).rejects.toThrow(
      /exactly one of bundleSource/,
    );
  });
});

describe('spiffeCaller (express)', () => {
  it('throws on a request the middleware did not admit', () => {
    expect(() => spiffeCaller({})).toThrow(/not admitted by spiffeAuth/);
  });
});
