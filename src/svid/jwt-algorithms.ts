import { constants, verify, type KeyObject } from 'node:crypto';
import { checkKeyObject, isViolation } from './crypto-policy.js';

/** How one JWS algorithm allowed for JWT-SVIDs (J-3) verifies. */
interface Algorithm {
  hash: 'sha256' | 'sha384' | 'sha512';
  family: 'ec' | 'rsa' | 'rsa-pss';
  /** ES*: the curve (OpenSSL name) and the exact IEEE P1363 signature length (RFC 7518 §3.4). */
  curve?: string;
  signatureLength?: number;
  /** PS*: salt length = digest length (RFC 7518 §3.5). */
  saltLength?: number;
}

/** The nine algorithms of JWT-SVID §2.1 (J-3); anything else is refused (J-4). */
const ALGORITHMS: Readonly<Record<string, Algorithm>> = Object.freeze({
  RS256: { hash: 'sha256', family: 'rsa' },
  RS384: { hash: 'sha384', family: 'rsa' },
  RS512: { hash: 'sha512', family: 'rsa' },
  ES256: { hash: 'sha256', family: 'ec', curve: 'prime256v1', signatureLength: 64 },
  ES384: { hash: 'sha384', family: 'ec', curve: 'secp384r1', signatureLength: 96 },
  ES512: { hash: 'sha512', family: 'ec', curve: 'secp521r1', signatureLength: 132 },
  PS256: { hash: 'sha256', family: 'rsa-pss', saltLength: 32 },
  PS384: { hash: 'sha384', family: 'rsa-pss', saltLength: 48 },
  PS512: { hash: 'sha512', family: 'rsa-pss', saltLength: 64 },
});

/** The JWS `alg` values a JWT-SVID may use (J-3). */
export const JWT_SVID_ALGORITHMS: readonly string[] = Object.freeze(Object.keys(ALGORITHMS));

/** Whether `alg` is one of the nine JWT-SVID algorithms (own property only: `__proto__` is not one). */
export function isJwtSvidAlgorithm(alg: unknown): alg is string {
  return typeof alg === 'string' && Object.hasOwn(ALGORITHMS, alg);
}

/**
 * Why `key` cannot verify `alg` (ES256 needs EC P-256, ES384 P-384, ES512 P-521, RS* and PS* an RSA
 * key that meets the SDK's key policy: 2048..8192 bits, RFC 7518 §3.3 and §3.5 require at least
 * 2048; an odd exponent of at most 2^31 - 1), or undefined when it can.
 */
export function keyMismatch(key: KeyObject, alg: string): string | undefined {
  const a = ALGORITHMS[alg]!;
  const type = key.asymmetricKeyType;
  if (a.family === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    return type === 'ec' && curve === a.curve
      ? undefined
      : `${alg} needs an EC ${a.curve} key, not ${describeKey(key)}`;
  }
  if (type !== 'rsa' && !(a.family === 'rsa-pss' && type === 'rsa-pss'))
    return `${alg} needs an RSA key, not ${describeKey(key)}`;
  const verdict = checkKeyObject(key);
  return isViolation(verdict) ? `${alg} cannot use ${verdict.problem}` : undefined;
}

function describeKey(key: KeyObject): string {
  const type = key.asymmetricKeyType ?? key.type;
  return type === 'ec' ? `an EC ${key.asymmetricKeyDetails?.namedCurve ?? '?'} key` : `a ${type} key`;
}

/** Verifies a JWS signature over `data` with `key` (already checked with `keyMismatch`). */
export function verifySignature(alg: string, key: KeyObject, data: Buffer, signature: Buffer): boolean {
  const a = ALGORITHMS[alg]!;
  try {
    if (a.family === 'ec') {
      if (signature.length !== a.signatureLength) return false;
      return verify(a.hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    }
    if (a.family === 'rsa-pss') {
      return verify(
        a.hash,
        data,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: a.saltLength! },
        signature,
      );
    }
    return verify(a.hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
}
