/** Property-based tests of the SPIFFE ID grammar (ID-1..ID-15) against an independent model. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SpiffeId,
  SpiffeIdError,
  TrustDomain,
  validatePath,
  validatePathSegment,
} from '../../src/spiffeid/index.js';

/**
 * The reference model, written from the spec text and nothing else: split off the scheme, take
 * the trust domain up to the first "/", split the path on "/", check each part on its own.
 */
function model(s: string): { td: string; path: string } | undefined {
  if (Buffer.byteLength(s, 'utf8') > 2048) return undefined; // ID-13
  if (!s.startsWith('spiffe://')) return undefined; // ID-1
  const rest = s.slice('spiffe://'.length);
  const slash = rest.indexOf('/');
  const td = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash);
  if (!/^[a-z0-9._-]+$/.test(td) || td.length > 255) return undefined; // ID-2..ID-8, ID-15
  if (path !== '') {
    const segments = path.slice(1).split('/');
    for (const seg of segments) {
      if (!/^[a-zA-Z0-9._-]+$/.test(seg)) return undefined; // ID-3, ID-9, ID-10 (empty), ID-11, ID-12
      if (seg === '.' || seg === '..') return undefined; // ID-10
    }
  }
  return { td, path };
}

/** Pieces that make near-misses likely: scheme fragments, separators, dots, URL syntax, non-ASCII. */
const token = fc.constantFrom(
  'spiffe://',
  'spiffe:',
  'SPIFFE://',
  '//',
  '/',
  '/',
  '/',
  'a',
  'z',
  'ex',
  'org',
  '0',
  '9',
  '.',
  '.',
  '..',
  '...',
  '_',
  '-',
  '%',
  '%41',
  '?',
  '#',
  '@',
  ':',
  '[',
  ']',
  'A',
  'Z',
  'é',
  '\u00ff',
  '😀',
  '\u0000',
  ' ',
);
const biased = fc.oneof(
  fc.array(token, { maxLength: 20 }).map((t) => t.join('')),
  fc.array(token, { maxLength: 20 }).map((t) => `spiffe://${t.join('')}`),
  fc.array(token, { maxLength: 20 }).map((t) => `spiffe://example.org/${t.join('')}`),
);

/** Strings around the limits: trust domains of 250-260 bytes, IDs of 2040-2056 bytes. */
const nearLimits = fc
  .record({
    tdLength: fc.integer({ min: 250, max: 260 }),
    idLength: fc.integer({ min: 2040, max: 2056 }),
    dot: fc.boolean(),
  })
  .map(({ tdLength, idLength, dot }) => {
    const head = `spiffe://${'t'.repeat(tdLength)}/${dot ? '.' : ''}`;
    return head + 'p'.repeat(Math.max(1, idLength - head.length));
  });

const tdName = fc.stringMatching(/^[a-z0-9._-]{1,20}$/);
const segment = fc.stringMatching(/^[a-zA-Z0-9._-]{1,12}$/).filter((s) => s !== '.' && s !== '..');

describe('SpiffeId.parse agrees with the reference model', () => {
  it('ID-1..ID-15: accept/refuse and the parts agree on biased random strings', () => {
    fc.assert(
      fc.property(fc.oneof(biased, nearLimits), (s) => {
        const want = model(s);
        let got: SpiffeId | undefined;
        try {
          got = SpiffeId.parse(s);
        } catch (err) {
          expect(err).toBeInstanceOf(SpiffeIdError);
        }
        if (want === undefined) {
          expect(got, `accepted ${JSON.stringify(s)}`).toBeUndefined();
        } else {
          expect(got, `refused ${JSON.stringify(s)}`).toBeDefined();
          expect(got!.trustDomain.name).toBe(want.td);
          expect(got!.path).toBe(want.path);
          expect(got!.toString()).toBe(s);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('ID-1..ID-15: TrustDomain.parse agrees with the model on names and IDs', () => {
    fc.assert(
      fc.property(fc.oneof(biased, nearLimits, tdName), (s) => {
        const want = s.includes(':/') ? model(s)?.td : model(`spiffe://${s}`)?.path === '' ? s : undefined;
        let got: string | undefined;
        try {
          got = TrustDomain.parse(s).name;
        } catch (err) {
          expect(err).toBeInstanceOf(SpiffeIdError);
        }
        expect(got).toBe(want);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('nothing but SpiffeIdError on arbitrary input', () => {
  const arbitraryStrings = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
    fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('latin1')),
    fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('utf8')),
    biased,
  );
  const entryPoints: [string, (s: string) => unknown][] = [
    ['SpiffeId.parse', (s) => SpiffeId.parse(s)],
    ['SpiffeId.parse (with scheme)', (s) => SpiffeId.parse(`spiffe://${s}`)],
    ['SpiffeId.parse (with trust domain)', (s) => SpiffeId.parse(`spiffe://td/${s}`)],
    ['TrustDomain.parse', (s) => TrustDomain.parse(s)],
    ['TrustDomain.parse (with scheme)', (s) => TrustDomain.parse(`spiffe://${s}`)],
    ['validatePath', (s) => validatePath(s)],
    ['validatePath (with slash)', (s) => validatePath(`/${s}`)],
    ['validatePathSegment', (s) => validatePathSegment(s)],
    ['fromPath', (s) => SpiffeId.fromPath('td', s)],
    ['fromSegments', (s) => SpiffeId.fromSegments('td', s)],
  ];

  it.each(entryPoints)('%s throws only SpiffeIdError', (_name, fn) => {
    fc.assert(
      fc.property(arbitraryStrings, (s) => {
        try {
          fn(s);
        } catch (err) {
          expect(err).toBeInstanceOf(SpiffeIdError);
          expect((err as SpiffeIdError).message).toMatch(/\bID-\d+\b/);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('valid IDs round-trip', () => {
  it('parse(id.toString()) equals id, and fromSegments equals parse of the joined string', () => {
    fc.assert(
      fc.property(tdName, fc.array(segment, { maxLength: 8 }), (td, segments) => {
        const built = SpiffeId.fromSegments(td, ...segments);
        const text = `spiffe://${td}${segments.map((s) => `/${s}`).join('')}`;
        expect(built.toString()).toBe(text);
        const parsed = SpiffeId.parse(text);
        expect(parsed.equals(built)).toBe(true);
        expect(SpiffeId.parse(built.toString()).equals(built)).toBe(true);
        expect(parsed.trustDomain.name).toBe(td);
        expect(parsed.path).toBe(built.path);
        expect(SpiffeId.fromPath(td, parsed.path).equals(parsed)).toBe(true);
        expect(TrustDomain.parse(text).name).toBe(td);
        expect(model(text)).toEqual({ td, path: parsed.path });
      }),
      { numRuns: 2000 },
    );
  });
});
