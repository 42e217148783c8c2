import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCertificateInfo } from '../../../src/internal/x509/read-certificate.js';
import { createCertificate, FakeCa } from '../../../src/testing/index.js';

// The svid layer skips `new X509Certificate` for DER whose `plainEncoding` is true, so such DER
// must be DER node:crypto parses, with the same validity times.
const seeds = [
  createCertificate({ subject: 'C=US,O=SPIFFE', uris: ['spiffe://example.org/a'] }).der,
  createCertificate({
    subject: 'O=Ünïcode,CN=名前',
    uris: ['spiffe://example.org/b'],
    notAfter: new Date('2051-01-01T00:00:00Z'), // GeneralizedTime
  }).der,
  createCertificate({ keyType: 'rsa-2048', subject: 'CN=rsa' }).der,
  new Uint8Array(new FakeCa({ trustDomain: 'example.org' }).rootCertificates()[0]!.raw),
];

function readOrUndefined(der: Uint8Array): ReturnType<typeof readCertificateInfo> | undefined {
  try {
    return readCertificateInfo(der);
  } catch {
    return undefined;
  }
}

function agrees(der: Uint8Array): void {
  const info = readOrUndefined(der);
  if (info === undefined || !info.plainEncoding) return;
  const cert = new X509Certificate(der); // must not throw
  expect(Date.parse(cert.validFrom)).toBe(info.notBefore);
  expect(Date.parse(cert.validTo)).toBe(info.notAfter);
}

describe('readCertificateInfo: plainEncoding means node:crypto parses the certificate too', () => {
  it('reads RFC 5280 times (UTCTime and GeneralizedTime) as node:crypto does', () => {
    for (const der of seeds) {
      const info = readCertificateInfo(der);
      expect(info.plainEncoding).toBe(true);
      agrees(der);
    }
  });

  it('on byte mutations of valid certificates', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.array(
          fc.record({
            at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
            byte: fc.integer({ min: 0, max: 255 }),
          }),
          {
            minLength: 1,
            maxLength: 3,
          },
        ),
        (s, edits) => {
          const der = Uint8Array.from(seeds[s]!);
          for (const e of edits) der[Math.floor(e.at * der.length)] = e.byte;
          agrees(der);
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it('is false for a UTF8String that is not UTF-8, which OpenSSL refuses to parse', () => {
    const der = Uint8Array.from(seeds[0]!);
    const info = readCertificateInfo(der);
    expect(info.plainEncoding).toBe(true);
    // Replace the first byte of the first UTF8String/PrintableString subject value with 0xff (not UTF-8)
    // after retagging it as UTF8String.
    const subject = Buffer.from(info.subjectDer);
    const at = Buffer.from(der).indexOf(subject) + subject.indexOf(Buffer.from('SPIFFE')) - 2;
    const bad = Uint8Array.from(der);
    bad[at] = 0x0c;
    bad[at + 2] = 0xff;
    expect(readCertificateInfo(bad).plainEncoding).toBe(false);
    expect(() => new X509Certificate(bad)).toThrow();
  });

  // Differences with OpenSSL found by fuzzing: each made the reader vouch for DER node:crypto refuses.
  it('is false for a name attribute of a string type OpenSSL refuses (VisibleString, 0x00)', () => {
    const der = Uint8Array.from(seeds[0]!);
    const at = Buffer.from(der).indexOf(Buffer.from('SPIFFE')) - 2;
    for (const tag of [0x1a, 0x19, 0x1b, 0x00, 0x01]) {
      const bad = Uint8Array.from(der);
      bad[at] = tag;
      expect(readOrUndefined(bad)?.plainEncoding ?? false).toBe(false);
      expect(() => new X509Certificate(bad)).toThrow();
    }
  });

  it('is false for key algorithm parameters OpenSSL decodes and refuses (a bad BOOLEAN or OID)', () => {
    const der = Uint8Array.from(seeds[0]!);
    const curve = Buffer.from('06082a8648ce3d030107', 'hex'); // namedCurve P-256
    const at = Buffer.from(der).indexOf(curve);
    expect(at).toBeGreaterThan(0);
    const boolean = Uint8Array.from(der);
    boolean[at] = 0x01; // a BOOLEAN of 8 octets
    const oid = Uint8Array.from(der);
    oid[at + 2] = 0x80; // an OID arc that is not minimally encoded
    for (const bad of [boolean, oid]) {
      expect(readOrUndefined(bad)?.plainEncoding ?? false).toBe(false);
      expect(() => new X509Certificate(bad)).toThrow();
    }
  });
});
