import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { idFromCertificate, SvidError, X509Svid } from '../../src/svid/index.js';
import { createCertificate } from '../../src/testing/index.js';
import {
  HAVE_VECTORS,
  VECTORS,
  expectSvidError,
  intermediateCa,
  leafCert,
  rootCa,
  sanDer,
  sharedKey,
  x,
} from './support.js';

const ID = 'spiffe://example.org/workload';
const root = rootCa('example.org');
const inter = intermediateCa(root, 'example.org');

function pemOf(...certs: { pem: string }[]): string {
  return certs.map((c) => c.pem).join('');
}
function keyPem(minted: { keyPair: { privateKey: import('node:crypto').KeyObject } }): string {
  return minted.keyPair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}
function parseLeaf(options: Parameters<typeof leafCert>[2], issuer = inter) {
  const leaf = leafCert(issuer, ID, options);
  return () => X509Svid.parse(pemOf(leaf, issuer.minted), keyPem(leaf));
}

describe.skipIf(!HAVE_VECTORS)('go-spiffe vectors (svid/x509svid/testdata, read in place)', () => {
  const read = (f: string) => readFileSync(join(VECTORS, f));
  const parse = (certs: string, key: string) => () => X509Svid.parse(read(certs), read(key));

  it('good-leaf-only.pem + RSA key: valid, spiffe://example.org/workload-1', () => {
    const svid = parse('good-leaf-only.pem', 'key-pkcs8-rsa.pem')();
    expect(svid.id.toString()).toBe('spiffe://example.org/workload-1');
    expect(svid.certificates).toHaveLength(1);
    expect(svid.privateKey.asymmetricKeyType).toBe('rsa');
  });
  it('good-leaf-and-intermediate.pem + EC key: valid with 2 certificates (expired: parse checks no time)', () => {
    const svid = parse('good-leaf-and-intermediate.pem', 'key-pkcs8-ecdsa.pem')();
    expect(svid.id.toString()).toBe('spiffe://example.org/workload-1');
    expect(svid.certificates).toHaveLength(2);
    expect(svid.expiresAt.getTime()).toBeLessThan(Date.now());
  });
  it.each(['good-cert-and-key.pem', 'good-key-and-cert.pem'])('%s: certificate and key in one file', (f) => {
    expect(parse(f, f)().id.toString()).toBe('spiffe://example.org/workload-1');
  });
  it.each([
    ['corrupt-cert.pem', 'key-pkcs8-rsa.pem', 'invalid_certificate'],
    ['good-leaf-only.pem', 'corrupt-key.pem', 'invalid_private_key'],
    ['not-pem', 'key-pkcs8-rsa.pem', 'invalid_certificate'],
    ['wrong-leaf-ca-true.pem', 'key-pkcs8-rsa.pem', 'leaf_is_ca'],
    ['wrong-leaf-cert-sign.pem', 'key-pkcs8-rsa.pem', 'leaf_key_usage'],
    ['wrong-leaf-crl-sign.pem', 'key-pkcs8-rsa.pem', 'leaf_key_usage'],
    ['wrong-leaf-no-digital-signature.pem', 'key-pkcs8-rsa.pem', 'leaf_key_usage'],
    ['wrong-leaf-empty-id.pem', 'key-pkcs8-rsa.pem', 'no_uri_san'],
    ['wrong-intermediate-no-ca.pem', 'key-pkcs8-rsa.pem', 'signing_certificate_not_ca'],
    ['wrong-intermediate-no-key-cert-sign.pem', 'key-pkcs8-rsa.pem', 'signing_certificate_key_usage'],
  ] as const)('%s + %s: %s', (certs, key, code) => {
    expectSvidError(parse(certs, key), code);
  });
  it('messages follow go-spiffe: keyCertSign, cRLSign and digitalSignature are named', () => {
    expectSvidError(parse('wrong-leaf-cert-sign.pem', 'key-pkcs8-rsa.pem'), 'leaf_key_usage', /keyCertSign/);
    expectSvidError(parse('wrong-leaf-crl-sign.pem', 'key-pkcs8-rsa.pem'), 'leaf_key_usage', /cRLSign/);
    expectSvidError(
      parse('wrong-leaf-no-digital-signature.pem', 'key-pkcs8-rsa.pem'),
      'leaf_key_usage',
      /digitalSignature/,
    );
  });
  it('a key that belongs to another certificate: key_mismatch', () => {
    expectSvidError(parse('good-leaf-only.pem', 'key-pkcs8-ecdsa.pem'), 'key_mismatch');
  });
});

