/**
 * Character classes of the SPIFFE ID grammar (SPIFFE-ID §2.1, §2.2) as a lookup table, so the
 * scanners test a character with one array read instead of a regular expression.
 */
const TD = 1; // [a-z0-9._-]  (ID-6)
const PATH = 2; // [a-zA-Z0-9._-] (ID-12)

const table = new Uint8Array(128);
for (let c = 0x61; c <= 0x7a; c++) table[c] = TD | PATH; // a-z
for (let c = 0x30; c <= 0x39; c++) table[c] = TD | PATH; // 0-9
for (let c = 0x41; c <= 0x5a; c++) table[c] = PATH; // A-Z
for (const c of '._-') table[c.charCodeAt(0)] = TD | PATH;

/** Whether the UTF-16 code unit `c` may appear in a trust domain name. */
export function isTrustDomainChar(c: number): boolean {
  return c < 128 && (table[c]! & TD) !== 0;
}

/** Whether the UTF-16 code unit `c` may appear in a path segment. */
export function isPathChar(c: number): boolean {
  return c < 128 && (table[c]! & PATH) !== 0;
}

/** Longest SPIFFE ID, in bytes, that this SDK accepts or builds (ID-13, ID-14). */
export const MAX_ID_BYTES = 2048;
/** Longest trust domain name, in bytes (ID-15). */
export const MAX_TRUST_DOMAIN_BYTES = 255;

/**
 * The common shape of a valid SPIFFE ID, matched natively by the regexp engine (about twice as
 * fast as a JavaScript character loop; see docs/decisions.md): `spiffe://`, a non-empty
 * `[a-z0-9._-]` trust domain, and segments of `[a-zA-Z0-9._-]` that do not start with a dot, so
 * that none is `.` or `..`. Only the length limits (ID-13, ID-15) remain to be checked. It accepts
 * a subset of valid IDs; everything else goes to the full scanner, which accepts the rest and
 * explains every refusal. Linear time: each repetition starts at a `/`, which no class contains.
 */
export const COMMON_ID_SHAPE = /^spiffe:\/\/[a-z0-9._-]+(?:\/[a-zA-Z0-9_-][a-zA-Z0-9._-]*)*$/;
