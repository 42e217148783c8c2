import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { JwtSvid } from '../svid/index.js';
import { quote } from '../internal/errors.js';
import { reasonOf } from './errors.js';
import { JwtSvidAuthenticator, type JwtSvidAuthOptions } from './jwt-authenticator.js';
import { jwtRefusal } from './request-auth.js';

/** Where an admitted request's JWT-SVID is kept (`Symbol.for`: the ESM and CJS copies agree). */
const CALLER = Symbol.for('@spiffe-ts/sdk:tlsconfig:jwt-caller');

/** A `(req, res, next)` middleware that admits requests carrying a valid JWT-SVID. */
export interface JwtSvidMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /**
   * The check alone, for frameworks with their own reply objects (e.g. a Fastify `onRequest`
   * hook): resolves with the caller's JWT-SVID (also recorded for `jwtSvidFrom(req)`).
   *
   * @throws {TlsConfigError} `missing_token`, `invalid_token` or `unauthorized`; the validator's
   *   own error when the agent cannot be reached.
   */
  authenticate(req: { headers: IncomingHttpHeaders }): Promise<JwtSvid>;
}

/**
 * HTTP middleware for JWT-SVID authentication (J-14): takes `Authorization: Bearer <JWT-SVID>`,
 * validates it locally with `bundleSource` (signature with the bundle of the token's trust domain
 * only, `aud`, `exp`: J-7..J-17) or through the agent with `validator`, authorizes the caller,
 * then calls `next()`; `jwtSvidFrom(req)` gives the caller's JWT-SVID. Otherwise it answers
 * itself and does not call `next`: 401 with `WWW-Authenticate: Bearer` and the reason for a
 * missing or invalid token, 403 for a caller the authorizer refuses, 503 when the agent cannot be
 * reached. Plain `http` (`auth(req, res, () => handler(req, res))`), Express (`app.use(auth)`),
 * Fastify (`@fastify/middie`, or `auth.authenticate(request.raw)` in a hook).
 *
 * @throws {TlsConfigError} `invalid_argument` for bad options.
 */
export function jwtSvidAuth(options: JwtSvidAuthOptions): JwtSvidMiddleware {
  const authenticator = new JwtSvidAuthenticator(options, 'jwtSvidAuth');
  const authenticate = async (req: { headers: IncomingHttpHeaders }): Promise<JwtSvid> => {
    const svid = await authenticator.authenticate(req.headers.authorization);
    Object.defineProperty(req, CALLER, { value: svid, configurable: true });
    return svid;
  };
  const middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void => {
    authenticate(req).then(
      () => next(),
      (error: unknown) => {
        authenticator.logger.warn(
          `tlsconfig: refused HTTP request ${quote(`${req.method ?? ''} ${req.url ?? ''}`)}: ${reasonOf(error)}`,
        );
        refuse(res, error);
      },
    );
  };
  return Object.assign(middleware, { authenticate });
}

/** The JWT-SVID of a request that `jwtSvidAuth` admitted, or undefined. */
export function jwtSvidFrom(req: object): JwtSvid | undefined {
  const svid = typeof req === 'object' && req !== null ? (req as Record<symbol, unknown>)[CALLER] : undefined;
  return svid instanceof JwtSvid ? svid : undefined;
}

function refuse(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const refusal = jwtRefusal(error);
  res.statusCode = refusal.status;
  for (const [name, value] of Object.entries(refusal.headers)) res.setHeader(name, value);
  res.end(refusal.body);
}
