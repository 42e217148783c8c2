import { describe, expect, it } from 'vitest';
import {
  BundleError,
  JwtBundle,
  JwtBundleSet,
  SpiffeBundle,
  SpiffeBundleSet,
  X509Bundle,
  X509BundleSet,
  type BundleErrorCode,
} from '../../src/bundle/index.js';
import { TrustDomain } from '../../src/spiffeid/index.js';
import { doc, jwtJwk, makeCa, makeJwtKey, x509Jwk } from './support.js';

const caA = makeCa('a.org');
const caB = makeCa('b.org');
const key = makeJwtKey();

function bundleError(fn: () => unknown, code: BundleErrorCode): BundleError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BundleError);
    expect((err as BundleError).code).toBe(code);
    return err as BundleError;
  }
  throw new Error(`expected BundleError ${code}`);
}

function names(bundles: { trustDomain: TrustDomain }[]): string[] {
  return bundles.map((b) => b.trustDomain.name);
}

describe('X509BundleSet', () => {
  it('add/has/get/remove/size; a bundle replaces one of the same trust domain', () => {
    const a1 = X509Bundle.fromAuthorities('a.org', [caA.cert]);
    const a2 = X509Bundle.empty('a.org');
    const set = new X509BundleSet(a1, X509Bundle.empty('b.org'));
    expect(set.size).toBe(2);
    expect(set.has('a.org')).toBe(true);
    expect(set.has(TrustDomain.parse('spiffe://b.org'))).toBe(true);
    expect(set.get('a.org')).toBe(a1);
    set.add(a2);
    expect(set.get('a.org')).toBe(a2);
    expect(set.size).toBe(2);
    set.remove('a.org');
    set.remove('nope.org');
    expect(set.has('a.org')).toBe(false);
    expect(set.get('a.org')).toBeUndefined();
    expect(set.size).toBe(1);
  });

  it('bundles() is sorted by trust domain name', () => {
    const set = new X509BundleSet(...['c.org', 'a.org', 'b.org', 'a-b.org'].map((n) => X509Bundle.empty(n)));
    expect(names(set.bundles())).toEqual(['a-b.org', 'a.org', 'b.org', 'c.org']);
  });

  it('B-1, W-11: answers only with the bundle of the asked trust domain', () => {
    const a = X509Bundle.fromAuthorities('a.org', [caA.cert]);
    const set = new X509BundleSet(a, X509Bundle.fromAuthorities('b.org', [caB.cert]));
    expect(set.getX509BundleForTrustDomain('a.org')).toBe(a);
    const err = bundleError(() => set.getX509BundleForTrustDomain('c.org'), 'bundle_not_found');
    expect(err.message).toBe('no X.509 bundle for trust domain "c.org"');
  });

  it('refuses values that are not X.509 bundles (invalid_argument)', () => {
    bundleError(
      () => new X509BundleSet(JwtBundle.empty('a.org') as unknown as X509Bundle),
      'invalid_argument',
    );
    bundleError(() => new X509BundleSet().add({} as X509Bundle), 'invalid_argument');
  });
});

describe('JwtBundleSet', () => {
  it('J-17: answers only with the bundle of the asked trust domain', () => {
    const a = JwtBundle.fromJwtAuthorities('a.org', { k: key });
    const set = new JwtBundleSet(a);
    expect(set.getJwtBundleForTrustDomain('spiffe://a.org')).toBe(a);
    expect(bundleError(() => set.getJwtBundleForTrustDomain('b.org'), 'bundle_not_found').message).toBe(
      'no JWT bundle for trust domain "b.org"',
    );
    bundleError(() => set.add(X509Bundle.empty('a.org') as unknown as JwtBundle), 'invalid_argument');
  });
});

describe('SpiffeBundleSet', () => {
  const spiffe = (td: string): SpiffeBundle => {
    const b = SpiffeBundle.fromX509Authorities(td, [td === 'a.org' ? caA.cert : caB.cert]);
    b.addJwtAuthority('k', key);
    return b;
  };

  it('is a source of all three kinds (B-1, F-5)', () => {
    const a = spiffe('a.org');
    const set = new SpiffeBundleSet(a, spiffe('b.org'));
    expect(set.getBundleForTrustDomain('a.org')).toBe(a);
    expect(set.getX509BundleForTrustDomain('a.org').x509Authorities()[0]?.raw.equals(caA.der)).toBe(true);
    expect(set.getJwtBundleForTrustDomain('b.org').hasJwtAuthority('k')).toBe(true);
    for (const [fn, kind] of [
      [() => set.getBundleForTrustDomain('c.org'), 'SPIFFE'],
      [() => set.getX509BundleForTrustDomain('c.org'), 'X.509'],
      [() => set.getJwtBundleForTrustDomain('c.org'), 'JWT'],
    ] as const) {
      expect(bundleError(fn, 'bundle_not_found').message).toBe(`no ${kind} bundle for trust domain "c.org"`);
    }
  });

  it('hands out X.509 and JWT bundles as copies', () => {
    const set = new SpiffeBundleSet(spiffe('a.org'));
    set.getX509BundleForTrustDomain('a.org').addX509Authority(caB.cert);
    expect(set.get('a.org')?.x509Authorities()).toHaveLength(1);
  });

  it('refuses values that are not SPIFFE bundles (invalid_argument)', () => {
    bundleError(
      () => new SpiffeBundleSet(X509Bundle.empty('a.org') as unknown as SpiffeBundle),
      'invalid_argument',
    );
  });
});