describe('X509Svid.parse: inputs', () => {
  const leaf = leafCert(inter, ID);

  it('parses leaf + intermediate PEM, leaf first, with the hint', () => {
    const svid = X509Svid.parse(pemOf(leaf, inter.minted), keyPem(leaf), { hint: 'internal' });
    expect(svid.id.toString()).toBe(ID);
    expect(svid.certificates.map((c) => c.fingerprint256)).toEqual([
      leaf.certificate.fingerprint256,
      inter.certificate.fingerprint256,
    ]);
    expect(svid.leaf.fingerprint256).toBe(leaf.certificate.fingerprint256);
    expect(svid.hint).toBe('internal');
    expect(svid.expiresAt.getTime()).toBe(leaf.notAfter.getTime());
    expect(svid.getX509Svid()).toBe(svid);
    expect(svid).toBeInstanceOf(X509Svid);
    expect(Object.isFrozen(svid.certificates)).toBe(true);
  });
  it('accepts bytes as well as text, and cert and key in one text in either order', () => {
    const both = pemOf(leaf) + keyPem(leaf);
    expect(X509Svid.parse(Buffer.from(both), Buffer.from(both)).id.toString()).toBe(ID);
    const reversed = keyPem(leaf) + pemOf(leaf, inter.minted);
    expect(X509Svid.parse(reversed, reversed).certificates).toHaveLength(2);
  });
  it('skips PEM blocks of other types around the certificates', () => {
    const noise = '-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\nsome text\n';
    expect(X509Svid.parse(noise + pemOf(leaf) + noise, keyPem(leaf)).certificates).toHaveLength(1);
  });
  it('refuses text without PEM, PEM without CERTIFICATE, and a CERTIFICATE block that is not base64', () => {
    expectSvidError(() => X509Svid.parse('hello', keyPem(leaf)), 'invalid_certificate', /no PEM data/);
    expectSvidError(() => X509Svid.parse(keyPem(leaf), keyPem(leaf)), 'no_certificates');
    expectSvidError(
      () => X509Svid.parse('-----BEGIN CERTIFICATE-----\n%%%%\n-----END CERTIFICATE-----\n', keyPem(leaf)),
      'invalid_certificate',
    );
  });
  it('refuses truncated PEM (a BEGIN line without its END line) rather than dropping the rest', () => {
    const cut = (pem: string) => pem.slice(0, pem.indexOf('-----END'));
    expectSvidError(
      () => X509Svid.parse(pemOf(leaf) + cut(inter.minted.pem), keyPem(leaf)),
      'invalid_certificate',
      /no END line/,
    );
    expectSvidError(
      () => X509Svid.parse(pemOf(leaf), cut(keyPem(leaf))),
      'invalid_private_key',
      /no END line/,
    );
  });
  it('refuses a key that is not PKCS#8: SEC1 "EC PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY", or encrypted', () => {
    const sec1 = leaf.keyPair.privateKey.export({ type: 'sec1', format: 'pem' }) as string;
    expectSvidError(() => X509Svid.parse(pemOf(leaf), sec1), 'invalid_private_key', /EC PRIVATE KEY.*PKCS#8/);
    const rsa = sharedKey('rsa-2048').privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    expectSvidError(() => X509Svid.parse(pemOf(leaf), rsa), 'invalid_private_key', /RSA PRIVATE KEY/);
    const encrypted = leaf.keyPair.privateKey.export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'pw',
    }) as string;
    expectSvidError(
      () => X509Svid.parse(pemOf(leaf), encrypted),
      'invalid_private_key',
      /ENCRYPTED PRIVATE KEY/,
    );
    expectSvidError(() => X509Svid.parse(pemOf(leaf), ''), 'invalid_private_key', /no PEM data/);
  });
  it('refuses a key of another certificate (key_mismatch)', () => {
    const other = leafCert(inter, ID);
    expectSvidError(() => X509Svid.parse(pemOf(leaf), keyPem(other)), 'key_mismatch');
  });
  it.each(['rsa-2048', 'ec-p384', 'ec-p521', 'ed25519'] as const)('accepts a %s leaf', (keyType) => {
    const l = leafCert(inter, ID, { keyPair: sharedKey(keyType) });
    expect(X509Svid.parse(pemOf(l, inter.minted), keyPem(l)).privateKey.asymmetricKeyType).toBe(
      keyType === 'rsa-2048' ? 'rsa' : keyType === 'ed25519' ? 'ed25519' : 'ec',
    );
  });
  it('refuses unsupported key types (X25519)', () => {
    const x25519 = generateKeyPairSync('x25519').privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    expectSvidError(() => X509Svid.parse(pemOf(leaf), x25519), 'invalid_private_key', /x25519/);
  });
  it('refuses arguments of the wrong type with invalid_argument', () => {
    expectSvidError(() => X509Svid.parse(42 as unknown as string, ''), 'invalid_argument');
    expectSvidError(
      () => X509Svid.parse(pemOf(leaf), keyPem(leaf), { hint: 1 as unknown as string }),
      'invalid_argument',
    );
    expectSvidError(
      () => X509Svid.parseRaw('x' as unknown as Uint8Array, new Uint8Array()),
      'invalid_argument',
    );
  });
  it('does not check validity dates (go parity: verification does)', () => {
    const old = leafCert(inter, ID, {
      notBefore: new Date('2000-01-01T00:00:00Z'),
      notAfter: new Date('2000-01-02T00:00:00Z'),
    });
    expect(X509Svid.parse(pemOf(old), keyPem(old)).expiresAt.toISOString()).toBe('2000-01-02T00:00:00.000Z');
    const future = leafCert(inter, ID, {
      notBefore: new Date('2100-01-01T00:00:00Z'),
      notAfter: new Date('2100-01-02T00:00:00Z'),
    });
    expect(X509Svid.parse(pemOf(future), keyPem(future)).id.toString()).toBe(ID);
  });
});

