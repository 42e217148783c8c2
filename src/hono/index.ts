/**
 * Hono integration (on `@hono/node-server`): a middleware that admits requests by the caller's
 * SPIFFE ID, from the mTLS peer and/or a JWT-SVID, answers 401/403 with the reason as
 * `jwtSvidAuth` does, and sets the context variable `spiffe`. Hono is an optional peer
 * dependency: this subpath imports only its types.
 * @module hono
 */
import type { HttpBindings } from '@hono/node-server';
import type { MiddlewareHandler } from 'hono';
import {
  spiffeRequestAuth,
  type SpiffeAuthRequest,
  type SpiffeCaller,
  type SpiffeRequestAuthOptions,
} from '../tlsconfig/index.js';

export type { SpiffeCaller, SpiffeRequestAuthOptions } from '../tlsconfig/index.js';

/**
 * The Hono environment of an app behind `spiffeAuth`: `new Hono<SpiffeEnv>()`, then
 * `c.get('spiffe')` in handlers. `c.env.incoming` is the Node request (`@hono/node-server`).
 */
export type SpiffeEnv = {
  Bindings: HttpBindings;
  Variables: {
    /** The caller that `spiffeAuth` admitted. */
    spiffe: SpiffeCaller;
  };
};

/**
 * A Hono middleware: `app.use(spiffeAuth({ mtls: true }))`, or on some routes. Checks each
 * request (see `spiffeRequestAuth` for the options) and sets `c.get('spiffe')` for the handler; a
 * refused request is answered 401 with `WWW-Authenticate` and the reason, 403, or 503 when the
 * agent is unreachable. Serve the app with `@hono/node-server` over the SDK's server, e.g.
 * `createHttpsServer(mtlsServerOptions(...), getRequestListener(app.fetch))`: the mTLS peer is
 * read from the Node request (`c.env.incoming`); without one, `mtls` refuses every request (401).
 *
 * @throws {TlsConfigError} `invalid_argument` for bad options.
 */
export function spiffeAuth(options: SpiffeRequestAuthOptions): MiddlewareHandler<SpiffeEnv> {
  const auth = spiffeRequestAuth(options, 'hono spiffeAuth');
  return async (c, next) => {
    const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
    // Off @hono/node-server there is no Node request: only the Authorization header (a Fetch
    // `Headers` joins repeated values with ", ", which the bearer syntax refuses).
    const req: SpiffeAuthRequest = incoming ?? {
      headers: { authorization: c.req.header('authorization') },
    };
    try {
      c.set('spiffe', await auth.authenticate(req));
    } catch (error) {
      const refusal = auth.refusal(error, { method: c.req.method, url: c.req.path });
      return c.text(refusal.body, refusal.status, refusal.headers);
    }
    await next();
  };
}