describe('SpiffeBundleSet.parseMap / marshalMap (bundle map, Trust Domain and Bundle §5)', () => {
  const bundleA = doc([x509Jwk(caA), jwtJwk('k', key)], { spiffe_sequence: 4, spiffe_refresh_hint: 30 });
  const bundleB = doc([x509Jwk(caB)]);

  it('B-12: reads each trust domain bundle', () => {
    const set = SpiffeBundleSet.parseMap(`{"trust_domains":{"b.org":${bundleB},"a.org":${bundleA}}}`);
    expect(names(set.bundles())).toEqual(['a.org', 'b.org']);
    const a = set.getBundleForTrustDomain('a.org');
    expect(a.hasX509Authority(caA.cert)).toBe(true);
    expect(a.hasJwtAuthority('k')).toBe(true);
    expect(a.sequenceNumber).toBe(4n);
  });

  it('B-14: keeps per-bundle refresh hints as data', () => {
    const set = SpiffeBundleSet.parseMap(`{"trust_domains":{"a.org":${bundleA}}}`);
    expect(set.get('a.org')?.refreshHint).toBe(30);
  });

  it('B-12: "trust_domains" may be empty; unknown top-level members are allowed', () => {
    expect(SpiffeBundleSet.parseMap('{"trust_domains":{}}').size).toBe(0);
    expect(SpiffeBundleSet.parseMap('{"trust_domains":{},"x":1}').size).toBe(0);
  });

  it('A-12: accepts "spiffe://<name>" keys too', () => {
    const set = SpiffeBundleSet.parseMap(`{"trust_domains":{"spiffe://a.org":${bundleA}}}`);
    expect(set.has('a.org')).toBe(true);
  });

  it('B-13: refuses a trust domain named twice (duplicate_trust_domain)', () => {
    const err = bundleError(
      () =>
        SpiffeBundleSet.parseMap(
          `{"trust_domains":{"a.org":${bundleA},"b.org":${bundleB},"a.org":${bundleB}}}`,
        ),
      'duplicate_trust_domain',
    );
    expect(err.message).toBe('invalid bundle map: the trust domain "a.org" appears twice (B-13)');
    bundleError(
      () => SpiffeBundleSet.parseMap(`{"trust_domains":{"a.org":${bundleA},"spiffe://a.org":${bundleB}}}`),
      'duplicate_trust_domain',
    );
  });

  it('a repeated member elsewhere is a malformed map (invalid_bundle_map)', () => {
    bundleError(
      () => SpiffeBundleSet.parseMap('{"trust_domains":{},"trust_domains":{}}'),
      'invalid_bundle_map',
    );
    bundleError(
      () => SpiffeBundleSet.parseMap('{"trust_domains":{"a.org":{"keys":[],"keys":[]}}}'),
      'invalid_bundle_map',
    );
  });

  it.each([
    ['not JSON', '{"trust_domains":'],
    ['a top level that is not an object', '[]'],
    ['no "trust_domains" (B-12)', '{}'],
    ['"trust_domains" null', '{"trust_domains":null}'],
    ['"trust_domains" that is an array', '{"trust_domains":[]}'],
    ['a key that is not a trust domain', `{"trust_domains":{"A.org":${bundleB}}}`],
    ['an empty key', `{"trust_domains":{"":${bundleB}}}`],
    ['a key that is a SPIFFE ID with a path', `{"trust_domains":{"spiffe://a.org/x":${bundleB}}}`],
  ])('refuses %s (invalid_bundle_map)', (_name, text) => {
    const err = bundleError(() => SpiffeBundleSet.parseMap(text), 'invalid_bundle_map');
    expect(err.message).toMatch(/^invalid bundle map: /);
  });

  it('B-15: all or nothing: a bad bundle fails the whole map, naming its trust domain', () => {
    const err = bundleError(
      () => SpiffeBundleSet.parseMap(`{"trust_domains":{"a.org":${bundleA},"b.org":{"spiffe_sequence":1}}}`),
      'missing_keys',
    );
    expect(err.message).toMatch(/^invalid bundle map: bundle of "b.org": /);
    bundleError(() => SpiffeBundleSet.parseMap('{"trust_domains":{"a.org":[]}}'), 'invalid_jwks');
  });

  it('B-14: marshalMap() writes the trust domains sorted, without refresh hints; parseMap reads it back', () => {
    const set = SpiffeBundleSet.parseMap(`{"trust_domains":{"b.org":${bundleB},"a.org":${bundleA}}}`);
    const text = set.marshalMap();
    expect(text.startsWith('{"trust_domains":{"a.org":{"keys":[')).toBe(true);
    expect(text).not.toContain('spiffe_refresh_hint');
    expect(text).toContain('"spiffe_sequence":4');
    const back = SpiffeBundleSet.parseMap(text);
    expect(back.size).toBe(2);
    const a = back.get('a.org');
    expect(a?.refreshHint).toBeUndefined();
    const expected = set.get('a.org')?.clone();
    expected?.setRefreshHint(undefined);
    expect(a?.equals(expected)).toBe(true);
    expect(back.get('b.org')?.equals(set.get('b.org'))).toBe(true);
    expect(set.get('a.org')?.refreshHint).toBe(30); // the set's own bundles are untouched
    expect(new SpiffeBundleSet().marshalMap()).toBe('{"trust_domains":{}}');
  });
});
