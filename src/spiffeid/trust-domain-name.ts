import { quote } from '../internal/errors.js';
import { isTrustDomainChar, MAX_TRUST_DOMAIN_BYTES } from './charset.js';
import { SpiffeIdError } from './errors.js';

/** Explains a character that may not appear in a trust domain, citing the rule it breaks. */
function why(c: string, index: number): string {
  if (c >= 'A' && c <= 'Z') return 'trust domain characters must be lowercase (ID-6)';
  if (c === '%') return 'percent-encoding is not allowed in the trust domain (ID-7)';
  if (c === '@') return 'userinfo is not allowed (ID-5)';
  if (c === ':') return 'a port is not allowed (ID-5)';
  if (c === '[' || c === ']') return 'IP literals in brackets (IPv6) are not allowed (ID-6)';
  if (c === '?') return 'a query is not allowed (ID-3)';
  if (c === '#') return 'a fragment is not allowed (ID-3)';
  return `trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores; found ${quote(c)} at offset ${index} (ID-6)`;
}

/**
 * Checks `s.slice(start, end)` as a trust domain name (ID-2, ID-4..ID-8, ID-15). `context`
 * prefixes the error message.
 */
export function checkTrustDomainName(s: string, start: number, end: number, context: string): void {
  if (end === start) {
    throw new SpiffeIdError('missing_trust_domain', `${context}: trust domain is missing (ID-2)`);
  }
  for (let i = start; i < end; i++) {
    if (!isTrustDomainChar(s.charCodeAt(i))) {
      throw new SpiffeIdError('invalid_trust_domain', `${context}: ${why(s[i]!, i - start)}`);
    }
  }
  if (end - start > MAX_TRUST_DOMAIN_BYTES) {
    throw new SpiffeIdError(
      'too_long',
      `${context}: trust domain is ${end - start} bytes, longer than the ${MAX_TRUST_DOMAIN_BYTES}-byte limit (ID-15)`,
    );
  }
}