describe('X509Svid.parseRaw (A-13: concatenated DER)', () => {
  const leaf = leafCert(inter, ID);
  const keyDer = leaf.keyPair.privateKey.export({ type: 'pkcs8', format: 'der' });

  it('parses concatenated DER certificates and a PKCS#8 DER key', () => {
    const svid = X509Svid.parseRaw(Buffer.concat([leaf.der, inter.minted.der]), keyDer, { hint: 'h' });
    expect(svid.certificates).toHaveLength(2);
    expect(svid.hint).toBe('h');
  });
  it('refuses empty input, trailing bytes, truncation and non-DER', () => {
    expectSvidError(() => X509Svid.parseRaw(new Uint8Array(), keyDer), 'no_certificates');
    expectSvidError(
      () => X509Svid.parseRaw(Buffer.concat([leaf.der, Buffer.from([0x00])]), keyDer),
      'invalid_certificate',
    );
    expectSvidError(
      () => X509Svid.parseRaw(leaf.der.subarray(0, leaf.der.length - 1), keyDer),
      'invalid_certificate',
      /truncated/,
    );
    expectSvidError(() => X509Svid.parseRaw(Buffer.from(leaf.pem), keyDer), 'invalid_certificate');
    expectSvidError(() => X509Svid.parseRaw(Buffer.from([0x30, 0x80, 0, 0]), keyDer), 'invalid_certificate');
    expectSvidError(
      () => X509Svid.parseRaw(Buffer.from([0x30, 0x03, 1, 2, 3]), keyDer),
      'invalid_certificate',
    );
  });
  it('refuses a malformed key and a PKCS#8 key that does not match', () => {
    expectSvidError(() => X509Svid.parseRaw(leaf.der, new Uint8Array([1, 2, 3])), 'invalid_private_key');
    expectSvidError(
      () =>
        X509Svid.parseRaw(leaf.der, sharedKey('ec-p256').privateKey.export({ type: 'pkcs8', format: 'der' })),
      'key_mismatch',
    );
  });
});

