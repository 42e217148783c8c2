import { quote } from '../internal/errors.js';
import { JsonError, parseJson, type JsonValue } from '../internal/json.js';
import { SvidError } from './errors.js';
import { isJwtSvidAlgorithm } from './jwt-algorithms.js';

/** Longest token accepted (characters); a JWT-SVID is a few hundred bytes to a few KiB. */
export const MAX_TOKEN_LENGTH = 64 * 1024;

/** A compact JWS whose header passed the JWT-SVID header rules; the payload is not yet read. */
export interface DecodedToken {
  alg: string;
  kid: string | undefined;
  claims: Record<string, unknown>;
  /** ASCII `header.payload`, the JWS signing input. */
  signingInput: string;
  signature: Buffer;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Deep enough for any real claim set, shallow enough that hostile nesting costs nothing. */
const MAX_JSON_DEPTH = 32;

/**
 * Decodes a JWT-SVID and applies the header rules, in this order:
 * - J-1: JWS Compact Serialization only: three non-empty, unpadded, canonical base64url parts
 *   (a JWE has five parts; the JSON serialization has none);
 * - header: a JSON object; J-3/J-4 `alg` is one of the nine JWT-SVID algorithms, checked before
 *   anything else is looked at; J-6 `typ`, if present, is exactly `JWT` or `JOSE` (A-7: a
 *   `wit+jwt` token is no JWT-SVID); `crit` is refused (the SDK understands no JWS extension,
 *   RFC 7515 §4.1.11); `kid`, if present, is a non-empty string. Other header parameters are
 *   ignored and never used to find keys (`jku`, `jwk`, `x5u`, `x5c`: A-8);
 * - payload: a JSON object.
 *
 * @throws {SvidError} `malformed_token`, `unsupported_algorithm` or `invalid_header`.
 */
export function decodeToken(token: string): DecodedToken {
  if (typeof token !== 'string')
    throw new SvidError('invalid_argument', `token must be a string, got ${typeof token}`);
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new SvidError(
      'malformed_token',
      `token is ${token.length} characters long, more than the ${MAX_TOKEN_LENGTH} accepted`,
    );
  }
  const dot1 = token.indexOf('.');
  const dot2 = dot1 === -1 ? -1 : token.indexOf('.', dot1 + 1);
  if (dot2 === -1 || token.indexOf('.', dot2 + 1) !== -1) {
    const parts = token.split('.').length;
    const jwe = parts === 5 ? ' (a JWE is not a JWT-SVID)' : '';
    throw new SvidError(
      'malformed_token',
      `token has ${parts} dot-separated part(s); a JWT-SVID is a JWS in compact form with 3${jwe} (J-1)`,
    );
  }
  const headerB64 = token.slice(0, dot1);
  const payloadB64 = token.slice(dot1 + 1, dot2);
  const signatureB64 = token.slice(dot2 + 1);

  const header = decodeJsonObject(headerB64, 'header');
  const alg = header.alg;
  if (!isJwtSvidAlgorithm(alg)) {
    const shown =
      typeof alg === 'string' ? quote(alg) : alg === undefined ? 'missing' : `of type ${typeof alg}`;
    throw new SvidError(
      'unsupported_algorithm',
      `token algorithm ${shown} is not allowed for JWT-SVIDs (J-3, J-4)`,
    );
  }
  const typ = header.typ;
  if (typ !== undefined && typ !== 'JWT' && typ !== 'JOSE') {
    const shown = typeof typ === 'string' ? quote(typ) : `of type ${typeof typ}`;
    throw new SvidError('invalid_header', `token header typ ${shown} is neither "JWT" nor "JOSE" (J-6, A-7)`);
  }
  if (header.crit !== undefined) {
    throw new SvidError(
      'invalid_header',
      'token header has "crit": JWS extensions are not supported (RFC 7515 §4.1.11, J-2)',
    );
  }
  const kid = header.kid;
  if (kid !== undefined && (typeof kid !== 'string' || kid === '')) {
    throw new SvidError('invalid_header', 'token header kid must be a non-empty string when present (J-5)');
  }
  const claims = decodeJsonObject(payloadB64, 'payload');
  const signature = decodeBase64url(signatureB64, 'signature');
  return { alg, kid, claims, signingInput: token.slice(0, dot2), signature };
}

function decodeBase64url(part: string, what: string): Buffer {
  // Unpadded base64url (RFC 7515 §2); length 1 mod 4 cannot occur; re-encoding must give the
  // same text, so there is exactly one spelling of each token.
  if (!BASE64URL.test(part) || part.length % 4 === 1) {
    throw new SvidError('malformed_token', `token ${what} is not unpadded base64url (J-1)`);
  }
  const bytes = Buffer.from(part, 'base64url');
  if (bytes.toString('base64url') !== part) {
    throw new SvidError('malformed_token', `token ${what} is not canonical base64url (J-1)`);
  }
  return bytes;
}

function decodeJsonObject(part: string, what: string): Record<string, unknown> {
  const bytes = decodeBase64url(part, what);
  let value: JsonValue;
  try {
    value = parseJson(bytes, { maxDepth: MAX_JSON_DEPTH });
  } catch (error) {
    // RFC 7515 §4 and RFC 7519 §4: member names must be unique; a token that repeats one is
    // refused rather than read as "last one wins". No cause attached: it quotes token content.
    if (error instanceof JsonError && error.reason === 'duplicate_key') {
      throw new SvidError(
        'malformed_token',
        `token ${what} repeats the member ${quote(error.key ?? '', 40)} (RFC 7515 §4, RFC 7519 §4)`,
      );
    }
    const reason = error instanceof JsonError ? error.reason : 'syntax';
    throw new SvidError('malformed_token', `token ${what} is not a UTF-8 JSON text (${reason}; J-1)`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SvidError('malformed_token', `token ${what} is not a JSON object (J-1)`);
  }
  return plainNumbers(value) as Record<string, unknown>;
}

/**
 * The strict parser keeps integers beyond 2^53 exact as `bigint`; claims are handed out as
 * `JSON.parse` would give them (numbers), so that they stay JSON-serialisable.
 */
function plainNumbers(value: JsonValue): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value !== 'object' || value === null) return value;
  // Only bigints change; objects and arrays are fixed in place. defineProperty, not assignment,
  // so that an own `__proto__` member stays a plain property.
  for (const key of Object.keys(value)) {
    const member = (value as Record<string, JsonValue>)[key]!;
    const fixed = plainNumbers(member);
    if (fixed !== member)
      Object.defineProperty(value, key, {
        value: fixed,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return value;
}
