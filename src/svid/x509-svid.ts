import type { KeyObject, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { SpiffeId } from '../spiffeid/index.js';
import { certificateFacts, certificateNode } from './certificate-info.js';
import { checkLeafForParse, checkSigningCertificate } from './certificate-rules.js';
import { parseDerCertificate, parseDerCertificates } from './certificates.js';
import { SvidError } from './errors.js';
import { encodePem, pemBlockDer, pemBlocks, pemText } from '../internal/pem.js';
import { checkKeyMatchesLeaf, parseDerPrivateKey, parsePemPrivateKey } from './private-key.js';
import type { X509SvidSource } from './source.js';

const BRAND = Symbol.for('@spiffe-ts/sdk:X509Svid');

/** Options of the X509-SVID parsers. */
export interface X509SvidParseOptions {
  /** The Workload API's operator-defined hint for this SVID; `''` when absent. */
  hint?: string;
}

/**
 * An X509-SVID: a SPIFFE ID, its certificate chain (leaf first, then the signing certificates
 * that lead towards a trust domain root) and the leaf's private key.
 *
 * Every constructor applies go-spiffe's parse rules and the X509-SVID spec's rules for the SVID's
 * own content (X-1..X-13, X-19); see `X509Svid.parse`. Like go-spiffe, parsing does not check
 * validity dates or signatures: use `verifyX509Svid` to verify a peer's chain.
 *
 * @example
 * const svid = X509Svid.parse(certsPem, keyPem);
 * svid.id.toString(); // 'spiffe://example.org/workload'
 */
export class X509Svid implements X509SvidSource {
  /** The SPIFFE ID of the leaf certificate. */
  readonly id: SpiffeId;
  /** The leaf first, then its signing certificates (possibly none). */
  readonly certificates: readonly X509Certificate[];
  /** The leaf's private key. Never logged or put in error messages by this SDK. */
  readonly privateKey: KeyObject;
  /** The operator-defined hint from the Workload API, `''` if none. */
  readonly hint: string;

  private constructor(id: SpiffeId, certificates: X509Certificate[], privateKey: KeyObject, hint: string) {
    this.id = id;
    this.certificates = Object.freeze(certificates);
    this.privateKey = privateKey;
    this.hint = hint;
    Object.freeze(this);
  }

  /**
   * Parses an X509-SVID from PEM. `certsPem` holds the `CERTIFICATE` blocks, leaf first (other
   * block types are skipped); `keyPem` holds an unencrypted PKCS#8 `PRIVATE KEY` block (EC P-256
   * or P-384, RSA or Ed25519). Both may be the same text, in either order.
   *
   * Rules (go-spiffe's `x509svid.Parse` plus the spec):
   * - leaf: exactly one URI SAN, a SPIFFE ID with a non-root path;
   *   `cA=false`; key usage present, critical, with digitalSignature and without
   *   keyCertSign/cRLSign; EKU, if present, with serverAuth and clientAuth
   *   a critical SAN when the subject is empty;
   * - every later certificate: `cA=true` and keyCertSign; a SPIFFE ID in its
   *   SAN has no path;
   * - the private key matches the leaf's public key.
   *
   * @throws {SvidError} `invalid_certificate`, `no_certificates`, `invalid_private_key`,
   *   `key_mismatch`, or a rule code (`no_uri_san`, `leaf_is_ca`, ...).
   */
  static parse(
    certsPem: string | Uint8Array,
    keyPem: string | Uint8Array,
    options?: X509SvidParseOptions,
  ): X509Svid {
    checkInput(certsPem, 'certsPem');
    checkInput(keyPem, 'keyPem');
    const hint = checkHint(options);
    const certs = parsePemCertificates(pemText(certsPem));
    const key = parsePemPrivateKey(pemText(keyPem));
    return X509Svid.#build(certs, key, hint);
  }

  /**
   * Parses an X509-SVID from DER: `certsDer` is the leaf then its signing certificates,
   * concatenated with nothing in between (as the Workload API sends them, A-13); `keyDer` is an
   * unencrypted PKCS#8 key. Same rules as `parse`.
   *
   * @throws {SvidError} as `parse`.
   */
  static parseRaw(certsDer: Uint8Array, keyDer: Uint8Array, options?: X509SvidParseOptions): X509Svid {
    if (!(certsDer instanceof Uint8Array)) throw badArgument('certsDer', 'a Uint8Array');
    if (!(keyDer instanceof Uint8Array)) throw badArgument('keyDer', 'a Uint8Array');
    const hint = checkHint(options);
    const certs = parseDerCertificates(certsDer);
    const key = parseDerPrivateKey(keyDer);
    return X509Svid.#build(certs, key, hint);
  }

  /**
   * Reads and parses PEM files (see `parse`); `certFile` and `keyFile` may be the same file.
   *
   * @throws {SvidError} `read_failed`, or as `parse`.
   */
  static async load(certFile: string, keyFile: string, options?: X509SvidParseOptions): Promise<X509Svid> {
    const [certs, key] = await Promise.all([
      readInput(certFile, 'certificate'),
      readInput(keyFile, 'private key'),
    ]);
    return X509Svid.parse(certs, key, options);
  }

  static #build(certs: X509Certificate[], key: KeyObject, hint: string): X509Svid {
    const leaf = certs[0]!;
    const id = checkLeafForParse(certificateNode(leaf, 'leaf certificate'));
    for (let i = 1; i < certs.length; i++)
      checkSigningCertificate(certificateNode(certs[i]!, `certificate ${i + 1}`));
    checkKeyMatchesLeaf(key, leaf);
    return new X509Svid(id, certs, key, hint);
  }

  /** Recognises X509Svid values from any copy of this package (ESM and CJS builds alike). */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** @internal brand for `instanceof` across package copies */
  get [BRAND](): true {
    return true;
  }

  /** The leaf certificate (the X509-SVID proper). */
  get leaf(): X509Certificate {
    return this.certificates[0]!;
  }

  /** When the leaf expires (its notAfter). */
  get expiresAt(): Date {
    return new Date(certificateFacts(this.leaf, 'leaf certificate').notAfter);
  }

  /** The certificates as PEM `CERTIFICATE` blocks (leaf first) and the key as PKCS#8 PEM. */
  marshal(): { certificates: string; privateKey: string } {
    return {
      certificates: this.certificates.map((c) => encodePem('CERTIFICATE', c.raw)).join(''),
      privateKey: this.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    };
  }

  /** The certificates as concatenated DER (leaf first) and the key as PKCS#8 DER. */
  marshalRaw(): { certificates: Uint8Array; privateKey: Uint8Array } {
    return {
      certificates: Buffer.concat(this.certificates.map((c) => c.raw)),
      privateKey: this.privateKey.export({ type: 'pkcs8', format: 'der' }),
    };
  }

  /** Returns this SVID: an `X509Svid` is its own `X509SvidSource`. */
  getX509Svid(): X509Svid {
    return this;
  }

  /** Shows the ID only, never the private key. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `X509Svid(${this.id.toString()})`;
  }
}

function parsePemCertificates(text: string): X509Certificate[] {
  const { blocks, truncated } = pemBlocks(text);
  if (truncated) {
    throw new SvidError(
      'invalid_certificate',
      'cannot parse certificates: a PEM block has a BEGIN line but no END line',
    );
  }
  if (blocks.length === 0)
    throw new SvidError('invalid_certificate', 'cannot parse certificates: no PEM data found');
  const certs: X509Certificate[] = [];
  for (const block of blocks) {
    if (block.label !== 'CERTIFICATE') continue;
    const what = `certificate ${certs.length + 1}`;
    const der = pemBlockDer(block);
    if (der === undefined)
      throw new SvidError('invalid_certificate', `${what}: the PEM block is not valid base64`);
    certs.push(parseDerCertificate(der, what));
  }
  if (certs.length === 0)
    throw new SvidError('no_certificates', 'no certificates found: the PEM data has no CERTIFICATE block');
  return certs;
}

async function readInput(file: string, what: string): Promise<Buffer> {
  if (typeof file !== 'string' || file === '') throw badArgument(`${what} file`, 'a non-empty path');
  try {
    return await readFile(file);
  } catch (cause) {
    throw new SvidError('read_failed', `cannot read ${what} file ${JSON.stringify(file)}`, { cause });
  }
}

function checkInput(value: unknown, name: string): void {
  if (typeof value !== 'string' && !(value instanceof Uint8Array))
    throw badArgument(name, 'a string or Uint8Array');
}

function checkHint(options: X509SvidParseOptions | undefined): string {
  const hint = options?.hint ?? '';
  if (typeof hint !== 'string') throw badArgument('options.hint', 'a string');
  return hint;
}

function badArgument(name: string, expected: string): SvidError {
  return new SvidError('invalid_argument', `${name} must be ${expected}`);
}
