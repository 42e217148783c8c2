/**
 * A small, strict JSON parser (RFC 8259) for documents the SDK must read exactly: SPIFFE bundles,
 * JWKS and bundle maps. It differs from `JSON.parse` where that matters for SPIFFE:
 * - integer literals (no fraction, no exponent) that are not safe JS integers (beyond ±2^53-1)
 *   come back as `bigint`, exactly, so a 64-bit `spiffe_sequence` is not rounded (B-3); literals
 *   of more than 1000 characters stay `number`, to bound the cost of hostile input;
 * - a repeated member name in one object is an error, not "last one wins" (B-13);
 * - nesting deeper than `maxDepth` is an error, so hostile input cannot exhaust the stack;
 * - every failure is a {@link JsonError} with the offset where it was found.
 * Objects are plain objects; a member named `__proto__` is an own property, as with `JSON.parse`.
 */

/** A parsed JSON value. Integers outside the safe range are `bigint`. */
export type JsonValue =
  null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };

/** A parsed JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** What kind of problem a {@link JsonError} reports. */
export type JsonErrorReason = 'syntax' | 'encoding' | 'duplicate_key' | 'too_deep';

/** The only error {@link parseJson} throws. */
export class JsonError extends Error {
  /** What went wrong. */
  readonly reason: JsonErrorReason;
  /** Offset in the decoded text (UTF-16 units) where the problem was found. */
  readonly offset: number;
  /**
   * Member names and array indices leading to the object or array that holds the problem; for
   * `duplicate_key`, the path of the object that repeats `key`.
   */
  readonly path: readonly (string | number)[];
  /** The repeated member name, for `duplicate_key`. */
  readonly key: string | undefined;

  constructor(
    reason: JsonErrorReason,
    message: string,
    offset: number,
    path: (string | number)[],
    key?: string,
  ) {
    super(`invalid JSON at offset ${offset}: ${message}`);
    this.name = 'JsonError';
    this.reason = reason;
    this.offset = offset;
    this.path = path;
    this.key = key;
  }
}

/** Options of {@link parseJson}. */
export interface ParseJsonOptions {
  /** Maximum nesting of arrays and objects; deeper input is refused. Default 64. */
  maxDepth?: number;
}

const DEFAULT_MAX_DEPTH = 64;
/** Longer integer literals stay `number` (as with `JSON.parse`): BigInt parsing is superlinear. */
const MAX_BIGINT_CHARS = 1000;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parses one JSON text. Bytes are decoded as strict UTF-8 (RFC 8259 §8.1); a byte order mark is
 * refused, as `JSON.parse` refuses it.
 *
 * @throws {JsonError} on any malformed input; never anything else.
 */
export function parseJson(input: string | Uint8Array, options: ParseJsonOptions = {}): JsonValue {
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else if (input instanceof Uint8Array) {
    try {
      text = utf8.decode(input);
    } catch {
      throw new JsonError('encoding', 'the bytes are not valid UTF-8', 0, []);
    }
  } else {
    throw new JsonError('syntax', `expected a string or bytes, got ${typeof input}`, 0, []);
  }
  return new Parser(text, options.maxDepth ?? DEFAULT_MAX_DEPTH).parseDocument();
}

const enum C {
  Tab = 0x09,
  Lf = 0x0a,
  Cr = 0x0d,
  Space = 0x20,
  Quote = 0x22,
  Plus = 0x2b,
  Comma = 0x2c,
  Minus = 0x2d,
  Dot = 0x2e,
  Zero = 0x30,
  Nine = 0x39,
  Colon = 0x3a,
  UpperE = 0x45,
  LeftBracket = 0x5b,
  Backslash = 0x5c,
  RightBracket = 0x5d,
  LowerE = 0x65,
  LeftBrace = 0x7b,
  RightBrace = 0x7d,
}

const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

class Parser {
  readonly #text: string;
  readonly #maxDepth: number;
  readonly #path: (string | number)[] = [];
  #pos = 0;

  constructor(text: string, maxDepth: number) {
    this.#text = text;
    this.#maxDepth = maxDepth;
  }

