import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import { describe, expect, it } from 'vitest';
import {
  createCertificate,
  generateKeyPair,
  TestingError,
  type KeyType,
  type MintedCertificate,
} from '../../src/testing/index.js';
import {
  hasOpenssl,
  opensslText,
  opensslVerify,
  peculiar,
  peculiarUris,
  px,
} from './certificate-test-tools.js';

const HOUR = 3_600_000;

function ca(
  keyType: KeyType = 'ec-p256',
  extra: Parameters<typeof createCertificate>[0] = {},
): MintedCertificate {
  return createCertificate({
    keyType,
    subject: 'C=US,O=SPIFFE',
    uris: ['spiffe://example.org'],
    basicConstraints: { ca: true },
    keyUsage: { usages: ['keyCertSign', 'cRLSign'] },
    ...extra,
  });
}

function issuedBy(parent: MintedCertificate) {
  return { certificate: parent.certificate, privateKey: parent.keyPair.privateKey };
}

function leafOf(
  parent: MintedCertificate,
  extra: Parameters<typeof createCertificate>[0] = {},
): MintedCertificate {
  return createCertificate({
    issuer: issuedBy(parent),
    subject: 'C=US,O=SPIRE',
    uris: ['spiffe://example.org/workload'],
    basicConstraints: { ca: false },
    keyUsage: { usages: ['digitalSignature', 'keyEncipherment', 'keyAgreement'] },
    extKeyUsage: { usages: ['serverAuth', 'clientAuth'] },
    ...extra,
  });
}

/** The outer Certificate structure, to read the signature algorithm and value as encoded. */
function asnCertificate(minted: MintedCertificate): asn.Certificate {
  return AsnConvert.parse(minted.der, asn.Certificate);
}

function hex(bytes: ArrayBuffer | Uint8Array): string {
  return Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString('hex');
}

function extension(minted: MintedCertificate, oid: string): px.Extension | undefined {
  return peculiar(minted.certificate).extensions.find((e) => e.type === oid);
}

/** Key type, signature OID, openssl's name, AlgorithmIdentifier DER as it must appear, and the wrong form. */
const SIGNATURE_ALGORITHMS: [KeyType, string, string, string, string][] = [
  // ECDSA (RFC 5758) and Ed25519 (RFC 8410): parameters absent; RSA PKCS#1 v1.5: explicit NULL.
  [
    'ec-p256',
    '1.2.840.10045.4.3.2',
    'ecdsa-with-SHA256',
    '300a06082a8648ce3d040302',
    '300c06082a8648ce3d0403020500',
  ],
  [
    'ec-p384',
    '1.2.840.10045.4.3.3',
    'ecdsa-with-SHA384',
    '300a06082a8648ce3d040303',
    '300c06082a8648ce3d0403030500',
  ],
  [
    'ec-p521',
    '1.2.840.10045.4.3.4',
    'ecdsa-with-SHA512',
    '300a06082a8648ce3d040304',
    '300c06082a8648ce3d0403040500',
  ],
  [
    'rsa-2048',
    '1.2.840.113549.1.1.11',
    'sha256WithRSAEncryption',
    '300d06092a864886f70d01010b0500',
    '300b06092a864886f70d01010b03',
  ],
  ['ed25519', '1.3.101.112', 'ED25519', '300506032b6570', '300706032b65700500'],
];

