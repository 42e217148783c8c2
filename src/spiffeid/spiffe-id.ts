import { quote } from '../internal/errors.js';
import { COMMON_ID_SHAPE, MAX_ID_BYTES, MAX_TRUST_DOMAIN_BYTES } from './charset.js';
import { SpiffeIdError } from './errors.js';
import { joinPathSegments, pathProblem, validatePath } from './path.js';
import { trustDomainProblem } from './trust-domain-name.js';
import { TrustDomain } from './trust-domain.js';

const SCHEME = 'spiffe://';
const BRAND = Symbol.for('@spiffe-ts/sdk:SpiffeId');

/** A SPIFFE ID given as the value or as its string form; strings are parsed strictly. */
export type SpiffeIdLike = SpiffeId | string;

/**
 * A SPIFFE ID (`spiffe://trust-domain/path`): an immutable value, compared by its string form.
 *
 * Parsing follows SPIFFE-ID §2 to the letter (rules ID-1..ID-15 of the checklist) with a
 * hand-written scanner, behind a regular-expression fast path for the common shape: scheme
 * exactly `spiffe`, lowercase `[a-z0-9._-]` trust domain of at most 255 bytes, path segments
 * `[a-zA-Z0-9._-]` with no empty, `.` or `..` segments and no trailing slash, no
 * percent-encoding, userinfo, port, query or fragment, at most 2048 bytes in all. Nothing
 * is normalised: input that is not already canonical is refused.
 *
 * @example
 * const id = SpiffeId.parse('spiffe://example.org/ns/prod/sa/api');
 * id.trustDomain.name; // 'example.org'
 * id.path;             // '/ns/prod/sa/api'
 */
export class SpiffeId {
  // The value lives in private fields that only this class writes, once: no code outside it can
  // change an ID. Instances are not frozen one by one (that cost a third of a parse, and its
  // garbage); the prototype and the class are (end of this file), so an ID's methods and getters
  // cannot be replaced or shadowed by assignment. See docs/decisions.md.
  readonly #str: string;
  /** The trust domain, made on first use (most IDs are only compared). */
  #td: TrustDomain | undefined;

  private constructor(str: string, td?: TrustDomain) {
    this.#str = str;
    this.#td = td;
  }

  /**
   * Parses a SPIFFE ID string.
   *
   * @throws {SpiffeIdError} with code `empty`, `invalid_scheme`, `missing_trust_domain`,
   *   `invalid_trust_domain`, `invalid_path` or `too_long`; the message names the rule.
   */
  static parse(str: string): SpiffeId {
    if (typeof str === 'string' && str.length <= MAX_ID_BYTES && COMMON_ID_SHAPE.test(str)) {
      let tdEnd = str.indexOf('/', SCHEME.length);
      if (tdEnd === -1) tdEnd = str.length;
      if (tdEnd - SCHEME.length <= MAX_TRUST_DOMAIN_BYTES) return new SpiffeId(str);
    }
    return SpiffeId.#scan(str);
  }

