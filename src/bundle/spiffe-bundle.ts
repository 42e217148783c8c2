import type { KeyObject, X509Certificate } from 'node:crypto';
import { quote } from '../internal/errors.js';
import type { JsonValue } from '../internal/json.js';
import { TrustDomain } from '../spiffeid/index.js';
import { checkRefreshHint, checkSequence, readRefreshHint, readSequence } from './bundle-metadata.js';
import { describe, type X509AuthorityInput } from './certificate.js';
import { BundleError } from './errors.js';
import { exportJwk } from './jwk.js';
import { member, parseJsonText, readKeySet, USE_X509_SVID } from './jwks.js';
import { jwtAuthoritiesEqual, jwtAuthorityJwks, type JwtAuthorities } from './jwt-authorities.js';
import { JwtBundle } from './jwt-bundle.js';
import { readBundleFile } from './load.js';
import type { JwtBundleSource, SpiffeBundleSource, X509BundleSource } from './source.js';
import { X509Bundle } from './x509-bundle.js';

const BRAND = Symbol.for('@spiffe-ts/sdk:SpiffeBundle');

/**
 * The SPIFFE bundle of one trust domain (Trust Domain and Bundle §4): its X.509 authorities, its
 * JWT authorities, and the optional `spiffe_sequence` and `spiffe_refresh_hint`. This is the form
 * exchanged by federation and stored per trust domain (B-1).
 *
 * A bundle is mutable, like go-spiffe's. Sources that share bundles (the Workload API sources)
 * hand out clones, so changing one never changes what a source serves.
 *
 * @example
 * const bundle = SpiffeBundle.parse('example.org', await (await fetch(url)).text());
 * bundle.x509Authorities();   // CA certificates (x509-svid keys)
 * bundle.jwtAuthorities();    // kid → public key (jwt-svid keys)
 * bundle.refreshHint;         // seconds, or undefined
 */
export class SpiffeBundle implements SpiffeBundleSource, X509BundleSource, JwtBundleSource {
  readonly #trustDomain: TrustDomain;
  readonly #x509: X509Bundle;
  readonly #jwt: JwtBundle;
  #refreshHint: number | undefined;
  #sequenceNumber: bigint | undefined;

  private constructor(x509: X509Bundle, jwt: JwtBundle, refreshHint?: number, sequenceNumber?: bigint) {
    this.#trustDomain = x509.trustDomain;
    this.#x509 = x509;
    this.#jwt = jwt;
    this.#refreshHint = refreshHint;
    this.#sequenceNumber = sequenceNumber;
  }

  /** An empty bundle for `trustDomain`, with no refresh hint and no sequence number. */
  static empty(trustDomain: TrustDomain | string): SpiffeBundle {
    const td = TrustDomain.from(trustDomain);
    return new SpiffeBundle(X509Bundle.empty(td), JwtBundle.empty(td));
  }

  /**
   * Parses a SPIFFE bundle (a JWK Set, Trust Domain and Bundle §4), following the spec where
   * go-spiffe is stricter (see docs/bundle.md):
   * - unknown top-level members are allowed (B-2); `keys` is required (B-5), `[]` is valid and
   *   means every key was revoked (B-7);
   * - `spiffe_sequence` is kept exactly, up to 2^64-1 (B-3); `spiffe_refresh_hint` is whole
   *   seconds (B-4);
   * - a JWK with a missing or unknown `kty` or `use` is ignored (B-6, B-9, B-10, B-11), so are
   *   `wit-svid` keys;
   * - an `x509-svid` key without `x5c` is ignored; with several, the first is used;
   *   the certificate's key must match the JWK's (RFC 7517 §4.7);
   * - a `jwt-svid` key needs a unique `kid` (J-15).
   *
   * @throws {BundleError} `invalid_jwks`, `missing_keys`, `invalid_jwk`, `missing_key_id`,
   *   `duplicate_key_id`, `invalid_sequence`, `invalid_refresh_hint`.
   */
  static parse(trustDomain: TrustDomain | string, json: string | Uint8Array): SpiffeBundle {
    const td = TrustDomain.from(trustDomain);
    const where = `invalid SPIFFE bundle for ${quote(td.name)}`;
    return spiffeBundleFromJson(td, parseJsonText(json, where, 'invalid_jwks'), where);
  }

