/**
 * go-spiffe's spiffeid test tables (id_test.go, trustdomain_test.go, path_test.go, match_test.go
 * at e9973f6; ../shared/spec/GO-SPIFFE.md §3), ported. Where go-spiffe and the spec differ we
 * follow the spec; go-spiffe has no such case in these tables.
 */
import { describe, expect, it } from 'vitest';
import {
  SpiffeId,
  TrustDomain,
  joinPathSegments,
  matchAny,
  matchId,
  matchMemberOf,
  matchOneOf,
  validatePath,
  validatePathSegment,
} from '../../src/spiffeid/index.js';
import { expectSpiffeIdError } from './helpers.js';

const TD_CHARS = new Set('abcdefghijklmnopqrstuvwxyz0123456789.-_');
const PATH_CHARS = new Set('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_');

/** Every byte 0-255 but "/", as a one-character string (bytes >= 0x80 as the code point, i.e. UTF-8 text). */
const sweep = Array.from({ length: 256 }, (_, b) => String.fromCharCode(b)).filter((c) => c !== '/');

describe('go-spiffe byte sweep (ID-6, ID-12)', () => {
  it('ID-6: spiffe://trustdomain<c>/path is valid iff c is in [a-z0-9._-]', () => {
    for (const c of sweep) {
      const input = `spiffe://trustdomain${c}/path`;
      if (TD_CHARS.has(c)) {
        const id = SpiffeId.parse(input);
        expect(id.trustDomain.name).toBe(`trustdomain${c}`);
        expect(id.path).toBe('/path');
      } else {
        expectSpiffeIdError(() => SpiffeId.parse(input), 'invalid_trust_domain');
      }
    }
  });

  it('ID-12: spiffe://trustdomain/path<c> is valid iff c is in [a-zA-Z0-9._-]', () => {
    for (const c of sweep) {
      const input = `spiffe://trustdomain/path${c}`;
      if (PATH_CHARS.has(c)) {
        expect(SpiffeId.parse(input).path).toBe(`/path${c}`);
        expect(SpiffeId.fromSegments('trustdomain', `path${c}`).toString()).toBe(input);
        expect(() => validatePath(`/path${c}`)).not.toThrow();
        expect(() => validatePathSegment(`path${c}`)).not.toThrow();
      } else {
        expectSpiffeIdError(() => SpiffeId.parse(input), 'invalid_path');
        expectSpiffeIdError(() => SpiffeId.fromPath('trustdomain', `/path${c}`), 'invalid_path');
        expectSpiffeIdError(() => validatePath(`/path${c}`), 'invalid_path');
        expectSpiffeIdError(() => validatePathSegment(`path${c}`), 'invalid_path');
      }
    }
  });

  it('ID-6: TrustDomain.parse of trustdomain<c> and spiffe://trustdomain<c> is valid iff c is in [a-z0-9._-]', () => {
    for (const c of sweep) {
      for (const input of [`trustdomain${c}`, `spiffe://trustdomain${c}`]) {
        if (TD_CHARS.has(c)) {
          expect(TrustDomain.parse(input).name).toBe(`trustdomain${c}`);
        } else {
          expectSpiffeIdError(() => TrustDomain.parse(input), 'invalid_trust_domain');
        }
      }
    }
  });
});

