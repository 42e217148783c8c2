/**
 * Test-only certificate minting for the bundle tests: CA certificates made at run time with
 * @peculiar/asn1-x509 and node:crypto, synchronously. (The project's FakeCa in src/testing will
 * replace this helper later.)
 */
import { existsSync, readFileSync } from 'node:fs';
import crypto, { X509Certificate, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as x from '@peculiar/asn1-x509';

const ECDSA_SHA256 = '1.2.840.10045.4.3.2';
/** Signs certificates whose own key cannot sign with ECDSA (RSA, RSA-PSS, Ed25519). */
const fallbackIssuer = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

export type KeyKind = 'ec-p256' | 'ec-p384' | 'rsa' | 'rsa-pss' | 'ed25519';

export interface TestCa {
  cert: X509Certificate;
  der: Buffer;
  publicKey: KeyObject;
}

function keyPair(kind: KeyKind): crypto.KeyPairKeyObjectResult {
  switch (kind) {
    case 'ec-p256':
      return crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'ec-p384':
      return crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' });
    // 1024 bits keeps key generation fast; the bundle layer sets no key size policy.
    case 'rsa':
      return crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
    case 'rsa-pss':
      return crypto.generateKeyPairSync('rsa-pss', { modulusLength: 1024 });
    case 'ed25519':
      return crypto.generateKeyPairSync('ed25519');
  }
}

/** A self-issued CA certificate (`cA=true`, URI SAN `spiffe://<td>`) with a fresh key. */
export function makeCa(trustDomain = 'example.org', kind: KeyKind = 'ec-p256'): TestCa {
  const { publicKey, privateKey } = keyPair(kind);
  const signer = privateKey.asymmetricKeyType === 'ec' ? privateKey : fallbackIssuer;
  const spki = AsnConvert.parse(publicKey.export({ type: 'spki', format: 'der' }), x.SubjectPublicKeyInfo);
  const now = Date.now();
  const name = new x.Name([
    new x.RelativeDistinguishedName([
      new x.AttributeTypeAndValue({
        type: '2.5.4.10',
        value: new x.AttributeValue({ utf8String: 'SPIFFE' }),
      }),
    ]),
  ]);
  const san = new x.SubjectAlternativeName([
    new x.GeneralName({ uniformResourceIdentifier: `spiffe://${trustDomain}` }),
  ]);
  const tbs = new x.TBSCertificate({
    version: x.Version.v3,
    serialNumber: serialNumber(),
    signature: new x.AlgorithmIdentifier({ algorithm: ECDSA_SHA256 }),
    issuer: name,
    subject: name,
    validity: new x.Validity({ notBefore: new Date(now - 60_000), notAfter: new Date(now + 3_600_000) }),
    subjectPublicKeyInfo: spki,
    extensions: new x.Extensions([
      new x.Extension({
        extnID: x.id_ce_basicConstraints,
        critical: true,
        extnValue: new OctetString(AsnConvert.serialize(new x.BasicConstraints({ cA: true }))),
      }),
      new x.Extension({
        extnID: x.id_ce_subjectAltName,
        critical: false,
        extnValue: new OctetString(AsnConvert.serialize(san)),
      }),
    ]),
  });
  const signature = crypto.sign('sha256', Buffer.from(AsnConvert.serialize(tbs)), signer);
  const der = Buffer.from(
    AsnConvert.serialize(
      new x.Certificate({
        tbsCertificate: tbs,
        signatureAlgorithm: new x.AlgorithmIdentifier({ algorithm: ECDSA_SHA256 }),
        signatureValue: new Uint8Array(signature).buffer,
      }),
    ),
  );
  const cert = new X509Certificate(der);
  return { cert, der, publicKey };
}

/** A random positive DER INTEGER value (first byte 0x01..0x7f, so it is minimal). */
function serialNumber(): ArrayBuffer {
  const bytes = crypto.randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) % 0x7f) + 1;
  return new Uint8Array(bytes).buffer;
}

/** A public key for JWT authorities. */
export function makeJwtKey(kind: 'ec-p256' | 'ec-p384' | 'rsa' | 'ed25519' = 'ec-p256'): KeyObject {
  return keyPair(kind).publicKey;
}

/** Where the go-spiffe vectors live (read in place, never copied). */
export const VECTORS = new URL('../../../shared/vectors/go-spiffe/', import.meta.url);
export const HAVE_VECTORS = existsSync(VECTORS);

/** Reads one go-spiffe vector file. */
export function vector(path: string): Buffer {
  return readFileSync(new URL(path, VECTORS));
}

/** The public JWK members of a key. */
export function publicJwk(key: KeyObject): Record<string, string> {
  return key.export({ format: 'jwk' }) as Record<string, string>;
}

/** Builds a SPIFFE bundle / JWKS document text. */
export function doc(keys: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ keys, ...extra });
}

/** An `x509-svid` JWK for a CA, as published. */
export function x509Jwk(ca: TestCa, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { use: 'x509-svid', ...publicJwk(ca.publicKey), x5c: [ca.der.toString('base64')], ...extra };
}

/** A `jwt-svid` JWK, as published (J-15). */
export function jwtJwk(
  kid: string,
  key: KeyObject,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { use: 'jwt-svid', kid, ...publicJwk(key), ...extra };
}
