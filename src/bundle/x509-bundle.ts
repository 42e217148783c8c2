import type { X509Certificate } from 'node:crypto';
import { quote } from '../internal/errors.js';
import { TrustDomain } from '../spiffeid/index.js';
import {
  certificateKey,
  parseDerCertificates,
  toCertificate,
  type X509AuthorityInput,
} from './certificate.js';
import { BundleError } from './errors.js';
import { readBundleFile } from './load.js';
import { encodePem, pemBlockDer, pemBlocks, pemText } from '../internal/pem.js';
import type { X509BundleSource } from './source.js';

const BRAND = Symbol.for('@spiffe-ts/sdk:X509Bundle');

/**
 * The X.509 authorities (CA certificates) of one trust domain, used to verify X509-SVIDs of that
 * trust domain only (B-1, X-14). Authorities are node:crypto `X509Certificate`s, kept in insertion
 * order and unique by their DER bytes.
 *
 * A bundle is mutable, like go-spiffe's. Sources that share bundles (the Workload API sources)
 * hand out clones, so changing one never changes what a source serves.
 *
 * @example
 * const bundle = X509Bundle.parse('example.org', fs.readFileSync('bundle.pem'));
 * bundle.x509Authorities().length;  // number of CA certificates
 */
export class X509Bundle implements X509BundleSource {
  readonly #trustDomain: TrustDomain;
  /** DER (base64) → certificate, in insertion order. */
  #authorities: Map<string, X509Certificate>;

  private constructor(trustDomain: TrustDomain, authorities: Map<string, X509Certificate>) {
    this.#trustDomain = trustDomain;
    this.#authorities = authorities;
  }

  /** An empty bundle for `trustDomain`. */
  static empty(trustDomain: TrustDomain | string): X509Bundle {
    return new X509Bundle(TrustDomain.from(trustDomain), new Map());
  }

  /**
   * A bundle holding `authorities` (certificates or DER bytes of one certificate each);
   * duplicates are kept once.
   *
   * @throws {BundleError} `invalid_certificate` for bytes that are not one DER certificate.
   */
  static fromAuthorities(
    trustDomain: TrustDomain | string,
    authorities: Iterable<X509AuthorityInput>,
  ): X509Bundle {
    return new X509Bundle(TrustDomain.from(trustDomain), authorityMap(authorities));
  }

  /**
   * Parses PEM: every `CERTIFICATE` block is an authority; other blocks (keys, CRLs) and text
   * between blocks are skipped. Empty (or whitespace-only) input gives an empty bundle.
   *
   * @throws {BundleError} `invalid_pem` for non-empty input without any PEM block, or a broken
   *   block; `invalid_certificate` for a block that is not a DER certificate.
   */
  static parse(trustDomain: TrustDomain | string, pem: string | Uint8Array): X509Bundle {
    const td = TrustDomain.from(trustDomain);
    if (typeof pem !== 'string' && !(pem instanceof Uint8Array)) {
      throw new BundleError(
        'invalid_pem',
        `invalid PEM bundle for ${quote(td.name)}: expected a string or bytes`,
      );
    }
    const text = pemText(pem);
    const bundle = X509Bundle.empty(td);
    if (text.trim() === '') return bundle;
    const { blocks, truncated } = pemBlocks(text);
    if (truncated) {
      throw new BundleError(
        'invalid_pem',
        `invalid PEM bundle for ${quote(td.name)}: the BEGIN ${truncated.label} line at offset ${truncated.offset} has no END line`,
      );
    }
    if (blocks.length === 0) {
      throw new BundleError('invalid_pem', `invalid PEM bundle for ${quote(td.name)}: no PEM blocks found`);
    }
    for (const block of blocks) {
      if (block.label !== 'CERTIFICATE') continue;
      const der = pemBlockDer(block);
      if (der === undefined) {
        throw new BundleError(
          'invalid_pem',
          `invalid PEM bundle for ${quote(td.name)}: the ${block.label} block at offset ${block.offset} is not base64-encoded`,
        );
      }
      bundle.addX509Authority(
        toCertificate(der, `invalid PEM bundle for ${quote(td.name)} at offset ${block.offset}`),
      );
    }
    return bundle;
  }

  /**
   * Parses concatenated DER certificates with no outer SEQUENCE, as the Workload API sends
   * bundles. Empty input gives an empty bundle.
   *
   * @throws {BundleError} `invalid_certificate` naming the first bad certificate.
   */
  static parseRaw(trustDomain: TrustDomain | string, der: Uint8Array): X509Bundle {
    const td = TrustDomain.from(trustDomain);
    return X509Bundle.fromAuthorities(
      td,
      parseDerCertificates(der, `invalid DER bundle for ${quote(td.name)}`),
    );
  }

