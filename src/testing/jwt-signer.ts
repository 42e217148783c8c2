import { constants, createHmac, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/** The JWS algorithms a JWT-SVID may use (J-3). */
export type JwtSvidAlgorithm =
  'ES256' | 'ES384' | 'ES512' | 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512';

/**
 * Algorithms a JWT-SVID must not use (J-4). Tokens with them carry a signature no SPIFFE verifier
 * can check: empty for `none`, an HMAC under a random secret for `HS*`, an Ed25519 signature by a
 * throwaway key for `EdDSA`.
 */
export type ForbiddenJwtAlgorithm = 'none' | 'HS256' | 'HS384' | 'HS512' | 'EdDSA';

/** The key types that share one JWT signing key per CA: RS* and PS* share the RSA key. */
export type JwtKeyFamily = 'ec-p256' | 'ec-p384' | 'ec-p521' | 'rsa-2048';

const FAMILY: Record<JwtSvidAlgorithm, JwtKeyFamily> = {
  ES256: 'ec-p256',
  ES384: 'ec-p384',
  ES512: 'ec-p521',
  RS256: 'rsa-2048',
  RS384: 'rsa-2048',
  RS512: 'rsa-2048',
  PS256: 'rsa-2048',
  PS384: 'rsa-2048',
  PS512: 'rsa-2048',
};

/** Whether `alg` is one of the nine JWT-SVID algorithms. */
export function isJwtSvidAlgorithm(alg: string): alg is JwtSvidAlgorithm {
  return Object.hasOwn(FAMILY, alg);
}

/** Whether `alg` is one of the forbidden algorithms the kit can still mint tokens with. */
export function isForbiddenJwtAlgorithm(alg: string): alg is ForbiddenJwtAlgorithm {
  return ['none', 'HS256', 'HS384', 'HS512', 'EdDSA'].includes(alg);
}

/** The key type a JWT-SVID algorithm signs with. */
export function jwtKeyFamily(alg: JwtSvidAlgorithm): JwtKeyFamily {
  return FAMILY[alg];
}

function digestOf(alg: string): string {
  return `sha${alg.slice(2)}`;
}

/**
 * The JWS signature (RFC 7518 §3) of `signingInput` with `key`, base64url-encoded. ECDSA
 * signatures are in the JOSE form R||S (`ieee-p1363`); PSS uses a salt as long as the digest.
 */
export function signJws(alg: JwtSvidAlgorithm, signingInput: string, key: KeyObject): string {
  const data = Buffer.from(signingInput, 'ascii');
  const digest = digestOf(alg);
  let signature: Buffer;
  if (alg.startsWith('ES')) {
    signature = sign(digest, data, { key, dsaEncoding: 'ieee-p1363' });
  } else if (alg.startsWith('PS')) {
    signature = sign(digest, data, {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: Number(alg.slice(2)) / 8,
    });
  } else {
    signature = sign(digest, data, key);
  }
  return signature.toString('base64url');
}

/** A signature no SPIFFE verifier can check, for a forbidden algorithm (see {@link ForbiddenJwtAlgorithm}). */
export function forgeJwsSignature(alg: ForbiddenJwtAlgorithm, signingInput: string): string {
  const data = Buffer.from(signingInput, 'ascii');
  let signature: Buffer;
  if (alg === 'none') signature = Buffer.alloc(0);
  else if (alg === 'EdDSA') signature = sign(null, data, generateKeyPairSync('ed25519').privateKey);
  else signature = createHmac(digestOf(alg), randomBytes(32)).update(data).digest();
  return signature.toString('base64url');
}

/** base64url(JSON) of a JOSE header or claims set. */
export function encodeSegment(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}
