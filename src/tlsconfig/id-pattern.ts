import { quote } from '../internal/errors.js';
import { TrustDomain, validatePathSegment, type SpiffeId } from '../spiffeid/index.js';
import type { Authorizer } from './authorizer.js';
import { reasonOf, TlsConfigError } from './errors.js';

const SCHEME = 'spiffe://';
/** `*`: exactly one path segment. */
const ONE = Symbol('one segment');
/** `**`: any number of path segments, none included. */
const ANY = Symbol('any segments');
type Segment = string | typeof ONE | typeof ANY;

/**
 * A compiled SPIFFE ID pattern: `spiffe://<trust domain>/<segment>/...` where a segment is a
 * literal path segment, `*` (exactly one segment) or `**` (any number of segments, none
 * included). The trust domain is always literal: a wildcard never widens trust.
 */
export class IdPattern {
  /** The pattern as written. */
  readonly source: string;
  readonly #trustDomain: string;
  readonly #segments: readonly Segment[];

  private constructor(source: string, trustDomain: string, segments: Segment[]) {
    this.source = source;
    this.#trustDomain = trustDomain;
    this.#segments = segments;
  }

  /**
   * Compiles `pattern`, strictly: a valid trust domain name, a non-empty path whose segments are
   * valid SPIFFE ID path segments (ID-6..ID-9) or a whole-segment `*` / `**`.
   *
   * @throws {TlsConfigError} `invalid_pattern`, saying what is wrong.
   */
  static compile(pattern: string): IdPattern {
    if (typeof pattern !== 'string') {
      throw new TlsConfigError(
        'invalid_pattern',
        `invalid SPIFFE ID pattern: expected a string, got ${typeof pattern}`,
      );
    }
    const bad = (why: string, cause?: unknown): TlsConfigError =>
      new TlsConfigError('invalid_pattern', `invalid SPIFFE ID pattern ${quote(pattern)}: ${why}`, { cause });
    if (!pattern.startsWith(SCHEME)) throw bad('it must start with "spiffe://"');
    const slash = pattern.indexOf('/', SCHEME.length);
    const name = slash === -1 ? pattern.slice(SCHEME.length) : pattern.slice(SCHEME.length, slash);
    if (name.includes('*')) throw bad('wildcards are not allowed in the trust domain');
    try {
      TrustDomain.parse(name);
    } catch (error) {
      throw bad(reasonOf(error), error);
    }
    if (slash === -1)
      throw bad(
        'it needs a path (an X509-SVID never has a root path, X-3); use authorizeMemberOf for a trust domain',
      );
    const segments: Segment[] = [];
    for (const segment of pattern.slice(slash + 1).split('/')) {
      if (segment === '*') segments.push(ONE);
      else if (segment === '**') segments.push(ANY);
      else if (segment.includes('*'))
        throw bad(`a wildcard must be a whole segment ("*" or "**"), not ${quote(segment)}`);
      else {
        try {
          validatePathSegment(segment);
        } catch (error) {
          throw bad(reasonOf(error), error);
        }
        segments.push(segment);
      }
    }
    return new IdPattern(pattern, name, segments);
  }

  /** Whether `id` matches the pattern. */
  matches(id: SpiffeId): boolean {
    if (id.trustDomain.name !== this.#trustDomain || id.path === '') return false;
    return matchSegments(this.#segments, id.path.slice(1).split('/'));
  }
}

/** Glob match of path segments; `ANY` may absorb none or several (iterative, no backtracking blow-up). */
function matchSegments(pattern: readonly Segment[], path: readonly string[]): boolean {
  // reachable[j]: the pattern so far can consume exactly path[0..j).
  let reachable = new Array<boolean>(path.length + 1).fill(false);
  reachable[0] = true;
  for (const segment of pattern) {
    const next = new Array<boolean>(path.length + 1).fill(false);
    for (let j = 0; j <= path.length; j++) {
      if (!reachable[j]) continue;
      if (segment === ANY) {
        for (let k = j; k <= path.length; k++) next[k] = true;
        break;
      }
      if (j < path.length && (segment === ONE || segment === path[j])) next[j + 1] = true;
    }
    reachable = next;
  }
  return reachable[path.length] === true;
}

/** Compiles a list of patterns given to a public function. @throws {TlsConfigError} `invalid_pattern`. */
export function compilePatterns(patterns: readonly string[], where: string): IdPattern[] {
  if (!Array.isArray(patterns) || patterns.length === 0) {
    throw new TlsConfigError('invalid_pattern', `${where}: give at least one SPIFFE ID pattern`);
  }
  return patterns.map((p) => IdPattern.compile(p));
}

/**
 * Accepts a peer whose SPIFFE ID matches any of `patterns`. A pattern is a SPIFFE ID whose path
 * segments may be `*` (exactly one segment) or `**` (any number of segments, none included);
 * the trust domain is always literal.
 *
 * @example
 * authorizeMatch('spiffe://example.org/ns/*\/sa/api');        // any namespace, service account "api"
 * authorizeMatch('spiffe://example.org/ns/prod/**');          // everything under /ns/prod
 * @throws {TlsConfigError} `invalid_pattern` for a malformed pattern (e.g. `api-*`, a wildcard
 *   trust domain, an empty segment or a root path).
 */
export function authorizeMatch(...patterns: string[]): Authorizer {
  const compiled = compilePatterns(patterns, 'authorizeMatch');
  return (id) => {
    if (compiled.some((p) => p.matches(id))) return;
    const list = compiled.map((p) => p.source).join('", "');
    throw new TlsConfigError(
      'unauthorized',
      `unexpected ID ${quote(id.toString())}: it matches none of the patterns ["${list}"]`,
    );
  };
}
