import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonError, parseJson, type JsonValue } from '../../src/internal/json.js';

function error(input: string | Uint8Array, maxDepth?: number): JsonError {
  try {
    parseJson(input, maxDepth === undefined ? {} : { maxDepth });
  } catch (err) {
    expect(err).toBeInstanceOf(JsonError);
    return err as JsonError;
  }
  throw new Error(`expected ${JSON.stringify(String(input))} to be refused`);
}

/** Replaces bigints by numbers, to compare with JSON.parse. */
function asNumbers(value: JsonValue): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(asNumbers);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k, {
        value: asNumbers(v),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

describe('parseJson: values', () => {
  it.each([
    ['null', null],
    ['true', true],
    ['false', false],
    ['0', 0],
    ['-0', -0],
    ['12.5e-1', 1.25],
    ['1E+2', 100],
    ['"a\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00"', 'a"\\/\b\f\n\r\té😀'],
    [' \t\r\n[1, [], {}, "x"] \n', [1, [], {}, 'x']],
    ['{"a":{"b":[true]}}', { a: { b: [true] } }],
  ])('parses %s like JSON.parse', (text, expected) => {
    expect(parseJson(text)).toEqual(expected);
    expect(parseJson(text)).toEqual(JSON.parse(text));
  });

  it('B-3: keeps integers beyond 2^53 exact, as bigint', () => {
    expect(parseJson('9007199254740991')).toBe(9007199254740991);
    expect(parseJson('9007199254740992')).toBe(9007199254740992n);
    expect(parseJson('18446744073709551615')).toBe(18446744073709551615n);
    expect(parseJson('-18446744073709551616')).toBe(-18446744073709551616n);
    expect(parseJson('[123456789012345678901234567890]')).toEqual([123456789012345678901234567890n]);
  });

  it('keeps fractions and exponents as numbers, and very long integer literals as numbers', () => {
    expect(parseJson('18446744073709551615.0')).toBe(2 ** 64);
    expect(parseJson('1e20')).toBe(1e20);
    expect(parseJson('9'.repeat(1001))).toBe(Infinity);
    expect(parseJson('9'.repeat(1000))).toBe(BigInt('9'.repeat(1000)));
  });

  it('decodes UTF-8 bytes', () => {
    expect(parseJson(new TextEncoder().encode('{"é":"😀"}'))).toEqual({ é: '😀' });
  });

  it('keeps a "__proto__" member as an own property, as JSON.parse does', () => {
    const value = parseJson('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(value).toEqual(JSON.parse('{"__proto__":{"polluted":true},"a":1}'));
  });
});

describe('parseJson: errors', () => {
  it.each([
    ['', 0],
    [' ', 1],
    ['{', 1],
    ['[1,]', 3],
    ['[1 2]', 3],
    ['{"a" 1}', 5],
    ['{"a":1,}', 7],
    ['{a:1}', 1],
    ["'a'", 0],
    ['"abc', 0],
    ['"a\nb"', 2],
    ['"\\x"', 1],
    ['"\\u12G4"', 1],
    ['01', 1],
    ['-', 1],
    ['1.', 2],
    ['1e', 2],
    ['.5', 0],
    ['+1', 0],
    ['NaN', 0],
    ['Infinity', 0],
    ['tru', 0],
    ['nul', 0],
    ['{} {}', 3],
    ['[1]x', 3],
    ['\u00a0 1', 0],
    ['\ufeff{}', 0],
  ])('refuses %j at offset %i', (text, offset) => {
    const err = error(text);
    expect(err.reason).toBe('syntax');
    expect(err.offset).toBe(offset);
    expect(err.message).toMatch(new RegExp(`^invalid JSON at offset ${offset}: `));
    expect(() => JSON.parse(text)).toThrow(); // the same inputs JSON.parse refuses
  });

  it('B-13: refuses a repeated member name, naming it and where', () => {
    const err = error('{"trust_domains":{"a.org":{},"b.org":{},"a.org":{}}}');
    expect(err.reason).toBe('duplicate_key');
    expect(err.key).toBe('a.org');
    expect(err.path).toEqual(['trust_domains']);
    expect(err.offset).toBe(40);
    expect(error('[{"k":[{"x":1,"x":2}]}]').path).toEqual([0, 'k', 0]);
    expect(error('{"__proto__":1,"__proto__":2}').reason).toBe('duplicate_key');
  });

  it('refuses nesting deeper than the limit (default 64) without exhausting the stack', () => {
    expect(parseJson('['.repeat(64) + ']'.repeat(64))).toBeDefined();
    const err = error('['.repeat(65) + ']'.repeat(65));
    expect(err.reason).toBe('too_deep');
    expect(err.offset).toBe(64);
    expect(error('{"a":'.repeat(3) + '1' + '}'.repeat(3), 2).reason).toBe('too_deep');
    expect(error('['.repeat(1_000_000)).reason).toBe('too_deep');
  });

  it('refuses bytes that are not UTF-8', () => {
    const err = error(new Uint8Array([0x22, 0xff, 0x22]));
    expect(err.reason).toBe('encoding');
  });

  it('refuses input that is neither a string nor bytes', () => {
    expect(error(42 as unknown as string).reason).toBe('syntax');
    expect(error(null as unknown as string).reason).toBe('syntax');
  });

  it('names a non-printable character by its code point', () => {
    expect(error('[\u0001]').message).toContain('U+0001');
    expect(error('{"a":1]').message).toContain('character "]"');
    expect(error('[1').message).toContain('end of input');
  });
});

describe('parseJson: properties', () => {
  it('agrees with JSON.parse on valid JSON, up to number representation', () => {
    fc.assert(
      fc.property(fc.json({ depthSize: 'medium' }), (text) => {
        expect(asNumbers(parseJson(text))).toEqual(JSON.parse(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees with JSON.parse on any UTF-16 string (surrogates, escapes, astral code points)', () => {
    const unit = fc.oneof(
      fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
    );
    const text = fc.array(unit, { maxLength: 20 }).map((units) => units.join(''));
    fc.assert(
      fc.property(text, text, (key, value) => {
        const json = JSON.stringify({ [key]: [value, { [value]: key }] });
        expect(parseJson(json)).toEqual(JSON.parse(json));
        // Lone surrogates do not survive UTF-8; the rest must decode identically from bytes.
        const bytes = Buffer.from(json, 'utf8');
        expect(parseJson(bytes)).toEqual(JSON.parse(bytes.toString('utf8')));
      }),
      { numRuns: 500 },
    );
  });

  it('throws only JsonError on random strings; its syntax verdict and values match JSON.parse', () => {
    const jsonish = fc.string({ unit: fc.constantFrom(...'{}[],:"\\ 01-.eE+tfnulrsa\n\u0000é') });
    fc.assert(
      fc.property(fc.oneof(fc.string(), jsonish), (text) => {
        let ours: unknown;
        try {
          ours = parseJson(text);
        } catch (err) {
          expect(err).toBeInstanceOf(JsonError);
          const e = err as JsonError;
          if (e.reason === 'syntax') expect(() => JSON.parse(text)).toThrow();
          return;
        }
        expect(asNumbers(ours as JsonValue)).toEqual(JSON.parse(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('throws only JsonError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          parseJson(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(JsonError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
