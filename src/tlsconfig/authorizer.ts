import type { X509Certificate } from 'node:crypto';
import {
  matchId,
  matchMemberOf,
  matchOneOf,
  SpiffeId,
  type Matcher,
  type SpiffeIdLike,
  type TrustDomain,
} from '../spiffeid/index.js';
import { quote } from '../internal/errors.js';
import { reasonOf, TlsConfigError } from './errors.js';

/**
 * Decides whether a verified peer may talk to us (go-spiffe `tlsconfig.Authorizer`). It runs
 * after the peer's X509-SVID has been verified against the bundle of the peer's own trust domain,
 * during the handshake, before any application byte is processed.
 *
 * Return nothing to accept; throw to refuse, preferably a `TlsConfigError` with code
 * `unauthorized` whose message says why (it reaches the peer's error, the server's
 * `tlsClientError` event and the log). It must decide synchronously: a returned Promise, or
 * `false`, refuses the peer (fail closed).
 *
 * `verifiedChains` are the certification paths found (leaf first, bundle authority last); a
 * JWT-SVID has none, so the JWT-SVID middleware passes `[]`.
 */
export type Authorizer = (id: SpiffeId, verifiedChains: X509Certificate[][]) => void;

/** Accepts any peer whose SVID verified (go-spiffe `AuthorizeAny`). */
export function authorizeAny(): Authorizer {
  return () => {};
}

/**
 * Accepts exactly the peer `id` (go-spiffe `AuthorizeID`).
 * @throws {TlsConfigError} `invalid_argument` for an invalid ID.
 */
export function authorizeId(id: SpiffeIdLike): Authorizer {
  return adaptMatcher(created(() => matchId(id), 'authorizeId'));
}

/**
 * Accepts any of `ids` (go-spiffe `AuthorizeOneOf`).
 * @throws {TlsConfigError} `invalid_argument` for an invalid ID.
 */
export function authorizeOneOf(...ids: SpiffeIdLike[]): Authorizer {
  return adaptMatcher(created(() => matchOneOf(...ids), 'authorizeOneOf'));
}

/**
 * Accepts any peer of `trustDomain` (go-spiffe `AuthorizeMemberOf`).
 * @throws {TlsConfigError} `invalid_argument` for an invalid trust domain name.
 */
export function authorizeMemberOf(trustDomain: TrustDomain | string): Authorizer {
  return adaptMatcher(created(() => matchMemberOf(trustDomain), 'authorizeMemberOf'));
}

/**
 * Turns a SPIFFE ID matcher (`matchAny`, `matchId`, ... of `@spiffe-ts/sdk/spiffeid`, or your
 * own) into an authorizer (go-spiffe `AdaptMatcher`): the matcher's refusal becomes an
 * `unauthorized` error with the matcher's message.
 *
 * @throws {TlsConfigError} `invalid_argument` when `matcher` is not a function.
 */
export function adaptMatcher(matcher: Matcher): Authorizer {
  if (typeof matcher !== 'function') {
    throw new TlsConfigError('invalid_argument', 'adaptMatcher: matcher must be a function');
  }
  return (id) => {
    try {
      matcher(id);
    } catch (error) {
      throw new TlsConfigError('unauthorized', reasonOf(error), { cause: error });
    }
  };
}

/**
 * Runs `authorizer` for a verified peer, failing closed: a throw, a returned `false` or a
 * returned Promise refuses the peer.
 *
 * @throws {TlsConfigError} `unauthorized`, naming the peer and the reason.
 */
export function runAuthorizer(authorizer: Authorizer, id: SpiffeId, chains: X509Certificate[][]): void {
  let result: unknown;
  try {
    result = authorizer(id, chains);
  } catch (error) {
    if (error instanceof TlsConfigError && error.code === 'unauthorized') throw error;
    throw new TlsConfigError(
      'unauthorized',
      `peer ${quote(id.toString())} is not authorized: ${reasonOf(error)}`,
      {
        cause: error,
      },
    );
  }
  if (result === undefined || result === true) return;
  if (typeof (result as { then?: unknown } | null)?.then === 'function') {
    (result as Promise<unknown>).then(undefined, () => {});
    throw new TlsConfigError(
      'unauthorized',
      `peer ${quote(id.toString())} refused: the authorizer returned a Promise, but it must decide synchronously (the handshake cannot wait)`,
    );
  }
  throw new TlsConfigError(
    'unauthorized',
    `peer ${quote(id.toString())} refused: the authorizer returned ${quote(String(result))}`,
  );
}

/** Checks that `authorizer` is a function. */
export function checkAuthorizer(authorizer: unknown, where: string): Authorizer {
  if (typeof authorizer !== 'function') {
    throw new TlsConfigError(
      'invalid_argument',
      `${where}: authorizer must be a function (see authorizeId, authorizeMatch, ...)`,
    );
  }
  return authorizer as Authorizer;
}

function created(make: () => Matcher, where: string): Matcher {
  try {
    return make();
  } catch (error) {
    throw new TlsConfigError('invalid_argument', `${where}: ${reasonOf(error)}`, { cause: error });
  }
}

/** Normalises an ID argument. @throws {TlsConfigError} `invalid_argument`. */
export function toSpiffeId(value: SpiffeIdLike, where: string): SpiffeId {
  try {
    return SpiffeId.from(value);
  } catch (error) {
    throw new TlsConfigError('invalid_argument', `${where}: ${reasonOf(error)}`, { cause: error });
  }
}