describe('createCertificate: key types and signatures', () => {
  it.each(SIGNATURE_ALGORITHMS)(
    '%s: signature algorithm %s, chain verifies',
    (keyType, oid, name, encoded, wrong) => {
      const root = ca(keyType);
      const leaf = leafOf(root, { keyType });
      for (const minted of [root, leaf]) {
        const outer = asnCertificate(minted);
        expect(outer.signatureAlgorithm.algorithm).toBe(oid);
        expect(outer.tbsCertificate.signature.algorithm).toBe(oid);
        // Outer signatureAlgorithm: followed by the signature BIT STRING.
        expect(hex(minted.der)).toMatch(new RegExp(`${encoded}03[0-9a-f]+$`));
        expect(hex(minted.der)).not.toContain(wrong);
        if (keyType.startsWith('ec-')) expect(new Uint8Array(outer.signatureValue)[0]).toBe(0x30); // DER ECDSA-Sig-Value
      }
      expect(root.certificate.verify(root.keyPair.publicKey)).toBe(true);
      expect(leaf.certificate.checkIssued(root.certificate)).toBe(true);
      expect(leaf.certificate.verify(root.certificate.publicKey)).toBe(true);
      if (hasOpenssl) {
        expect(opensslText(leaf.certificate)).toContain(`Signature Algorithm: ${name}`);
        const verified = opensslVerify({
          roots: [root.certificate],
          leaf: leaf.certificate,
          args: ['-purpose', 'sslclient'],
        });
        expect(verified.output).toContain(': OK');
        expect(verified.ok).toBe(true);
      }
    },
  );

  it('signs with the issuer key type, not the subject key type', () => {
    const root = ca('ec-p384');
    const leaf = leafOf(root, { keyType: 'ed25519' });
    expect(asnCertificate(leaf).signatureAlgorithm.algorithm).toBe('1.2.840.10045.4.3.3');
    expect(leaf.keyPair.publicKey.asymmetricKeyType).toBe('ed25519');
    expect(leaf.certificate.verify(root.keyPair.publicKey)).toBe(true);
  });

  it('uses a given key pair', () => {
    const keyPair = generateKeyPair('ec-p256');
    const minted = createCertificate({ keyPair });
    expect(minted.keyPair).toBe(keyPair);
    expect(minted.certificate.publicKey.equals(keyPair.publicKey)).toBe(true);
  });

  it('a mismatched issuer key gives a certificate whose signature does not verify (X-14)', () => {
    const root = ca();
    const forged = createCertificate({
      issuer: { certificate: root.certificate, privateKey: generateKeyPair().privateKey },
      uris: ['spiffe://example.org/a'],
    });
    expect(forged.certificate.checkIssued(root.certificate)).toBe(true);
    expect(forged.certificate.verify(root.certificate.publicKey)).toBe(false);
    if (hasOpenssl) {
      const verified = opensslVerify({ roots: [root.certificate], leaf: forged.certificate });
      expect(verified.ok).toBe(false);
      expect(verified.output).toMatch(/signature failure/);
    }
  });
});

describe('createCertificate: names, serials, validity', () => {
  it('random 16-byte positive serials', () => {
    const a = createCertificate();
    const b = createCertificate();
    const serialA = new Uint8Array(asnCertificate(a).tbsCertificate.serialNumber);
    expect(serialA.length).toBe(16);
    expect(serialA[0]! & 0x80).toBe(0); // positive
    expect(serialA[0]).not.toBe(0); // minimal encoding
    expect(a.certificate.serialNumber).toMatch(/^[0-9A-F]{32}$/);
    expect(a.certificate.serialNumber).not.toBe(b.certificate.serialNumber);
    const given = createCertificate({ serialNumber: Uint8Array.of(1, 2, 3) });
    expect(given.certificate.serialNumber).toBe('010203');
  });

  it('writes the subject DN in the order given, PrintableString or UTF8String like Go', () => {
    const minted = createCertificate({
      subject: 'C=US, O=SPIFFE, OU=Unit, CN=héllo, serialNumber=42, 2.5.4.7=Town',
    });
    expect(minted.certificate.subject).toBe('C=US\nO=SPIFFE\nOU=Unit\nCN=héllo\nserialNumber=42\nL=Town');
    expect(peculiar(minted.certificate).subject).toBe(
      'C=US, O=SPIFFE, OU=Unit, CN=héllo, 2.5.4.5=42, L=Town',
    );
    const tbs = asnCertificate(minted).tbsCertificate;
    expect(tbs.subject[0]![0]!.value.printableString).toBe('US');
    expect(tbs.subject[3]![0]!.value.utf8String).toBe('héllo');
    // Self-signed: issuer = subject.
    expect(minted.certificate.issuer).toBe(minted.certificate.subject);
  });

  it('an empty subject by default; the issuer name is the issuer certificate subject', () => {
    const root = ca();
    const leaf = createCertificate({ issuer: issuedBy(root), uris: ['spiffe://example.org/a'] });
    expect(asnCertificate(leaf).tbsCertificate.subject.length).toBe(0);
    expect(leaf.certificate.subject).toBeUndefined(); // node shows no empty subject
    expect(leaf.certificate.issuer).toBe('C=US\nO=SPIFFE');
  });

  it.each(['C', 'C=', 'XX=1', 'CN=a\\,b', 'CN=a+OU=b'])('refuses the malformed DN %j', (subject) => {
    expect(() => createCertificate({ subject })).toThrow(expect.objectContaining({ code: 'invalid_option' }));
  });

  it('validity as given, truncated to whole seconds; default now + 1 hour', () => {
    const notBefore = new Date('2031-05-06T07:08:09.999Z');
    const notAfter = new Date('2061-01-01T00:00:00.500Z'); // after 2049: GeneralizedTime
    const minted = createCertificate({ notBefore, notAfter });
    expect(minted.notBefore.toISOString()).toBe('2031-05-06T07:08:09.000Z');
    expect(minted.notAfter.toISOString()).toBe('2061-01-01T00:00:00.000Z');
    expect(peculiar(minted.certificate).notBefore.toISOString()).toBe('2031-05-06T07:08:09.000Z');
    expect(peculiar(minted.certificate).notAfter.toISOString()).toBe('2061-01-01T00:00:00.000Z');
    const defaults = createCertificate();
    expect(defaults.notAfter.getTime() - defaults.notBefore.getTime()).toBe(HOUR);
    expect(Math.abs(defaults.notBefore.getTime() - Date.now())).toBeLessThan(5_000);
  });

  it('X-14: openssl rejects expired and not-yet-valid certificates', () => {
    if (!hasOpenssl) return;
    const root = ca();
    const now = Date.now();
    const expired = leafOf(root, { notBefore: new Date(now - 2 * HOUR), notAfter: new Date(now - HOUR) });
    const future = leafOf(root, { notBefore: new Date(now + HOUR), notAfter: new Date(now + 2 * HOUR) });
    expect(opensslVerify({ roots: [root.certificate], leaf: expired.certificate }).output).toMatch(
      /certificate has expired/,
    );
    expect(opensslVerify({ roots: [root.certificate], leaf: future.certificate }).output).toMatch(
      /not yet valid/,
    );
  });

  it('refuses invalid dates', () => {
    expect(() => createCertificate({ notBefore: new Date(NaN) })).toThrow(TestingError);
    expect(() => createCertificate({ notAfter: 'tomorrow' as unknown as Date })).toThrow(TestingError);
  });
});

