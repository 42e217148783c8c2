import { quote } from '../internal/errors.js';
import { isTrustDomainChar, MAX_TRUST_DOMAIN_BYTES } from './charset.js';
import type { SpiffeIdErrorCode } from './errors.js';

/** Why a trust domain name was refused: the error code and the reason, citing the rule. */
export interface TrustDomainProblem {
  code: SpiffeIdErrorCode;
  why: string;
}

/** Explains a character that may not appear in a trust domain, citing the rule it breaks. */
function why(c: string, offset: number): string {
  if (c >= 'A' && c <= 'Z') return 'trust domain characters must be lowercase (ID-6)';
  if (c === '%') return 'percent-encoding is not allowed in the trust domain (ID-7)';
  if (c === '@') return 'userinfo is not allowed (ID-5)';
  if (c === ':') return 'a port is not allowed (ID-5)';
  if (c === '[' || c === ']') return 'IP literals in brackets (IPv6) are not allowed (ID-6)';
  if (c === '?') return 'a query is not allowed (ID-3)';
  if (c === '#') return 'a fragment is not allowed (ID-3)';
  return `trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores; found ${quote(c)} at offset ${offset} (ID-6)`;
}

/**
 * Why `s.slice(start, end)` is not a valid trust domain name (ID-2, ID-4..ID-8, ID-15), or
 * `undefined` when it is. Returns instead of throwing so that the hot path builds no message.
 */
export function trustDomainProblem(s: string, start: number, end: number): TrustDomainProblem | undefined {
  if (end === start) return { code: 'missing_trust_domain', why: 'trust domain is missing (ID-2, ID-4)' };
  for (let i = start; i < end; i++) {
    if (!isTrustDomainChar(s.charCodeAt(i)))
      return { code: 'invalid_trust_domain', why: why(s[i]!, i - start) };
  }
  // Every valid character is one byte, so the length in UTF-16 units is the length in bytes.
  if (end - start > MAX_TRUST_DOMAIN_BYTES) {
    return {
      code: 'too_long',
      why: `trust domain is ${end - start} bytes, longer than the ${MAX_TRUST_DOMAIN_BYTES}-byte limit (ID-15)`,
    };
  }
  return undefined;
}