describe('X509Svid: leaf rules (X509-SVID §2, §3.1, §4)', () => {
  it('X-1/X-2: refuses a leaf without URI SAN', () => {
    expectSvidError(parseLeaf({ uris: [], dnsNames: ['a.example.org'] }), 'no_uri_san', /X-1/);
  });
  it('X-1/X-19: refuses a leaf with two URI SANs', () => {
    expectSvidError(parseLeaf({ uris: [ID, 'spiffe://example.org/other'] }), 'multiple_uri_sans', /X-19/);
  });
  it('X-1: other SAN types beside the URI are allowed', () => {
    expect(parseLeaf({ dnsNames: ['a.example.org'], ipAddresses: ['10.0.0.1'] })().id.toString()).toBe(ID);
  });
  it('X-17: refuses a URI SAN with another scheme', () => {
    expectSvidError(parseLeaf({ uris: ['https://example.org/workload'] }), 'invalid_spiffe_id', /X-17/);
    expectSvidError(parseLeaf({ uris: ['SPIFFE://example.org/workload'] }), 'invalid_spiffe_id', /X-17/);
  });
  it('X-1/ID rules: refuses a URI SAN that is not a valid SPIFFE ID', () => {
    const e = expectSvidError(parseLeaf({ uris: ['spiffe://Example.org/workload'] }), 'invalid_spiffe_id');
    expect(e.cause).toBeDefined();
    expectSvidError(parseLeaf({ uris: ['spiffe://example.org/a/'] }), 'invalid_spiffe_id');
    expectSvidError(parseLeaf({ uris: ['spiffe://example.org/a%20b'] }), 'invalid_spiffe_id');
  });
  it('X-3/X-18: refuses a leaf whose ID has no path', () => {
    expectSvidError(parseLeaf({ uris: ['spiffe://example.org'] }), 'leaf_root_path', /X-3/);
  });
  it('X-8/X-15: refuses a leaf with cA=true', () => {
    expectSvidError(parseLeaf({ basicConstraints: { ca: true } }), 'leaf_is_ca', /X-15/);
  });
  it('X-8: a leaf without basic constraints is not a CA and is accepted', () => {
    expect(parseLeaf({ basicConstraints: undefined })().id.toString()).toBe(ID);
  });
  it('X-10: refuses a leaf without key usage, or with a non-critical one', () => {
    expectSvidError(parseLeaf({ keyUsage: undefined }), 'leaf_key_usage', /no key usage.*X-10/);
    expectSvidError(
      parseLeaf({ keyUsage: { usages: ['digitalSignature'], critical: false } }),
      'leaf_key_usage',
      /not critical.*X-10/,
    );
  });
  it('X-12: refuses a leaf without digitalSignature', () => {
    expectSvidError(
      parseLeaf({ keyUsage: { usages: ['keyEncipherment'] } }),
      'leaf_key_usage',
      /digitalSignature.*X-12/,
    );
  });
  it('X-12/X-16: refuses a leaf with keyCertSign or cRLSign', () => {
    expectSvidError(
      parseLeaf({ keyUsage: { usages: ['digitalSignature', 'keyCertSign'] } }),
      'leaf_key_usage',
      /keyCertSign/,
    );
    expectSvidError(
      parseLeaf({ keyUsage: { usages: ['digitalSignature', 'cRLSign'] } }),
      'leaf_key_usage',
      /cRLSign/,
    );
  });
  it('X-12: keyEncipherment and keyAgreement are optional', () => {
    expect(parseLeaf({ keyUsage: { usages: ['digitalSignature'] } })().id.toString()).toBe(ID);
  });
  it('X-13: EKU is optional; when present it needs serverAuth and clientAuth (or anyExtendedKeyUsage)', () => {
    expect(parseLeaf({ extKeyUsage: undefined })().id.toString()).toBe(ID);
    expect(
      parseLeaf({ extKeyUsage: { usages: ['serverAuth', 'clientAuth'], critical: true } })().id.toString(),
    ).toBe(ID);
    expect(parseLeaf({ extKeyUsage: { usages: ['any'] } })().id.toString()).toBe(ID);
    expectSvidError(parseLeaf({ extKeyUsage: { usages: ['serverAuth'] } }), 'leaf_ext_key_usage', /X-13/);
    expectSvidError(
      parseLeaf({ extKeyUsage: { usages: ['clientAuth', 'codeSigning'] } }),
      'leaf_ext_key_usage',
      /X-13/,
    );
  });
  it('X-4: an empty subject needs a critical SAN extension', () => {
    expect(parseLeaf({ subject: '', sanCritical: true })().id.toString()).toBe(ID);
    expectSvidError(parseLeaf({ subject: '', sanCritical: false }), 'leaf_san_not_critical', /X-4/);
    expect(parseLeaf({ subject: 'O=SPIRE', sanCritical: false })().id.toString()).toBe(ID);
  });
  it('reads the URI SAN from the DER, not from a look-alike subject or DNS name', () => {
    const tricky = parseLeaf({ uris: [], subject: 'CN=URI:spiffe://example.org/evil', dnsNames: ['spiffe'] });
    expectSvidError(tricky, 'no_uri_san');
  });
  it('reads the URI SAN among names of other forms (email, DNS)', () => {
    const san = sanDer([
      new x.GeneralName({ rfc822Name: 'a@example.org' }),
      new x.GeneralName({ uniformResourceIdentifier: ID }),
      new x.GeneralName({ dNSName: 'x.example.org' }),
    ]);
    const leaf = leafCert(inter, ID, { uris: [], extensions: [{ oid: '2.5.29.17', value: san }] });
    expect(idFromCertificate(leaf.certificate).toString()).toBe(ID);
  });
});

