// matchIdPrefix (go-spiffe 2.9 MatchIDPrefix): same trust domain, and the path equal to the
// prefix's or extending it on a segment boundary; a prefix with no path matches nothing.
import { describe, expect, it } from 'vitest';
import { matchIdPrefix, SpiffeId, TrustDomain } from '../../src/spiffeid/index.js';
import { expectSpiffeIdError } from './helpers.js';

const id = (s: string): SpiffeId => SpiffeId.parse(s);

describe('matchIdPrefix', () => {
  const m = matchIdPrefix('spiffe://example.org/foo');

  it('matches the prefix itself and IDs under it', () => {
    for (const s of [
      'spiffe://example.org/foo',
      'spiffe://example.org/foo/bar',
      'spiffe://example.org/foo/bar/baz',
      'spiffe://example.org/foo/...',
    ]) {
      expect(() => m(id(s)), s).not.toThrow();
    }
  });

  it('compares segments, not strings: /foo does not match /foobar or /fo', () => {
    for (const s of [
      'spiffe://example.org/foobar',
      'spiffe://example.org/foo-bar',
      'spiffe://example.org/fo',
    ]) {
      const err = expectSpiffeIdError(() => m(id(s)), 'unexpected_id');
      expect(err.message).toBe(`unexpected ID "${s}": expected "spiffe://example.org/foo" or an ID under it`);
    }
  });

  it('does not match a parent, a sibling or the trust domain ID', () => {
    const deep = matchIdPrefix(id('spiffe://example.org/ns/prod'));
    for (const s of ['spiffe://example.org/ns', 'spiffe://example.org/ns/dev/x', 'spiffe://example.org']) {
      expectSpiffeIdError(() => deep(id(s)), 'unexpected_id');
    }
  });

  it('is case-sensitive on the path (ID-12)', () => {
    expectSpiffeIdError(() => m(id('spiffe://example.org/Foo/bar')), 'unexpected_id');
  });

  it('refuses the same path in another trust domain (unexpected_trust_domain)', () => {
    for (const s of ['spiffe://example.com/foo', 'spiffe://example.org.evil/foo/bar', 'spiffe://org/foo']) {
      const err = expectSpiffeIdError(() => m(id(s)), 'unexpected_trust_domain');
      expect(err.message).toContain(`of ID "${s}"`);
    }
  });

  it('a prefix with no path matches no ID, not even its own trust domain (go-spiffe)', () => {
    for (const root of [
      matchIdPrefix('spiffe://example.org'),
      matchIdPrefix(TrustDomain.parse('example.org').id()),
    ]) {
      for (const s of ['spiffe://example.org', 'spiffe://example.org/foo', 'spiffe://other.org/foo']) {
        const err = expectSpiffeIdError(() => root(id(s)), 'unexpected_id');
        expect(err.message).toContain('has no path, so it matches no ID');
      }
    }
  });

  it('refuses an invalid prefix at creation: a trailing / is not a prefix (ID-11)', () => {
    expectSpiffeIdError(() => matchIdPrefix('spiffe://example.org/foo/'), 'invalid_path', 'ID-11');
    expectSpiffeIdError(() => matchIdPrefix('spiffe://example.org/'), 'invalid_path', 'ID-11');
    expectSpiffeIdError(() => matchIdPrefix('spiffe://example.org//foo'), 'invalid_path', 'ID-10');
    expectSpiffeIdError(() => matchIdPrefix('https://example.org/foo'), 'invalid_scheme', 'ID-1');
  });

  it('refuses values that are not SpiffeIds', () => {
    for (const bad of [undefined, 'spiffe://example.org/foo', {}]) {
      expectSpiffeIdError(() => m(bad as never), 'unexpected_id');
    }
  });
});
