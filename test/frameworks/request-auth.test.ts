/**
 * spiffeRequestAuth, the check under the framework integrations: options, the answers, logging,
 * and the framework-specific edges (Fastify's scope, Hono off @hono/node-server, Nest's exceptions).
 */
import 'reflect-metadata';
import { Controller, Get, HttpException, Module, UseGuards, type ArgumentsHost } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Response } from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { spiffeAuth as fastifyAuth } from '../../src/fastify/index.js';
import { spiffeAuth as honoAuth, type SpiffeEnv } from '../../src/hono/index.js';
import { SpiffeGuard, spiffeCaller as nestCaller } from '../../src/nestjs/index.js';
import { JwtSvid } from '../../src/svid/index.js';
import { FakeCa } from '../../src/testing/index.js';
import {
  authorizeId,
  spiffeCallerOf,
  spiffeRequestAuth,
  TlsConfigError,
  type Authorizer,
} from '../../src/tlsconfig/index.js';
import { WorkloadApiError } from '../../src/workloadapi/index.js';

const DATABASE = 'spiffe://example.org/ns/prod/sa/database';
const API = 'spiffe://example.org/ns/prod/sa/api-server';

function setup() {
  const ca = new FakeCa({ trustDomain: 'example.org' });
  return {
    ca,
    bundles: ca.jwtBundle(),
    token: (id = API) => ca.issueJwtSvid({ id, audience: DATABASE }).token,
  };
}

describe('spiffeRequestAuth', () => {
  it('refuses bad options', () => {
    const { bundles } = setup();
    expect(() => spiffeRequestAuth({})).toThrow(/give mtls .*, jwt .* or both/);
    expect(() => spiffeRequestAuth({ mtls: false })).toThrow(TlsConfigError);
    expect(() => spiffeRequestAuth({ mtls: 'yes' as unknown as boolean })).toThrow(/mtls must be/);
    expect(() => spiffeRequestAuth({ mtls: { authorizer: 'x' as unknown as Authorizer } })).toThrow(
      /authorizer must be a function/,
    );
    expect(() => spiffeRequestAuth({ jwt: { audience: '', bundleSource: bundles } })).toThrow(/audience/);
  });

  it('admits a JWT-SVID, records the caller on the request, and never takes a peer from a plain object', async () => {
    const { bundles, token } = setup();
    const auth = spiffeRequestAuth({ jwt: { audience: DATABASE, bundleSource: bundles } });
    const req = { headers: { authorization: `Bearer ${token()}` } };
    const caller = await auth.authenticate(req);
    expect(caller.id.toString()).toBe(API);
    expect(caller.peerId).toBeUndefined();
    expect(caller.jwtSvid).toBeInstanceOf(JwtSvid);
    expect(spiffeCallerOf(req)).toBe(caller);
    expect(Object.isFrozen(caller)).toBe(true);

    const mtls = spiffeRequestAuth({ mtls: true });
    const error = await mtls.authenticate({ headers: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'no_peer_id' });
    expect(mtls.refusal(error)).toMatchObject({
      status: 401,
      headers: { 'WWW-Authenticate': expect.stringMatching(/^SPIFFE-mTLS error="no_peer_id"/) },
    });
    expect(spiffeCallerOf({ headers: {} })).toBeUndefined();
  });

  it('503 without a challenge when the agent cannot be reached; refusals are logged without the token', async () => {
    const { token } = setup();
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (m: string) => void warnings.push(m) };
    const auth = spiffeRequestAuth({
      jwt: {
        audience: DATABASE,
        validator: {
          validateJwtSvid: () => Promise.reject(new WorkloadApiError('unavailable', 'agent away')),
        },
      },
      logger,
    });
    const secret = token();
    const error = await auth
      .authenticate({ headers: { authorization: `Bearer ${secret}` } })
      .catch((e: unknown) => e);
    const refusal = auth.refusal(error, { method: 'GET', url: '/x' });
    expect(refusal.status).toBe(503);
    expect(refusal.headers['WWW-Authenticate']).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"GET /x"');
    expect(warnings[0]).not.toContain(secret);
  });

  it('a header value with control characters cannot break out of error_description', () => {
    const auth = spiffeRequestAuth({ mtls: true });
    const refusal = auth.refusal(new TlsConfigError('invalid_token', 'bad "x"\r\nSet-Cookie: a=b'));
    expect(refusal.headers['WWW-Authenticate']).toBe(
      'Bearer error="invalid_token", error_description="bad  x   Set-Cookie: a=b"',
    );
  });
});

