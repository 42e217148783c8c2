import type { KeyObject, X509Certificate } from 'node:crypto';
import { quote } from '../internal/errors.js';
import { JsonError, parseJson, type JsonObject, type JsonValue } from '../internal/json.js';
import { toCertificate } from './certificate.js';
import { BundleError, type BundleErrorCode } from './errors.js';
import { importJwk, isKnownKeyType } from './jwk.js';

/** The `use` values of SPIFFE bundle JWKs (B-11: compared case-sensitively). */
export const USE_X509_SVID = 'x509-svid';
export const USE_JWT_SVID = 'jwt-svid';

/** Standard padded base64 (RFC 7517 §4.7: `x5c` is base64, not base64url). */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * How `use` is read:
 * - `spiffe`: a SPIFFE bundle (Trust Domain and Bundle §4): keys without `use`, or with another
 *   `use`, are ignored (B-6, B-10, A-17).
 * - `jwt`: a JWKS of JWT authorities, as the Workload API sends (JWT-SVID §6.2, J-16): keys with
 *   `use: "jwt-svid"` are JWT authorities, keys with any other `use` are ignored (J-16, A-17).
 *   Keys with no `use` are JWT authorities only in a set where no key has a `use`: SPIRE's and
 *   go-spiffe's JWKS carry none. A set that labels its keys is read as a SPIFFE bundle is,
 *   and an unlabeled key in it is ignored (B-10): it was not published for JWT-SVIDs.
 */
export type KeySetProfile = 'spiffe' | 'jwt';

/** The authorities read from a JWK Set, and the document they came from. */
export interface KeySetContents {
  document: JsonObject;
  x509: X509Certificate[];
  jwt: Map<string, KeyObject>;
}

/** Whether `value` is a JSON object (not an array, not null). */
export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own member of a parsed object (never one inherited from `Object.prototype`). */
export function member(obj: JsonObject, name: string): JsonValue | undefined {
  return Object.hasOwn(obj, name) ? obj[name] : undefined;
}

/**
 * Parses JSON text with the strict parser.
 *
 * @throws {BundleError} `code` for malformed JSON, with the parser's offset in the message.
 */
export function parseJsonText(input: string | Uint8Array, where: string, code: BundleErrorCode): JsonValue {
  try {
    return parseJson(input);
  } catch (err) {
    if (err instanceof JsonError) throw new BundleError(code, `${where}: ${err.message}`, { cause: err });
    throw err;
  }
}

/**
 * Reads the `keys` of a parsed JWK Set (RFC 7517 §5).
 *
 * @throws {BundleError} `invalid_jwks`, `missing_keys`, `invalid_jwk`, `missing_key_id`,
 *   `duplicate_key_id`.
 */
export function readKeySet(doc: JsonValue, where: string, profile: KeySetProfile): KeySetContents {
  if (!isJsonObject(doc)) {
    throw new BundleError('invalid_jwks', `${where}: the top level is not a JSON object`);
  }
  const keys = member(doc, 'keys');
  if (keys === undefined || keys === null) {
    throw new BundleError('missing_keys', `${where}: the "keys" member is missing (B-5)`);
  }
  if (!Array.isArray(keys)) throw new BundleError('invalid_jwks', `${where}: "keys" is not an array`);
  const out: KeySetContents = { document: doc, x509: [], jwt: new Map() };
  // B-10 in the `jwt` profile: a key without `use` counts only when no key of the set has one.
  const unlabeledAreJwt =
    profile === 'jwt' && !keys.some((jwk) => isJsonObject(jwk) && member(jwk, 'use') !== undefined);
  keys.forEach((jwk, i) => {
    const at = `${where}: key ${i}`;
    if (!isJsonObject(jwk)) throw new BundleError('invalid_jwks', `${at} is not a JSON object`);
    const use = member(jwk, 'use');
    // B-9: a JWK whose kty is missing or unknown is ignored, whatever its use.
    if (!isKnownKeyType(member(jwk, 'kty'))) return;
    if (use === USE_X509_SVID && profile === 'spiffe') {
      const cert = readX509Authority(jwk, at);
      if (cert) out.x509.push(cert);
    } else if (use === USE_JWT_SVID || (use === undefined && unlabeledAreJwt)) {
      const kid = readKeyId(jwk, at);
      if (out.jwt.has(kid)) {
        throw new BundleError('duplicate_key_id', `${at}: the key ID ${quote(kid)} is already used`);
      }
      out.jwt.set(kid, importJwk(jwk, at));
    }
    // Any other use (wit-svid, sig, a wrong-case value; none in a SPIFFE bundle or in a JWKS
    // that labels its keys) is ignored: B-6, B-10, B-11, A-17.
  });
  return out;
}

/** J-15, A-4: a JWT authority has a non-empty `kid` (go-spiffe refuses the bundle without one). */
function readKeyId(jwk: JsonObject, at: string): string {
  const kid = member(jwk, 'kid');
  if (kid === undefined || kid === '') {
    throw new BundleError('missing_key_id', `${at}: a JWT authority needs a key ID ("kid") (J-15)`);
  }
  if (typeof kid !== 'string') throw new BundleError('invalid_jwk', `${at}: "kid" is not a string`);
  return kid;
}

/**
 * no or empty `x5c` → ignored (undefined). X-22: only `x5c[0]` is used. RFC 7517 §4.7: the
 * certificate's key must be the JWK's key.
 */
function readX509Authority(jwk: JsonObject, at: string): X509Certificate | undefined {
  const x5c = member(jwk, 'x5c');
  if (x5c === undefined || x5c === null || (Array.isArray(x5c) && x5c.length === 0)) return undefined;
  if (!Array.isArray(x5c)) throw new BundleError('invalid_jwk', `${at}: "x5c" is not an array`);
  const first = x5c[0];
  if (typeof first !== 'string' || first.length === 0 || first.length % 4 !== 0 || !BASE64.test(first)) {
    throw new BundleError('invalid_jwk', `${at}: x5c[0] is not a standard base64 string`);
  }
  const key = importJwk(jwk, at);
  let cert: X509Certificate;
  try {
    cert = toCertificate(Buffer.from(first, 'base64'), `${at}: x5c[0]`);
  } catch (err) {
    throw new BundleError('invalid_jwk', (err as Error).message, { cause: err });
  }
  if (!cert.publicKey.equals(key)) {
    throw new BundleError(
      'invalid_jwk',
      `${at}: the x5c[0] certificate's key is not the JWK's key (RFC 7517 §4.7)`,
    );
  }
  return cert;
}
