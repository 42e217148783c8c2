import type { KeyObject } from 'node:crypto';
import { DerReader, TAG_INTEGER, TAG_SEQUENCE } from '../internal/x509/der.js';
import type { CertificateInfo } from '../internal/x509/types.js';

/**
 * The SDK's key and signature-algorithm policy: which public keys it verifies signatures with or
 * trusts, and which certificate signature algorithms it accepts. One place for X.509 (every
 * certificate of a verified path) and JWT-SVID keys. At least as strict as OpenSSL's default
 * security level and Go's crypto/x509 + crypto/tls (see docs/decisions.md, "The X.509 verifier:
 * key policy and bounded cost"):
 *
 * - RSA (rsaEncryption with NULL parameters): modulus of 2048..8192 bits (Go's crypto/tls caps
 *   peer keys at 8192 bits); public exponent odd, at least 3 and at most 2^31 - 1 (Go's
 *   crypto/rsa limit: "invalid RSA public exponent"). A huge exponent makes each check take
 *   milliseconds (NODE-NOTES §5).
 * - EC (id-ecPublicKey): named curves P-256, P-384, P-521 only, uncompressed points (as Go).
 * - Ed25519 (Go and go-spiffe accept it; SPIRE does not issue it).
 * - Anything else (RSA-PSS keys, DSA, X25519, explicit curves, ...) is unsupported.
 */

/** Why a key or algorithm is refused: a stable code and what was wrong. */
export interface PolicyViolation {
  code: 'weak_key' | 'unsupported_key' | 'weak_signature_algorithm' | 'unsupported_signature_algorithm';
  problem: string;
}

/** A public key the policy accepts, with what a signature check with it needs and costs. */
export type AcceptedKey =
  | { kind: 'rsa'; bits: number; exponent: number }
  | { kind: 'ec'; curve: 'P-256' | 'P-384' | 'P-521' }
  | { kind: 'ed25519' };

/** Smallest RSA modulus (OpenSSL security level 1 and up, RFC 7518 §3.3 for JWT). */
export const MIN_RSA_BITS = 2048;
/** Largest RSA modulus (Go's crypto/tls `maxRSAKeySize`, CVE-2023-29409). */
export const MAX_RSA_BITS = 8192;
/** Largest RSA public exponent (Go's crypto/rsa). */
export const MAX_RSA_EXPONENT = 2 ** 31 - 1;

const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const ED25519 = '1.3.101.112';
const DER_NULL = Uint8Array.of(0x05, 0x00);

/** namedCurve OID (DER of the parameters) → curve, with the uncompressed point length. */
const CURVES: ReadonlyArray<{ der: string; curve: 'P-256' | 'P-384' | 'P-521'; point: number }> = [
  { der: '06082a8648ce3d030107', curve: 'P-256', point: 65 },
  { der: '06052b81040022', curve: 'P-384', point: 97 },
  { der: '06052b81040023', curve: 'P-521', point: 133 },
];
/** node:crypto's names of the same curves. */
const NODE_CURVES: Readonly<Record<string, 'P-256' | 'P-384' | 'P-521'>> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

const KEY_NAMES: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.10': 'RSASSA-PSS',
  '1.2.840.10040.4.1': 'DSA',
  '1.3.101.110': 'X25519',
  '1.3.101.111': 'X448',
  '1.3.101.113': 'Ed448',
  '1.2.840.10046.2.1': 'Diffie-Hellman',
};

/**
 * Reads a certificate's SubjectPublicKeyInfo and applies the key policy, before any signature
 * check or key import. Returns the accepted key or why it is refused.
 */
export function checkPublicKeyInfo(info: CertificateInfo): AcceptedKey | PolicyViolation {
  const oid = info.publicKeyAlgorithmOid;
  const parameters = info.publicKeyParameters;
  const spki = { key: info.publicKeyBits, unusedBits: info.publicKeyUnusedBits };
  if (oid === RSA_ENCRYPTION) {
    // RFC 3279 §2.3.1 and Go: the parameters MUST be NULL.
    if (parameters === undefined || !bytesEqual(parameters, DER_NULL)) {
      return unsupported('an RSA public key whose algorithm parameters are not NULL');
    }
    const rsa = spki.unusedBits === 0 ? readRsaPublicKey(spki.key) : undefined;
    if (rsa === undefined) return unsupported('a malformed RSA public key');
    return checkRsa(rsa.bits, rsa.exponent);
  }
  if (oid === EC_PUBLIC_KEY) {
    const hex = parameters === undefined ? '' : Buffer.from(parameters).toString('hex');
    const named = CURVES.find((c) => c.der === hex);
    if (named === undefined) {
      return unsupported(
        'an EC key on a curve other than P-256, P-384 or P-521 (or with explicit parameters)',
      );
    }
    if (spki.unusedBits !== 0 || spki.key.length !== named.point || spki.key[0] !== 0x04) {
      return unsupported(`an EC ${named.curve} key that is not an uncompressed point`);
    }
    return { kind: 'ec', curve: named.curve };
  }
  if (oid === ED25519) {
    if (parameters !== undefined || spki.unusedBits !== 0 || spki.key.length !== 32) {
      return unsupported('a malformed Ed25519 key');
    }
    return { kind: 'ed25519' };
  }
  return unsupported(`a ${KEY_NAMES[oid] ?? `key of algorithm ${oid}`} key`);
}