describe('createCertificate: subject alternative names', () => {
  it('X-1: URI SANs as given: none, one, many; DNS and IP SANs', () => {
    expect(createCertificate().certificate.subjectAltName).toBeUndefined();
    expect(extension(createCertificate(), '2.5.29.17')).toBeUndefined();
    const one = createCertificate({ uris: ['spiffe://example.org/a'] });
    expect(peculiarUris(one.certificate)).toEqual(['spiffe://example.org/a']);
    const many = createCertificate({
      uris: ['spiffe://example.org/a', 'spiffe://example.org/b', 'https://not-spiffe.example/x'],
      dnsNames: ['a.example.org'],
      ipAddresses: ['127.0.0.1', '::1'],
    });
    expect(peculiarUris(many.certificate)).toEqual([
      'spiffe://example.org/a',
      'spiffe://example.org/b',
      'https://not-spiffe.example/x',
    ]);
    expect(many.certificate.subjectAltName).toBe(
      'URI:spiffe://example.org/a, URI:spiffe://example.org/b, URI:https://not-spiffe.example/x, ' +
        'DNS:a.example.org, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
  });

  it('X-4: the SAN is critical by default iff the subject is empty; sanCritical overrides', () => {
    const uris = ['spiffe://example.org/a'];
    expect(extension(createCertificate({ uris }), '2.5.29.17')?.critical).toBe(true);
    expect(extension(createCertificate({ uris, subject: 'O=SPIRE' }), '2.5.29.17')?.critical).toBe(false);
    expect(extension(createCertificate({ uris, sanCritical: false }), '2.5.29.17')?.critical).toBe(false);
    expect(
      extension(createCertificate({ uris, subject: 'O=x', sanCritical: true }), '2.5.29.17')?.critical,
    ).toBe(true);
  });
});

describe('createCertificate: constraints and usages', () => {
  it('X-8: basic constraints absent, cA true/false, pathLen, criticality', () => {
    expect(extension(createCertificate(), '2.5.29.19')).toBeUndefined();
    const read = (m: MintedCertificate) => peculiar(m.certificate).getExtension(px.BasicConstraintsExtension);
    const caTrue = read(createCertificate({ basicConstraints: { ca: true, pathLen: 0 } }));
    expect([caTrue?.ca, caTrue?.pathLength, caTrue?.critical]).toEqual([true, 0, true]);
    const caFalse = read(createCertificate({ basicConstraints: { ca: false, critical: false } }));
    expect([caFalse?.ca, caFalse?.pathLength, caFalse?.critical]).toEqual([false, undefined, false]);
    // cA=false is DEFAULT FALSE in the ASN.1: DER leaves it out (an empty SEQUENCE).
    expect(hex(caFalse!.value)).toBe('3000');
    expect(createCertificate({ basicConstraints: { ca: true } }).certificate.ca).toBe(true);
    expect(() => createCertificate({ basicConstraints: { ca: true, pathLen: -1 } })).toThrow(TestingError);
  });

  it('X-10: key usage absent or exactly the bits given, critical by default', () => {
    expect(extension(createCertificate(), '2.5.29.15')).toBeUndefined();
    const read = (m: MintedCertificate) => peculiar(m.certificate).getExtension(px.KeyUsagesExtension);
    const leafBits = read(
      createCertificate({ keyUsage: { usages: ['digitalSignature', 'keyEncipherment', 'keyAgreement'] } }),
    );
    expect(leafBits?.usages).toBe(
      px.KeyUsageFlags.digitalSignature | px.KeyUsageFlags.keyEncipherment | px.KeyUsageFlags.keyAgreement,
    );
    expect(leafBits?.critical).toBe(true);
    const all = read(
      createCertificate({
        keyUsage: {
          usages: [
            'digitalSignature',
            'nonRepudiation',
            'keyEncipherment',
            'dataEncipherment',
            'keyAgreement',
            'keyCertSign',
            'cRLSign',
            'encipherOnly',
            'decipherOnly',
          ],
          critical: false,
        },
      }),
    );
    expect(all?.usages).toBe(0x1ff);
    expect(all?.critical).toBe(false);
    expect(hex(read(createCertificate({ keyUsage: { usages: [] } }))!.value)).toBe('030100'); // an empty BIT STRING
    expect(() => createCertificate({ keyUsage: { usages: ['sign' as 'cRLSign'] } })).toThrow(TestingError);
  });

  it('X-13: extended key usage absent or the purposes given (names or OIDs)', () => {
    expect(extension(createCertificate(), '2.5.29.37')).toBeUndefined();
    const eku = peculiar(
      createCertificate({
        extKeyUsage: { usages: ['serverAuth', 'clientAuth', '1.2.3.4', 'any'], critical: true },
      }).certificate,
    ).getExtension(px.ExtendedKeyUsageExtension);
    expect(eku?.usages).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2', '1.2.3.4', '2.5.29.37.0']);
    expect(eku?.critical).toBe(true);
    expect(() => createCertificate({ extKeyUsage: { usages: ['serverauth'] } })).toThrow(TestingError);
  });

  it('X-9: name constraints are written and enforced by openssl', () => {
    const root = ca();
    const constrained = createCertificate({
      issuer: issuedBy(root),
      subject: 'C=US,O=SPIFFE,CN=constrained',
      basicConstraints: { ca: true },
      keyUsage: { usages: ['keyCertSign'] },
      nameConstraints: {
        permitted: { uris: ['example.org'], dnsNames: ['example.org'] },
        excluded: { dnsNames: ['bad.example.org'] },
      },
    });
    const nc = extension(constrained, '2.5.29.30');
    expect(nc?.critical).toBe(true);
    const parsed = AsnConvert.parse(nc!.value, asn.NameConstraints);
    expect(parsed.permittedSubtrees?.map((s) => s.base.uniformResourceIdentifier ?? s.base.dNSName)).toEqual([
      'example.org',
      'example.org',
    ]);
    expect(parsed.excludedSubtrees?.map((s) => s.base.dNSName)).toEqual(['bad.example.org']);
    if (!hasOpenssl) return;
    expect(opensslText(constrained.certificate)).toMatch(
      /Permitted:\s+URI:example.org\s+DNS:example.org\s+Excluded:\s+DNS:bad.example.org/,
    );
    const inside = leafOf(constrained, { uris: ['spiffe://example.org/a'] });
    const outside = leafOf(constrained, { uris: ['spiffe://other.org/a'] });
    const excluded = leafOf(constrained, { uris: ['spiffe://example.org/a'], dnsNames: ['bad.example.org'] });
    const verify = (leaf: MintedCertificate) =>
      opensslVerify({
        roots: [root.certificate],
        intermediates: [constrained.certificate],
        leaf: leaf.certificate,
      });
    expect(verify(inside).ok).toBe(true);
    expect(verify(outside).output).toMatch(/permitted subtree violation/);
    expect(verify(excluded).output).toMatch(/excluded subtree violation/);
  });

  it('SKID and AKID are on by default, can be left out or set', () => {
    const root = ca();
    const leaf = leafOf(root);
    const rootSkid = peculiar(root.certificate).getExtension(px.SubjectKeyIdentifierExtension)?.keyId;
    expect(rootSkid).toMatch(/^[0-9a-f]{40}$/);
    expect(peculiar(leaf.certificate).getExtension(px.AuthorityKeyIdentifierExtension)?.keyId).toBe(rootSkid);
    expect(peculiar(root.certificate).getExtension(px.AuthorityKeyIdentifierExtension)?.keyId).toBe(rootSkid);
    const bare = leafOf(root, { subjectKeyId: false, authorityKeyId: false });
    expect(extension(bare, '2.5.29.14')).toBeUndefined();
    expect(extension(bare, '2.5.29.35')).toBeUndefined();
    const custom = leafOf(root, { subjectKeyId: Uint8Array.of(1, 2), authorityKeyId: Uint8Array.of(3, 4) });
    expect(peculiar(custom.certificate).getExtension(px.SubjectKeyIdentifierExtension)?.keyId).toBe('0102');
    expect(peculiar(custom.certificate).getExtension(px.AuthorityKeyIdentifierExtension)?.keyId).toBe('0304');
  });

  it('AKID follows an issuer SKID that is not the computed one', () => {
    const root = ca('ec-p256', { subjectKeyId: Uint8Array.of(9, 9, 9) });
    const leaf = leafOf(root);
    expect(peculiar(leaf.certificate).getExtension(px.AuthorityKeyIdentifierExtension)?.keyId).toBe('090909');
    if (hasOpenssl)
      expect(opensslVerify({ roots: [root.certificate], leaf: leaf.certificate }).ok).toBe(true);
  });

  it('extensions appear in Go order, extra ones last', () => {
    const minted = createCertificate({
      uris: ['spiffe://example.org/a'],
      keyUsage: { usages: ['digitalSignature'] },
      extKeyUsage: { usages: ['clientAuth'] },
      basicConstraints: { ca: false },
      nameConstraints: { permitted: { dnsNames: ['x'] } },
      extensions: [{ oid: '1.3.6.1.4.1.99999.1', value: Uint8Array.of(5, 0) }],
    });
    expect(peculiar(minted.certificate).extensions.map((e) => e.type)).toEqual([
      '2.5.29.15',
      '2.5.29.37',
      '2.5.29.19',
      '2.5.29.14',
      '2.5.29.35',
      '2.5.29.17',
      '2.5.29.30',
      '1.3.6.1.4.1.99999.1',
    ]);
  });

  it('an unknown critical extension is written as given and refused by openssl', () => {
    const root = ca();
    const leaf = leafOf(root, {
      extensions: [{ oid: '1.3.6.1.4.1.99999.1', critical: true, value: Uint8Array.of(5, 0) }],
    });
    const ext = extension(leaf, '1.3.6.1.4.1.99999.1');
    expect(ext?.critical).toBe(true);
    expect(hex(ext!.value)).toBe('0500');
    if (hasOpenssl) {
      expect(opensslVerify({ roots: [root.certificate], leaf: leaf.certificate }).output).toMatch(
        /unhandled critical extension/,
      );
    }
    expect(() =>
      createCertificate({ extensions: [{ oid: 'not.an.oid', value: Uint8Array.of(5, 0) }] }),
    ).toThrow(TestingError);
    expect(() =>
      createCertificate({ extensions: [{ oid: '1.2.3', value: [5, 0] as unknown as Uint8Array }] }),
    ).toThrow(TestingError);
  });
});

describe('createCertificate: output and errors', () => {
  it('returns the certificate as X509Certificate, DER and PEM', () => {
    const minted = createCertificate({ uris: ['spiffe://example.org/a'] });
    expect(Buffer.from(minted.der).equals(minted.certificate.raw)).toBe(true);
    expect(minted.pem).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/);
    expect(new X509Certificate(minted.pem).fingerprint256).toBe(minted.certificate.fingerprint256);
  });

  it('unsupported_key: refuses to sign with RSA-PSS, X25519 or a public key', () => {
    const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
    const x25519 = generateKeyPairSync('x25519');
    const root = ca();
    for (const privateKey of [pss.privateKey, x25519.privateKey, root.keyPair.publicKey]) {
      expect(() => createCertificate({ issuer: { certificate: root.certificate, privateKey } })).toThrow(
        expect.objectContaining({ name: 'TestingError', code: 'unsupported_key' }),
      );
    }
  });

  it('invalid_option: unknown key type, non-string SANs', () => {
    expect(() => createCertificate({ keyType: 'rsa-1024' as KeyType })).toThrow(
      expect.objectContaining({ code: 'invalid_option', message: expect.stringContaining('rsa-1024') }),
    );
    expect(() => generateKeyPair('dsa' as KeyType)).toThrow(TestingError);
    expect(() => createCertificate({ uris: [1 as unknown as string] })).toThrow(TestingError);
    expect(() => createCertificate({ dnsNames: 'a' as unknown as string[] })).toThrow(TestingError);
  });
});
