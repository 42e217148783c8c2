import { X509Certificate } from 'node:crypto';
import { splitDer } from '../internal/split-der.js';
import { SvidError } from './errors.js';

/**
 * Splits concatenated DER certificates (no outer SEQUENCE, as Go's `x509.ParseCertificates` and
 * the Workload API's `x509_svid` field carry them; A-13) into one slice per certificate.
 *
 * @throws {SvidError} `invalid_certificate` when the bytes are not a sequence of DER SEQUENCEs.
 */
export function splitCertificates(der: Uint8Array): Uint8Array[] {
  const parts = splitDer(der);
  if (typeof parts === 'string')
    throw new SvidError('invalid_certificate', `malformed DER certificates: ${parts}`);
  return parts;
}

/**
 * Parses one DER certificate with `node:crypto`; the whole input must be the certificate.
 * `what` names it in the error (e.g. `certificate 2`).
 *
 * @throws {SvidError} `invalid_certificate`.
 */
export function parseDerCertificate(der: Uint8Array, what: string): X509Certificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch (cause) {
    throw new SvidError('invalid_certificate', `${what} is not a valid X.509 certificate`, { cause });
  }
  if (cert.raw.length !== der.byteLength) {
    throw new SvidError('invalid_certificate', `${what} has trailing data after the certificate`);
  }
  return cert;
}

/** Parses concatenated DER certificates. @throws {SvidError} `invalid_certificate`, `no_certificates`. */
export function parseDerCertificates(der: Uint8Array): X509Certificate[] {
  const certs = splitCertificates(der).map((d, i) => parseDerCertificate(d, `certificate ${i + 1}`));
  if (certs.length === 0) throw new SvidError('no_certificates', 'no certificates found');
  return certs;
}
