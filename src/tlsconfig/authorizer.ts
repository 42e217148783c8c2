import type { X509Certificate } from 'node:crypto';
import {
  matchId,
  matchIdPrefix,
  matchMemberOf,
  matchOneOf,
  SpiffeId,
  type Matcher,
  type SpiffeIdLike,
  type TrustDomain,
  SpiffeIdError,
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

/**
 * Accepts any peer whose SVID verified (go-spiffe `AuthorizeAny`).
 *
 * To accept a peer that any of several authorizers accepts, use {@link authorizeAnyOf}: given
 * arguments, `authorizeAny` throws rather than silently accepting everyone.
 * @throws {TlsConfigError} `invalid_argument` when called with arguments.
 */
export function authorizeAny(...none: never[]): Authorizer {
  if (none.length > 0) {
    throw new TlsConfigError(
      'invalid_argument',
      'authorizeAny takes no arguments and accepts every peer: to accept a peer any of several authorizers accepts, use authorizeAnyOf',
    );
  }
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
 * Accepts `prefix` and the IDs under it (go-spiffe 2.9 `AuthorizeIDPrefix`): peers of the
 * prefix's trust domain whose path equals the prefix's path or extends it on a segment boundary
 * (`spiffe://example.org/ns/prod` accepts `.../ns/prod/sa/api`, not `.../ns/production`). A
 * prefix with no path accepts no peer, as in go-spiffe; use {@link authorizeMemberOf} for a whole
 * trust domain. See `matchIdPrefix`.
 * @throws {TlsConfigError} `invalid_argument` for an invalid prefix (e.g. a trailing `/`, ID-11).
 */
export function authorizeIdPrefix(prefix: SpiffeIdLike): Authorizer {
  const matcher = adaptMatcher(created(() => matchIdPrefix(prefix), 'authorizeIdPrefix'));
  if (toSpiffeId(prefix, 'authorizeIdPrefix').path !== '') return matcher;
  // No path: a misconfiguration rather than a rule, which authorizeNot must not negate.
  return (id, chains) => {
    try {
      matcher(id, chains);
    } catch (error) {
      const refusal = new TlsConfigError('unauthorized', reasonOf(error), { cause: error });
      undecided.add(refusal);
      throw refusal;
    }
  };
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
 * Accepts a peer only if every one of `authorizers` accepts it (logical AND; go-spiffe #208).
 * They run in order and the first refusal is the answer, with that authorizer's reason. With no
 * authorizers it refuses every peer (fail closed: an empty rule list is a configuration mistake,
 * not a policy), saying so.
 *
 * @example
 * authorizeAllOf(authorizeMemberOf('example.org'), authorizeNot(authorizeId('spiffe://example.org/batch')))
 * @throws {TlsConfigError} `invalid_argument` when an argument is not a function.
 */
export function authorizeAllOf(...authorizers: Authorizer[]): Authorizer {
  const all = checkAuthorizers(authorizers, 'authorizeAllOf');
  return (id, chains) => {
    if (all.length === 0) throw refusedByEmpty(id, 'authorizeAllOf');
    for (const authorizer of all) runAuthorizer(authorizer, id, chains);
  };
}

/**
 * Accepts a peer that at least one of `authorizers` accepts (logical OR; go-spiffe #208). They
 * run in order until one accepts; when all refuse, the error lists every reason (and its `cause`
 * is an `AggregateError` of their errors). With no authorizers it refuses every peer (fail
 * closed), saying so.
 *
 * @example
 * // go-spiffe #208: members of our trust domain, or one of the admin IDs of another.
 * authorizeAnyOf(authorizeMemberOf('example.org'), authorizeOneOf(...adminIds))
 * @throws {TlsConfigError} `invalid_argument` when an argument is not a function.
 */
export function authorizeAnyOf(...authorizers: Authorizer[]): Authorizer {
  const any = checkAuthorizers(authorizers, 'authorizeAnyOf');
  return (id, chains) => {
    if (any.length === 0) throw refusedByEmpty(id, 'authorizeAnyOf');
    const refusals: TlsConfigError[] = [];
    for (const authorizer of any) {
      try {
        runAuthorizer(authorizer, id, chains);
        return;
      } catch (error) {
        refusals.push(error as TlsConfigError);
      }
    }
    // Each reason without the "peer … is not authorized: " the outer message already says.
    const peer = `peer ${quote(id.toString())} `;
    const why = (m: string): string =>
      m.startsWith(peer) ? m.slice(peer.length).replace(/^(is not authorized|refused): /, '') : m;
    const reasons = refusals.map((e, i) => `${i + 1}: ${why(e.message)}`).join('; ');
    throw new TlsConfigError(
      'unauthorized',
      `peer ${quote(id.toString())} is not authorized: none of the ${any.length} authorizers of authorizeAnyOf accepts it (${reasons})`,
      { cause: new AggregateError(refusals, 'every authorizer of authorizeAnyOf refused the peer') },
    );
  };
}

/**
 * Accepts a peer that `authorizer` refuses, and refuses one it accepts (logical NOT; go-spiffe
 * #208): `authorizeNot(authorizeIdPrefix('spiffe://example.org/ns/batch'))`. Combine it with a
 * positive rule (`authorizeAllOf(authorizeMemberOf(td), authorizeNot(...))`): alone it accepts
 * every verified peer of every trusted trust domain the inner one refuses.
 *
 * Fails closed: only a definite refusal of the inner authorizer counts, that is a thrown
 * `TlsConfigError` `unauthorized` (what the SDK's authorizers and {@link adaptMatcher} throw), a
 * thrown `SpiffeIdError` `unexpected_id`/`unexpected_trust_domain` (a matcher's refusal), or a
 * returned `false`. Anything else it throws (a `TypeError` from a bug, also when a nested
 * authorizer or matcher threw it), a returned Promise, or the refusal of an empty
 * `authorizeAllOf()`/`authorizeAnyOf()` (a misconfiguration) refuses the peer too.
 * @throws {TlsConfigError} `invalid_argument` when `authorizer` is not a function.
 */
export function authorizeNot(authorizer: Authorizer): Authorizer {
  const inner = checkAuthorizer(authorizer, 'authorizeNot');
  return (id, chains) => {
    let result: unknown;
    try {
      result = inner(id, chains);
    } catch (error) {
      if (isRefusal(error)) return;
      throw new TlsConfigError(
        'unauthorized',
        `peer ${quote(id.toString())} refused: the authorizer of authorizeNot failed rather than refusing (${reasonOf(error)}), so it is not negated (fail closed)`,
        { cause: error },
      );
    }
    if (result === false) return;
    if (result === undefined || result === true) {
      throw new TlsConfigError(
        'unauthorized',
        `peer ${quote(id.toString())} refused: authorizeNot refuses what its authorizer accepts`,
      );
    }
    const isPromise = typeof (result as { then?: unknown } | null)?.then === 'function';
    if (isPromise) (result as Promise<unknown>).then(undefined, () => {});
    throw new TlsConfigError(
      'unauthorized',
      `peer ${quote(id.toString())} refused: the authorizer of authorizeNot returned ${isPromise ? 'a Promise (it must decide synchronously)' : quote(String(result))}, which is neither an acceptance nor a refusal (fail closed)`,
    );
  };
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
    throw undecidedRefusal(
      `peer ${quote(id.toString())} refused: the authorizer returned a Promise, but it must decide synchronously (the handshake cannot wait)`,
    );
  }
  const refusal = new TlsConfigError(
    'unauthorized',
    `peer ${quote(id.toString())} refused: the authorizer returned ${quote(String(result))}`,
  );
  if (result !== false) undecided.add(refusal); // only `false` is a decision
  throw refusal;
}

function undecidedRefusal(message: string): TlsConfigError {
  const error = new TlsConfigError('unauthorized', message);
  undecided.add(error);
  return error;
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

function checkAuthorizers(authorizers: unknown[], where: string): Authorizer[] {
  authorizers.forEach((a, i) => {
    if (typeof a !== 'function') {
      throw new TlsConfigError(
        'invalid_argument',
        `${where}: argument ${i + 1} must be an authorizer (a function), got ${a === null ? 'null' : typeof a}`,
      );
    }
  });
  return [...(authorizers as Authorizer[])];
}

/**
 * Refusals that are not a decision (an empty combinator, a returned Promise or odd value), which
 * `authorizeNot` must not turn into an acceptance.
 */
const undecided = new WeakSet<object>();

function refusedByEmpty(id: SpiffeId, where: string): TlsConfigError {
  return undecidedRefusal(
    `peer ${quote(id.toString())} refused: ${where} was given no authorizers, so it refuses every peer (fail closed)`,
  );
}

/**
 * Whether a thrown value is a definite refusal, not a failure: a `TlsConfigError` `unauthorized`
 * that is a decision and whose cause (if any) is one too (so a `TypeError` wrapped by
 * `adaptMatcher` or `authorizeAllOf` is still a failure), a matcher's `SpiffeIdError`, or an
 * `AggregateError` (of `authorizeAnyOf`) of definite refusals only.
 */
function isRefusal(error: unknown): boolean {
  if (error instanceof TlsConfigError) {
    if (error.code !== 'unauthorized' || undecided.has(error)) return false;
    return error.cause === undefined || isRefusal(error.cause);
  }
  if (error instanceof SpiffeIdError) {
    return error.code === 'unexpected_id' || error.code === 'unexpected_trust_domain';
  }
  if (error instanceof AggregateError) return error.errors.every(isRefusal);
  return false;
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
