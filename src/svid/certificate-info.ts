import type { KeyObject, X509Certificate } from 'node:crypto';
import { quote } from '../internal/errors.js';
import { readCertificateInfo } from '../internal/x509/read-certificate.js';
import type { CertificateInfo } from '../internal/x509/types.js';
import {
  checkPublicKeyInfo,
  checkSignatureAlgorithm,
  type AcceptedKey,
  type PolicyViolation,
  type SignatureAlgorithm,
} from './crypto-policy.js';
import { parseDerCertificate } from './certificates.js';
import { SvidError } from './errors.js';

/** What the SVID rules read from one certificate, computed once per `X509Certificate` object. */
export interface CertificateFacts {
  /** The DER the facts were read from (`info` holds views into it). */
  der: Uint8Array;
  info: CertificateInfo;
  /** Validity window in epoch milliseconds (RFC 5280 §4.1.2.5). */
  notBefore: number;
  notAfter: number;
  publicKey: KeyObject | undefined;
  /** The key policy's verdict on the certificate's key (`keyVerdict`), computed on first use. */
  key: AcceptedKey | PolicyViolation | undefined;
  /** The algorithm policy's verdict on its signature algorithm (`algorithmVerdict`), computed on first use. */
  algorithm: SignatureAlgorithm | PolicyViolation | undefined;
}

/**
 * Bundle authorities are the same `X509Certificate` objects from one verification to the next,
 * so their DER is read once, not on every handshake. Weak: the cache never keeps a certificate
 * alive.
 */
const cache = new WeakMap<X509Certificate, CertificateFacts>();

/**
 * The extension data, names and validity of `cert`, read from its DER on first use.
 * `what` names the certificate in errors (e.g. `leaf certificate`).
 *
 * @throws {SvidError} `invalid_certificate` when the DER cannot be read.
 */
export function certificateFacts(cert: X509Certificate, what: string): CertificateFacts {
  let facts = cache.get(cert);
  if (facts === undefined) {
    const der = cert.raw;
    const info = readInfo(der, what);
    facts = newFacts(
      der,
      info,
      info.notBefore ?? parseOpenSslTime(cert.validFrom, what),
      info.notAfter ?? parseOpenSslTime(cert.validTo, what),
    );
    cache.set(cert, facts);
  }
  return facts;
}

function readInfo(der: Uint8Array, what: string): CertificateInfo {
  try {
    return readCertificateInfo(der);
  } catch (cause) {
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    throw new SvidError('invalid_certificate', `${what} is malformed${detail}`, { cause });
  }
}

function newFacts(
  der: Uint8Array,
  info: CertificateInfo,
  notBefore: number,
  notAfter: number,
): CertificateFacts {
  return { der, info, notBefore, notAfter, publicKey: undefined, key: undefined, algorithm: undefined };
}

/** The key policy's verdict on the certificate's public key, computed once per certificate object. */
export function keyVerdict(facts: CertificateFacts): AcceptedKey | PolicyViolation {
  return (facts.key ??= checkPublicKeyInfo(facts.info));
}

/** The algorithm policy's verdict on the certificate's signature algorithm, computed once per certificate object. */
export function algorithmVerdict(facts: CertificateFacts): SignatureAlgorithm | PolicyViolation {
  return (facts.algorithm ??= checkSignatureAlgorithm(facts.info));
}

/** The certificate's public key, created once per certificate object. */
export function publicKeyOf(cert: X509Certificate, facts: CertificateFacts): KeyObject {
  return (facts.publicKey ??= cert.publicKey);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const OPENSSL_TIME = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)? (\d{1,4}) GMT$/;

/**
 * Parses the time format of `X509Certificate#validFrom`/`validTo` (OpenSSL's `ASN1_TIME_print`,
 * e.g. `Mar 29 19:00:37 2025 GMT`) to epoch milliseconds; fractions of a second are dropped.
 * Node 20 has no `validFromDate`.
 */
