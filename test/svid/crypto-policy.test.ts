import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseAndVerifyX509Svid, verifyX509Svid } from '../../src/svid/index.js';
import { createCertificate, type KeyPair } from '../../src/testing/index.js';
import {
  ECDSA_WITH_SHA1,
  ECDSA_WITH_SHA384,
  hugeExponentKey,
  MD5_WITH_RSA,
  resign,
  rsaKeyWithExponent,
  SHA1_WITH_RSA,
  SHA512_WITH_RSA,
  type ForcedAlgorithm,
} from './hostile-chains.js';
import { expectSvidError, intermediateCa, leafCert, rootCa, x509Source, type Ca } from './support.js';

const ID = 'spiffe://example.org/workload';
const rsa = (bits: number): KeyPair => generateKeyPairSync('rsa', { modulusLength: bits });
const rsa2048 = rsa(2048);
const rsa512 = rsa(512);
const rsa1024 = rsa(1024);

const root = rootCa('example.org');
const rsaRoot = rootCa('example.org', { keyPair: rsa2048 });
const source = x509Source({ 'example.org': [root.certificate, rsaRoot.certificate] });

/** An intermediate under `issuer` whose own signature uses `algorithm`, and a normal leaf under it. */
function chainWithIntermediateSignedBy(issuer: Ca, algorithm: ForcedAlgorithm): Uint8Array[] {
  const inter = intermediateCa(issuer, 'example.org');
  const weak = resign(inter.minted.der, issuer.privateKey, algorithm);
  const leaf = leafCert(inter, ID);
  return [leaf.der, weak];
}

describe('X.509 signature algorithms: no MD5 or SHA-1 in a verified path', () => {
  it('refuses an MD5-signed intermediate (weak_signature_algorithm)', () => {
    expectSvidError(
      () => parseAndVerifyX509Svid(chainWithIntermediateSignedBy(rsaRoot, MD5_WITH_RSA), source),
      'weak_signature_algorithm',
      /certificate 2 .*md5WithRSAEncryption/,
    );
  });
  it('refuses a SHA-1-signed intermediate, RSA and ECDSA', () => {
    expectSvidError(
      () => parseAndVerifyX509Svid(chainWithIntermediateSignedBy(rsaRoot, SHA1_WITH_RSA), source),
      'weak_signature_algorithm',
      /sha1WithRSAEncryption/,
    );
    expectSvidError(
      () => parseAndVerifyX509Svid(chainWithIntermediateSignedBy(root, ECDSA_WITH_SHA1), source),
      'weak_signature_algorithm',
      /ecdsa-with-SHA1/,
    );
  });
  it('refuses a SHA-1-signed leaf, before looking for its issuer', () => {
    const leaf = leafCert(rsaRoot, ID);
    expectSvidError(
      () => parseAndVerifyX509Svid([resign(leaf.der, rsaRoot.privateKey, SHA1_WITH_RSA)], source),
      'weak_signature_algorithm',
      /leaf certificate/,
    );
  });
  it('refuses RSASSA-PSS and unknown algorithms (unsupported_signature_algorithm)', () => {
    const leaf = leafCert(rsaRoot, ID);
    const pss = resign(leaf.der, rsaRoot.privateKey, {
      oid: '1.2.840.113549.1.1.10',
      nullParameters: true,
      digest: 'sha256',
    });
    expectSvidError(
      () => parseAndVerifyX509Svid([pss], source),
      'unsupported_signature_algorithm',
      /RSASSA-PSS/,
    );
    const unknown = resign(leaf.der, rsaRoot.privateKey, {
      oid: '1.2.3.4',
      nullParameters: false,
      digest: 'sha256',
    });
    expectSvidError(
      () => parseAndVerifyX509Svid([unknown], source),
      'unsupported_signature_algorithm',
      /1\.2\.3\.4/,
    );
  });
  it('refuses ECDSA with parameters (unsupported_signature_algorithm)', () => {
    const leaf = leafCert(root, ID);
    const withNull = resign(leaf.der, root.privateKey, {
      oid: '1.2.840.10045.4.3.2',
      nullParameters: true,
      digest: 'sha256',
    });
    expectSvidError(() => parseAndVerifyX509Svid([withNull], source), 'unsupported_signature_algorithm');
  });
  it('accepts the SHA-2 family: sha512WithRSAEncryption, ecdsa-with-SHA384 on P-256', () => {
    const rsaLeaf = leafCert(rsaRoot, ID);
    expect(
      parseAndVerifyX509Svid(
        [resign(rsaLeaf.der, rsaRoot.privateKey, SHA512_WITH_RSA)],
        source,
      ).id.toString(),
    ).toBe(ID);
    const ecLeaf = leafCert(root, ID);
    expect(
      parseAndVerifyX509Svid([resign(ecLeaf.der, root.privateKey, ECDSA_WITH_SHA384)], source).id.toString(),
    ).toBe(ID);
  });
  it('does not check the self-signature of a bundle authority (as OpenSSL and Go)', () => {
    const sha1Root = resign(rsaRoot.minted.der, rsaRoot.privateKey, SHA1_WITH_RSA);
    const leaf = leafCert(rsaRoot, ID);
    const bundle = { 'example.org': [new X509Certificate(sha1Root)] };
    expect(verifyX509Svid([leaf.certificate], x509Source(bundle)).id.toString()).toBe(ID);
  });
});