describe('go-spiffe FromString table', () => {
  it.each([
    ['spiffe://trustdomain', 'trustdomain', ''],
    ['spiffe://trustdomain/path', 'trustdomain', '/path'],
    ['spiffe://trustdomain/.path', 'trustdomain', '/.path'],
    ['spiffe://trustdomain/..path', 'trustdomain', '/..path'],
    ['spiffe://trustdomain/...', 'trustdomain', '/...'],
    ['spiffe://trustdomain/path1/path2', 'trustdomain', '/path1/path2'],
  ])('ID-10, ID-12: %j is valid', (input, name, path) => {
    const id = SpiffeId.parse(input);
    expect(id.trustDomain.name).toBe(name);
    expect(id.path).toBe(path);
    expect(id.toString()).toBe(input);
  });

  it.each([
    ['', 'empty', 'ID-1', 'cannot be empty'],
    ['s', 'invalid_scheme', 'ID-1', 'scheme is missing or invalid'],
    ['spiffe:/', 'invalid_scheme', 'ID-1', 'scheme is missing or invalid'],
    ['Spiffe://', 'invalid_scheme', 'ID-1', 'lowercase'],
    ['SPIFFE://trustdomain/path', 'invalid_scheme', 'ID-1', 'lowercase'],
    ['spiffe://', 'missing_trust_domain', 'ID-2', 'trust domain is missing'],
    ['spiffe:///', 'missing_trust_domain', 'ID-2', 'trust domain is missing'],
    ['spiffe://trustdomain/', 'invalid_path', 'ID-11', 'path cannot have a trailing slash'],
    ['spiffe://trustdomain/path/', 'invalid_path', 'ID-11', 'path cannot have a trailing slash'],
    ['spiffe://trustdomain//', 'invalid_path', 'ID-10', 'path cannot contain empty segments'],
    ['spiffe://trustdomain//path', 'invalid_path', 'ID-10', 'path cannot contain empty segments'],
    ['spiffe://trustdomain/path//other', 'invalid_path', 'ID-10', 'path cannot contain empty segments'],
    ['spiffe://trustdomain/.', 'invalid_path', 'ID-10', 'path cannot contain dot segments'],
    ['spiffe://trustdomain/./path', 'invalid_path', 'ID-10', 'path cannot contain dot segments'],
    ['spiffe://trustdomain/path/./other', 'invalid_path', 'ID-10', 'path cannot contain dot segments'],
    ['spiffe://trustdomain/path/..', 'invalid_path', 'ID-10', 'path cannot contain dot segments'],
    ['spiffe://trustdomain/..', 'invalid_path', 'ID-10', 'path cannot contain dot segments'],
    ['spiffe://trustdomain/../path', 'invalid_path', 'ID-10', 'path cannot contain dot segments'],
    ['spiffe://trustdomain/path/../other', 'invalid_path', 'ID-10', 'path cannot contain dot segments'],
    ['spiffe://%F0%9F%A4%AF/path', 'invalid_trust_domain', 'ID-7', 'percent-encoding'],
    ['spiffe://%62%61%64/path', 'invalid_trust_domain', 'ID-7', 'percent-encoding'],
    ['spiffe://trust$domain', 'invalid_trust_domain', 'ID-6', 'trust domain characters are limited'],
    ['spiffe://trustdomain/%F0%9F%A4%AF', 'invalid_path', 'ID-9', 'percent-encoding'],
    ['spiffe://trustdomain/%62%61%64', 'invalid_path', 'ID-9', 'percent-encoding'],
    ['spiffe://trustdomain/path$', 'invalid_path', 'ID-12', 'path segment characters are limited'],
  ] as const)('%j is refused with %s (%s)', (input, code, rule, text) => {
    const err = expectSpiffeIdError(() => SpiffeId.parse(input), code, rule);
    expect(err.message).toContain(text);
  });

  it('ID-1: an uppercase scheme from a URL object is refused (go: URL{Scheme:"SPIFFE"})', () => {
    // WHATWG URL lowercases the scheme, so a URL's own href is valid; only the raw text is refused.
    expect(SpiffeId.parse(new URL('SPIFFE://trustdomain/path').href).toString()).toBe(
      'spiffe://trustdomain/path',
    );
    expectSpiffeIdError(() => SpiffeId.parse('SPIFFE://trustdomain/path'), 'invalid_scheme', 'ID-1');
  });
});