function parseOpenSslTime(text: string, what: string): number {
  const m = OPENSSL_TIME.exec(text);
  const month = m ? MONTHS.indexOf(m[1]!) : -1;
  if (!m || month === -1) {
    throw new SvidError(
      'invalid_certificate',
      `${what} has an unreadable validity time ${JSON.stringify(text)}`,
    );
  }
  const d = new Date(0);
  d.setUTCFullYear(Number(m[6]), month, Number(m[2]));
  d.setUTCHours(Number(m[3]), Number(m[4]), Number(m[5]), 0);
  return d.getTime();
}

/**
 * A certificate with its facts; `what` names it in messages and is only built when read. `cert`
 * is created on first read for a node made from DER (`presentedDer`).
 */
export interface CertificateNode {
  readonly cert: X509Certificate;
  facts: CertificateFacts;
  readonly what: string;
}

/**
 * Reads `cert` (see `certificateFacts`) and names it `label` plus its subject in messages, e.g.
 * `certificate 2 (subject "C=US, O=SPIFFE")`. The subject is formatted only if a message needs it.
 *
 * @throws {SvidError} `invalid_certificate` when the DER cannot be read.
 */
export function certificateNode(cert: X509Certificate, label: string): CertificateNode {
  let what: string | undefined;
  return {
    cert,
    facts: certificateFacts(cert, label),
    get what() {
      return (what ??= describeCertificate(cert, label));
    },
  };
}

/** A presented certificate whose facts are read only when needed (after de-duplication). */
export interface PresentedCertificate {
  /** Its DER, for comparisons. */
  readonly der: Uint8Array;
  /**
   * Reads it (once).
   *
   * @throws {SvidError} `invalid_certificate` when the SDK's reader cannot read it.
   */
  node(): CertificateNode;
}

/** A presented `X509Certificate`; see `certificateNode`. */
export function presentedCertificate(cert: X509Certificate, label: string): PresentedCertificate {
  let node: CertificateNode | undefined;
  return { der: cert.raw, node: () => (node ??= certificateNode(cert, label)) };
}

/**
 * Presented DER bytes (one whole certificate), without `new X509Certificate` (≈110 µs, the
 * largest cost of a verification, NODE-NOTES §3) when the SDK's reader can vouch that node:crypto
 * would parse the certificate as well (`CertificateInfo.plainEncoding`: strict DER, minimal
 * serial, convertible name strings, RFC 5280 times). Otherwise it is `parseDerCertificate` now
 * and `certificateNode` when read, exactly as for an `X509Certificate`, so errors and their order
 * are unchanged. The node's `X509Certificate` is then created only if `cert` is read.
 * `parseLabel` names the bytes in a parse error (`certificate 1`), `label` the certificate in
 * verification messages (`leaf certificate`).
 *
 * @throws {SvidError} `invalid_certificate` when node:crypto cannot parse the bytes.
 */
export function presentedDer(input: Uint8Array, parseLabel: string, label: string): PresentedCertificate {
  const der = Buffer.from(input); // a copy: the caller may reuse its buffer
  let info: CertificateInfo | undefined;
  try {
    info = readCertificateInfo(der);
  } catch {
    info = undefined;
  }
  if (info === undefined || !info.plainEncoding) {
    return presentedCertificate(parseDerCertificate(der, parseLabel), label);
  }
  const facts = newFacts(der, info, info.notBefore!, info.notAfter!);
  let cert: X509Certificate | undefined;
  let what: string | undefined;
  const node: CertificateNode = {
    facts,
    get cert() {
      if (cert === undefined) {
        cert = parseDerCertificate(der, parseLabel);
        cache.set(cert, facts);
      }
      return cert;
    },
    get what() {
      if (what === undefined) {
        try {
          what = describeCertificate(node.cert, label);
        } catch {
          what = `${label} (subject "?")`; // not expected: plainEncoding means node:crypto parses it
        }
      }
      return what;
    },
  };
  return { der, node: () => node };
}

function describeCertificate(cert: X509Certificate, label: string): string {
  let subject: string;
  try {
    subject = cert.subject.split('\n').join(', ');
  } catch {
    subject = '?';
  }
  return `${label} (subject ${quote(subject || '<empty>')})`;
}