describe('X509Svid: signing certificate rules (X509-SVID §3.2)', () => {
  const parseWith = (interOptions: Parameters<typeof intermediateCa>[2], td = 'example.org') => {
    const ca = intermediateCa(root, td, interOptions);
    const leaf = leafCert(ca, ID);
    return () => X509Svid.parse(pemOf(leaf, ca.minted), keyPem(leaf));
  };
  it('X-5/X-8: refuses a signing certificate without cA=true', () => {
    expectSvidError(
      parseWith({ basicConstraints: { ca: false } }),
      'signing_certificate_not_ca',
      /certificate 2.*X-5/,
    );
    expectSvidError(parseWith({ basicConstraints: undefined }), 'signing_certificate_not_ca');
  });
  it('X-5/X-11: refuses a signing certificate without keyCertSign (or without key usage)', () => {
    expectSvidError(
      parseWith({ keyUsage: { usages: ['cRLSign'] } }),
      'signing_certificate_key_usage',
      /X-11/,
    );
    expectSvidError(parseWith({ keyUsage: undefined }), 'signing_certificate_key_usage');
  });
  it('X-11: cRLSign is optional on a CA', () => {
    expect(parseWith({ keyUsage: { usages: ['keyCertSign'] } })().certificates).toHaveLength(2);
  });
  it('X-6: refuses a signing certificate whose SPIFFE ID has a path', () => {
    expectSvidError(parseWith({ uris: ['spiffe://example.org/ca'] }), 'signing_certificate_id_path', /X-6/);
  });
  it('X-6/A-2: accepts a CA ID without path, the spec example "spiffe://example.com/", non-SPIFFE URIs and no SAN', () => {
    expect(parseWith({ uris: ['spiffe://example.org'] })().certificates).toHaveLength(2);
    expect(parseWith({ uris: ['spiffe://example.com/'] })().certificates).toHaveLength(2);
    expect(parseWith({ uris: ['https://ca.example.org/some/path'] })().certificates).toHaveLength(2);
    expect(parseWith({ uris: [] })().certificates).toHaveLength(2);
  });
  it('checks every certificate after the leaf (the root too, when included)', () => {
    const leaf = leafCert(inter, ID);
    expect(X509Svid.parse(pemOf(leaf, inter.minted, root.minted), keyPem(leaf)).certificates).toHaveLength(3);
    const notCa = createCertificate({
      subject: 'O=X',
      basicConstraints: { ca: false },
      keyUsage: { usages: ['keyCertSign'] },
    });
    expectSvidError(
      () => X509Svid.parse(pemOf(leaf, inter.minted, notCa), keyPem(leaf)),
      'signing_certificate_not_ca',
      /certificate 3/,
    );
  });
});

