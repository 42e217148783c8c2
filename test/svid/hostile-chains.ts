/**
 * Certificates no honest CA makes, for the key/algorithm policy and cost-bound tests and the
 * adversarial benchmarks: huge-exponent RSA keys, weak signature algorithms, rings of look-alike
 * CAs. Built with the testing kit plus @peculiar/asn1-* for what the kit does not mint.
 */
import { createPublicKey, generateKeyPairSync, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as x from '@peculiar/asn1-x509';
import { createCertificate, type KeyPair, type MintedCertificate } from '../../src/testing/index.js';

/** A signature algorithm to force on a certificate: OID, NULL parameters or none, and the digest to sign with. */
export interface ForcedAlgorithm {
  oid: string;
  nullParameters: boolean;
  digest: string | null;
}

export const MD5_WITH_RSA: ForcedAlgorithm = {
  oid: '1.2.840.113549.1.1.4',
  nullParameters: true,
  digest: 'md5',
};
export const SHA1_WITH_RSA: ForcedAlgorithm = {
  oid: '1.2.840.113549.1.1.5',
  nullParameters: true,
  digest: 'sha1',
};
export const ECDSA_WITH_SHA1: ForcedAlgorithm = {
  oid: '1.2.840.10045.4.1',
  nullParameters: false,
  digest: 'sha1',
};
export const SHA512_WITH_RSA: ForcedAlgorithm = {
  oid: '1.2.840.113549.1.1.13',
  nullParameters: true,
  digest: 'sha512',
};
export const ECDSA_WITH_SHA384: ForcedAlgorithm = {
  oid: '1.2.840.10045.4.3.3',
  nullParameters: false,
  digest: 'sha384',
};

/** A copy of `der` whose signature algorithm (both copies) is `algorithm`, signed again with `signer`. */
export function resign(der: Uint8Array, signer: KeyObject, algorithm: ForcedAlgorithm): Uint8Array {
  const cert = AsnConvert.parse(der, x.Certificate);
  const id = new x.AlgorithmIdentifier({
    algorithm: algorithm.oid,
    ...(algorithm.nullParameters ? { parameters: null } : {}),
  });
  cert.tbsCertificate.signature = id;
  cert.signatureAlgorithm = id;
  const tbs = Buffer.from(AsnConvert.serialize(cert.tbsCertificate));
  cert.signatureValue = toArrayBuffer(sign(algorithm.digest, tbs, signer));
  return new Uint8Array(AsnConvert.serialize(cert));
}

/**
 * An RSA public key with the given exponent and the modulus of `modulus` (a key, or the bytes;
 * default a fresh 2048-bit key's), as node:crypto imports it.
 */
export function rsaKeyWithExponent(exponent: bigint, modulus?: KeyObject | Buffer): KeyObject {
  const base = modulus ?? generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
  const n = Buffer.isBuffer(base) ? base : Buffer.from(base.export({ format: 'jwk' }).n!, 'base64url');
  const hex = exponent.toString(16);
  const e = Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
  // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 §A.1.1)
  const rsa = der(0x30, Buffer.concat([der(0x02, leadingZero(n)), der(0x02, leadingZero(e))]));
  const spki = new x.SubjectPublicKeyInfo({
    algorithm: new x.AlgorithmIdentifier({ algorithm: '1.2.840.113549.1.1.1', parameters: null }),
    subjectPublicKey: toArrayBuffer(rsa),
  });
  return createPublicKey({ key: Buffer.from(AsnConvert.serialize(spki)), format: 'der', type: 'spki' });
}

/** A 3072-bit RSA key whose public exponent has 3,000 bits: each check with it takes milliseconds (NODE-NOTES §5). */
export function hugeExponentKey(): KeyObject {
  return rsaKeyWithExponent(
    (1n << 3000n) + 1n,
    generateKeyPairSync('rsa', { modulusLength: 3072 }).publicKey,
  );
}

/**
 * The high-severity attack of issue #13: a leaf for `id` plus `size` self-issued "CA" certificates
 * sharing one huge-exponent RSA key, all with subject `O=Ring`, no key identifiers, so every pair
 * links by name. Signatures are made with an unrelated RSA key: they never verify, but each check
 * would cost milliseconds. Returns the leaf's key pair for TLS.
 */
export function hugeExponentRing(
  id: string,
  size: number,
): { leaf: MintedCertificate; ring: MintedCertificate[] } {
  const signer = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const hugeKey: KeyPair = { publicKey: hugeExponentKey(), privateKey: signer.privateKey };
  const ring = Array.from({ length: size }, () =>
    createCertificate({
      keyPair: hugeKey,
      subject: 'O=Ring',
      basicConstraints: { ca: true },
      keyUsage: { usages: ['keyCertSign'] },
      subjectKeyId: false,
      authorityKeyId: false,
    }),
  );
  const leaf = createCertificate({
    issuer: { certificate: ring[0]!.certificate, privateKey: signer.privateKey },
    uris: [id],
    keyUsage: { usages: ['digitalSignature'] },
    authorityKeyId: false,
  });
  return { leaf, ring };
}

/**
 * `size` self-issued CAs (subject `O=Ring`, no key identifiers) all signed by one key of
 * `keyType`, and a leaf for `id` signed by it: every link verifies, so path building would try
 * every ordering. None reaches a bundle.
 */
export function validRing(
  id: string,
  size: number,
  keyType: 'ec-p256' | 'ec-p521' = 'ec-p256',
): { leaf: MintedCertificate; ring: MintedCertificate[] } {
  const first = createCertificate({
    keyType,
    subject: 'O=Ring',
    basicConstraints: { ca: true },
    keyUsage: { usages: ['keyCertSign'] },
    subjectKeyId: false,
    authorityKeyId: false,
  });
  const ring = [first];
  for (let i = 1; i < size; i++) {
    ring.push(
      createCertificate({
        keyPair: first.keyPair,
        subject: 'O=Ring',
        basicConstraints: { ca: true },
        keyUsage: { usages: ['keyCertSign'] },
        subjectKeyId: false,
        authorityKeyId: false,
      }),
    );
  }
  const leaf = createCertificate({
    issuer: { certificate: first.certificate, privateKey: first.keyPair.privateKey },
    uris: [id],
    keyUsage: { usages: ['digitalSignature'] },
    authorityKeyId: false,
  });
  return { leaf, ring };
}

/** PEM of DER certificates, for plain Node TLS peers. */
export function pemOfDer(ders: readonly Uint8Array[]): string {
  return ders.map((d) => new X509Certificate(d).toString()).join('');
}

/** One DER element: tag, definite length, contents. */
function der(tag: number, contents: Buffer): Buffer {
  const len = contents.length;
  const head =
    len < 0x80
      ? Buffer.of(tag, len)
      : len < 0x100
        ? Buffer.of(tag, 0x81, len)
        : Buffer.of(tag, 0x82, len >> 8, len & 0xff);
  return Buffer.concat([head, contents]);
}

function leadingZero(b: Buffer): Buffer {
  return (b[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.of(0), b]) : b;
}

function toArrayBuffer(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}
