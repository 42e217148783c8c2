import { quote } from '../internal/errors.js';
import { SpiffeId } from '../spiffeid/index.js';
import { SvidError } from './errors.js';

/** The registered claims a JWT-SVID must carry, read and type-checked. */
export interface SvidClaims {
  id: SpiffeId;
  audience: string[];
  /** exp, nbf and iat as JSON numbers (seconds since the epoch). */
  exp: number;
  nbf: number | undefined;
  iat: number | undefined;
}

/**
 * Reads `sub` (J-7: a SPIFFE ID), `aud` (J-8, J-9: a string or a non-empty array of strings,
 * A-5), `exp` (J-12: a number) and, when present, `nbf` and `iat` (numbers).
 *
 * @throws {SvidError} `missing_claim` or `invalid_claim`.
 */
export function readClaims(claims: Record<string, unknown>): SvidClaims {
  const { sub, aud, exp, nbf, iat } = claims;
  if (sub === undefined) throw new SvidError('missing_claim', 'token has no "sub" claim (J-7)');
  if (typeof sub !== 'string')
    throw new SvidError('invalid_claim', `token "sub" claim is not a string (J-7)`);
  let id: SpiffeId;
  try {
    id = SpiffeId.parse(sub);
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new SvidError('invalid_claim', `token "sub" claim is not a SPIFFE ID: ${detail} (J-7)`, { cause });
  }
  if (aud === undefined) throw new SvidError('missing_claim', 'token has no "aud" claim (J-8, J-9)');
  let audience: string[];
  if (typeof aud === 'string') {
    audience = [aud];
  } else if (Array.isArray(aud) && aud.length > 0 && aud.every((a) => typeof a === 'string')) {
    audience = aud as string[];
  } else {
    throw new SvidError(
      'invalid_claim',
      'token "aud" claim must be a string or a non-empty array of strings (J-8, A-5)',
    );
  }
  if (exp === undefined) throw new SvidError('missing_claim', 'token has no "exp" claim (J-12)');
  return {
    id,
    audience,
    exp: numericDate(exp, 'exp'),
    nbf: optionalDate(nbf, 'nbf'),
    iat: optionalDate(iat, 'iat'),
  };
}

function numericDate(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new SvidError(
      'invalid_claim',
      `token "${name}" claim is not a NumericDate (a number of seconds; RFC 7519 §2)`,
    );
  }
  return value;
}

function optionalDate(value: unknown, name: string): number | undefined {
  return value === undefined ? undefined : numericDate(value, name);
}

/**
 * Time rules with `leeway` seconds of tolerance (go-spiffe uses one minute): reject when `exp` has
 * passed (J-12), when `nbf` is still ahead (RFC 7519 §4.1.5), or when `iat` is in the future
 * (A-9, go-jose parity). `now` is in seconds.
 *
 * @throws {SvidError} `token_expired`, `token_not_yet_valid` or `token_issued_in_future`.
 */
export function checkTimes(c: SvidClaims, now: number, leeway: number): void {
  if (now - leeway > c.exp) {
    throw new SvidError(
      'token_expired',
      `token expired at ${isoSeconds(c.exp)} (checked at ${isoSeconds(now)} with ${leeway}s leeway; J-12)`,
    );
  }
  if (c.nbf !== undefined && now + leeway < c.nbf) {
    throw new SvidError(
      'token_not_yet_valid',
      `token is not valid before ${isoSeconds(c.nbf)} (checked at ${isoSeconds(now)} with ${leeway}s leeway; RFC 7519 §4.1.5)`,
    );
  }
  if (c.iat !== undefined && now + leeway < c.iat) {
    throw new SvidError(
      'token_issued_in_future',
      `token was issued in the future, at ${isoSeconds(c.iat)} (checked at ${isoSeconds(now)} with ${leeway}s leeway; A-9)`,
    );
  }
}

function isoSeconds(seconds: number): string {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? `${seconds}s` : d.toISOString();
}

/**
 * J-10, A-6: accepts the token when any expected audience is an element of its `aud`
 * (exact, case-sensitive comparison; go-spiffe's semantics).
 *
 * @throws {SvidError} `audience_mismatch`.
 */
export function checkAudience(audience: readonly string[], expected: readonly string[]): void {
  if (expected.some((e) => audience.includes(e))) return;
  const list = (xs: readonly string[]): string =>
    `[${xs
      .slice(0, 5)
      .map((x) => quote(x, 60))
      .join(', ')}${xs.length > 5 ? ', …' : ''}]`;
  throw new SvidError(
    'audience_mismatch',
    `token audience ${list(audience)} contains none of the expected ${list(expected)} (J-10)`,
  );
}

/**
 * Normalises the caller's expected audience: one string or a non-empty list of non-empty strings.
 * An empty list is refused (A-6: go-jose then skips the audience check, which J-9 forbids).
 *
 * @throws {SvidError} `invalid_argument`.
 */
export function expectedAudience(audience: string | readonly string[]): readonly string[] {
  const list = typeof audience === 'string' ? [audience] : audience;
  if (!Array.isArray(list) || list.length === 0 || !list.every((a) => typeof a === 'string' && a !== '')) {
    throw new SvidError(
      'invalid_argument',
      'the expected audience must be a non-empty string or a non-empty list of non-empty strings (J-10, A-6)',
    );
  }
  return list;
}
