import { quote } from '../internal/errors.js';
import { isPathChar } from './charset.js';
import { SpiffeIdError } from './errors.js';

/** Explains a character that may not appear in a path, citing the rule it breaks. */
function badPathChar(c: string, path: string, index: number, context: string): SpiffeIdError {
  let why: string;
  if (c === '%') why = 'percent-encoding is not allowed in the path (ID-9)';
  else if (c === '?') why = 'a query is not allowed (ID-3)';
  else if (c === '#') why = 'a fragment is not allowed (ID-3)';
  else
    why = `path segment characters are limited to letters, numbers, dots, dashes, and underscores; found ${quote(c)} at offset ${index} (ID-12)`;
  return new SpiffeIdError('invalid_path', `${context}: ${why}`);
}

/**
 * Checks a path that starts at `path[0] === '/'` (or is empty) and returns nothing; the
 * scanner shared by ID parsing and the public helpers. `context` prefixes the error message.
 */
export function checkPath(path: string, context: string): void {
  const n = path.length;
  if (n === 0) return;
  if (path.charCodeAt(0) !== 0x2f) {
    throw new SpiffeIdError('invalid_path', `${context}: path must have a leading slash`);
  }
  let segStart = 1;
  for (let i = 1; i <= n; i++) {
    const c = i < n ? path.charCodeAt(i) : 0x2f;
    if (c === 0x2f) {
      const len = i - segStart;
      if (len === 0) {
        if (i === n) throw new SpiffeIdError('invalid_path', `${context}: path cannot have a trailing slash (ID-11)`);
        throw new SpiffeIdError('invalid_path', `${context}: path cannot contain empty segments (ID-10)`);
      }
      if (
        path.charCodeAt(segStart) === 0x2e &&
        (len === 1 || (len === 2 && path.charCodeAt(segStart + 1) === 0x2e))
      ) {
        throw new SpiffeIdError('invalid_path', `${context}: path cannot contain dot segments (ID-10)`);
      }
      segStart = i + 1;
    } else if (!isPathChar(c)) {
      throw badPathChar(path[i]!, path, i, context);
    }
  }
}

/**
 * Validates a SPIFFE ID path: empty (the trust domain's own ID) or `/seg/seg...` where each
 * segment is non-empty, not `.` or `..`, and made of `[a-zA-Z0-9._-]` (ID-9..ID-12).
 *
 * @throws {SpiffeIdError} `invalid_path`, with the rule that is broken.
 * @example validatePath('/ns/prod/sa/api'); // ok
 */
export function validatePath(path: string): void {
  checkPath(path, `invalid path ${quote(path)}`);
}

/**
 * Validates one path segment (no slashes): non-empty, not `.` or `..`, `[a-zA-Z0-9._-]` only.
 *
 * @throws {SpiffeIdError} `invalid_path`.
 */
export function validatePathSegment(segment: string): void {
  const context = `invalid path segment ${quote(segment)}`;
  if (segment.length === 0) throw new SpiffeIdError('invalid_path', `${context}: path cannot contain empty segments (ID-10)`);
  if (segment.includes('/')) {
    throw new SpiffeIdError('invalid_path', `${context}: a segment cannot contain "/" (ID-12)`);
  }
  checkPath(`/${segment}`, context);
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