  /**
   * Reads a PEM bundle file (see {@link X509Bundle.parse}).
   *
   * @throws {BundleError} `read_failed`, or any error of `parse`.
   */
  static async load(trustDomain: TrustDomain | string, path: string): Promise<X509Bundle> {
    const td = TrustDomain.from(trustDomain);
    return X509Bundle.parse(td, await readBundleFile(path));
  }

  /** Recognises X509Bundle values from any copy of this package (ESM and CJS builds alike). */
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

  /** The authorities, in insertion order (a new array each call). */
  x509Authorities(): X509Certificate[] {
    return [...this.#authorities.values()];
  }

  /** Whether the bundle holds this certificate (compared by DER bytes). */
  hasX509Authority(authority: X509AuthorityInput): boolean {
    return this.#authorities.has(certificateKey(authority));
  }

  /**
   * Adds an authority; one already present (same DER bytes) is not added twice.
   *
   * @throws {BundleError} `invalid_certificate` for bytes that are not one DER certificate.
   */
  addX509Authority(authority: X509AuthorityInput): void {
    const cert = toCertificate(authority, `invalid X.509 authority for ${quote(this.#trustDomain.name)}`);
    const key = certificateKey(cert);
    if (!this.#authorities.has(key)) this.#authorities.set(key, cert);
  }

  /** Removes an authority (compared by DER bytes); absent ones are ignored. */
  removeX509Authority(authority: X509AuthorityInput): void {
    this.#authorities.delete(certificateKey(authority));
  }

  /**
   * Replaces all authorities. All-or-nothing: on error the bundle is unchanged.
   *
   * @throws {BundleError} `invalid_certificate` for bytes that are not one DER certificate.
   */
  setX509Authorities(authorities: Iterable<X509AuthorityInput>): void {
    this.#authorities = authorityMap(authorities);
  }

  /** Whether the bundle has no authority (the trust domain then has no usable X.509 CA, X-23). */
  isEmpty(): boolean {
    return this.#authorities.size === 0;
  }

  /** The authorities as PEM `CERTIFICATE` blocks, in order; `''` for an empty bundle. */
  marshal(): string {
    let out = '';
    for (const cert of this.#authorities.values()) out += encodePem('CERTIFICATE', cert.raw);
    return out;
  }

  /** The authorities as concatenated DER, in order. */
  marshalRaw(): Uint8Array {
    return Buffer.concat([...this.#authorities.values()].map((cert) => cert.raw));
  }

  /**
   * Whether `other` has the same trust domain and the same set of authorities. Order does not
   * matter: a bundle is the union of its authorities.
   */
  equals(other: X509Bundle | null | undefined): boolean {
    if (!(other instanceof X509Bundle) || !this.#trustDomain.equals(other.trustDomain)) return false;
    const theirs = other.x509Authorities();
    return theirs.length === this.#authorities.size && theirs.every((cert) => this.hasX509Authority(cert));
  }

  /** An independent copy (certificates are immutable and shared). */
  clone(): X509Bundle {
    return new X509Bundle(this.#trustDomain, new Map(this.#authorities));
  }

  /**
   * The bundle itself, if `trustDomain` is its own: a bundle is an {@link X509BundleSource} for
   * its trust domain.
   *
   * @throws {BundleError} `bundle_not_found` for any other trust domain.
   */
  getX509BundleForTrustDomain(trustDomain: TrustDomain | string): X509Bundle {
    const td = TrustDomain.from(trustDomain);
    if (!td.equals(this.#trustDomain)) {
      throw new BundleError('bundle_not_found', `no X.509 bundle for trust domain ${quote(td.name)}`);
    }
    return this;
  }
}

function authorityMap(authorities: Iterable<X509AuthorityInput>): Map<string, X509Certificate> {
  if (
    authorities === null ||
    typeof (authorities as Partial<Iterable<unknown>>)?.[Symbol.iterator] !== 'function'
  ) {
    throw new BundleError(
      'invalid_certificate',
      'invalid X.509 authorities: expected an iterable of certificates',
    );
  }
  const map = new Map<string, X509Certificate>();
  let i = 0;
  for (const authority of authorities) {
    const cert = toCertificate(authority, `invalid X.509 authority ${i++}`);
    const key = certificateKey(cert);
    if (!map.has(key)) map.set(key, cert);
  }
  return map;
}