describe('X.509 keys: RSA 2048..8192 with a sane exponent, EC P-256/P-384/P-521, Ed25519', () => {
  it('refuses a 512-bit RSA intermediate and a 512- or 1024-bit RSA leaf (weak_key)', () => {
    const inter = intermediateCa(root, 'example.org', { keyPair: rsa512 });
    const leaf = leafCert(inter, ID);
    expectSvidError(
      () => verifyX509Svid([leaf.certificate, inter.certificate], source),
      'weak_key',
      /certificate 2 .*RSA key of 512 bits/,
    );
    for (const keyPair of [rsa512, rsa1024]) {
      expectSvidError(
        () => verifyX509Svid([leafCert(root, ID, { keyPair }).certificate], source),
        'weak_key',
        /leaf certificate .*RSA key of \d+ bits/,
      );
    }
  });
  it('refuses a weak bundle authority but still anchors in the others', () => {
    const weakRoot = rootCa('example.org', { keyPair: rsa1024 });
    const both = x509Source({ 'example.org': [weakRoot.certificate, root.certificate] });
    expect(verifyX509Svid([leafCert(root, ID).certificate], both).id.toString()).toBe(ID);
    expectSvidError(
      () => verifyX509Svid([leafCert(weakRoot, ID).certificate], both),
      'weak_key',
      /bundle authority 1 .*1024 bits/,
    );
  });
  it('refuses a huge public exponent before any signature check (unsupported_key)', () => {
    const huge: Ca = (() => {
      const minted = createCertificate({
        keyPair: { publicKey: hugeExponentKey(), privateKey: rsa2048.privateKey },
        subject: 'C=US,O=SPIFFE',
        basicConstraints: { ca: true },
        keyUsage: { usages: ['keyCertSign'] },
      });
      return { certificate: minted.certificate, privateKey: rsa2048.privateKey, minted };
    })();
    const leaf = leafCert(huge, ID);
    expectSvidError(
      () => verifyX509Svid([leaf.certificate, huge.certificate], source),
      'unsupported_key',
      /certificate 2 .*exponent is larger than 2\^31 - 1/,
    );
    // As a bundle authority, too.
    expectSvidError(
      () => verifyX509Svid([leaf.certificate], x509Source({ 'example.org': [huge.certificate] })),
      'unsupported_key',
      /bundle authority 1/,
    );
  });
  it('RSA exponents: refuses 1, even ones and 2^31 + 1; accepts 3 and 2^31 - 1', () => {
    const modulus = rsa2048.publicKey;
    const leafWith = (e: bigint) =>
      leafCert(root, ID, {
        keyPair: { publicKey: rsaKeyWithExponent(e, modulus), privateKey: rsa2048.privateKey },
      }).certificate;
    expectSvidError(() => verifyX509Svid([leafWith(1n)], source), 'weak_key', /exponent 1 /);
    expectSvidError(() => verifyX509Svid([leafWith(65536n)], source), 'weak_key', /exponent 65536/);
    expectSvidError(() => verifyX509Svid([leafWith(2n ** 31n + 1n)], source), 'unsupported_key', /2\^31 - 1/);
    expect(verifyX509Svid([leafWith(3n)], source).id.toString()).toBe(ID);
    expect(verifyX509Svid([leafWith(2n ** 31n - 1n)], source).id.toString()).toBe(ID);
  });
  it('refuses RSA moduli over 8192 bits (unsupported_key)', () => {
    // A modulus of 8200 bits (not a real key: the leaf's key is never used to verify).
    const big = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const jwk = big.export({ format: 'jwk' });
    const n = Buffer.concat([Buffer.from(jwk.n!, 'base64url'), Buffer.alloc(769, 0xab)]);
    const key = rsaKeyWithExponent(65537n, n);
    expectSvidError(
      () =>
        verifyX509Svid(
          [leafCert(root, ID, { keyPair: { publicKey: key, privateKey: rsa2048.privateKey } }).certificate],
          source,
        ),
      'unsupported_key',
      /RSA key of 8200 bits/,
    );
  });
  it('refuses EC keys on other curves (unsupported_key)', () => {
    for (const namedCurve of ['secp224r1', 'secp256k1']) {
      const keyPair = generateKeyPairSync('ec', { namedCurve });
      expectSvidError(
        () => verifyX509Svid([leafCert(root, ID, { keyPair }).certificate], source),
        'unsupported_key',
        /curve other than P-256, P-384 or P-521/,
      );
    }
  });
  it('refuses other key types: DSA, X25519 (unsupported_key)', () => {
    const dsa = generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 });
    expectSvidError(
      () => verifyX509Svid([leafCert(root, ID, { keyPair: dsa }).certificate], source),
      'unsupported_key',
      /DSA key/,
    );
    const x25519 = generateKeyPairSync('x25519');
    expectSvidError(
      () => verifyX509Svid([leafCert(root, ID, { keyPair: x25519 }).certificate], source),
      'unsupported_key',
      /X25519 key/,
    );
  });
  it('accepts P-384, P-521 and Ed25519 CAs and leaves, and RSA-2048 and RSA-3072', () => {
    for (const keyType of ['ec-p384', 'ec-p521', 'ed25519'] as const) {
      const r = rootCa('example.org', { keyType });
      const i = intermediateCa(r, 'example.org', { keyType });
      const l = leafCert(i, ID, { keyType });
      const s = x509Source({ 'example.org': [r.certificate] });
      expect(verifyX509Svid([l.certificate, i.certificate], s).chains[0]).toHaveLength(3);
    }
    const r3072 = rootCa('example.org', { keyPair: rsa(3072) });
    const l = leafCert(r3072, ID, { keyPair: rsa2048 });
    expect(
      verifyX509Svid([l.certificate], x509Source({ 'example.org': [r3072.certificate] })).id.toString(),
    ).toBe(ID);
  });
});
