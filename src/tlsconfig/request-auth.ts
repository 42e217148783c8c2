import type { IncomingHttpHeaders } from 'node:http';
import { quote } from '../internal/errors.js';
import { nullLogger, type Logger } from '../internal/logger.js';
import type { SpiffeId } from '../spiffeid/index.js';
import type { JwtSvid } from '../svid/index.js';
import { checkAuthorizer, runAuthorizer, type Authorizer } from './authorizer.js';
import { reasonOf, TlsConfigError } from './errors.js';
import { JwtSvidAuthenticator, type JwtSvidAuthOptions } from './jwt-authenticator.js';
import { verifiedPeerOf } from './peer.js';

/** Where an admitted request's caller is kept (`Symbol.for`: the ESM and CJS copies agree). */
const CALLER = Symbol.for('@spiffe-ts/sdk:tlsconfig:spiffe-caller');

/** Who made an HTTP request, as `spiffeRequestAuth` (and the framework integrations) admitted it. */
export interface SpiffeCaller {
  /**
   * The caller's SPIFFE ID: the JWT-SVID's subject when a JWT-SVID is checked (`jwt`), otherwise
   * the mTLS peer's ID (`mtls`).
   */
  readonly id: SpiffeId;
  /** The SPIFFE ID of the verified mTLS peer, when `mtls` is on. */
  readonly peerId: SpiffeId | undefined;
  /** The validated JWT-SVID, when `jwt` is given. */
  readonly jwtSvid: JwtSvid | undefined;
}

/**
 * How `spiffeRequestAuth` (and the framework integrations) admit a request. Give
 * `mtls`, `jwt` or both; with both, the request needs both (the peer and the token's subject may
 * differ, e.g. a proxy calling on behalf of a workload).
 */
export interface SpiffeRequestAuthOptions {
  /**
   * Require the mTLS peer that the SDK's server verified at the handshake (`createHttpsServer`,
   * `guardServer` with `mtlsServerOptions`). `true`: any such peer (the server's authorizer
   * already decided who may connect). `{ authorizer }`: also check the peer per request, e.g.
   * one route for one caller (403 when it refuses). The authorizer gets the peer's verified chains.
   */
  mtls?: boolean | { authorizer?: Authorizer };
  /** Require `Authorization: Bearer <JWT-SVID>`, checked as `jwtSvidAuth` checks it (J-7..J-17). */
  jwt?: JwtSvidAuthOptions;
  /** Where refusals are reported (never the token); default: `jwt.logger`, or silent. */
  logger?: Logger;
}

/** The HTTP answer to a refused request: status, headers and a plain-text body with the reason. */
export interface HttpRefusal {
  /** 401 (no or invalid credentials), 403 (the authorizer refused) or 503 (the agent is unreachable). */
  status: 401 | 403 | 503;
  /** `WWW-Authenticate` with the reason (RFC 6750 for JWT-SVIDs), and `Content-Type`. */
  headers: Record<string, string>;
  /** The reason, one line. */
  body: string;
}

/** The request parts `SpiffeRequestAuth` reads: the headers, and the socket for the mTLS peer. */
export type SpiffeAuthRequest = { headers: IncomingHttpHeaders };

/** Framework-neutral request authentication: what the framework integrations adapt. */
export interface SpiffeRequestAuth {
  /**
   * Admits a request or throws why not. `req` is the Node request (`http.IncomingMessage`):
   * the mTLS peer is read from its socket. Also records the caller for `spiffeCallerOf(req)`.
   *
   * @throws {TlsConfigError} `no_peer_id`, `missing_token`, `invalid_token` or `unauthorized`;
   *   the validator's own error when the agent cannot be reached.
   */
  authenticate(req: SpiffeAuthRequest): Promise<SpiffeCaller>;
  /** The answer to send for an error of `authenticate`; logs the refusal of `req` as a warning. */
  refusal(error: unknown, req?: { method?: string; url?: string }): HttpRefusal;
}

/**
 * Request authentication for any HTTP framework: the mTLS peer (`peerIdFrom`) and/or a JWT-SVID
 * (the checks of `jwtSvidAuth`), answering as `jwtSvidAuth` does. The `@spiffe-ts/sdk/express`,
 * `/fastify`, `/hono` and `/nestjs` integrations are thin adapters over it; use it directly for
 * another framework: `authenticate(req)` in a hook, and on error send `refusal(error, req)`.
 *
 * @param where - names the caller in the messages of option errors (e.g. `'koa spiffeAuth'`).
 * @throws {TlsConfigError} `invalid_argument` for bad options (neither `mtls` nor `jwt`, ...).
 */
