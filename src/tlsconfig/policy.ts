import { quote } from '../internal/errors.js';
import { SpiffeId, type SpiffeIdLike } from '../spiffeid/index.js';
import type { X509SvidSource } from '../svid/index.js';
import type { Authorizer } from './authorizer.js';
import { reasonOf, TlsConfigError } from './errors.js';
import { IdPattern } from './id-pattern.js';

/**
 * Which peers each local identity accepts: keys are local SPIFFE IDs (or patterns), values the
 * peer IDs (or patterns) it accepts. Patterns are those of `authorizeMatch`.
 *
 * @example
 * { 'spiffe://example.org/ns/prod/sa/database': ['spiffe://example.org/ns/prod/sa/api-server'] }
 */
export type AuthorizationPolicy = Readonly<Record<string, readonly string[]>>;

interface Rule {
  local: IdPattern;
  peers: IdPattern[];
}

/**
 * An authorizer from a rule table (the shape of the OPA policies people write for SPIFFE):
 * the peer is accepted when a rule whose key matches the local identity lists a pattern the peer
 * matches. Default deny: no rule for the local identity, or no matching peer pattern, refuses.
 *
 * The local identity is read on every decision, so it follows SVID rotation and a workload with
 * several identities: pass the X509-SVID source the server or client presents (an `X509Source`
 * or a fixed `X509Svid`), or a fixed SPIFFE ID (e.g. for the JWT-SVID middleware).
 *
 * @throws {TlsConfigError} `invalid_policy` for a malformed table or pattern;
 *   `invalid_argument` for a bad `localIdentity`.
 */
export function authorizePolicy(
  policy: AuthorizationPolicy,
  localIdentity: X509SvidSource | SpiffeIdLike,
): Authorizer {
  const rules = compilePolicy(policy);
  const local = localIdOf(localIdentity);
  return (id) => {
    let me: SpiffeId;
    try {
      me = local();
    } catch (error) {
      throw new TlsConfigError(
        'unauthorized',
        `cannot apply the policy: the local identity is unknown: ${reasonOf(error)}`,
        {
          cause: error,
        },
      );
    }
    const mine = rules.filter((r) => r.local.matches(me));
    if (mine.length === 0) {
      throw new TlsConfigError(
        'unauthorized',
        `peer ${quote(id.toString())} refused: the policy has no rule for the local identity ${quote(me.toString())} (default deny)`,
      );
    }
    if (mine.some((r) => r.peers.some((p) => p.matches(id)))) return;
    const keys = mine.map((r) => r.local.source).filter((k) => k !== me.toString());
    const which = keys.length === 0 ? '' : ` (rule ${keys.map((k) => quote(k)).join(', ')})`;
    throw new TlsConfigError(
      'unauthorized',
      `peer ${quote(id.toString())} is not allowed by the policy for the local identity ${quote(me.toString())}${which}`,
    );
  };
}

function compilePolicy(policy: AuthorizationPolicy): Rule[] {
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) {
    throw new TlsConfigError(
      'invalid_policy',
      'authorizePolicy: the policy must be an object mapping local SPIFFE IDs to lists of peer IDs',
    );
  }
  const rules: Rule[] = [];
  for (const [key, peers] of Object.entries(policy)) {
    const where = `authorizePolicy: rule ${quote(key)}`;
    if (!Array.isArray(peers) || !peers.every((p) => typeof p === 'string')) {
      throw new TlsConfigError(
        'invalid_policy',
        `${where}: the value must be an array of SPIFFE ID patterns`,
      );
    }
    try {
      rules.push({ local: IdPattern.compile(key), peers: peers.map((p) => IdPattern.compile(p)) });
    } catch (error) {
      throw new TlsConfigError('invalid_policy', `${where}: ${reasonOf(error)}`, { cause: error });
    }
  }
  if (rules.length === 0)
    throw new TlsConfigError('invalid_policy', 'authorizePolicy: the policy has no rules');
  return rules;
}

function localIdOf(localIdentity: X509SvidSource | SpiffeIdLike): () => SpiffeId {
  if (
    typeof localIdentity === 'object' &&
    localIdentity !== null &&
    typeof (localIdentity as X509SvidSource).getX509Svid === 'function'
  ) {
    const source = localIdentity as X509SvidSource;
    return () => source.getX509Svid().id;
  }
  let id: SpiffeId;
  try {
    id = SpiffeId.from(localIdentity as SpiffeIdLike);
  } catch (error) {
    throw new TlsConfigError(
      'invalid_argument',
      `authorizePolicy: localIdentity must be an X509-SVID source or a SPIFFE ID: ${reasonOf(error)}`,
      {
        cause: error,
      },
    );
  }
  return () => id;
}
