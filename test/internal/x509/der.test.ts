import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ANY_TAG,
  DerReader,
  TAG_INTEGER,
  TAG_OCTET_STRING,
  TAG_SEQUENCE,
} from '../../../src/internal/x509/der.js';
import { oidBytes, tlv } from './support.js';
import { expectParseError as rejects } from './expect.js';

const reader = (bytes: Uint8Array | number[]): DerReader => {
  const buf = Uint8Array.from(bytes);
  return new DerReader(buf, 0, buf.length);
};

describe('DerReader: tag and length', () => {
  it('reads short and long definite lengths, leaving the value range', () => {
    const r = reader([0x04, 0x02, 0xaa, 0xbb, 0x04, 0x81, 0x80, ...new Array<number>(0x80).fill(1)]);
    expect(Array.from(r.readOctetString('a'))).toEqual([0xaa, 0xbb]);
    r.next(TAG_OCTET_STRING, 'b');
    expect([r.valueStart, r.valueEnd]).toEqual([7, 7 + 0x80]);
    expect(r.done).toBe(true);
    r.expectEnd('end');
  });

  it('reads a two-octet length', () => {
    const r = reader(tlv(0x04, new Array<number>(0x100).fill(0)));
    r.next(0x04, 'x');
    expect(r.valueEnd - r.valueStart).toBe(0x100);
  });

  it.each([
    ['indefinite length', [0x30, 0x80, 0x00, 0x00], 'indefinite length'],
    ['a long form below 0x80', [0x04, 0x81, 0x01, 0x00], 'not minimally encoded'],
    ['a long form with a leading zero octet', [0x04, 0x82, 0x00, 0x80], 'not minimally encoded'],
    ['five length octets', [0x04, 0x85, 1, 0, 0, 0, 0], 'too long'],
    ['a length past the end', [0x04, 0x03, 0x00, 0x00], 'runs past the end'],
    ['a truncated long length', [0x04, 0x82, 0x01], 'truncated length'],
    ['a tag with no length', [0x04], 'truncated length'],
    ['nothing', [], 'missing element'],
    ['a high-tag-number form', [0x1f, 0x20, 0x00], 'high-tag-number'],
    ['a context high-tag-number form', [0xbf, 0x20, 0x00], 'high-tag-number'],
  ])('rejects %s', (_label, bytes, fragment) => {
    rejects(() => reader(bytes).next(ANY_TAG, 'field'), fragment);
  });

  it('rejects an unexpected tag and names the field and byte offset', () => {
    rejects(() => reader([0x31, 0x00]).next(TAG_SEQUENCE, 'the field'), 'at byte 0 (the field)');
    rejects(() => reader([0x31, 0x00]).next(TAG_SEQUENCE, 'f'), 'expected tag 0x30, found 0x31');
  });

  it('keeps a nested reader inside its parent: a child length cannot reach past the parent', () => {
    // SEQUENCE(3) { OCTET STRING length 5 } followed by more bytes of the outer buffer
    const r = reader([0x30, 0x03, 0x04, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00]);
    const inner = r.enter(TAG_SEQUENCE, 'outer');
    rejects(() => inner.next(TAG_OCTET_STRING, 'inner'), 'runs past the end');
  });

  it('expectEnd rejects trailing bytes', () => {
    const r = reader([0x05, 0x00, 0x00]);
    r.next(ANY_TAG, 'x');
    rejects(() => r.expectEnd('thing'), '1 unexpected trailing byte(s)');
  });

  it('peekTag gives -1 at the end', () => {
    expect(reader([]).peekTag()).toBe(-1);
    expect(reader([0x30, 0x00]).peekTag()).toBe(0x30);
  });
});

describe('DerReader: BOOLEAN', () => {
  it('reads 0xFF as true and 0x00 as false', () => {
    expect(reader([0x01, 0x01, 0xff]).readBoolean('b')).toBe(true);
    expect(reader([0x01, 0x01, 0x00]).readBoolean('b')).toBe(false);
  });
  it.each([
    [[0x01, 0x01, 0x01], 'must be 0x00 or 0xFF'],
    [[0x01, 0x01, 0x7f], 'must be 0x00 or 0xFF'],
    [[0x01, 0x02, 0xff, 0xff], 'one octet'],
    [[0x01, 0x00], 'one octet'],
  ])('rejects %j (DER allows 0x00/0xFF only)', (bytes, fragment) => {
    rejects(() => reader(bytes).readBoolean('b'), fragment);
  });
});

