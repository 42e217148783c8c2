import type { KeyObject } from 'node:crypto';
import type { JwtBundleSource } from '../bundle/index.js';
import { quote } from '../internal/errors.js';
import type { SpiffeId } from '../spiffeid/index.js';
import { SvidError } from './errors.js';
import { keyMismatch, verifySignature } from './jwt-algorithms.js';
import { checkAudience, checkTimes, expectedAudience, readClaims, type SvidClaims } from './jwt-claims.js';
import { decodeToken, type DecodedToken } from './jwt-compact.js';

const BRAND = Symbol.for('@spiffe-ts/sdk:JwtSvid');
/** go-spiffe's leeway for exp, nbf and iat. */
const DEFAULT_LEEWAY_SECONDS = 60;

/** Options of `JwtSvid.parseAndValidate` and `JwtSvid.parseInsecure`. */
export interface JwtSvidParseOptions {
  /** The time to check exp, nbf and iat against; defaults to now. */
  time?: Date;
  /** Clock-skew tolerance in seconds for exp, nbf and iat; default 60 (go-spiffe parity). */
  leewaySeconds?: number;
  /** The Workload API's operator-defined hint for this SVID; `''` when absent. */
  hint?: string;
}

/**
 * A JWT-SVID: a compact JWS whose `sub` is a SPIFFE ID (JWT-SVID spec).
 *
 * @example
 * const svid = JwtSvid.parseAndValidate(token, bundles, 'spiffe://example.org/api');
 * svid.id.toString(); // the caller's SPIFFE ID
 */
export class JwtSvid {
  /** The SPIFFE ID in `sub`. */
  readonly id: SpiffeId;
  /** The `aud` claim, as a list (a string `aud` becomes a one-element list). */
  readonly audience: readonly string[];
  /** When the token expires (`exp`). */
  readonly expiry: Date;
  /** Every claim of the payload, as parsed JSON. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** The operator-defined hint from the Workload API, `''` if none. */
  readonly hint: string;
  /** The token as received (a bearer credential: handle it as a secret). */
  readonly token: string;

  private constructor(c: SvidClaims, claims: Record<string, unknown>, hint: string, token: string) {
    this.id = c.id;
    this.audience = Object.freeze([...c.audience]);
    this.expiry = new Date(c.exp * 1000);
    this.claims = Object.freeze(claims);
    this.hint = hint;
    this.token = token;
    Object.freeze(this);
  }

  /**
   * Parses and validates a JWT-SVID: the header rules (J-1..J-6, see `docs/svid.md`), the claims
   * (`sub` a SPIFFE ID, `aud`, `exp`: J-7..J-12), the signature with a key of the bundle of
   * `sub`'s trust domain only (J-17), then the times (exp, nbf, iat with leeway) and the audience
   * (accepted when any expected audience is in `aud`; A-6).
   *
   * Keys: with a `kid`, that key of the bundle (`authority_not_found` when absent); without one
   * (J-5 makes `kid` optional, A-4), each key of the bundle whose type fits `alg` is tried. A key
   * whose type does not fit `alg` is never used (an EC key cannot verify RS256).
   *
   * @param audience the audience(s) this validator accepts; must not be empty (A-6).
   * @throws {SvidError} `invalid_argument`, `malformed_token`, `unsupported_algorithm`,
   *   `invalid_header`, `missing_claim`, `invalid_claim`, `bundle_not_found`,
   *   `authority_not_found`, `key_algorithm_mismatch`, `invalid_signature`, `token_expired`,
   *   `token_not_yet_valid`, `token_issued_in_future` or `audience_mismatch`.
   */
  static parseAndValidate(
    token: string,
    bundleSource: JwtBundleSource,
    audience: string | readonly string[],
    options?: JwtSvidParseOptions,
  ): JwtSvid {
    const expected = expectedAudience(audience);
    if (typeof bundleSource?.getJwtBundleForTrustDomain !== 'function') {
      throw new SvidError('invalid_argument', 'bundleSource must be a JwtBundleSource');
    }
    const { now, leeway, hint } = readOptions(options);
    const decoded = decodeToken(token);
    const claims = readClaims(decoded.claims);
    verifyTokenSignature(decoded, claims.id, bundleSource);
    checkTimes(claims, now, leeway);
    checkAudience(claims.audience, expected);
    return new JwtSvid(claims, decoded.claims, hint, token);
  }

