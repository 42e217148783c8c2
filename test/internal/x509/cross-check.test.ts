// Cross-checks the reader against two independent parsers: @peculiar/x509 (pure JS ASN.1) and
// node:crypto's X509Certificate (OpenSSL), on generated certificates and on go-spiffe's vectors.
import * as crypto from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as px from '@peculiar/x509';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCertificateInfo } from '../../../src/internal/x509/read-certificate.js';
import type { CertificateInfo } from '../../../src/internal/x509/types.js';
import {
  authorityKeyId,
  basicConstraints,
  buildCertificate,
  CLIENT_AUTH,
  extKeyUsage,
  haveVectors,
  keyUsage,
  name,
  pemCertificates,
  SERVER_AUTH,
  subjectAltName,
  subjectKeyId,
  vectorsDir,
  type x,
} from './support.js';
import { checkAgainstNode } from './expect.js';

const hex = (b: Uint8Array | ArrayBuffer | undefined): string | undefined =>
  b === undefined ? undefined : Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString('hex');

const KU_NAMES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;

/** What @peculiar/x509 reads, in the reader's shape. */
function peculiarView(der: Uint8Array) {
  const c = new px.X509Certificate(der);
  const ku = c.getExtension(px.KeyUsagesExtension);
  const bc = c.getExtension(px.BasicConstraintsExtension);
  const eku = c.getExtension(px.ExtendedKeyUsageExtension);
  const san = c.getExtension(px.SubjectAlternativeNameExtension);
  const names = (type: string): string[] =>
    san?.names.items.filter((n) => n.type === type).map((n) => n.value) ?? [];
  return {
    extensions: c.extensions.map((e) => ({ oid: e.type, critical: e.critical })),
    keyUsage: ku
      ? {
          critical: ku.critical,
          ...Object.fromEntries(KU_NAMES.map((n, bit) => [n, (ku.usages & (1 << bit)) !== 0])),
        }
      : undefined,
    basicConstraints: bc ? { critical: bc.critical, ca: bc.ca, pathLen: bc.pathLength } : undefined,
    extKeyUsage: eku ? { critical: eku.critical, oids: eku.usages.map(String) } : undefined,
    uris: names('url'),
    dnsNames: names('dns'),
    emails: names('email'),
    ipAddresses: names('ip'),
    subjectKeyId: c.getExtension(px.SubjectKeyIdentifierExtension)?.keyId,
    authorityKeyId: c.getExtension(px.AuthorityKeyIdentifierExtension)?.keyId,
    subjectDer: hex(c.subjectName.toArrayBuffer()),
    issuerDer: hex(c.issuerName.toArrayBuffer()),
  };
}

function ourView(info: CertificateInfo): ReturnType<typeof peculiarView> {
  return {
    extensions: info.extensions,
    keyUsage: info.keyUsage && { ...info.keyUsage },
    basicConstraints: info.basicConstraints,
    extKeyUsage: info.extKeyUsage,
    uris: info.subjectAltName?.uris ?? [],
    dnsNames: info.subjectAltName?.dnsNames ?? [],
    emails: info.subjectAltName?.emails ?? [],
    ipAddresses: info.subjectAltName?.ipAddresses ?? [],
    subjectKeyId: hex(info.subjectKeyId),
    authorityKeyId: hex(info.authorityKeyId),
    subjectDer: hex(info.subjectDer),
    issuerDer: hex(info.issuerDer),
  };
}

function crossCheck(der: Uint8Array): CertificateInfo {
  const info = readCertificateInfo(der);
  expect(ourView(info)).toEqual(peculiarView(der));
  checkAgainstNode(der, info);
  return info;
}

describe('cross-check with @peculiar/x509 and node:crypto: generated certificates', () => {
  const uri = fc.stringMatching(/^spiffe:\/\/[a-z0-9.-]{1,20}(\/[A-Za-z0-9._-]{1,10}){0,3}$/);
  // Eight hex groups, zeros likely (@peculiar's encoder does not take the embedded-IPv4 form).
  const group = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
  const ipV6 = fc
    .array(group, { minLength: 8, maxLength: 8 })
    .map((g) => g.map((n) => n.toString(16)).join(':'));
  const featureSet = fc.record({
    ku: fc.option(fc.record({ flags: fc.integer({ min: 1, max: 0x1ff }), critical: fc.boolean() })),
    bc: fc.option(
      fc.record({
        ca: fc.boolean(),
        pathLen: fc.option(fc.integer({ min: 0, max: 1000 })),
        critical: fc.boolean(),
      }),
    ),
    eku: fc.option(
      fc.record({
        oids: fc.uniqueArray(fc.constantFrom(SERVER_AUTH, CLIENT_AUTH, '1.3.6.1.5.5.7.3.3', '2.5.29.37.0'), {
          minLength: 1,
        }),
        critical: fc.boolean(),
      }),
    ),
    san: fc.option(
      fc.record({
        uris: fc.array(uri, { maxLength: 3 }),
        dns: fc.array(fc.domain(), { maxLength: 2 }),
        ips: fc.array(fc.oneof(fc.ipV4(), ipV6), { maxLength: 2 }),
        emails: fc.array(fc.emailAddress(), { maxLength: 1 }),
        critical: fc.boolean(),
      }),
    ),
    ids: fc.boolean(),
    subject: fc.boolean(),
  });

  it('agrees on extensions, key usage bits, basic constraints, EKU OIDs, SAN, key IDs, names (property)', () => {
    fc.assert(
      fc.property(featureSet, (f) => {
        const extensions: x.Extension[] = [];
        if (f.ku) extensions.push(keyUsage(f.ku.flags, f.ku.critical));
        if (f.bc) extensions.push(basicConstraints(f.bc.ca, f.bc.pathLen ?? undefined, f.bc.critical));
        if (f.eku) extensions.push(extKeyUsage(f.eku.oids, f.eku.critical));
        const sanNames = [
          ...(f.san?.uris ?? []).map((u) => ({ uniformResourceIdentifier: u })),
          ...(f.san?.dns ?? []).map((d) => ({ dNSName: d })),
          ...(f.san?.ips ?? []).map((ip) => ({ iPAddress: ip })),
          ...(f.san?.emails ?? []).map((e) => ({ rfc822Name: e })),
        ];
        if (f.san && sanNames.length > 0) extensions.push(subjectAltName(sanNames, f.san.critical));
        if (f.ids)
          extensions.push(subjectKeyId(crypto.randomBytes(20)), authorityKeyId(crypto.randomBytes(20)));
        const subject = f.subject ? name(['2.5.4.6', 'US'], ['2.5.4.3', 'x']) : undefined;
        crossCheck(buildCertificate({ subject, extensions: extensions.length ? extensions : null }));
      }),
      { numRuns: 60 },
    );
  });
});