describe('DerReader: small non-negative INTEGER', () => {
  it.each([
    [[0x00], 0],
    [[0x7f], 127],
    [[0x00, 0x80], 128],
    [[0x01, 0x00], 256],
    [[0x7f, 0xff, 0xff, 0xff], 0x7fffffff],
  ])('reads %j as %d', (content, value) => {
    expect(reader(tlv(TAG_INTEGER, content)).readSmallInteger('i')).toBe(value);
  });
  it.each([
    ['negative', [0xff], 'negative'],
    ['negative with leading 0x80', [0x80, 0x00], 'negative'],
    ['2^31', [0x00, 0x80, 0x00, 0x00, 0x00], 'larger than 2^31 - 1'],
    ['2^40', [0x01, 0x00, 0x00, 0x00, 0x00, 0x00], 'larger than 2^31 - 1'],
    ['non-minimal', [0x00, 0x05], 'not minimally encoded'],
    ['empty', [], 'empty INTEGER'],
  ])('rejects %s', (_label, content, fragment) => {
    rejects(() => reader(tlv(TAG_INTEGER, content)).readSmallInteger('i'), fragment);
  });
  it('reads an implicitly tagged INTEGER', () => {
    expect(reader([0x80, 0x01, 0x05]).readSmallInteger('i', 0x80)).toBe(5);
  });
});

describe('DerReader: BIT STRING', () => {
  it('accepts a BIT STRING whose unused bits are zero, and an empty one', () => {
    const r = reader([0x03, 0x03, 0x07, 0x86, 0x80, 0x03, 0x01, 0x00]);
    r.readBitString('b');
    expect([r.valueStart, r.valueEnd]).toEqual([2, 5]);
    r.readBitString('b');
    r.expectEnd('end');
  });
  it.each([
    ['no unused-bits octet', [0x03, 0x00], 'without its unused-bits octet'],
    ['8 unused bits', [0x03, 0x02, 0x08, 0x00], '8 unused bits'],
    ['unused bits in an empty string', [0x03, 0x01, 0x01], 'empty BIT STRING with unused bits'],
    ['non-zero unused bits', [0x03, 0x02, 0x01, 0x81], 'unused bits are not zero'],
  ])('rejects %s', (_label, bytes, fragment) => {
    rejects(() => reader(bytes).readBitString('b'), fragment);
  });
});

describe('DerReader: OBJECT IDENTIFIER', () => {
  it.each([
    '2.5.29.17',
    '1.2.840.113549.1.1.11',
    '1.3.6.1.5.5.7.3.1',
    // next to the precomputed id-ce / id-kp strings, but decoded arc by arc
    '2.5.29.200',
    '2.5.30.1',
    '1.3.6.1.5.5.7.3.200',
    '1.3.6.1.5.5.7.4.1',
    '0.9.2342.19200300.100.1.25',
    '2.999.1',
    '1.39',
    '0.0',
    // a UUID OID: an arc past 2^53 takes the BigInt path
    '2.25.329800735698586629295641978511506172918',
    '1.2.9007199254740993',
  ])('decodes %s', (dotted) => {
    expect(reader(tlv(0x06, oidBytes(dotted))).readOid('o')).toBe(dotted);
  });

  it('decodes every arc sequence that it encodes (property)', () => {
    const first = fc.constantFrom(0n, 1n, 2n);
    const arc = fc.oneof(fc.bigInt({ min: 0n, max: 200n }), fc.bigInt({ min: 0n, max: 2n ** 130n }));
    fc.assert(
      fc.property(first, fc.bigInt({ min: 0n, max: 39n }), fc.array(arc, { maxLength: 8 }), (a, b, rest) => {
        const dotted = [a, a === 2n ? b * 1000n : b, ...rest].join('.');
        expect(reader(tlv(0x06, oidBytes(dotted))).readOid('o')).toBe(dotted);
      }),
    );
  });

  it.each([
    ['empty', [0x06, 0x00], 'empty OBJECT IDENTIFIER'],
    ['a final octet with the continuation bit', [0x06, 0x02, 0x55, 0x9d], 'ends inside an arc'],
    ['a non-minimal arc (leading 0x80)', [0x06, 0x03, 0x55, 0x80, 0x1d], 'not minimally encoded'],
    ['a non-minimal first arc', [0x06, 0x02, 0x80, 0x55], 'not minimally encoded'],
  ])('rejects %s, in readOid and skipOid', (_label, bytes, fragment) => {
    rejects(() => reader(bytes).readOid('o'), fragment);
    rejects(() => reader(bytes).skipOid('o'), fragment);
  });
});

describe('DerReader: IA5String', () => {
  it('reads ASCII text under an implicit tag', () => {
    expect(reader(tlv(0x86, Buffer.from('spiffe://example.org/a'))).readIa5String('s', 0x86)).toBe(
      'spiffe://example.org/a',
    );
    expect(reader([0x16, 0x00]).readIa5String('s', 0x16)).toBe('');
  });
  it('rejects a non-ASCII octet', () => {
    rejects(
      () => reader(tlv(0x86, Buffer.from('spiffe://exámple.org'))).readIa5String('s', 0x86),
      'non-ASCII',
    );
  });
});