describe('X509Svid: marshal, load, idFromCertificate', () => {
  const leaf = leafCert(inter, ID);
  const svid = X509Svid.parse(pemOf(leaf, inter.minted), keyPem(leaf));

  it('marshal() gives PEM certificates (leaf first) and a PKCS#8 PEM key that parse back', () => {
    const { certificates, privateKey } = svid.marshal();
    expect(privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(certificates.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    const again = X509Svid.parse(certificates, privateKey);
    expect(again.id.equals(svid.id)).toBe(true);
    expect(again.certificates.map((c) => c.raw.toString('hex'))).toEqual(
      svid.certificates.map((c) => c.raw.toString('hex')),
    );
    expect(new X509Certificate(certificates).fingerprint256).toBe(leaf.certificate.fingerprint256);
  });
  it('marshalRaw() gives concatenated DER and PKCS#8 DER that parse back', () => {
    const { certificates, privateKey } = svid.marshalRaw();
    expect(Buffer.from(certificates).equals(Buffer.concat([leaf.der, inter.minted.der]))).toBe(true);
    expect(
      createPrivateKey({ key: Buffer.from(privateKey), format: 'der', type: 'pkcs8' }).equals(
        svid.privateKey,
      ),
    ).toBe(true);
    expect(X509Svid.parseRaw(certificates, privateKey).id.toString()).toBe(ID);
  });
  it('load() reads PEM files (cert and key may be one file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'svid-'));
    const { certificates, privateKey } = svid.marshal();
    writeFileSync(join(dir, 'cert.pem'), certificates);
    writeFileSync(join(dir, 'key.pem'), privateKey);
    writeFileSync(join(dir, 'both.pem'), certificates + privateKey);
    expect((await X509Svid.load(join(dir, 'cert.pem'), join(dir, 'key.pem'))).id.toString()).toBe(ID);
    expect((await X509Svid.load(join(dir, 'both.pem'), join(dir, 'both.pem'), { hint: 'x' })).hint).toBe('x');
    await expect(X509Svid.load(join(dir, 'missing.pem'), join(dir, 'key.pem'))).rejects.toMatchObject({
      code: 'read_failed',
    });
    await expect(X509Svid.load('', '')).rejects.toBeInstanceOf(SvidError);
  });
  it('idFromCertificate() gives the leaf ID (X-1, X-2) and refuses CA-less checks it does not do', () => {
    expect(idFromCertificate(leaf.certificate).toString()).toBe(ID);
    expect(idFromCertificate(root.certificate).toString()).toBe('spiffe://example.org');
    expectSvidError(() => idFromCertificate(leafCert(inter, ID, { uris: [] }).certificate), 'no_uri_san');
  });
  it('never shows the private key when inspected', async () => {
    const { inspect } = await import('node:util');
    expect(inspect(svid)).toBe(`X509Svid(${ID})`);
  });
});
