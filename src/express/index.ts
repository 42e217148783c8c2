/**
 * Express 5 integration: a middleware that admits requests by the caller's SPIFFE ID, from the
 * mTLS peer and/or a JWT-SVID, and answers 401/403 with the reason as `jwtSvidAuth` does. Express
 * is an optional peer dependency: this subpath imports only its types.
 * @module express
 */
import type { RequestHandler } from 'express';
import {
  spiffeCallerOf,
  spiffeRequestAuth,
  TlsConfigError,
  type SpiffeCaller,
  type SpiffeRequestAuthOptions,
} from '../tlsconfig/index.js';

export type { SpiffeCaller, SpiffeRequestAuthOptions } from '../tlsconfig/index.js';

/**
 * An Express middleware that admits a request only when its caller is authenticated and
 * authorized by `options` (see `spiffeRequestAuth`): `app.use(spiffeAuth({ mtls: true }))`, or
 * on one route. The handler gets the caller with `spiffeCaller(req)`. A refused request is
 * answered here (401 with `WWW-Authenticate` and the reason, 403, or 503 when the agent is
 * unreachable) and goes no further.
 *
 * @throws {TlsConfigError} `invalid_argument` for bad options.
 */
export function spiffeAuth(options: SpiffeRequestAuthOptions): RequestHandler {
  const auth = spiffeRequestAuth(options, 'express spiffeAuth');
  return (req, res, next) => {
    auth.authenticate(req).then(
      () => next(),
      (error: unknown) => {
        const refusal = auth.refusal(error, { method: req.method, url: req.originalUrl });
        if (res.headersSent) {
          res.destroy();
          return;
        }
        res.status(refusal.status).set(refusal.headers).send(refusal.body);
      },
    );
  };
}

/**
 * The caller that `spiffeAuth` admitted for this request.
 *
 * @throws {TlsConfigError} `no_peer_id` when `spiffeAuth` did not admit `req` (the middleware is
 *   not on this route): a handler that expects a caller fails rather than run without one.
 */
export function spiffeCaller(req: object): SpiffeCaller {
  const caller = spiffeCallerOf(req);
  if (caller === undefined) {
    throw new TlsConfigError(
      'no_peer_id',
      'spiffeCaller: this request was not admitted by spiffeAuth (is the middleware on this route?)',
    );
  }
  return caller;
}
