import { SpiffeId } from '../spiffeid/index.js';
import { JWT_SVID_ALGORITHMS, JwtSvid } from '../svid/index.js';
import { isoTime } from './duration.js';
import { addSdkVerdict, withRules, type Finding } from './findings.js';

/** What `inspect` shows of a JWT-SVID: its header and claims, never the token or its signature. */
export interface JwtReport {
  /** The token, for signature checks; never printed. */
  token: string;
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  findings: Finding[];
}

const HEADER_MEMBERS = new Set(['alg', 'kid', 'typ']);

/** The shape of a compact JWS (3 parts) or JWE (5 parts): what `inspect` reads as a token. */
export const COMPACT_TOKEN = /^[A-Za-z0-9_=-]+(?:\.[A-Za-z0-9_=-]*){2}(?:(?:\.[A-Za-z0-9_=-]*){2})?$/;

/**
 * Every JWT-SVID rule a token breaks (J-1..J-12, A-4, A-9), each checked on its own; then the
 * SDK's own parser (`JwtSvid.parseInsecure`, signature not checked) is run and its verdict added
 * when the checks here missed it.
 */
export function inspectJwt(token: string, now: Date): JwtReport {
  const parts = token.split('.');
  const where = 'token';
  const findings: Finding[] = [];
  const add = (rule: string, code: string, message: string, level: Finding['level'] = 'error'): void => {
    findings.push({ rule, level, where, message, code });
  };
  const header = decodePart(parts[0]!);
  const payload = parts.length === 3 ? decodePart(parts[1]!) : undefined;
  if (parts.length !== 3 || header === undefined || payload === undefined) {
    const what =
      parts.length === 5
        ? 'is a JWE (5 parts); a JWT-SVID is a JWS in compact form (3 parts)'
        : parts.length !== 3
          ? `has ${parts.length} dot-separated parts; a JWT-SVID has 3`
          : `its ${header === undefined ? 'header' : 'payload'} is not a base64url-encoded JSON object`;
    add('J-1', 'malformed_token', what);
    return { token, header: header ?? {}, claims: payload ?? {}, findings };
  }
  const claims = payload;

  const alg = header.alg;
  if (typeof alg !== 'string' || !JWT_SVID_ALGORITHMS.includes(alg)) {
    add(
      'J-3, J-4',
      'unsupported_algorithm',
      `its algorithm ${JSON.stringify(alg) ?? 'is missing and'} is not one of ${JWT_SVID_ALGORITHMS.join(', ')}`,
    );
  }
  const typ = header.typ;
  if (typ !== undefined && typ !== 'JWT' && typ !== 'JOSE') {
    add('J-6', 'invalid_header', `its header typ ${JSON.stringify(typ)} is neither "JWT" nor "JOSE"`);
  }
  if (header.crit !== undefined)
    add('J-2', 'invalid_header', 'its header has "crit" (JWS extensions are not allowed)');
  const extra = Object.keys(header).filter((k) => !HEADER_MEMBERS.has(k) && k !== 'crit');
  if (extra.length > 0) {
    add(
      'J-2',
      'invalid_header',
      `its header has members other than alg, kid and typ: ${extra.join(', ')}`,
      'warning',
    );
  }
  const kid = header.kid;
  if (kid === undefined) {
    add(
      'J-5, A-4',
      'invalid_header',
      'its header has no kid; go-spiffe and SPIRE refuse such tokens',
      'warning',
    );
  } else if (typeof kid !== 'string' || kid === '') {
    add('J-5', 'invalid_header', 'its header kid is not a non-empty string');
  }

  const { sub, aud, exp, nbf, iat } = claims;
  if (sub === undefined) add('J-7', 'missing_claim', 'has no "sub" claim');
  else if (typeof sub !== 'string') add('J-7', 'invalid_claim', 'its "sub" claim is not a string');
  else {
    try {
      SpiffeId.parse(sub);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      add(withRules('J-7', detail), 'invalid_claim', `its "sub" claim is not a SPIFFE ID: ${detail}`);
    }
  }
  if (aud === undefined) add('J-8, J-9', 'missing_claim', 'has no "aud" claim');
  else if (!(
    typeof aud === 'string' ||
    (Array.isArray(aud) && aud.length > 0 && aud.every((a) => typeof a === 'string'))
  )) {
    add('J-8', 'invalid_claim', 'its "aud" claim is not a string or a non-empty array of strings');
  } else if (Array.isArray(aud) && aud.length > 1) {
    add(
      'J-11',
      'invalid_claim',
      `has ${aud.length} audiences; a single audience is strongly recommended`,
      'warning',
    );
  }
  const seconds = now.getTime() / 1000;
  if (exp === undefined) add('J-12', 'missing_claim', 'has no "exp" claim');
  else if (!isNumericDate(exp)) add('J-12', 'invalid_claim', 'its "exp" claim is not a number of seconds');
  else if (exp < seconds) add('J-12', 'token_expired', `expired at ${isoTime(new Date(exp * 1000))}`);
  if (nbf !== undefined && !isNumericDate(nbf))
    add('J-13', 'invalid_claim', 'its "nbf" claim is not a number of seconds');
  else if (isNumericDate(nbf) && nbf > seconds) {
    add(
      'J-13',
      'token_not_yet_valid',
      `is not valid before ${isoTime(new Date(nbf * 1000))} (RFC 7519 §4.1.5)`,
    );
  }
  if (iat !== undefined && !isNumericDate(iat))
    add('A-9', 'invalid_claim', 'its "iat" claim is not a number of seconds');
  else if (isNumericDate(iat) && iat > seconds) {
    add('A-9', 'token_issued_in_future', `was issued in the future, at ${isoTime(new Date(iat * 1000))}`);
  }

  // The SDK's verdict, without leeway, for the token's own audience (its signature is not checked).
  const audience =
    typeof aud === 'string' ? aud : Array.isArray(aud) && typeof aud[0] === 'string' ? aud[0] : 'inspect';
  try {
    JwtSvid.parseInsecure(token, audience || 'inspect', { time: now, leewaySeconds: 0 });
  } catch (error) {
    addSdkVerdict(findings, error, where);
  }
  return { token, header, claims, findings };
}

function decodePart(part: string): Record<string, unknown> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
