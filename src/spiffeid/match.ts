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
