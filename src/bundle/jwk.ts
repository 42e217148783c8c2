import { createPublicKey, type KeyObject } from 'node:crypto';
import { quote } from '../internal/errors.js';
import type { JsonObject, JsonValue } from '../internal/json.js';
import { BundleError } from './errors.js';

/** The JWK key types the SDK reads (RFC 7518 §6.1, RFC 8037); other types are ignored (B-6, B-9). */
const KEY_MEMBERS: Record<string, { curves?: string[]; binary: string[] }> = {
  EC: { curves: ['P-256', 'P-384', 'P-521', 'secp256k1'], binary: ['x', 'y'] },
  RSA: { binary: ['n', 'e'] },
  OKP: { curves: ['Ed25519', 'Ed448', 'X25519', 'X448'], binary: ['x'] },
};

/** Members that carry private or secret key material (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** base64url (RFC 7515 §2), padding tolerated as go-jose tolerates it. */
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/** Whether the SDK can read keys of this `kty` (`EC`, `RSA`, `OKP`). */
export function isKnownKeyType(kty: JsonValue | undefined): kty is string {
  return typeof kty === 'string' && Object.hasOwn(KEY_MEMBERS, kty);
}

/**
 * Imports the public key of a JWK whose `kty` is known, using only its public members.
 *
 * @throws {BundleError} `invalid_jwk` when the JWK carries private members or its key members are
 *   missing or malformed. The message names `where`, never the key material.
 */
export function importJwk(jwk: JsonObject, where: string): KeyObject {
  for (const name of PRIVATE_MEMBERS) {
    if (Object.hasOwn(jwk, name)) {
      throw new BundleError(
        'invalid_jwk',
        `${where}: carries the private key member "${name}"; a bundle must hold public keys only`,
      );
    }
  }
  const kty = jwk.kty as string;
  const { curves, binary } = KEY_MEMBERS[kty] as { curves?: string[]; binary: string[] };
  const key: Record<string, string> = { kty };
  if (curves) {
    const crv = Object.hasOwn(jwk, 'crv') ? jwk.crv : undefined;
    if (typeof crv !== 'string' || !curves.includes(crv)) {
      const got = typeof crv === 'string' ? quote(crv, 40) : crv === undefined ? 'none' : typeof crv;
      throw new BundleError(
        'invalid_jwk',
        `${where}: unsupported ${kty} curve ${got} (expected ${curves.join(', ')})`,
      );
    }
    key.crv = crv;
  }
  for (const name of binary) {
    const value = Object.hasOwn(jwk, name) ? jwk[name] : undefined;
    if (typeof value !== 'string' || !BASE64URL.test(value)) {
      const problem = value === undefined ? 'is missing' : 'is not a base64url string';
      throw new BundleError('invalid_jwk', `${where}: ${kty} key member "${name}" ${problem}`);
    }
    key[name] = value;
  }
  try {
    return createPublicKey({ key, format: 'jwk' });
  } catch (err) {
    // Node's messages here carry no key material ("Invalid JWK EC key").
    throw new BundleError('invalid_jwk', `${where}: invalid ${kty} key: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * The public JWK members of `key` (`kty` first), for publishing.
 *
 * @throws {BundleError} `unsupported_key_type` for keys with no JWK form (RSA-PSS, DSA, ...).
 */
export function exportJwk(key: KeyObject, where: string): Record<string, string> {
  let jwk: Record<string, unknown>;
  try {
    jwk = key.export({ format: 'jwk' });
  } catch (err) {
    throw new BundleError(
      'unsupported_key_type',
      `${where}: a ${key.asymmetricKeyType ?? key.type} key has no JWK form: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const { kty, ...rest } = jwk;
  return { kty: kty as string, ...(rest as Record<string, string>) };
}