/** Applies the key policy to a key already imported by node:crypto (JWT-SVID authorities, bundle roots). */
export function checkKeyObject(key: KeyObject): AcceptedKey | PolicyViolation {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails;
  if (key.type !== 'public' && key.type !== 'private') return unsupported(`a ${key.type} key`);
  // An RSA-PSS key (JWT PS* algorithms) has the same size and exponent rules.
  if (type === 'rsa' || type === 'rsa-pss') {
    const e = details?.publicExponent;
    return checkRsa(details?.modulusLength ?? 0, e === undefined ? 0 : e);
  }
  if (type === 'ec') {
    const curve = NODE_CURVES[details?.namedCurve ?? ''];
    if (curve === undefined) {
      return unsupported(`an EC key on curve ${details?.namedCurve ?? '?'} (P-256, P-384 or P-521 only)`);
    }
    return { kind: 'ec', curve };
  }
  if (type === 'ed25519') return { kind: 'ed25519' };
  return unsupported(`a ${type ?? '?'} key`);
}

/** Whether a key check failed. */
export function isViolation(
  value: AcceptedKey | PolicyViolation | SignatureAlgorithm,
): value is PolicyViolation {
  return 'code' in value;
}

function checkRsa(bits: number, exponent: bigint | number): AcceptedKey | PolicyViolation {
  if (bits < MIN_RSA_BITS) {
    return { code: 'weak_key', problem: `an RSA key of ${bits} bits (at least ${MIN_RSA_BITS} required)` };
  }
  if (bits > MAX_RSA_BITS) {
    return unsupported(`an RSA key of ${bits} bits (at most ${MAX_RSA_BITS} supported)`);
  }
  if (exponent > MAX_RSA_EXPONENT) {
    return unsupported(
      `an RSA key whose public exponent is larger than 2^31 - 1 (invalid RSA public exponent)`,
    );
  }
  const e = Number(exponent);
  if (e < 3 || e % 2 === 0) {
    return {
      code: 'weak_key',
      problem: `an RSA key with public exponent ${e} (odd and at least 3 required)`,
    };
  }
  return { kind: 'rsa', bits, exponent: e };
}

/**
 * RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 §A.1.1), strict
 * DER, both positive. The exponent is read only up to 2^31 - 1; a larger one is reported as
 * `Infinity`. Undefined when malformed.
 */
function readRsaPublicKey(key: Uint8Array): { bits: number; exponent: number } | undefined {
  try {
    const top = new DerReader(key, 0, key.length);
    const seq = top.enter(TAG_SEQUENCE, 'RSAPublicKey');
    top.expectEnd('RSAPublicKey');
    const bits = positiveIntegerBits(seq);
    const eBits = positiveIntegerBits(seq);
    seq.expectEnd('RSAPublicKey');
    if (bits === undefined || eBits === undefined) return undefined;
    if (eBits > 31) return { bits, exponent: Infinity };
    let exponent = 0;
    for (let i = seq.valueStart; i < seq.valueEnd; i++) exponent = exponent * 256 + (key[i] as number);
    return { bits, exponent };
  } catch {
    return undefined;
  }
}

/** Reads a positive, minimally encoded INTEGER and returns its bit length. */
function positiveIntegerBits(r: DerReader): number | undefined {
  r.next(TAG_INTEGER, 'INTEGER');
  let start = r.valueStart;
  const end = r.valueEnd;
  if (start === end || ((r.buf[start] as number) & 0x80) !== 0) return undefined;
  if (r.buf[start] === 0) {
    if (end - start === 1) return undefined; // zero
    if (((r.buf[start + 1] as number) & 0x80) === 0) return undefined; // not minimal
    start++;
  }
  return (end - start - 1) * 8 + (32 - Math.clz32(r.buf[start] as number));
}

