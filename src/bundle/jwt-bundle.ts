import type { KeyObject } from 'node:crypto';
import { quote } from '../internal/errors.js';
import { TrustDomain } from '../spiffeid/index.js';
import { BundleError } from './errors.js';
import { readKeySet, parseJsonText } from './jwks.js';
import {
  checkJwtAuthority,
  jwtAuthoritiesEqual,
  jwtAuthorityJwks,
  jwtAuthorityMap,
  type JwtAuthorities,
} from './jwt-authorities.js';
import { readBundleFile } from './load.js';
import type { JwtBundleSource } from './source.js';

const BRAND = Symbol.for('@spiffe-ts/sdk:JwtBundle');

/**
 * The JWT authorities of one trust domain: public keys by key ID (`kid`), used to validate
 * JWT-SVIDs whose `sub` is in that trust domain (J-17, W-25).
 *
 * A bundle is mutable, like go-spiffe's. Sources that share bundles (the Workload API sources)
 * hand out clones, so changing one never changes what a source serves.
 *
 * @example
 * const bundle = JwtBundle.parse('example.org', jwksJson);
 * const key = bundle.findJwtAuthority(header.kid);
 */
export class JwtBundle implements JwtBundleSource {
  readonly #trustDomain: TrustDomain;
  #authorities: Map<string, KeyObject>;

  private constructor(trustDomain: TrustDomain, authorities: Map<string, KeyObject>) {
    this.#trustDomain = trustDomain;
    this.#authorities = authorities;
  }

  /** An empty bundle for `trustDomain`. */
  static empty(trustDomain: TrustDomain | string): JwtBundle {
    return new JwtBundle(TrustDomain.from(trustDomain), new Map());
  }

  /**
   * A bundle holding `authorities` (key ID → public key).
   *
   * @throws {BundleError} `missing_key_id` for an empty key ID, `invalid_key` for a value that is
   *   not a public `KeyObject`.
   */
  static fromJwtAuthorities(trustDomain: TrustDomain | string, authorities: JwtAuthorities): JwtBundle {
    const td = TrustDomain.from(trustDomain);
    return new JwtBundle(td, jwtAuthorityMap(authorities, `invalid JWT authorities for ${quote(td.name)}`));
  }

  /**
   * Parses a JWK Set (RFC 7517 §5) of JWT authorities, such as the Workload API's
   * `FetchJWTBundles` values or a SPIFFE bundle document:
   * - keys with `use: "jwt-svid"` or with no `use` are loaded (the Workload API's JWKS carry
   *   none, A-10); keys with another `use` (`x509-svid`, `wit-svid`, `sig`, ...) are ignored (J-16,
   *   A-17); keys with a missing or unknown `kty` are ignored (B-6, B-9);
   * - each loaded key needs a unique, non-empty `kid` (J-15) and public members only.
   *
   * @throws {BundleError} `invalid_jwks` (not a JWK Set), `missing_keys`, `missing_key_id`,
   *   `duplicate_key_id`, `invalid_jwk` (naming the key's index).
   */
  static parse(trustDomain: TrustDomain | string, jwks: string | Uint8Array): JwtBundle {
    const td = TrustDomain.from(trustDomain);
    const where = `invalid JWT bundle for ${quote(td.name)}`;
    const { jwt } = readKeySet(parseJsonText(jwks, where, 'invalid_jwks'), where, 'jwt');
    return new JwtBundle(td, jwt);
  }

  /**
   * Reads a JWKS file (see {@link JwtBundle.parse}).
   *
   * @throws {BundleError} `read_failed`, or any error of `parse`.
   */
  static async load(trustDomain: TrustDomain | string, path: string): Promise<JwtBundle> {
    const td = TrustDomain.from(trustDomain);
    return JwtBundle.parse(td, await readBundleFile(path));
  }

  /** Recognises JwtBundle values from any copy of this package (ESM and CJS builds alike). */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** @internal brand for `instanceof` across package copies */
  get [BRAND](): true {
    return true;
  }

  /** The trust domain these authorities belong to. */
  get trustDomain(): TrustDomain {
    return this.#trustDomain;
  }

  /** The authorities, key ID → public key (a new Map each call). */
  jwtAuthorities(): Map<string, KeyObject> {
    return new Map(this.#authorities);
  }

  /** The public key with this key ID, or undefined. */
  findJwtAuthority(keyId: string): KeyObject | undefined {
    return this.#authorities.get(keyId);
  }

  /** Whether the bundle has a key with this key ID. */
  hasJwtAuthority(keyId: string): boolean {
    return this.#authorities.has(keyId);
  }

  /**
   * Adds a public key under `keyId`, replacing any key already there (as go-spiffe does).
   *
   * @throws {BundleError} `missing_key_id` for an empty key ID (J-15), `invalid_key` for a value
   *   that is not a public `KeyObject`.
   */
  addJwtAuthority(keyId: string, key: KeyObject): void {
    checkJwtAuthority(keyId, key, `invalid JWT authority for ${quote(this.#trustDomain.name)}`);
    this.#authorities.set(keyId, key);
  }

  /** Removes the key with this key ID; an absent one is ignored. */
  removeJwtAuthority(keyId: string): void {
    this.#authorities.delete(keyId);
  }

  /**
   * Replaces all authorities. All-or-nothing: on error the bundle is unchanged.
   *
   * @throws {BundleError} `missing_key_id`, `invalid_key`.
   */
  setJwtAuthorities(authorities: JwtAuthorities): void {
    this.#authorities = jwtAuthorityMap(
      authorities,
      `invalid JWT authorities for ${quote(this.#trustDomain.name)}`,
    );
  }

  /** Whether the bundle has no authority (the trust domain then has no usable JWT key, J-16). */
  isEmpty(): boolean {
    return this.#authorities.size === 0;
  }

  /**
   * The authorities as a JWK Set: `{"keys":[...]}`, each key with `use: "jwt-svid"`, its `kid`
   * and its public members (J-15). `parse` reads it back.
   *
   * @throws {BundleError} `unsupported_key_type` for a key with no JWK form (e.g. RSA-PSS).
   */
  marshal(): string {
    const where = `cannot marshal the JWT bundle of ${quote(this.#trustDomain.name)}`;
    return JSON.stringify({ keys: jwtAuthorityJwks(this.#authorities, where) });
  }

  /** Whether `other` has the same trust domain and the same key IDs with equal keys. */
  equals(other: JwtBundle | null | undefined): boolean {
    if (!(other instanceof JwtBundle) || !this.#trustDomain.equals(other.trustDomain)) return false;
    return jwtAuthoritiesEqual(this.#authorities, other.jwtAuthorities());
  }

  /** An independent copy (keys are immutable and shared). */
  clone(): JwtBundle {
    return new JwtBundle(this.#trustDomain, new Map(this.#authorities));
  }

  /**
   * The bundle itself, if `trustDomain` is its own: a bundle is a {@link JwtBundleSource} for its
   * trust domain.
   *
   * @throws {BundleError} `bundle_not_found` for any other trust domain.
   */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain | string): JwtBundle {
    const td = TrustDomain.from(trustDomain);
    if (!td.equals(this.#trustDomain)) {
      throw new BundleError('bundle_not_found', `no JWT bundle for trust domain ${quote(td.name)}`);
    }
    return this;
  }
}