  /** The full scanner behind `parse`: accepts every valid ID and explains every refusal. */
  static #scan(str: string): SpiffeId {
    if (typeof str !== 'string') {
      throw new SpiffeIdError('empty', `invalid SPIFFE ID: expected a string, got ${typeof str}`);
    }
    if (!str.startsWith(SCHEME)) throw schemeError(str);
    // Every valid character is one byte, so a string longer than the limit in UTF-16 units
    // is longer in bytes too; shorter ones with non-ASCII fail the character checks below.
    if (str.length > MAX_ID_BYTES) {
      throw new SpiffeIdError(
        'too_long',
        `invalid SPIFFE ID (${str.length} characters): longer than the ${MAX_ID_BYTES}-byte limit (ID-13)`,
      );
    }
    let tdEnd = str.indexOf('/', SCHEME.length);
    if (tdEnd === -1) tdEnd = str.length;
    const tdProblem = trustDomainProblem(str, SCHEME.length, tdEnd);
    if (tdProblem !== undefined) {
      throw new SpiffeIdError(tdProblem.code, `invalid SPIFFE ID ${quote(str)}: ${tdProblem.why}`);
    }
    const why = pathProblem(str, tdEnd);
    if (why !== undefined) throw new SpiffeIdError('invalid_path', `invalid SPIFFE ID ${quote(str)}: ${why}`);
    return new SpiffeId(str);
  }

  /**
   * Builds an ID from a trust domain and a path (`''` or `/seg/...`), validating the path.
   *
   * @throws {SpiffeIdError} `invalid_path`, `too_long`, or a trust domain error for a bad string.
   */
  static fromPath(trustDomain: TrustDomain | string, path: string): SpiffeId {
    const td = TrustDomain.from(trustDomain);
    validatePath(path);
    return SpiffeId.#checked(`${SCHEME}${td.name}${path}`, td);
  }

  /**
   * Builds an ID from a trust domain and path segments (`fromSegments(td, 'ns', 'prod')` →
   * `spiffe://td/ns/prod`), validating each segment.
   *
   * @throws {SpiffeIdError} `invalid_path` naming the bad segment, or `too_long`.
   */
  static fromSegments(trustDomain: TrustDomain | string, ...segments: string[]): SpiffeId {
    const td = TrustDomain.from(trustDomain);
    return SpiffeId.#checked(`${SCHEME}${td.name}${joinPathSegments(...segments)}`, td);
  }

  /** Returns `value` if it is already a SpiffeId, else parses it. */
  static from(value: SpiffeIdLike): SpiffeId {
    return value instanceof SpiffeId ? value : SpiffeId.parse(value);
  }

  static #checked(str: string, td: TrustDomain): SpiffeId {
    if (str.length > MAX_ID_BYTES) {
      throw new SpiffeIdError(
        'too_long',
        `SPIFFE ID would be ${str.length} bytes, longer than the ${MAX_ID_BYTES}-byte limit (ID-14)`,
      );
    }
    return new SpiffeId(str, td);
  }

  /** Recognises SpiffeId values from any copy of this package (ESM and CJS builds alike). */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** @internal brand for `instanceof` across package copies */
  get [BRAND](): true {
    return true;
  }

  /** The trust domain this ID belongs to. */
  get trustDomain(): TrustDomain {
    return (this.#td ??= TrustDomain.fromValidName(this.#str.slice(SCHEME.length, this.#tdEnd())));
  }

  /** The path: `''` for the trust domain's own ID, else `/seg/...` (case-sensitive). */
  get path(): string {
    return this.#str.slice(this.#tdEnd());
  }

  /** Where the trust domain name ends: the first `/` after the scheme, or the end. */
  #tdEnd(): number {
    const end = this.#str.indexOf('/', SCHEME.length);
    return end === -1 ? this.#str.length : end;
  }

  /** Whether this ID belongs to `trustDomain`. */
  memberOf(trustDomain: TrustDomain | string): boolean {
    return this.trustDomain.equals(TrustDomain.from(trustDomain));
  }

  /**
   * Whether `other` is the same ID (exact, case-sensitive comparison of the string forms). Anything
   * that is neither a SpiffeId nor a string is not equal.
   */
  equals(other: SpiffeIdLike | null | undefined): boolean {
    if (typeof other === 'string') return this.#str === other;
    if (!(other instanceof SpiffeId)) return false;
    // A copy of this class from the other build (ESM/CJS) has no #str this class can read.
    return this.#str === (#str in other ? other.#str : (other as { toString(): string }).toString());
  }

  /** A new ID with `path` appended (`/a` + `/b` → `/a/b`). @throws {SpiffeIdError} */
  appendPath(path: string): SpiffeId {
    validatePath(path);
    if (path === '') return this;
    return SpiffeId.#checked(this.#str + path, this.trustDomain);
  }

  /** A new ID with segments appended. @throws {SpiffeIdError} */
  appendSegments(...segments: string[]): SpiffeId {
    return SpiffeId.#checked(this.#str + joinPathSegments(...segments), this.trustDomain);
  }

  /** A new ID in the same trust domain with its path replaced. @throws {SpiffeIdError} */
  replacePath(path: string): SpiffeId {
    return SpiffeId.fromPath(this.trustDomain, path);
  }

  /** A new ID in the same trust domain with its path replaced by segments. @throws {SpiffeIdError} */
  replaceSegments(...segments: string[]): SpiffeId {
    return SpiffeId.fromSegments(this.trustDomain, ...segments);
  }

  /** The canonical string form, e.g. `spiffe://example.org/api`. */
  toString(): string {
    return this.#str;
  }

  /** The JSON form is the string form. */
  toJSON(): string {
    return this.#str;
  }

  /** How `util.inspect` and `console.log` show the ID: `SpiffeId(spiffe://...)`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `SpiffeId(${this.#str})`;
  }
}

Object.freeze(SpiffeId.prototype);
Object.freeze(SpiffeId);

/** The `invalid_scheme` or `empty` error for a string that does not start with `spiffe://` (ID-1). */
function schemeError(str: string): SpiffeIdError {
  if (str.length === 0) return new SpiffeIdError('empty', 'invalid SPIFFE ID: cannot be empty (ID-1)');
  const hint =
    str.slice(0, SCHEME.length).toLowerCase() === SCHEME
      ? 'the scheme must be exactly lowercase "spiffe://"'
      : 'scheme is missing or invalid';
  return new SpiffeIdError('invalid_scheme', `invalid SPIFFE ID ${quote(str)}: ${hint} (ID-1)`);
}

/** Used by TrustDomain.id(): the trust domain's own ID, known valid. */
export function trustDomainId(td: TrustDomain): SpiffeId {
  return SpiffeId.fromPath(td, '');
}
