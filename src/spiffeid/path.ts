import { quote } from '../internal/errors.js';
import { isPathChar } from './charset.js';
import { SpiffeIdError } from './errors.js';

const SLASH = 0x2f;
const DOT = 0x2e;

/** Explains a character that may not appear in a path, citing the rule it breaks. */
function badPathChar(c: string, offset: number): string {
  if (c === '%') return 'percent-encoding is not allowed in the path (ID-9)';
  if (c === '?') return 'a query is not allowed (ID-3)';
  if (c === '#') return 'a fragment is not allowed (ID-3)';
  return `path segment characters are limited to letters, numbers, dots, dashes, and underscores; found ${quote(c)} at offset ${offset} (ID-12)`;
}

/**
 * Why `s.slice(start)` is not a valid SPIFFE ID path, or `undefined` when it is: empty, or
 * `/seg/seg...` with segments of `[a-zA-Z0-9._-]` that are not empty, `.` or `..` (ID-9..ID-12).
 * Returns a reason instead of throwing so that the hot path (`SpiffeId.parse`) builds no message.
 */
export function pathProblem(s: string, start: number): string | undefined {
  const n = s.length;
  if (start === n) return undefined;
  if (s.charCodeAt(start) !== SLASH) return 'path must have a leading slash (ID-12)';
  let segStart = start + 1;
  for (let i = segStart; i <= n; i++) {
    const c = i < n ? s.charCodeAt(i) : SLASH;
    if (c === SLASH) {
      const len = i - segStart;
      if (len === 0) {
        return i === n
          ? 'path cannot have a trailing slash (ID-11)'
          : 'path cannot contain empty segments (ID-10)';
      }
      if (len <= 2 && s.charCodeAt(segStart) === DOT && (len === 1 || s.charCodeAt(segStart + 1) === DOT)) {
        return 'path cannot contain dot segments (ID-10)';
      }
      segStart = i + 1;
    } else if (!isPathChar(c)) {
      return badPathChar(s[i]!, i - start);
    }
  }
  return undefined;
}

/**
 * Validates a SPIFFE ID path: empty (the trust domain's own ID) or `/seg/seg...` where each
 * segment is non-empty, not `.` or `..`, and made of `[a-zA-Z0-9._-]` (ID-9..ID-12).
 *
 * @throws {SpiffeIdError} `invalid_path`, with the rule that is broken.
 * @example validatePath('/ns/prod/sa/api'); // ok
 */
export function validatePath(path: string): void {
  checkString(path, 'path');
  const why = pathProblem(path, 0);
  if (why !== undefined) throw new SpiffeIdError('invalid_path', `invalid path ${quote(path)}: ${why}`);
}

/**
 * Validates one path segment (no slashes): non-empty, not `.` or `..`, `[a-zA-Z0-9._-]` only
 * (ID-10, ID-12).
 *
 * @throws {SpiffeIdError} `invalid_path`.
 */
export function validatePathSegment(segment: string): void {
  checkString(segment, 'path segment');
  let why: string | undefined;
  if (segment.length === 0) why = 'path cannot contain empty segments (ID-10)';
  else if (segment.includes('/')) why = 'a segment cannot contain "/" (ID-12)';
  else if (segment === '.' || segment === '..') why = 'path cannot contain dot segments (ID-10)';
  else {
    for (let i = 0; i < segment.length && why === undefined; i++) {
      if (!isPathChar(segment.charCodeAt(i))) why = badPathChar(segment[i]!, i);
    }
  }
  if (why !== undefined)
    throw new SpiffeIdError('invalid_path', `invalid path segment ${quote(segment)}: ${why}`);
}

/**
 * Joins segments into a path (`['ns', 'prod']` → `/ns/prod`), validating each one; no segments
 * give the empty path.
 *
 * @throws {SpiffeIdError} `invalid_path` naming the bad segment.
 */
export function joinPathSegments(...segments: string[]): string {
  let path = '';
  for (const s of segments) {
    validatePathSegment(s);
    path += `/${s}`;
  }
  return path;
}

/** Throws `invalid_path` unless `value` is a string (input from untyped callers). */
function checkString(value: unknown, what: string): void {
  if (typeof value !== 'string') {
    throw new SpiffeIdError('invalid_path', `invalid ${what}: expected a string, got ${typeof value}`);
  }
}