/** An accepted certificate signature algorithm: the digest for `crypto.verify` and the key kind it needs. */
export interface SignatureAlgorithm {
  name: string;
  /** `null` for Ed25519, which hashes internally. */
  hash: 'sha256' | 'sha384' | 'sha512' | null;
  key: AcceptedKey['kind'];
}

/** The allow-list (Go's crypto/x509 set, without RSASSA-PSS: see docs/decisions.md). */
const SIGNATURE_ALGORITHMS: Readonly<Record<string, SignatureAlgorithm & { nullParams: boolean }>> = {
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', hash: 'sha256', key: 'rsa', nullParams: true },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', hash: 'sha384', key: 'rsa', nullParams: true },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', hash: 'sha512', key: 'rsa', nullParams: true },
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', hash: 'sha256', key: 'ec', nullParams: false },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', hash: 'sha384', key: 'ec', nullParams: false },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', hash: 'sha512', key: 'ec', nullParams: false },
  '1.3.101.112': { name: 'Ed25519', hash: null, key: 'ed25519', nullParams: false },
};

/** Signature algorithms refused as weak: MD2, MD4, MD5 and SHA-1 based (OpenSSL level 1, Go). */
const WEAK_SIGNATURE_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.3': 'md4WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.3.14.3.2.3': 'md5WithRSA (OIW)',
  '1.3.14.3.2.29': 'sha1WithRSASignature (OIW)',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10040.4.3': 'dsa-with-sha1',
  '1.3.14.3.2.27': 'dsaWithSHA1 (OIW)',
};

/**
 * Applies the algorithm policy to a certificate's signatureAlgorithm: MD5/SHA-1 (and older) are
 * `weak_signature_algorithm`; anything outside the allow-list, or with parameters the algorithm
 * does not take, is `unsupported_signature_algorithm`.
 */
export function checkSignatureAlgorithm(info: CertificateInfo): SignatureAlgorithm | PolicyViolation {
  const alg = { oid: info.signatureAlgorithmOid, parameters: info.signatureAlgorithmParameters };
  const weak = WEAK_SIGNATURE_ALGORITHMS[alg.oid];
  if (weak !== undefined) {
    return {
      code: 'weak_signature_algorithm',
      problem: `is signed with ${weak}, which is not collision resistant`,
    };
  }
  const known = Object.hasOwn(SIGNATURE_ALGORITHMS, alg.oid) ? SIGNATURE_ALGORITHMS[alg.oid] : undefined;
  if (known === undefined) {
    const name = alg.oid === '1.2.840.113549.1.1.10' ? 'RSASSA-PSS' : `algorithm ${alg.oid}`;
    return {
      code: 'unsupported_signature_algorithm',
      problem: `is signed with ${name}, which the SDK does not accept`,
    };
  }
  // RSA PKCS#1 v1.5: NULL (RFC 4055 §5) or absent, as OpenSSL and Go accept; ECDSA and Ed25519: absent.
  const paramsOk = known.nullParams
    ? alg.parameters === undefined || bytesEqual(alg.parameters, DER_NULL)
    : alg.parameters === undefined;
  if (!paramsOk) {
    return {
      code: 'unsupported_signature_algorithm',
      problem: `is signed with ${known.name} with unexpected algorithm parameters`,
    };
  }
  return known;
}

/**
 * What one signature check with `key` costs, in units of one ECDSA P-256 verification (≈57 µs on
 * the reference machine; measured ratios, docs/decisions.md): the cost budget of a verification
 * is counted in these units, so a path through slow keys gets fewer checks.
 */
export function verificationCost(key: AcceptedKey): number {
  switch (key.kind) {
    case 'ec':
      return key.curve === 'P-256' ? 1 : key.curve === 'P-384' ? 10 : 21;
    case 'ed25519':
      return 2;
    case 'rsa': {
      // Modular exponentiation: quadratic in the modulus, linear in the exponent's bit length.
      // RSA-2048 with e = 65537 measured ≈0.4 units, RSA-8192 ≈5.5, with e = 2^31 - 1 ≈12.
      const size = (key.bits / 2048) ** 2;
      const exp = (32 - Math.clz32(key.exponent)) / 17;
      return Math.max(1, Math.ceil(size * exp * 0.5));
    }
  }
}

/** What importing a key (`createPublicKey`, ≈112 µs for P-256) costs, in the same units. */
export function importCost(key: AcceptedKey): number {
  return key.kind === 'ec' && key.curve === 'P-521' ? 8 : key.kind === 'ec' && key.curve === 'P-384' ? 4 : 2;
}

function unsupported(problem: string): PolicyViolation {
  return { code: 'unsupported_key', problem };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
