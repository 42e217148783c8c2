/**
 * Fastify 5 integration: a plugin whose `onRequest` hook admits requests by the caller's SPIFFE
 * ID, from the mTLS peer and/or a JWT-SVID, answers 401/403 with the reason as `jwtSvidAuth`
 * does, and decorates the request with `request.spiffe`. Fastify is an optional peer dependency:
 * this subpath imports only its types.
 * @module fastify
 */
import type { FastifyPluginCallback } from 'fastify';
import {
  spiffeRequestAuth,
  type SpiffeCaller,
  type SpiffeRequestAuth,
  type SpiffeRequestAuthOptions,
} from '../tlsconfig/index.js';

export type { SpiffeCaller, SpiffeRequestAuthOptions } from '../tlsconfig/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The caller that the `spiffeAuth` plugin admitted (on the routes it covers it refuses every
     * other request before the handler); `undefined` or `null` on routes it does not cover.
     */
    spiffe?: SpiffeCaller | null;
  }
}

/**
 * A Fastify plugin: `await app.register(spiffeAuth, { mtls: true })`. Its `onRequest` hook
 * checks every request of the context it is registered in (see `spiffeRequestAuth` for the
 * options), before the body is read: a refused request is answered 401 with `WWW-Authenticate`
 * and the reason, 403, or 503 when the agent is unreachable; an admitted one reaches the handler
 * with `request.spiffe`. Registered without encapsulation (as `fastify-plugin` does), so it
 * covers the routes of the context that registers it: register it inside a child context to
 * cover only that context's routes.
 *
 * @throws {TlsConfigError} `invalid_argument` for bad options (at registration).
 */
export const spiffeAuth: FastifyPluginCallback<SpiffeRequestAuthOptions> = Object.assign(
  function spiffeAuth(
    fastify: Parameters<FastifyPluginCallback<SpiffeRequestAuthOptions>>[0],
    options: SpiffeRequestAuthOptions,
    done: (error?: Error) => void,
  ): void {
    let auth: SpiffeRequestAuth;
    try {
      auth = spiffeRequestAuth(options, 'fastify spiffeAuth');
    } catch (error) {
      done(error as Error);
      return;
    }
    if (!fastify.hasRequestDecorator('spiffe')) fastify.decorateRequest('spiffe', null);
    fastify.addHook('onRequest', async (request, reply) => {
      try {
        request.spiffe = await auth.authenticate(request.raw);
      } catch (error) {
        const refusal = auth.refusal(error, { method: request.method, url: request.url });
        return reply.code(refusal.status).headers(refusal.headers).send(refusal.body);
      }
    });
    done();
  },
  {
    // What `fastify-plugin` sets: no encapsulation, and a name in Fastify's errors and logs.
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: '@spiffe-ts/sdk/fastify',
  },
);
