import { CertificateParseError } from './errors.js';

/** Universal tags used by X.509 (ITU-T X.690 §8), as whole identifier octets. */
export const TAG_BOOLEAN = 0x01;
export const TAG_INTEGER = 0x02;
export const TAG_BIT_STRING = 0x03;
export const TAG_OCTET_STRING = 0x04;
export const TAG_OID = 0x06;
export const TAG_UTF8_STRING = 0x0c;
export const TAG_NUMERIC_STRING = 0x12;
export const TAG_PRINTABLE_STRING = 0x13;
export const TAG_TELETEX_STRING = 0x14;
export const TAG_IA5_STRING = 0x16;
export const TAG_UNIVERSAL_STRING = 0x1c;
export const TAG_BMP_STRING = 0x1e;
export const TAG_UTC_TIME = 0x17;
export const TAG_GENERALIZED_TIME = 0x18;
export const TAG_SEQUENCE = 0x30;
export const TAG_SET = 0x31;
/** Pass as the expected tag to accept any (low-number) tag. */
export const ANY_TAG = -1;

const MAX_SAFE_ARC = 2 ** 46; // value * 128 + 127 still fits in a double exactly

/** Throws the reader's error: `what` names the field, `offset` is the byte position in the input. */
export function fail(what: string, problem: string, offset: number): never {
  throw new CertificateParseError(`malformed certificate at byte ${offset} (${what}): ${problem}`);
}

/**
 * A strict DER (X.690 §10) reader over `buf[pos..end)`. It never copies: a nested structure is a
 * new reader over the same bytes, and values are handed out as `subarray` views or offsets.
 * Accepted: low-number tags only (X.509 needs no other), definite lengths in minimal form up to
 * 4 length octets, each element inside its parent. Anything else throws `CertificateParseError`.
 *
 * `next()` is the primitive: it consumes one element and leaves its tag and value range in
 * `tag`, `valueStart` and `valueEnd`; the typed readers are built on it.
 */
export class DerReader {
  /** The whole input; offsets are absolute, so error messages point into it. */
  readonly buf: Uint8Array;
  /** Where the next element starts. */
  pos: number;
  /** End of this reader's range (exclusive). */
  readonly end: number;
  /** Tag byte of the element most recently read by `next()`. */
  tag = 0;
  /** Value (contents) range of the element most recently read by `next()`. */
  valueStart = 0;
  valueEnd = 0;

  constructor(buf: Uint8Array, start: number, end: number) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  /** True when every element in range has been read. */
  get done(): boolean {
    return this.pos >= this.end;
  }

  /** The tag byte of the next element, or -1 at the end of the range. */
  peekTag(): number {
    return this.pos < this.end ? (this.buf[this.pos] as number) : -1;
  }

  /**
   * Consumes the next element, which must have tag `expected` (or any low-number tag for
   * `ANY_TAG`), and records its tag and value range.
   */
  next(expected: number, what: string): void {
    const buf = this.buf;
    const end = this.end;
    let p = this.pos;
    if (p >= end) fail(what, 'missing element (end of data)', p);
    const tag = buf[p] as number;
    if (expected !== ANY_TAG && tag !== expected) {
      fail(what, `expected tag 0x${hex(expected)}, found 0x${hex(tag)}`, p);
    }
    if ((tag & 0x1f) === 0x1f) fail(what, 'high-tag-number form is not used by X.509', p);
    p++;
    if (p >= end) fail(what, 'truncated length', p);
    let len = buf[p++] as number;
    if (len >= 0x80) {
      const n = len & 0x7f;
      if (n === 0) fail(what, 'indefinite length is not DER', p - 1);
      if (n > 4) fail(what, `length of ${n} octets is too long`, p - 1);
      if (end - p < n) fail(what, 'truncated length', p);
      const first = buf[p] as number;
      if (first === 0) fail(what, 'length is not minimally encoded', p);
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + (buf[p++] as number);
      if (len < 0x80) fail(what, 'length is not minimally encoded', p - n);
    }
    if (len > end - p) fail(what, `length ${len} runs past the end of the enclosing data`, p);
    this.tag = tag;
    this.valueStart = p;
    this.valueEnd = p + len;
    this.pos = p + len;
  }

  /** Reads a constructed element with tag `tag` and returns a reader over its contents. */
  enter(tag: number, what: string): DerReader {
    this.next(tag, what);
    return new DerReader(this.buf, this.valueStart, this.valueEnd);
  }

  /** Reads an OCTET STRING (or an implicitly tagged one with tag `tag`) as a view (no copy). */
  readOctetString(what: string, tag = TAG_OCTET_STRING): Uint8Array {
    this.next(tag, what);
    return this.buf.subarray(this.valueStart, this.valueEnd);
  }

  /** Reads a DER BOOLEAN: one octet, 0x00 or 0xFF (X.690 §11.1). */
  readBoolean(what: string): boolean {
    this.next(TAG_BOOLEAN, what);
    if (this.valueEnd - this.valueStart !== 1) fail(what, 'BOOLEAN must be one octet', this.valueStart);
    const b = this.buf[this.valueStart];
    if (b === 0xff) return true;
    if (b === 0x00) return false;
    return fail(what, 'BOOLEAN must be 0x00 or 0xFF in DER', this.valueStart);
  }