  /**
   * Parses a JWT-SVID WITHOUT checking its signature: every other rule of `parseAndValidate`
   * applies. Only for tokens from a trusted channel, such as the Workload API's own responses
   * (go-spiffe's `ParseInsecure`).
   *
   * @throws {SvidError} as `parseAndValidate`, except the key and signature codes.
   */
  static parseInsecure(
    token: string,
    audience: string | readonly string[],
    options?: JwtSvidParseOptions,
  ): JwtSvid {
    const expected = expectedAudience(audience);
    const { now, leeway, hint } = readOptions(options);
    const decoded = decodeToken(token);
    const claims = readClaims(decoded.claims);
    checkTimes(claims, now, leeway);
    checkAudience(claims.audience, expected);
    return new JwtSvid(claims, decoded.claims, hint, token);
  }

  /** Recognises JwtSvid values from any copy of this package (ESM and CJS builds alike). */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** @internal brand for `instanceof` across package copies */
  get [BRAND](): true {
    return true;
  }

  /** The token as received. */
  marshal(): string {
    return this.token;
  }

  /** Shows the ID and audience, never the token. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `JwtSvid(${this.id.toString()}, aud=${JSON.stringify(this.audience)}, exp=${this.expiry.toISOString()})`;
  }
}

function readOptions(options: JwtSvidParseOptions | undefined): {
  now: number;
  leeway: number;
  hint: string;
} {
  const time = options?.time;
  const ms = time === undefined ? Date.now() : time instanceof Date ? time.getTime() : NaN;
  if (Number.isNaN(ms)) throw new SvidError('invalid_argument', 'options.time must be a valid Date');
  const leeway = options?.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS;
  if (typeof leeway !== 'number' || !Number.isFinite(leeway) || leeway < 0) {
    throw new SvidError('invalid_argument', 'options.leewaySeconds must be a finite number ≥ 0');
  }
  const hint = options?.hint ?? '';
  if (typeof hint !== 'string') throw new SvidError('invalid_argument', 'options.hint must be a string');
  return { now: ms / 1000, leeway, hint };
}

/** J-17, J-5, A-4, A-8: find the key in the bundle of `sub`'s trust domain and verify. */
function verifyTokenSignature(decoded: DecodedToken, id: SpiffeId, source: JwtBundleSource): void {
  const td = id.trustDomain;
  let bundle;
  try {
    bundle = source.getJwtBundleForTrustDomain(td);
  } catch (cause) {
    throw new SvidError(
      'bundle_not_found',
      `no JWT bundle for trust domain ${quote(td.name)} of subject ${id.toString()} (J-17)`,
      { cause },
    );
  }
  const { alg, kid } = decoded;
  const data = Buffer.from(decoded.signingInput, 'latin1');
  let keys: KeyObject[];
  if (kid !== undefined) {
    const key = bundle.findJwtAuthority(kid);
    if (key === undefined) {
      throw new SvidError(
        'authority_not_found',
        `no JWT authority with kid ${quote(kid)} in the bundle of trust domain ${quote(td.name)} (J-5)`,
      );
    }
    const mismatch = keyMismatch(key, alg);
    if (mismatch !== undefined) {
      throw new SvidError(
        'key_algorithm_mismatch',
        `JWT authority ${quote(kid)} of trust domain ${quote(td.name)} cannot verify the token: ${mismatch} (J-3)`,
      );
    }
    keys = [key];
  } else {
    keys = [...bundle.jwtAuthorities().values()].filter((k) => keyMismatch(k, alg) === undefined);
    if (keys.length === 0) {
      throw new SvidError(
        'authority_not_found',
        `token has no kid and no JWT authority of trust domain ${quote(td.name)} fits ${alg} (J-5, A-4)`,
      );
    }
  }
  for (const key of keys) {
    if (verifySignature(alg, key, data, decoded.signature)) return;
  }
  const which =
    kid !== undefined ? `JWT authority ${quote(kid)}` : `any of the ${keys.length} ${alg} JWT authorities`;
  throw new SvidError(
    'invalid_signature',
    `token signature does not verify with ${which} of trust domain ${quote(td.name)}`,
  );
}