  /**
   * Reads a SPIFFE bundle file (see {@link SpiffeBundle.parse}).
   *
   * @throws {BundleError} `read_failed`, or any error of `parse`.
   */
  static async load(trustDomain: TrustDomain | string, path: string): Promise<SpiffeBundle> {
    const td = TrustDomain.from(trustDomain);
    return SpiffeBundle.parse(td, await readBundleFile(path));
  }

  /**
   * A bundle with the authorities of an X.509 bundle (copied) and no JWT authorities.
   *
   * @throws {BundleError} `invalid_argument` when `bundle` is not an X509Bundle.
   */
  static fromX509Bundle(bundle: X509Bundle): SpiffeBundle {
    if (!(bundle instanceof X509Bundle)) {
      throw new BundleError('invalid_argument', `expected an X509Bundle, got ${describe(bundle)}`);
    }
    return new SpiffeBundle(bundle.clone(), JwtBundle.empty(bundle.trustDomain));
  }

  /**
   * A bundle with the authorities of a JWT bundle (copied) and no X.509 authorities.
   *
   * @throws {BundleError} `invalid_argument` when `bundle` is not a JwtBundle.
   */
  static fromJwtBundle(bundle: JwtBundle): SpiffeBundle {
    if (!(bundle instanceof JwtBundle)) {
      throw new BundleError('invalid_argument', `expected a JwtBundle, got ${describe(bundle)}`);
    }
    return new SpiffeBundle(X509Bundle.empty(bundle.trustDomain), bundle.clone());
  }

  /**
   * A bundle with these X.509 authorities.
   *
   * @throws {BundleError} `invalid_certificate`.
   */
  static fromX509Authorities(
    trustDomain: TrustDomain | string,
    authorities: Iterable<X509AuthorityInput>,
  ): SpiffeBundle {
    const x509 = X509Bundle.fromAuthorities(trustDomain, authorities);
    return new SpiffeBundle(x509, JwtBundle.empty(x509.trustDomain));
  }

  /**
   * A bundle with these JWT authorities.
   *
   * @throws {BundleError} `missing_key_id`, `invalid_key`.
   */
  static fromJwtAuthorities(trustDomain: TrustDomain | string, authorities: JwtAuthorities): SpiffeBundle {
    const jwt = JwtBundle.fromJwtAuthorities(trustDomain, authorities);
    return new SpiffeBundle(X509Bundle.empty(jwt.trustDomain), jwt);
  }

  /** Recognises SpiffeBundle values from any copy of this package (ESM and CJS builds alike). */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** @internal brand for `instanceof` across package copies */
  get [BRAND](): true {
    return true;
  }

  /** The trust domain this bundle belongs to. */
  get trustDomain(): TrustDomain {
    return this.#trustDomain;
  }

  /**
   * The refresh hint in whole seconds (`spiffe_refresh_hint`, B-4), or undefined. Only a hint:
   * the federation layer decides how often to poll (F-2, B-16).
   */
  get refreshHint(): number | undefined {
    return this.#refreshHint;
  }

  /**
   * Sets or (with undefined) clears the refresh hint.
   *
   * @throws {BundleError} `invalid_refresh_hint` unless a whole, non-negative number of seconds.
   */
  setRefreshHint(seconds: number | undefined): void {
    this.#refreshHint = seconds === undefined ? undefined : checkRefreshHint(seconds, 'invalid refresh hint');
  }

  /** The sequence number (`spiffe_sequence`, B-3) as an exact bigint, or undefined. */
  get sequenceNumber(): bigint | undefined {
    return this.#sequenceNumber;
  }