/** Every certificate in the go-spiffe vectors: PEM files and the `x5c` members of SPIFFE bundles. */
function vectorCertificates(): Array<[string, Uint8Array]> {
  const out: Array<[string, Uint8Array]> = [];
  for (const dir of ['svid_x509svid', 'bundle_x509bundle']) {
    for (const file of readdirSync(join(vectorsDir, dir)).sort()) {
      if (file.startsWith('corrupt')) continue;
      pemCertificates(readFileSync(join(vectorsDir, dir, file), 'utf8')).forEach((der, i) =>
        out.push([`${dir}/${file}#${i}`, der]),
      );
    }
  }
  const bundles = join(vectorsDir, 'bundle_spiffebundle');
  for (const file of readdirSync(bundles).sort()) {
    const doc = JSON.parse(readFileSync(join(bundles, file), 'utf8')) as { keys?: Array<{ x5c?: string[] }> };
    (doc.keys ?? []).forEach((key, k) =>
      (key.x5c ?? []).forEach((b64, i) =>
        out.push([`bundle_spiffebundle/${file}#key${k}.x5c${i}`, new Uint8Array(Buffer.from(b64, 'base64'))]),
      ),
    );
  }
  return out;
}

describe.skipIf(!haveVectors)('cross-check on the go-spiffe vectors (read in place from ../shared)', () => {
  if (!haveVectors) return;
  const certs = vectorCertificates();

  it('found the vector certificates', () => {
    expect(certs.length).toBeGreaterThanOrEqual(15);
  });

  it.each(certs)('%s: agrees with @peculiar/x509 and node:crypto', (_file, der) => {
    crossCheck(der);
  });

  it('reads the facts the X509-SVID rules need from the go-spiffe files', () => {
    const read = (file: string, i = 0): CertificateInfo =>
      readCertificateInfo(
        pemCertificates(readFileSync(join(vectorsDir, 'svid_x509svid', file), 'utf8'))[i] as Uint8Array,
      );
    expect(read('good-leaf-only.pem').subjectAltName?.uris).toEqual(['spiffe://example.org/workload-1']);
    expect(read('good-leaf-and-intermediate.pem', 1).basicConstraints?.ca).toBe(true);
    expect(read('wrong-leaf-ca-true.pem').basicConstraints?.ca).toBe(true);
    expect(read('wrong-leaf-cert-sign.pem').keyUsage?.keyCertSign).toBe(true);
    expect(read('wrong-leaf-crl-sign.pem').keyUsage?.cRLSign).toBe(true);
    expect(read('wrong-leaf-no-digital-signature.pem').keyUsage?.digitalSignature).toBe(false);
    expect(read('wrong-leaf-empty-id.pem').subjectAltName?.uris ?? []).toEqual([]);
    expect(read('wrong-intermediate-no-ca.pem', 1).basicConstraints?.ca ?? false).toBe(false);
    expect(read('wrong-intermediate-no-key-cert-sign.pem', 1).keyUsage?.keyCertSign).toBe(false);
  });

  it('rejects the corrupted certificates as malformed (go-spiffe does too)', () => {
    for (const file of ['bundle_x509bundle/corrupted.pem', 'svid_x509svid/corrupt-cert.pem']) {
      const [der] = pemCertificates(readFileSync(join(vectorsDir, file), 'utf8'));
      expect(() => readCertificateInfo(der as Uint8Array), file).toThrow(/malformed certificate/);
    }
  });

  it('finds trailing bytes in corrupted.pem, which node:crypto silently ignores', () => {
    const [der] = pemCertificates(readFileSync(join(vectorsDir, 'bundle_x509bundle/corrupted.pem'), 'utf8'));
    expect(() => readCertificateInfo(der as Uint8Array)).toThrow(
      /\(Certificate\): 48 unexpected trailing byte/,
    );
    expect(new crypto.X509Certificate(der as Uint8Array).subject).toBe('CN=PEMUTILTEST1');
  });
});
