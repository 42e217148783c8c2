import { SpiffeIdError } from './errors.js';
import { SpiffeId, type SpiffeIdLike } from './spiffe-id.js';
import { TrustDomain } from './trust-domain.js';

/**
 * A matcher accepts a SPIFFE ID by returning, and refuses it by throwing a `SpiffeIdError`
 * (`unexpected_id` or `unexpected_trust_domain`) whose message says why.
 */
export type Matcher = (id: SpiffeId) => void;

/** The ID a matcher was given; anything but a SpiffeId (from untyped callers) is refused. */
function given(id: unknown): SpiffeId {
  if (!(id instanceof SpiffeId)) {
    throw new SpiffeIdError('unexpected_id', `unexpected ID: expected a SpiffeId, got ${typeof id}`);
  }
  return id;
}

/** Matches every ID. */
export function matchAny(): Matcher {
  return () => {};
}

/** Matches exactly `expected`. @throws {SpiffeIdError} at creation for an invalid ID string. */
export function matchId(expected: SpiffeIdLike): Matcher {
  const want = SpiffeId.from(expected);
  return (value) => {
    const id = given(value);
    if (!want.equals(id))
      throw new SpiffeIdError('unexpected_id', `unexpected ID "${id}": expected "${want}"`);
  };
}

/**
 * Matches `prefix` and the IDs under it (go-spiffe 2.9 `MatchIDPrefix`): an ID of the prefix's
 * trust domain whose path equals the prefix's path or extends it on a segment boundary. With
 * prefix `spiffe://example.org/ns/prod`, `spiffe://example.org/ns/prod` and
 * `spiffe://example.org/ns/prod/sa/api` match; `spiffe://example.org/ns/production` does not
 * (the path is compared by segments, never as a string prefix), nor does any ID of another
 * trust domain. The comparison is case-sensitive and exact (ID-12, A-1).
 *
 * A prefix with no path (`spiffe://example.org`) matches no ID, as in go-spiffe: to accept a
 * whole trust domain, say so with {@link matchMemberOf}.
 *
 * @throws {SpiffeIdError} at creation for an invalid prefix, e.g. `invalid_path` for
 *   `spiffe://example.org/ns/` (a trailing `/`, ID-11).
 */
export function matchIdPrefix(prefix: SpiffeIdLike): Matcher {
  const want = SpiffeId.from(prefix);
  const td = want.trustDomain;
  const path = want.path;
  return (value) => {
    const id = given(value);
    if (path === '') {
      throw new SpiffeIdError(
        'unexpected_id',
        `unexpected ID "${id}": the prefix "${want}" has no path, so it matches no ID (use matchMemberOf to match a trust domain)`,
      );
    }
    if (!id.memberOf(td)) {
      throw new SpiffeIdError(
        'unexpected_trust_domain',
        `unexpected trust domain "${id.trustDomain}" of ID "${id}": expected an ID under "${want}"`,
      );
    }
    if (id.path !== path && !id.path.startsWith(`${path}/`)) {
      throw new SpiffeIdError('unexpected_id', `unexpected ID "${id}": expected "${want}" or an ID under it`);
    }
  };
}

/** Matches any of `expected`. @throws {SpiffeIdError} at creation for an invalid ID string. */
export function matchOneOf(...expected: SpiffeIdLike[]): Matcher {
  const set = new Set(expected.map((e) => SpiffeId.from(e).toString()));
  return (value) => {
    const id = given(value);
    if (!set.has(id.toString())) {
      throw new SpiffeIdError(
        'unexpected_id',
        `unexpected ID "${id}": not one of the ${set.size} allowed IDs`,
      );
    }
  };
}

/** Matches every ID of `trustDomain`. @throws {SpiffeIdError} at creation for a bad name. */
export function matchMemberOf(trustDomain: TrustDomain | string): Matcher {
  const td = TrustDomain.from(trustDomain);
  return (value) => {
    const id = given(value);
    if (!id.memberOf(td)) {
      throw new SpiffeIdError(
        'unexpected_trust_domain',
        `unexpected trust domain "${id.trustDomain}" of ID "${id}": expected "${td}"`,
      );
    }
  };
}
