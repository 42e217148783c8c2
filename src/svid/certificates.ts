import { X509Certificate } from 'node:crypto';
import { SvidError } from './errors.js';

/**
 * Splits concatenated DER certificates (no outer SEQUENCE, as Go's `x509.ParseCertificates` and
 * the Workload API's `x509_svid` field carry them; A-13) into one slice per certificate.
 *
 * @throws {SvidError} `invalid_certificate` when the bytes are not a sequence of DER SEQUENCEs.
 */
export function splitDer(der: Uint8Array): Buffer[] {
  const buf = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    if (buf[pos] !== 0x30) {
      throw new SvidError(
        'invalid_certificate',
        `malformed DER: certificate ${out.length + 1} (byte ${start}) is not a SEQUENCE`,
      );
    }
    const first = buf[pos + 1];
    if (first === undefined) throw truncated(out.length, start);
    pos += 2;
    let len = first;
    if (first & 0x80) {
      const n = first & 0x7f;
      // 0x80 is BER's indefinite length; DER uses the shortest form and at most 4 length bytes here.
      if (n === 0 || n > 4) {
        throw new SvidError(
          'invalid_certificate',
          `malformed DER: certificate ${out.length + 1} has an unsupported length form`,
        );
      }
      if (pos + n > buf.length) throw truncated(out.length, start);
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + buf[pos + i]!;
      pos += n;
    }
    if (pos + len > buf.length) throw truncated(out.length, start);
    pos += len;
    out.push(buf.subarray(start, pos));
  }
  return out;
}

function truncated(index: number, start: number): SvidError {
  return new SvidError(
    'invalid_certificate',
    `malformed DER: certificate ${index + 1} (byte ${start}) is truncated`,
  );
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
  const certs = splitDer(der).map((d, i) => parseDerCertificate(d, `certificate ${i + 1}`));
  if (certs.length === 0) throw new SvidError('no_certificates', 'no certificates found');
  return certs;
}
