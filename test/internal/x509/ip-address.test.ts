import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIpAddress, isContiguousMask } from '../../../src/internal/x509/ip-address.js';

const ip6 = (groups: number[]): Uint8Array => {
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
};

describe('formatIpAddress', () => {
  it('formats IPv4 in dotted decimal', () => {
    expect(formatIpAddress(new Uint8Array([9, 10, 192, 168, 0, 255]), 2, 4)).toBe('192.168.0.255');
  });

  it.each([
    [[0, 0, 0, 0, 0, 0, 0, 0], '::'],
    [[0, 0, 0, 0, 0, 0, 0, 1], '::1'],
    [[1, 0, 0, 0, 0, 0, 0, 0], '1::'],
    [[0x2001, 0xdb8, 0, 0, 0, 0, 0, 1], '2001:db8::1'],
    [[1, 0, 2, 3, 4, 5, 6, 7], '1:0:2:3:4:5:6:7'], // a single zero group stays
    [[1, 0, 0, 2, 0, 0, 3, 4], '1::2:0:0:3:4'], // the first of two equal runs
    [[1, 0, 0, 2, 0, 0, 0, 4], '1:0:0:2::4'], // the longest run
    [[0xabcd, 0xef01, 0, 0, 0, 0, 0xffff, 0x0102], 'abcd:ef01::ffff:102'],
  ])('formats %j as %s (RFC 5952)', (groups, text) => {
    expect(formatIpAddress(ip6(groups), 0, 16)).toBe(text);
  });

  it('agrees with the WHATWG URL serializer on random IPv6 addresses (property)', () => {
    const group = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (groups) => {
        const text = formatIpAddress(ip6(groups), 0, 16);
        expect(`[${text}]`).toBe(
          new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname,
        );
      }),
    );
  });
});

describe('isContiguousMask', () => {
  it.each([
    [[255, 255, 255, 0], true],
    [[255, 255, 240, 0], true],
    [[0, 0, 0, 0], true],
    [[255, 255, 255, 255], true],
    [[255, 0, 255, 0], false],
    [[255, 254, 1, 0], false],
    [[255, 0b11110111, 0, 0], false],
  ])('%j -> %s', (mask, ok) => {
    expect(isContiguousMask(Uint8Array.from(mask), 0, 4)).toBe(ok);
  });
});
