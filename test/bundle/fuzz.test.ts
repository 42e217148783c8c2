/**
 * Property tests: hostile input to every bundle parser gives a BundleError, never a crash,
 * another error type or a hang.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BundleError, JwtBundle, SpiffeBundle, SpiffeBundleSet, X509Bundle } from '../../src/bundle/index.js';
import { jwtJwk, makeCa, makeJwtKey, x509Jwk } from './support.js';

const ca = makeCa('example.org');
const other = makeCa('example.org', 'rsa');
const key = makeJwtKey();

/** Runs `parse`; it may succeed, but may throw only a BundleError. */
function onlyBundleError(parse: () => unknown): void {
  try {
    parse();
  } catch (err) {
    if (!(err instanceof BundleError)) throw err;
  }
}

const parsers: [string, (input: string | Uint8Array) => unknown][] = [
  ['X509Bundle.parse', (i) => X509Bundle.parse('example.org', i)],
  [
    'X509Bundle.parseRaw',
    (i) => X509Bundle.parseRaw('example.org', typeof i === 'string' ? Buffer.from(i) : i),
  ],
  ['JwtBundle.parse', (i) => JwtBundle.parse('example.org', i)],
  ['SpiffeBundle.parse', (i) => SpiffeBundle.parse('example.org', i)],
  ['SpiffeBundleSet.parseMap', (i) => SpiffeBundleSet.parseMap(i)],
];

/** JSON values shaped like bundles, with random and misplaced members. */
const jwkish = fc.record(
  {
    use: fc.constantFrom('x509-svid', 'jwt-svid', 'wit-svid', 'sig', undefined),
    kty: fc.constantFrom('EC', 'RSA', 'OKP', 'oct', 'xx', undefined),
    kid: fc.oneof(fc.string(), fc.integer(), fc.constant(undefined)),
    crv: fc.constantFrom('P-256', 'P-384', 'Ed25519', 'X', undefined),
    x: fc.oneof(fc.base64String(), fc.string()),
    y: fc.oneof(fc.base64String(), fc.string()),
    n: fc.base64String(),
    e: fc.constantFrom('AQAB', '', 'AA'),
    x5c: fc.oneof(
      fc.array(fc.oneof(fc.base64String(), fc.constant(ca.der.toString('base64')))),
      fc.jsonValue(),
    ),
    d: fc.string(),
  },
  { requiredKeys: [] },
);
const bundleish = fc.record(
  {
    keys: fc.oneof(
      fc.array(fc.oneof(jwkish, fc.constant(x509Jwk(ca)), fc.constant(jwtJwk('k', key)), fc.jsonValue()), {
        maxLength: 4,
      }),
      fc.jsonValue(),
    ),
    spiffe_sequence: fc.oneof(fc.bigInt({ min: -2n, max: 2n ** 65n }), fc.double(), fc.jsonValue()),
    spiffe_refresh_hint: fc.oneof(fc.integer(), fc.double(), fc.jsonValue()),
  },
  { requiredKeys: [] },
);
const stringify = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `__${v}__` : v)).replace(
    /"__(-?\d+)__"/g,
    '$1',
  );
const bundleText = bundleish.map(stringify);
const mapText = fc
  .dictionary(fc.oneof(fc.constantFrom('a.org', 'spiffe://b.org', 'A.org', ''), fc.string()), bundleish)
  .map((m) => stringify({ trust_domains: m }));

describe('bundle parsers throw only BundleError', () => {
  it.each(parsers)('%s: random strings', (_name, parse) => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => onlyBundleError(() => parse(s))),
      { numRuns: 500 },
    );
  });

  it.each(parsers)('%s: random bytes', (_name, parse) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => onlyBundleError(() => parse(b))),
      { numRuns: 500 },
    );
  });

  it.each(parsers)('%s: random JSON', (_name, parse) => {
    fc.assert(
      fc.property(fc.json(), (s) => onlyBundleError(() => parse(s))),
      { numRuns: 300 },
    );
  });

  it.each(parsers)('%s: bundle-shaped JSON and bundle maps', (_name, parse) => {
    fc.assert(
      fc.property(fc.oneof(bundleText, mapText), (s) => onlyBundleError(() => parse(s))),
      { numRuns: 300 },
    );
  });

  it('X509Bundle.parse / parseRaw: mutated certificates and PEM', () => {
    const pem = X509Bundle.fromAuthorities('example.org', [ca.cert]).marshal();
    fc.assert(
      fc.property(
        fc.nat(ca.der.length - 1),
        fc.integer({ min: 0, max: 255 }),
        fc.nat(pem.length - 1),
        (at, byte, cut) => {
          const der = Buffer.from(ca.der);
          der[at] = byte;
          onlyBundleError(() => X509Bundle.parseRaw('example.org', der));
          onlyBundleError(() => X509Bundle.parseRaw('example.org', der.subarray(0, at)));
          onlyBundleError(() => X509Bundle.parse('example.org', pem.slice(0, cut)));
          onlyBundleError(() => X509Bundle.parse('example.org', pem.slice(cut)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('SpiffeBundle.parse: round-trips what it accepts', () => {
    const entry = fc.oneof(
      fc.constant(x509Jwk(ca)),
      fc.constant(x509Jwk(other)),
      fc.string({ maxLength: 3 }).map((kid) => jwtJwk(kid, key)),
      fc.record({
        use: fc.constantFrom('jwt-svid', 'x509-svid', 'wit-svid'),
        kty: fc.constantFrom('EC', 'zz'),
      }),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const valid = fc
      .record(
        {
          keys: fc.array(entry, { maxLength: 5 }),
          spiffe_sequence: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
          spiffe_refresh_hint: fc.nat(),
          extra: fc.jsonValue({ maxDepth: 2 }),
        },
        { requiredKeys: ['keys'] },
      )
      .map(stringify);
    let accepted = 0;
    fc.assert(
      fc.property(valid, (s) => {
        let b: SpiffeBundle;
        try {
          b = SpiffeBundle.parse('example.org', s);
        } catch (err) {
          if (err instanceof BundleError) return;
          throw err;
        }
        accepted++;
        const back = SpiffeBundle.parse('example.org', b.marshal());
        expect(back.equals(b)).toBe(true);
        expect(back.marshal()).toBe(b.marshal());
      }),
      { numRuns: 300 },
    );
    expect(accepted).toBeGreaterThan(50);
  });
});
