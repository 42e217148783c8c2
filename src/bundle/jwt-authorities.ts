import { KeyObject } from 'node:crypto';
import { quote } from '../internal/errors.js';
import { describe } from './certificate.js';
import { BundleError } from './errors.js';
import { exportJwk } from './jwk.js';
import { USE_JWT_SVID } from './jwks.js';

/** JWT authorities given to the bundle API: key ID → public key, as a Map or a plain object. */
export type JwtAuthorities = ReadonlyMap<string, KeyObject> | Readonly<Record<string, KeyObject>>;

/**
 * Checks one JWT authority: a non-empty key ID (J-15) and a public `KeyObject`.
 *
 * @throws {BundleError} `missing_key_id` or `invalid_key`.
 */
export function checkJwtAuthority(keyId: string, key: KeyObject, where: string): void {
  if (typeof keyId !== 'string' || keyId === '') {
    throw new BundleError('missing_key_id', `${where}: a JWT authority needs a non-empty key ID (J-15)`);
  }
  if (!(key instanceof KeyObject)) {
    throw new BundleError(
      'invalid_key',
      `${where}: key ${quote(keyId)} is a ${describe(key)}, not a KeyObject`,
    );
  }
  if (key.type !== 'public') {
    throw new BundleError(
      'invalid_key',
      `${where}: key ${quote(keyId)} is a ${key.type} key; a bundle holds public keys only`,
    );
  }
}

/**
 * Copies and checks JWT authorities given as a Map or a plain object.
 *
 * @throws {BundleError} `missing_key_id`, `invalid_key`.
 */
export function jwtAuthorityMap(authorities: JwtAuthorities, where: string): Map<string, KeyObject> {
  if (typeof authorities !== 'object' || authorities === null) {
    throw new BundleError('invalid_key', `${where}: expected a Map or object of key ID → KeyObject`);
  }
  const entries = authorities instanceof Map ? [...authorities] : Object.entries(authorities);
  const map = new Map<string, KeyObject>();
  for (const [keyId, key] of entries as [string, KeyObject][]) {
    checkJwtAuthority(keyId, key, where);
    map.set(keyId, key);
  }
  return map;
}

/** Whether two authority maps hold the same key IDs with equal keys. */
export function jwtAuthoritiesEqual(
  a: ReadonlyMap<string, KeyObject>,
  b: ReadonlyMap<string, KeyObject>,
): boolean {
  if (a.size !== b.size) return false;
  for (const [keyId, key] of a) {
    const other = b.get(keyId);
    if (!other || !key.equals(other)) return false;
  }
  return true;
}

/**
 * JWT authorities as published JWKs (J-15): `use: "jwt-svid"`, `kid` and the public members.
 *
 * @throws {BundleError} `unsupported_key_type` for a key with no JWK form.
 */
export function jwtAuthorityJwks(authorities: ReadonlyMap<string, KeyObject>, where: string): object[] {
  return [...authorities].map(([kid, key]) => {
    const { kty, ...rest } = exportJwk(key, `${where}: JWT authority ${quote(kid)}`);
    return { use: USE_JWT_SVID, kty, kid, ...rest };
  });
}
