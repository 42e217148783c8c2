// Assertions shared by the x509 reader tests.
import * as crypto from 'node:crypto';
import { expect } from 'vitest';
import { CertificateParseError } from '../../../src/internal/x509/errors.js';
import { readCertificateInfo } from '../../../src/internal/x509/read-certificate.js';
import type { CertificateInfo } from '../../../src/internal/x509/types.js';

/** Expects `fn` to throw CertificateParseError (code malformed_certificate) naming `fragment`. */
export function expectParseError(fn: () => unknown, fragment: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(CertificateParseError);
  expect((caught as CertificateParseError).code).toBe('malformed_certificate');
  expect((caught as Error).message).toContain(fragment);
}

/** Expects readCertificateInfo(der) to be refused with a message naming `fragment`. */
export function rejects(der: Uint8Array, fragment: string): void {
  expectParseError(() => readCertificateInfo(der), fragment);
}

/** node:crypto's view: `ca` (X509_check_ca() == 1), EKU OIDs, and the URIs of its SAN text. */
export function checkAgainstNode(der: Uint8Array, info: CertificateInfo): void {
  const c = new crypto.X509Certificate(der);
  const bc = info.basicConstraints;
  const ku = info.keyUsage;
  expect(c.ca).toBe(bc?.ca === true && (ku === undefined || ku.keyCertSign));
  expect(c.keyUsage).toEqual(info.extKeyUsage?.oids);
  const uris = [...(c.subjectAltName ?? '').matchAll(/(?:^|, )URI:("(?:[^"\\]|\\.)*"|[^,]*)/g)].map((m) => {
    const v = m[1] ?? '';
    return v.startsWith('"') ? (JSON.parse(v) as string) : v;
  });
  expect(uris).toEqual(info.subjectAltName?.uris ?? []);
}