describe('fastify plugin scope', () => {
  it('request.spiffe is null on routes outside the plugin context; the plugin refuses only inside it', async () => {
    const { bundles, token } = setup();
    const app = Fastify();
    await app.register(async (child) => {
      await child.register(fastifyAuth, {
        jwt: { audience: DATABASE, bundleSource: bundles, authorizer: authorizeId(API) },
      });
      child.get('/inside', async (request) => request.spiffe!.id.toString());
    });
    app.get('/outside', async (request) => request.spiffe ?? 'none');
    try {
      expect((await app.inject({ url: '/outside' })).body).toBe('none');
      expect((await app.inject({ url: '/inside' })).statusCode).toBe(401);
      const ok = await app.inject({ url: '/inside', headers: { authorization: `Bearer ${token()}` } });
      expect(ok).toMatchObject({ statusCode: 200, body: API });
    } finally {
      await app.close();
    }
  });

  it('bad options fail the registration', async () => {
    const app = Fastify();
    await expect(app.register(fastifyAuth, {})).rejects.toThrow(TlsConfigError);
  });
});

describe('hono off @hono/node-server (no Node request)', () => {
  it('admits a JWT-SVID from the Fetch headers; mtls refuses 401', async () => {
    const { bundles, token } = setup();
    const jwtApp = new Hono<SpiffeEnv>();
    jwtApp.use(honoAuth({ jwt: { audience: DATABASE, bundleSource: bundles } }));
    jwtApp.get('/', (c) => c.text(c.get('spiffe').id.toString()));
    const ok = await jwtApp.request('/', { headers: { authorization: `Bearer ${token()}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe(API);
    const none = await jwtApp.request('/');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');

    const mtlsApp = new Hono<SpiffeEnv>();
    mtlsApp.use(honoAuth({ mtls: true }));
    mtlsApp.get('/', (c) => c.text('reached'));
    const refused = await mtlsApp.request('/', { headers: { authorization: `Bearer ${token()}` } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^SPIFFE-mTLS error="no_peer_id"/);
  });
});

describe('nestjs SpiffeGuard', () => {
  it("refuses with Nest's HttpException: the app's filters see it, the body is Nest's JSON", async () => {
    const { bundles } = setup();
    class Api {
      get(): string {
        return 'reached';
      }
    }
    Controller()(Api);
    UseGuards(new SpiffeGuard({ jwt: { audience: DATABASE, bundleSource: bundles } }))(Api);
    Get('x')(Api.prototype, 'get', Object.getOwnPropertyDescriptor(Api.prototype, 'get')!);
    class AppModule {}
    Module({ controllers: [Api] })(AppModule);
    const app = await NestFactory.create(AppModule, { logger: false });
    const seen: unknown[] = [];
    app.useGlobalFilters({
      catch(exception: unknown, host: ArgumentsHost) {
        seen.push(exception);
        const error = exception as HttpException;
        host.switchToHttp().getResponse<Response>().status(error.getStatus()).json(error.getResponse());
      },
    });
    await app.listen(0, '127.0.0.1');
    try {
      const res = await fetch(`${await app.getUrl()}/x`.replace('[::1]', '127.0.0.1'));
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(await res.json()).toMatchObject({
        statusCode: 401,
        error: 'Unauthorized',
        message: expect.stringContaining('J-14'),
      });
      expect(seen).toHaveLength(1);
      expect(seen[0]).toBeInstanceOf(HttpException);
      expect((seen[0] as HttpException).cause).toMatchObject({ code: 'missing_token' });
    } finally {
      await app.close();
    }
  });

  it('spiffeCaller throws on a request the guard did not admit', () => {
    expect(() => nestCaller({ headers: {} })).toThrow(/not admitted by SpiffeGuard/);
  });
});