  /**
   * Sets or (with undefined) clears the sequence number.
   *
   * @throws {BundleError} `invalid_sequence` unless an integer in 0..2^64-1 (a `number` must be
   *   a safe integer).
   */
  setSequenceNumber(sequence: bigint | number | undefined): void {
    this.#sequenceNumber =
      sequence === undefined ? undefined : checkSequence(sequence, 'invalid sequence number');
  }

  /** The X.509 authorities, in insertion order (a new array each call). */
  x509Authorities(): X509Certificate[] {
    return this.#x509.x509Authorities();
  }

  /** Whether the bundle holds this certificate (compared by DER bytes). */
  hasX509Authority(authority: X509AuthorityInput): boolean {
    return this.#x509.hasX509Authority(authority);
  }

  /**
   * Adds an X.509 authority; one already present is not added twice.
   *
   * @throws {BundleError} `invalid_certificate`.
   */
  addX509Authority(authority: X509AuthorityInput): void {
    this.#x509.addX509Authority(authority);
  }

  /** Removes an X.509 authority; an absent one is ignored. */
  removeX509Authority(authority: X509AuthorityInput): void {
    this.#x509.removeX509Authority(authority);
  }

  /**
   * Replaces all X.509 authorities (all-or-nothing).
   *
   * @throws {BundleError} `invalid_certificate`.
   */
  setX509Authorities(authorities: Iterable<X509AuthorityInput>): void {
    this.#x509.setX509Authorities(authorities);
  }

  /** The JWT authorities, key ID → public key (a new Map each call). */
  jwtAuthorities(): Map<string, KeyObject> {
    return this.#jwt.jwtAuthorities();
  }

  /** The public key with this key ID, or undefined. */
  findJwtAuthority(keyId: string): KeyObject | undefined {
    return this.#jwt.findJwtAuthority(keyId);
  }

  /** Whether the bundle has a JWT key with this key ID. */
  hasJwtAuthority(keyId: string): boolean {
    return this.#jwt.hasJwtAuthority(keyId);
  }

  /**
   * Adds a public key under `keyId`, replacing any key already there.
   *
   * @throws {BundleError} `missing_key_id` (J-15), `invalid_key`.
   */
  addJwtAuthority(keyId: string, key: KeyObject): void {
    this.#jwt.addJwtAuthority(keyId, key);
  }

  /** Removes the JWT key with this key ID; an absent one is ignored. */
  removeJwtAuthority(keyId: string): void {
    this.#jwt.removeJwtAuthority(keyId);
  }

  /**
   * Replaces all JWT authorities (all-or-nothing).
   *
   * @throws {BundleError} `missing_key_id`, `invalid_key`.
   */
  setJwtAuthorities(authorities: JwtAuthorities): void {
    this.#jwt.setJwtAuthorities(authorities);
  }

  /**
   * Whether the bundle has no authority at all. An empty bundle is valid: every SVID of the
   * trust domain is then untrusted (B-7).
   */
  isEmpty(): boolean {
    return this.#x509.isEmpty() && this.#jwt.isEmpty();
  }