export function spiffeRequestAuth(
  options: SpiffeRequestAuthOptions,
  where = 'spiffeRequestAuth',
): SpiffeRequestAuth {
  const { mtls, jwt, logger } = (options ?? {}) as Partial<SpiffeRequestAuthOptions>;
  if (mtls !== undefined && typeof mtls !== 'boolean' && (typeof mtls !== 'object' || mtls === null)) {
    throw new TlsConfigError('invalid_argument', `${where}: mtls must be true, false or { authorizer }`);
  }
  const peerAuthorizer =
    typeof mtls === 'object' && mtls.authorizer !== undefined
      ? checkAuthorizer(mtls.authorizer, where)
      : undefined;
  const jwtAuthenticator = jwt === undefined ? undefined : new JwtSvidAuthenticator(jwt, where);
  if (!mtls && jwtAuthenticator === undefined) {
    throw new TlsConfigError(
      'invalid_argument',
      `${where}: give mtls (the verified mTLS peer), jwt (a JWT-SVID) or both`,
    );
  }
  const log = logger ?? jwtAuthenticator?.logger ?? nullLogger;
  /** Errors of the mTLS check: answered without a Bearer challenge. */
  const peerErrors = new WeakSet<object>();

  const authenticate = async (req: SpiffeAuthRequest): Promise<SpiffeCaller> => {
    let peerId: SpiffeId | undefined;
    if (mtls) {
      const peer = verifiedPeerOf(req);
      try {
        if (peer === undefined) {
          throw new TlsConfigError(
            'no_peer_id',
            'no verified mTLS peer: this request did not come over a connection whose X509-SVID the server verified',
          );
        }
        if (peerAuthorizer !== undefined) runAuthorizer(peerAuthorizer, peer.id, peer.chains);
      } catch (error) {
        if (typeof error === 'object' && error !== null) peerErrors.add(error);
        throw error;
      }
      peerId = peer.id;
    }
    const jwtSvid = await jwtAuthenticator?.authenticate(req.headers.authorization);
    const caller: SpiffeCaller = Object.freeze({ id: (jwtSvid?.id ?? peerId)!, peerId, jwtSvid });
    Object.defineProperty(req, CALLER, { value: caller, configurable: true });
    return caller;
  };

  const refusal = (error: unknown, req?: { method?: string; url?: string }): HttpRefusal => {
    const what =
      req === undefined ? 'HTTP request' : `HTTP request ${quote(`${req.method ?? ''} ${req.url ?? ''}`)}`;
    log.warn(`tlsconfig: refused ${what}: ${reasonOf(error)}`);
    return typeof error === 'object' && error !== null && peerErrors.has(error)
      ? peerRefusal(error)
      : jwtRefusal(error);
  };

  return { authenticate, refusal };
}

/** The caller that `spiffeRequestAuth` (or a framework integration) admitted for `req`, or undefined. */
export function spiffeCallerOf(req: object): SpiffeCaller | undefined {
  if (typeof req !== 'object' || req === null) return undefined;
  return Object.getOwnPropertyDescriptor(req, CALLER)?.value as SpiffeCaller | undefined;
}

/** A quoted-string-safe `error_description` (RFC 6750 §3: printable ASCII, no `"` or `\`). */
function describe(reason: string): string {
  return reason.replace(/[^\x20-\x7e]|["\\]/g, ' ');
}

const TEXT = 'text/plain; charset=utf-8';

/**
 * The answer to an error of the JWT-SVID check (J-14, RFC 6750 §3): 401 with `Bearer` for no
 * token, 401 `invalid_token` with the reason, 403 `insufficient_scope` for a refused caller, 503
 * when the agent cannot be reached.
 */
export function jwtRefusal(error: unknown): HttpRefusal {
  const code = error instanceof TlsConfigError ? error.code : undefined;
  const reason = error instanceof TlsConfigError ? error.message : 'cannot validate the JWT-SVID now';
  const body = `${reason}\n`;
  if (code === 'unauthorized') {
    return {
      status: 403,
      headers: {
        'WWW-Authenticate': `Bearer error="insufficient_scope", error_description="${describe(reason)}"`,
        'Content-Type': TEXT,
      },
      body,
    };
  }
  if (code === 'missing_token') {
    return { status: 401, headers: { 'WWW-Authenticate': 'Bearer', 'Content-Type': TEXT }, body };
  }
  if (code === 'invalid_token') {
    return {
      status: 401,
      headers: {
        'WWW-Authenticate': `Bearer error="invalid_token", error_description="${describe(reason)}"`,
        'Content-Type': TEXT,
      },
      body,
    };
  }
  return { status: 503, headers: { 'Content-Type': TEXT }, body };
}

/**
 * The answer to an error of the mTLS check: 403 when the authorizer refused the peer; otherwise
 * 401 with the challenge `WWW-Authenticate: SPIFFE-mTLS error=…, error_description=…` (no
 * registered scheme names client certificates; this one says what is missing and why).
 */
function peerRefusal(error: unknown): HttpRefusal {
  const code = error instanceof TlsConfigError ? error.code : 'no_peer_id';
  const reason = reasonOf(error);
  if (code === 'unauthorized') {
    return { status: 403, headers: { 'Content-Type': TEXT }, body: `${reason}\n` };
  }
  return {
    status: 401,
    headers: {
      'WWW-Authenticate': `SPIFFE-mTLS error="${code}", error_description="${describe(reason)}"`,
      'Content-Type': TEXT,
    },
    body: `${reason}\n`,
  };
}