describe('go-spiffe TrustDomainFromString table', () => {
  it.each([
    ['trustdomain', 'trustdomain'],
    ['spiffe://trustdomain', 'trustdomain'],
    ['spiffe://trustdomain/path', 'trustdomain'],
    ['spiffe://trustdomain/.path/..x', 'trustdomain'],
  ])('TrustDomain.parse(%j) is %j', (input, name) => {
    expect(TrustDomain.parse(input).name).toBe(name);
  });

  it.each([
    ['', 'missing_trust_domain', 'ID-2'],
    ['spiffe:/trustdomain/path', 'invalid_scheme', 'ID-1'],
    ['spiffe:///path', 'missing_trust_domain', 'ID-2'],
    ['BAD', 'invalid_trust_domain', 'ID-6'],
    ['spiffe://trustdomain/', 'invalid_path', 'ID-11'],
    ['spiffe://trustdomain/../x', 'invalid_path', 'ID-10'],
  ] as const)('TrustDomain.parse(%j) is refused with %s', (input, code, rule) => {
    expectSpiffeIdError(() => TrustDomain.parse(input), code, rule);
  });

  it('TrustDomain id() and idString()', () => {
    const td = TrustDomain.parse('trustdomain');
    expect(td.id().toString()).toBe('spiffe://trustdomain');
    expect(td.id().path).toBe('');
    expect(td.id().trustDomain.equals(td)).toBe(true);
    expect(td.idString()).toBe('spiffe://trustdomain');
  });

  it('JSON: a trust domain is its name; a bad name in JSON is refused on the way in', () => {
    expect(JSON.stringify({ td: TrustDomain.parse('trustdomain') })).toBe('{"td":"trustdomain"}');
    const { td } = JSON.parse('{"td":"BAD"}') as { td: string };
    expectSpiffeIdError(() => TrustDomain.parse(td), 'invalid_trust_domain', 'ID-6');
    const { id } = JSON.parse('{"id":"BAD"}') as { id: string };
    expectSpiffeIdError(() => SpiffeId.parse(id), 'invalid_scheme', 'ID-1');
  });
});

describe('go-spiffe segments and paths', () => {
  const td = TrustDomain.parse('trustdomain');

  it('FromSegments / JoinPathSegments: no segments give the empty path', () => {
    expect(SpiffeId.fromSegments(td).toString()).toBe('spiffe://trustdomain');
    expect(SpiffeId.fromSegments(td, ...[]).path).toBe('');
    expect(joinPathSegments()).toBe('');
  });

  it('FromSegments / JoinPathSegments: ["foo","bar"] is /foo/bar', () => {
    expect(SpiffeId.fromSegments(td, 'foo', 'bar').toString()).toBe('spiffe://trustdomain/foo/bar');
    expect(joinPathSegments('foo', 'bar')).toBe('/foo/bar');
  });

  it.each([
    ['', 'ID-10', 'empty segments'],
    ['.', 'ID-10', 'dot segments'],
    ['..', 'ID-10', 'dot segments'],
    ['/', 'ID-12', '"/"'],
    ['/foo', 'ID-12', '"/"'],
    ['$', 'ID-12', 'path segment characters are limited'],
  ])('segment %j is refused (%s)', (segment, rule, text) => {
    for (const fn of [
      () => SpiffeId.fromSegments(td, segment),
      () => joinPathSegments('ok', segment),
      () => validatePathSegment(segment),
    ]) {
      const err = expectSpiffeIdError(fn, 'invalid_path', rule);
      expect(err.message).toContain(text);
    }
  });

  it('FromPath: "foo" needs a leading slash, "/" is a trailing slash', () => {
    expect(
      expectSpiffeIdError(() => SpiffeId.fromPath(td, 'foo'), 'invalid_path', 'ID-12').message,
    ).toContain('path must have a leading slash');
    expect(expectSpiffeIdError(() => SpiffeId.fromPath(td, '/'), 'invalid_path', 'ID-11').message).toContain(
      'path cannot have a trailing slash',
    );
    expect(SpiffeId.fromPath(td, '').toString()).toBe('spiffe://trustdomain');
  });

  it('ValidatePath: "" is valid, like the trust domain ID', () => {
    expect(() => validatePath('')).not.toThrow();
  });

  it.each([
    ['', 'spiffe://trustdomain/foo'],
    ['/path', 'spiffe://trustdomain/path/foo'],
  ])('AppendPath / AppendSegments from %j with /foo', (path, want) => {
    const id = SpiffeId.fromPath(td, path);
    expect(id.appendPath('/foo').toString()).toBe(want);
    expect(id.appendSegments('foo').toString()).toBe(want);
    expect(id.appendPath('').toString()).toBe(id.toString());
    expect(id.appendSegments().toString()).toBe(id.toString());
    expect(id.toString()).toBe(`spiffe://trustdomain${path}`);
  });

  it.each(['', '/path'])('ReplacePath / ReplaceSegments from %j with /foo', (path) => {
    const id = SpiffeId.fromPath(td, path);
    expect(id.replacePath('/foo').toString()).toBe('spiffe://trustdomain/foo');
    expect(id.replaceSegments('foo').toString()).toBe('spiffe://trustdomain/foo');
    expect(id.replacePath('').toString()).toBe('spiffe://trustdomain');
    expect(id.replaceSegments().toString()).toBe('spiffe://trustdomain');
  });

  it('Append/Replace refuse bad paths and segments', () => {
    const id = SpiffeId.fromPath(td, '/path');
    expectSpiffeIdError(() => id.appendPath('foo'), 'invalid_path', 'ID-12');
    expectSpiffeIdError(() => id.appendPath('/'), 'invalid_path', 'ID-11');
    expectSpiffeIdError(() => id.appendSegments('/'), 'invalid_path', 'ID-12');
    expectSpiffeIdError(() => id.replacePath('/..'), 'invalid_path', 'ID-10');
    expectSpiffeIdError(() => id.replaceSegments(''), 'invalid_path', 'ID-10');
  });
});