  /**
   * The bundle as SPIFFE bundle JSON, following the publishing rules: one `x509-svid` JWK per CA
   * with its public members and exactly one `x5c` certificate and no `kid`; one `jwt-svid`
   * JWK per key with its `kid` (J-15); then `spiffe_sequence` and `spiffe_refresh_hint` when set.
   * Compact, deterministic, and read back exactly by `parse` (a sequence beyond 2^53 included).
   *
   * @throws {BundleError} `unsupported_key_type` for a key with no JWK form (e.g. a CA with an
   *   RSA-PSS or DSA key).
   */
  marshal(): string {
    const where = `cannot marshal the SPIFFE bundle of ${quote(this.#trustDomain.name)}`;
    const x509 = this.#x509.x509Authorities().map((cert, i) => {
      const { kty, ...rest } = exportJwk(cert.publicKey, `${where}: X.509 authority ${i}`);
      return { use: USE_X509_SVID, kty, ...rest, x5c: [cert.raw.toString('base64')] };
    });
    const keys = JSON.stringify([...x509, ...jwtAuthorityJwks(this.#jwt.jwtAuthorities(), where)]);
    let out = `{"keys":${keys}`;
    if (this.#sequenceNumber !== undefined) out += `,"spiffe_sequence":${this.#sequenceNumber}`;
    if (this.#refreshHint !== undefined) out += `,"spiffe_refresh_hint":${this.#refreshHint}`;
    return `${out}}`;
  }

  /**
   * Whether `other` has the same trust domain, refresh hint, sequence number and authorities
   * (X.509 compared as sets of DER certificates, JWT by key ID and key).
   */
  equals(other: SpiffeBundle | null | undefined): boolean {
    return (
      other instanceof SpiffeBundle &&
      this.#trustDomain.equals(other.trustDomain) &&
      this.#refreshHint === other.refreshHint &&
      this.#sequenceNumber === other.sequenceNumber &&
      this.#x509.equals(other.x509Bundle()) &&
      jwtAuthoritiesEqual(this.#jwt.jwtAuthorities(), other.jwtAuthorities())
    );
  }

  /** An independent copy. */
  clone(): SpiffeBundle {
    return new SpiffeBundle(this.#x509.clone(), this.#jwt.clone(), this.#refreshHint, this.#sequenceNumber);
  }

  /** The X.509 authorities as a new, independent X.509 bundle. */
  x509Bundle(): X509Bundle {
    return this.#x509.clone();
  }

  /** The JWT authorities as a new, independent JWT bundle. */
  jwtBundle(): JwtBundle {
    return this.#jwt.clone();
  }

  /**
   * The bundle itself, if `trustDomain` is its own.
   *
   * @throws {BundleError} `bundle_not_found` for any other trust domain.
   */
  getBundleForTrustDomain(trustDomain: TrustDomain | string): SpiffeBundle {
    this.#requireOwn(trustDomain, 'SPIFFE');
    return this;
  }

  /**
   * The X.509 authorities as a new X.509 bundle, if `trustDomain` is its own.
   *
   * @throws {BundleError} `bundle_not_found` for any other trust domain.
   */
  getX509BundleForTrustDomain(trustDomain: TrustDomain | string): X509Bundle {
    this.#requireOwn(trustDomain, 'X.509');
    return this.x509Bundle();
  }

  /**
   * The JWT authorities as a new JWT bundle, if `trustDomain` is its own.
   *
   * @throws {BundleError} `bundle_not_found` for any other trust domain.
   */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain | string): JwtBundle {
    this.#requireOwn(trustDomain, 'JWT');
    return this.jwtBundle();
  }

  #requireOwn(trustDomain: TrustDomain | string, kind: string): void {
    const td = TrustDomain.from(trustDomain);
    if (!td.equals(this.#trustDomain)) {
      throw new BundleError('bundle_not_found', `no ${kind} bundle for trust domain ${quote(td.name)}`);
    }
  }
}

/**
 * Builds a SPIFFE bundle from a parsed JSON document (for `SpiffeBundle.parse` and bundle maps).
 *
 * @throws {BundleError} as {@link SpiffeBundle.parse}.
 */
export function spiffeBundleFromJson(td: TrustDomain, doc: JsonValue, where: string): SpiffeBundle {
  const { document, x509, jwt } = readKeySet(doc, where, 'spiffe');
  const refreshHint = readRefreshHint(member(document, 'spiffe_refresh_hint'), where);
  const sequenceNumber = readSequence(member(document, 'spiffe_sequence'), where);
  const bundle = SpiffeBundle.fromX509Authorities(td, x509);
  bundle.setJwtAuthorities(jwt);
  bundle.setRefreshHint(refreshHint);
  bundle.setSequenceNumber(sequenceNumber);
  return bundle;
}
