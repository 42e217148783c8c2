import type { SpiffeId, SpiffeIdLike } from '../spiffeid/index.js';
import type { ForbiddenJwtAlgorithm, JwtSvidAlgorithm } from './jwt-signer.js';

/** What {@link FakeCa.issueJwtSvid} mints; the members after `audience` are overrides for negative tests. */
export interface IssueJwtSvidOptions {
  /** The subject (`sub`). */
  id: SpiffeIdLike;
  /** `aud`: a string is written as a string, an array as an array; `[]` is written as is. */
  audience: string | string[];
  /** Lifetime in milliseconds; default 5 minutes (SPIRE's default JWT-SVID TTL). */
  ttl?: number;
  /**
   * Default `ES256`. Every JWT-SVID algorithm (J-3) signs with the CA's key for its family
   * (P-256, P-384, P-521, or one RSA key for RS* and PS*), created and published on first use.
   * The forbidden ones (J-4) mint a token no verifier can check (see {@link ForbiddenJwtAlgorithm}).
   */
  alg?: JwtSvidAlgorithm | ForbiddenJwtAlgorithm;
  /** `kid` header: default the signing key's id; a string writes that id instead; `null` omits it. */
  kid?: string | null;
  /**
   * Claims merged over the defaults `{ sub, aud, exp, iat }` (`exp` and `iat` in seconds); a
   * member set to `undefined` removes the claim, e.g. `{ exp: undefined }`.
   */
  claims?: Record<string, unknown>;
  /**
   * Header members merged over the defaults `{ alg, kid, typ: 'JWT' }`; `undefined` removes one,
   * e.g. `{ typ: undefined }` or `{ crit: ['exp'] }`. Applied after `kid`.
   */
  header?: Record<string, unknown>;
  /** Flip a bit of the signature, so that it does not verify. */
  invalidSignature?: boolean;
}

/** A JWT-SVID minted by {@link FakeCa.issueJwtSvid}: the token and what went into it. */
export interface IssuedJwtSvid {
  /** The JWS compact serialization. */
  token: string;
  /** The requested subject (the `sub` claim unless overridden). */
  id: SpiffeId;
  /** The requested audience as a list. */
  audience: string[];
  /** The `exp` claim as written, or undefined when it was removed or is not a number. */
  expiresAt: Date | undefined;
  /** The `kid` header as written, or undefined when absent. */
  kid: string | undefined;
  /** The algorithm the token was signed with. */
  alg: JwtSvidAlgorithm | ForbiddenJwtAlgorithm;
}

/** Sets each member of `changes` on `target`, deleting those whose value is `undefined`. */
export function mergeMembers(
  target: Record<string, unknown>,
  changes: Record<string, unknown> | undefined,
): void {
  for (const [key, value] of Object.entries(changes ?? {})) {
    if (value === undefined) delete target[key];
    // An own property even for "__proto__", so that tests can mint such claims.
    else Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  }
}
