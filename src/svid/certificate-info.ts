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
import { SvidError } from './errors.js';

/** What the SVID rules read from one certificate, computed once per `X509Certificate` object. */
export interface CertificateFacts {
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
    let info: CertificateInfo;
    try {
      info = readCertificateInfo(cert.raw);
    } catch (cause) {
      const detail = cause instanceof Error ? `: ${cause.message}` : '';
      throw new SvidError('invalid_certificate', `${what} is malformed${detail}`, { cause });
    }
    facts = {
      info,
      notBefore: parseOpenSslTime(cert.validFrom, what),
      notAfter: parseOpenSslTime(cert.validTo, what),
      publicKey: undefined,
      key: undefined,
      algorithm: undefined,
    };
    cache.set(cert, facts);
  }
  return facts;
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

/** A certificate with its facts; `what` names it in messages and is only built when read. */
export interface CertificateNode {
  cert: X509Certificate;
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

function describeCertificate(cert: X509Certificate, label: string): string {
  let subject: string;
  try {
    subject = cert.subject.split('\n').join(', ');
  } catch {
    subject = '?';
  }
  return `${label} (subject ${quote(subject || '<empty>')})`;
}