describe('go-spiffe matchers', () => {
  const foo = TrustDomain.parse('foo');
  const bar = TrustDomain.parse('bar');
  const fooA = SpiffeId.fromPath(foo, '/A');
  const fooB = SpiffeId.fromPath(foo, '/B');
  const fooC = SpiffeId.fromPath(foo, '/C');
  const barA = SpiffeId.fromPath(bar, '/A');
  const all = [foo.id(), fooA, fooB, fooC, bar.id(), barA];

  it('matchAny accepts every ID', () => {
    const m = matchAny();
    for (const id of all) expect(() => m(id)).not.toThrow();
  });

  it('matchId accepts only that ID (unexpected_id)', () => {
    const m = matchId(fooA);
    expect(() => m(fooA)).not.toThrow();
    expect(() => m(SpiffeId.parse('spiffe://foo/A'))).not.toThrow();
    for (const id of [fooB, fooC, barA, foo.id()]) {
      const err = expectSpiffeIdError(() => m(id), 'unexpected_id');
      expect(err.message).toContain(`unexpected ID "${id}"`);
    }
    const fromString = matchId('spiffe://foo/B');
    expect(() => fromString(fooB)).not.toThrow();
    expectSpiffeIdError(() => fromString(fooA), 'unexpected_id');
  });

  it('matchOneOf accepts only the listed IDs (unexpected_id)', () => {
    const m = matchOneOf(fooA, 'spiffe://foo/B');
    expect(() => m(fooA)).not.toThrow();
    expect(() => m(fooB)).not.toThrow();
    for (const id of [fooC, barA, foo.id()]) {
      const err = expectSpiffeIdError(() => m(id), 'unexpected_id');
      expect(err.message).toContain(`unexpected ID "${id}"`);
    }
    const none = matchOneOf();
    expectSpiffeIdError(() => none(fooA), 'unexpected_id');
  });

  it('matchMemberOf accepts the trust domain members (unexpected_trust_domain)', () => {
    for (const m of [matchMemberOf(foo), matchMemberOf('foo')]) {
      for (const id of [foo.id(), fooA, fooB, fooC]) expect(() => m(id)).not.toThrow();
      for (const id of [barA, bar.id()]) {
        const err = expectSpiffeIdError(() => m(id), 'unexpected_trust_domain');
        expect(err.message).toContain('unexpected trust domain "bar"');
      }
    }
  });

  it('matchers refuse bad expectations at creation', () => {
    expectSpiffeIdError(() => matchId('spiffe://foo/'), 'invalid_path', 'ID-11');
    expectSpiffeIdError(() => matchOneOf(fooA, 'http://foo/A'), 'invalid_scheme', 'ID-1');
    expectSpiffeIdError(() => matchMemberOf('Foo'), 'invalid_trust_domain', 'ID-6');
  });

  it('matchers refuse values that are not SpiffeIds with a SpiffeIdError', () => {
    for (const m of [matchId(fooA), matchOneOf(fooA), matchMemberOf(foo)]) {
      for (const bad of [undefined, null, 'spiffe://foo/A', 42, {}, Object.create(null)]) {
        expectSpiffeIdError(() => m(bad as never), 'unexpected_id');
      }
    }
  });
});