  /**
   * Reads a non-negative INTEGER that fits in 31 bits (tag `tag`, default INTEGER), in minimal
   * two's-complement form.
   */
  readSmallInteger(what: string, tag = TAG_INTEGER): number {
    this.next(tag, what);
    const buf = this.buf;
    const start = this.valueStart;
    const len = this.valueEnd - start;
    if (len === 0) fail(what, 'empty INTEGER', start);
    const first = buf[start] as number;
    if (first & 0x80) fail(what, 'negative INTEGER', start);
    if (len > 1 && first === 0 && ((buf[start + 1] as number) & 0x80) === 0) {
      fail(what, 'INTEGER is not minimally encoded', start);
    }
    // Minimal and non-negative: 4 octets hold at most 0x7fffffff, a 5th would exceed it.
    if (len > 4) fail(what, 'INTEGER is larger than 2^31 - 1', start);
    let v = 0;
    for (let i = start; i < this.valueEnd; i++) v = v * 256 + (buf[i] as number);
    return v;
  }

  /**
   * Reads a BIT STRING (tag `tag`, default BIT STRING) and checks its unused-bits octet (0..7, 0
   * when there is no data) and that the unused bits are zero (X.690 §11.2.1). The data octets are
   * then `buf[valueStart + 1 .. valueEnd)`.
   */
  readBitString(what: string, tag = TAG_BIT_STRING): void {
    this.next(tag, what);
    const buf = this.buf;
    const start = this.valueStart;
    const end = this.valueEnd;
    if (start === end) fail(what, 'BIT STRING without its unused-bits octet', start);
    const unused = buf[start] as number;
    if (unused > 7) fail(what, `BIT STRING with ${unused} unused bits`, start);
    if (end - start === 1) {
      if (unused !== 0) fail(what, 'empty BIT STRING with unused bits', start);
    } else if (((buf[end - 1] as number) & ((1 << unused) - 1)) !== 0) {
      fail(what, 'BIT STRING unused bits are not zero', end - 1);
    }
  }

  /** Reads an OBJECT IDENTIFIER and returns it in dotted form (`2.5.29.17`). */
  readOid(what: string): string {
    this.next(TAG_OID, what);
    return decodeOid(this.buf, this.valueStart, this.valueEnd, what);
  }

  /** Reads an OBJECT IDENTIFIER and checks its encoding without building the string. */
  skipOid(what: string): void {
    this.next(TAG_OID, what);
    checkOid(this.buf, this.valueStart, this.valueEnd, what);
  }

  /** Reads an IA5String (tag `tag`: the universal 0x16 or an implicit context tag): ASCII only. */
  readIa5String(what: string, tag: number): string {
    this.next(tag, what);
    const buf = this.buf;
    let s = '';
    for (let i = this.valueStart; i < this.valueEnd; i++) {
      const c = buf[i] as number;
      if (c > 0x7f) fail(what, 'IA5String has a non-ASCII octet', i);
      s += String.fromCharCode(c);
    }
    return s;
  }

  /** Throws unless every element in range was read (no trailing bytes). */
  expectEnd(what: string): void {
    if (this.pos !== this.end) fail(what, `${this.end - this.pos} unexpected trailing byte(s)`, this.pos);
  }
}

/** Checks an OID's contents: non-empty, each arc minimal (no leading 0x80), last octet final. */
function checkOid(buf: Uint8Array, start: number, end: number, what: string): void {
  if (start === end) fail(what, 'empty OBJECT IDENTIFIER', start);
  if ((buf[end - 1] as number) & 0x80) fail(what, 'OBJECT IDENTIFIER ends inside an arc', end - 1);
  let arcStart = true;
  for (let i = start; i < end; i++) {
    const b = buf[i] as number;
    if (arcStart && b === 0x80) fail(what, 'OBJECT IDENTIFIER arc is not minimally encoded', i);
    arcStart = (b & 0x80) === 0;
  }
}

// The OIDs met in every certificate, as strings made once: id-ce (2.5.29.n, extensions) and
// id-kp (1.3.6.1.5.5.7.3.n, EKU purposes) with n < 128.
const ID_CE = Array.from({ length: 128 }, (_, n) => `2.5.29.${n}`);
const ID_KP = Array.from({ length: 128 }, (_, n) => `1.3.6.1.5.5.7.3.${n}`);
const ID_KP_PREFIX = [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03];

/** Decodes an OID to dotted form; arcs beyond 2^46 (UUID OIDs) take a BigInt path. */
function decodeOid(buf: Uint8Array, start: number, end: number, what: string): string {
  const len = end - start;
  const last = buf[end - 1] as number;
  if (len === 3 && last < 0x80 && buf[start] === 0x55 && buf[start + 1] === 0x1d)
    return ID_CE[last] as string;
  if (len === 8 && last < 0x80 && hasPrefix(buf, start, ID_KP_PREFIX)) return ID_KP[last] as string;
  checkOid(buf, start, end, what);
  let out = '';
  let value = 0;
  let first = true;
  for (let i = start; i < end; i++) {
    if (value >= MAX_SAFE_ARC) return decodeOidBig(buf, start, end);
    const b = buf[i] as number;
    value = value * 128 + (b & 0x7f);
    if (b & 0x80) continue;
    if (first) {
      out = value < 40 ? `0.${value}` : value < 80 ? `1.${value - 40}` : `2.${value - 80}`;
      first = false;
    } else {
      out += `.${value}`;
    }
    value = 0;
  }
  return out;
}

function decodeOidBig(buf: Uint8Array, start: number, end: number): string {
  let out = '';
  let value = 0n;
  let first = true;
  for (let i = start; i < end; i++) {
    const b = buf[i] as number;
    value = value * 128n + BigInt(b & 0x7f);
    if (b & 0x80) continue;
    if (first) {
      out = value < 40n ? `0.${value}` : value < 80n ? `1.${value - 40n}` : `2.${value - 80n}`;
      first = false;
    } else {
      out += `.${value}`;
    }
    value = 0n;
  }
  return out;
}

function hasPrefix(buf: Uint8Array, start: number, prefix: readonly number[]): boolean {
  for (let i = 0; i < prefix.length; i++) if (buf[start + i] !== prefix[i]) return false;
  return true;
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