  parseDocument(): JsonValue {
    this.#skipWhitespace();
    const value = this.#value(0);
    this.#skipWhitespace();
    if (this.#pos < this.#text.length) this.#fail(`unexpected ${this.#describe()} after the value`);
    return value;
  }

  #fail(message: string, reason: JsonErrorReason = 'syntax', at = this.#pos): never {
    throw new JsonError(reason, message, at, [...this.#path]);
  }

  #describe(): string {
    if (this.#pos >= this.#text.length) return 'end of input';
    const code = this.#text.codePointAt(this.#pos) ?? 0;
    return code >= 0x20 && code < 0x7f
      ? `character ${JSON.stringify(String.fromCodePoint(code))}`
      : `character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  }

  #skipWhitespace(): void {
    const t = this.#text;
    let p = this.#pos;
    for (;;) {
      const c = t.charCodeAt(p);
      if (c !== C.Space && c !== C.Lf && c !== C.Cr && c !== C.Tab) break;
      p++;
    }
    this.#pos = p;
  }

  #value(depth: number): JsonValue {
    const c = this.#text.charCodeAt(this.#pos);
    switch (c) {
      case C.LeftBrace:
        return this.#object(depth + 1);
      case C.LeftBracket:
        return this.#array(depth + 1);
      case C.Quote:
        return this.#string();
      case 0x74: // t
        return this.#literal('true', true);
      case 0x66: // f
        return this.#literal('false', false);
      case 0x6e: // n
        return this.#literal('null', null);
      default:
        if (c === C.Minus || (c >= C.Zero && c <= C.Nine)) return this.#number();
        return this.#fail(`unexpected ${this.#describe()}, expected a value`);
    }
  }

  #literal<T extends JsonValue>(word: string, value: T): T {
    if (!this.#text.startsWith(word, this.#pos))
      this.#fail(`unexpected ${this.#describe()}, expected a value`);
    this.#pos += word.length;
    return value;
  }

  #enter(depth: number): void {
    if (depth > this.#maxDepth) this.#fail(`nesting deeper than ${this.#maxDepth} levels`, 'too_deep');
  }

  #object(depth: number): JsonObject {
    this.#enter(depth);
    this.#pos++; // {
    const obj: JsonObject = {};
    this.#skipWhitespace();
    if (this.#text.charCodeAt(this.#pos) === C.RightBrace) {
      this.#pos++;
      return obj;
    }
    for (;;) {
      if (this.#text.charCodeAt(this.#pos) !== C.Quote)
        this.#fail(`unexpected ${this.#describe()}, expected a member name`);
      const keyAt = this.#pos;
      const key = this.#string();
      if (Object.hasOwn(obj, key)) {
        throw new JsonError(
          'duplicate_key',
          `duplicate member name ${JSON.stringify(key)}`,
          keyAt,
          [...this.#path],
          key,
        );
      }
      this.#skipWhitespace();
      if (this.#text.charCodeAt(this.#pos) !== C.Colon)
        this.#fail(`unexpected ${this.#describe()}, expected ":"`);
      this.#pos++;
      this.#skipWhitespace();
      this.#path.push(key);
      const value = this.#value(depth);
      this.#path.pop();
      if (key === '__proto__') {
        Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
      } else {
        obj[key] = value;
      }
      this.#skipWhitespace();
      const c = this.#text.charCodeAt(this.#pos);
      if (c !== C.Comma && c !== C.RightBrace)
        this.#fail(`unexpected ${this.#describe()}, expected "," or "}"`);
      this.#pos++;
      if (c === C.RightBrace) return obj;
      this.#skipWhitespace();
    }
  }

  #array(depth: number): JsonValue[] {
    this.#enter(depth);
    this.#pos++; // [
    const arr: JsonValue[] = [];
    this.#skipWhitespace();
    if (this.#text.charCodeAt(this.#pos) === C.RightBracket) {
      this.#pos++;
      return arr;
    }
    for (;;) {
      this.#path.push(arr.length);
      arr.push(this.#value(depth));
      this.#path.pop();
      this.#skipWhitespace();
      const c = this.#text.charCodeAt(this.#pos);
      if (c !== C.Comma && c !== C.RightBracket)
        this.#fail(`unexpected ${this.#describe()}, expected "," or "]"`);
      this.#pos++;
      if (c === C.RightBracket) return arr;
      this.#skipWhitespace();
    }
  }

  #string(): string {
    const t = this.#text;
    const start = this.#pos;
    let p = start + 1;
    let out = '';
    let chunk = p;
    for (;;) {
      if (p >= t.length) this.#fail('unterminated string', 'syntax', start);
      const c = t.charCodeAt(p);
      if (c === C.Quote) {
        this.#pos = p + 1;
        return out + t.slice(chunk, p);
      }
      if (c < 0x20) {
        this.#pos = p;
        this.#fail(`unescaped control ${this.#describe()} in a string`);
      }
      if (c !== C.Backslash) {
        p++;
        continue;
      }
      out += t.slice(chunk, p);
      const e = t.charAt(p + 1);
      if (e === 'u') {
        const hex = t.slice(p + 2, p + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          this.#pos = p;
          this.#fail('invalid \\u escape in a string');
        }
        out += String.fromCharCode(parseInt(hex, 16));
        p += 6;
      } else {
        const mapped = ESCAPES[e];
        if (mapped === undefined) {
          this.#pos = p;
          this.#fail(`invalid escape ${JSON.stringify(`\\${e}`)} in a string`);
        }
        out += mapped;
        p += 2;
      }
      chunk = p;
    }
  }

  #number(): number | bigint {
    const t = this.#text;
    const start = this.#pos;
    let p = start;
    let integer = true;
    if (t.charCodeAt(p) === C.Minus) p++;
    const first = t.charCodeAt(p);
    if (first === C.Zero) {
      p++;
    } else if (first > C.Zero && first <= C.Nine) {
      p = this.#digits(p);
    } else {
      this.#pos = p;
      this.#fail(`unexpected ${this.#describe()} in a number, expected a digit`);
    }
    if (t.charCodeAt(p) === C.Dot) {
      integer = false;
      p = this.#requireDigits(p + 1);
    }
    const e = t.charCodeAt(p);
    if (e === C.LowerE || e === C.UpperE) {
      integer = false;
      p++;
      const sign = t.charCodeAt(p);
      if (sign === C.Plus || sign === C.Minus) p++;
      p = this.#requireDigits(p);
    }
    this.#pos = p;
    const text = t.slice(start, p);
    const value = Number(text);
    if (!integer || Number.isSafeInteger(value) || text.length > MAX_BIGINT_CHARS) return value;
    return BigInt(text);
  }

  #digits(p: number): number {
    const t = this.#text;
    while (t.charCodeAt(p) >= C.Zero && t.charCodeAt(p) <= C.Nine) p++;
    return p;
  }

  #requireDigits(p: number): number {
    const end = this.#digits(p);
    if (end === p) {
      this.#pos = p;
      this.#fail(`unexpected ${this.#describe()} in a number, expected a digit`);
    }
    return end;
  }
}
