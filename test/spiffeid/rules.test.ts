/**
 * SPIFFE-ID rules ID-1..ID-15 (../shared/spec/CHECKLIST.md §1), one block per rule, for every
 * entry point that takes an ID, a trust domain or a path.
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_ID_BYTES,
  MAX_TRUST_DOMAIN_BYTES,
  SpiffeId,
  TrustDomain,
  validatePath,
  validatePathSegment,
  type SpiffeIdErrorCode,
} from '../../src/spiffeid/index.js';
import { expectSpiffeIdError, idOfLength } from './helpers.js';

const td = TrustDomain.parse('example.org');
const base = SpiffeId.parse('spiffe://example.org/base');

/** Every way to get a path into an ID, applied to `path`. */
const pathEntryPoints: [string, (path: string) => unknown][] = [
  ['parse', (p) => SpiffeId.parse(`spiffe://example.org${p}`)],
  ['fromPath', (p) => SpiffeId.fromPath(td, p)],
  ['appendPath', (p) => base.appendPath(p)],
  ['replacePath', (p) => base.replacePath(p)],
  ['validatePath', (p) => validatePath(p)],
];

/** Every way to get a segment into an ID, applied to `segment`. */
const segmentEntryPoints: [string, (segment: string) => unknown][] = [
  ['fromSegments', (s) => SpiffeId.fromSegments(td, 'ok', s)],
  ['appendSegments', (s) => base.appendSegments(s)],
  ['replaceSegments', (s) => base.replaceSegments(s)],
];

/** Every way to get a trust domain name in, applied to `name`. */
const trustDomainEntryPoints: [string, (name: string) => unknown][] = [
  ['SpiffeId.parse', (n) => SpiffeId.parse(`spiffe://${n}/p`)],
  ['TrustDomain.parse (name)', (n) => TrustDomain.parse(n)],
  ['TrustDomain.parse (ID)', (n) => TrustDomain.parse(`spiffe://${n}/p`)],
  ['fromPath', (n) => SpiffeId.fromPath(n, '/p')],
  ['fromSegments', (n) => SpiffeId.fromSegments(n, 'p')],
];

function refusedEverywhere(
  points: [string, (input: string) => unknown][],
  input: string,
  code: SpiffeIdErrorCode,
  rule: string,
): void {
  for (const [name, fn] of points) {
    try {
      expectSpiffeIdError(() => fn(input), code, rule);
    } catch (err) {
      throw new Error(`${name}(${JSON.stringify(input)}): ${(err as Error).message}`);
    }
  }
}

describe('ID-1: the scheme is exactly "spiffe"', () => {
  it.each([
    '',
    'http://td/x',
    'spiffe:/td',
    'spiffe:td',
    'spiffe//td',
    'urn:spiffe:td',
    ' spiffe://td',
    'spiffe',
  ])('ID-1: parse refuses %j', (input) => {
    expectSpiffeIdError(() => SpiffeId.parse(input), input === '' ? 'empty' : 'invalid_scheme', 'ID-1');
  });

  it('ID-1: parse refuses an uppercase scheme instead of normalising it (A-1)', () => {
    for (const input of ['SPIFFE://td/x', 'Spiffe://td/x', 'spiffE://td']) {
      const err = expectSpiffeIdError(() => SpiffeId.parse(input), 'invalid_scheme', 'ID-1');
      expect(err.message).toContain('lowercase');
    }
  });

  it('ID-1: TrustDomain.parse of an ID with a wrong scheme is refused', () => {
    expectSpiffeIdError(() => TrustDomain.parse('http://td/x'), 'invalid_scheme', 'ID-1');
  });

  it('ID-1: the canonical ID keeps the scheme "spiffe://"', () => {
    expect(SpiffeId.fromPath(td, '/x').toString()).toBe('spiffe://example.org/x');
  });
});

describe('ID-2: the trust domain is not empty', () => {
  it.each(['spiffe://', 'spiffe:///', 'spiffe:///p', 'spiffe:///p/q'])('ID-2: parse refuses %j', (input) => {
    expectSpiffeIdError(() => SpiffeId.parse(input), 'missing_trust_domain', 'ID-2');
  });

  it('ID-2: TrustDomain.parse refuses "" and "spiffe:///p"', () => {
    expectSpiffeIdError(() => TrustDomain.parse(''), 'missing_trust_domain', 'ID-2');
    expectSpiffeIdError(() => TrustDomain.parse('spiffe:///p'), 'missing_trust_domain', 'ID-2');
  });

  it('ID-2: fromPath and fromSegments refuse an empty trust domain name', () => {
    expectSpiffeIdError(() => SpiffeId.fromPath('', '/p'), 'missing_trust_domain', 'ID-2');
    expectSpiffeIdError(() => SpiffeId.fromSegments('', 'p'), 'missing_trust_domain', 'ID-2');
  });
});

describe('ID-3: no query or fragment', () => {
  it.each([
    'spiffe://td/p?x',
    'spiffe://td/p#f',
    'spiffe://td/p?',
    'spiffe://td/p#',
    'spiffe://td/a/b?x=1#f',
  ])('ID-3: parse refuses %j (in the path)', (input) => {
    expectSpiffeIdError(() => SpiffeId.parse(input), 'invalid_path', 'ID-3');
  });

  it.each(['spiffe://td?x', 'spiffe://td#f', 'spiffe://td?x/p'])(
    'ID-3: parse refuses %j (after the host)',
    (input) => {
      expectSpiffeIdError(() => SpiffeId.parse(input), 'invalid_trust_domain', 'ID-3');
    },
  );

  it('ID-3: path builders refuse ? and #', () => {
    refusedEverywhere(pathEntryPoints, '/p?x', 'invalid_path', 'ID-3');
    refusedEverywhere(pathEntryPoints, '/p#f', 'invalid_path', 'ID-3');
  });
});

describe('ID-4: the host is not empty', () => {
  it('ID-4: an empty host is refused, whatever follows it', () => {
    for (const input of ['spiffe://', 'spiffe:///', 'spiffe:///a/b']) {
      expectSpiffeIdError(() => SpiffeId.parse(input), 'missing_trust_domain', 'ID-4');
    }
  });
});

describe('ID-5: no userinfo or port', () => {
  it.each([
    ['spiffe://u@td/p', 'userinfo'],
    ['spiffe://user:pass@td/p', 'port'],
    ['spiffe://@td', 'userinfo'],
    ['spiffe://td:80/p', 'port'],
    ['spiffe://td:/p', 'port'],
  ])('ID-5: parse refuses %j', (input, what) => {
    const err = expectSpiffeIdError(() => SpiffeId.parse(input), 'invalid_trust_domain', 'ID-5');
    expect(err.message).toContain(what);
  });

  it('ID-5: trust domain names with userinfo or port are refused everywhere', () => {
    refusedEverywhere(trustDomainEntryPoints, 'u@td', 'invalid_trust_domain', 'ID-5');
    refusedEverywhere(trustDomainEntryPoints, 'td:8443', 'invalid_trust_domain', 'ID-5');
  });
});

describe('ID-6: the trust domain is lowercase [a-z0-9._-]', () => {
  it('ID-6: uppercase is refused, not lowercased (A-1)', () => {
    for (const name of ['Example.org', 'EXAMPLE.ORG', 'example.Org']) {
      const err = expectSpiffeIdError(() => TrustDomain.parse(name), 'invalid_trust_domain', 'ID-6');
      expect(err.message).toContain('lowercase');
      refusedEverywhere(trustDomainEntryPoints, name, 'invalid_trust_domain', 'ID-6');
    }
  });

  it.each(['spiffe://[::1]', 'spiffe://[::1]/p', 'spiffe://[2001:db8::1]/p'])(
    'ID-6: IPv6 literal %j is refused',
    (input) => {
      expectSpiffeIdError(() => SpiffeId.parse(input), 'invalid_trust_domain', 'ID-6');
    },
  );

  it.each([
    'trust$domain',
    'a b',
    'a+b',
    'a~b',
    'a!b',
    'a,b',
    "a'b",
    'a*b',
    'a=b',
    'a;b',
    'a(b)',
    'é.org',
    'a\u0000',
  ])('ID-6: %j is refused everywhere', (name) => {
    refusedEverywhere(trustDomainEntryPoints, name, 'invalid_trust_domain', 'ID-6');
  });

  it('ID-6: every allowed character is accepted, and an IPv4 dotted quad is a name like any other', () => {
    for (const name of [
      'abcdefghijklmnopqrstuvwxyz',
      '0123456789',
      'a.b_c-d',
      '192.168.0.1',
      '-',
      '_',
      '.',
      '..',
      'a..b',
    ]) {
      expect(TrustDomain.parse(name).name).toBe(name);
      expect(SpiffeId.parse(`spiffe://${name}/p`).trustDomain.name).toBe(name);
    }
  });
});

describe('ID-7: no percent-encoding in the host', () => {
  it.each(['spiffe://%62%61%64/path', 'spiffe://%F0%9F%A4%AF/path', 'spiffe://example%2Eorg', 'spiffe://a%'])(
    'ID-7: parse refuses %j',
    (input) => {
      expectSpiffeIdError(() => SpiffeId.parse(input), 'invalid_trust_domain', 'ID-7');
    },
  );

  it('ID-7: TrustDomain.parse refuses a percent-encoded name', () => {
    expectSpiffeIdError(() => TrustDomain.parse('%62ad'), 'invalid_trust_domain', 'ID-7');
  });
});

describe('ID-8: IP-like and DNS-like trust domains are treated alike', () => {
  it('ID-8: names are kept byte for byte and compared as strings, IP or not', () => {
    const names = [
      '10.0.0.1',
      '010.000.000.001',
      '999.999.999.999',
      '0x7f.1',
      'example.org',
      'not_a_dns_name',
      '-a-',
    ];
    for (const name of names) {
      const id = SpiffeId.parse(`spiffe://${name}/w`);
      expect(id.trustDomain.name).toBe(name);
      expect(id.memberOf(name)).toBe(true);
      expect(id.toString()).toBe(`spiffe://${name}/w`);
    }
    // 10.0.0.1 and 010.000.000.001 are the same IPv4 address but different trust domains.
    expect(TrustDomain.parse('10.0.0.1').equals(TrustDomain.parse('010.000.000.001'))).toBe(false);
  });
});

describe('ID-9: no percent-encoding in the path', () => {
  it.each(['/%41', '/a%2Fb', '/%F0%9F%A4%AF', '/%62%61%64', '/a%'])(
    'ID-9: %j is refused everywhere',
    (path) => {
      refusedEverywhere(pathEntryPoints, path, 'invalid_path', 'ID-9');
    },
  );

  it('ID-9: a segment with % is refused', () => {
    refusedEverywhere(segmentEntryPoints, '%41', 'invalid_path', 'ID-9');
  });
});

describe('ID-10: no empty, "." or ".." segments', () => {
  it.each(['//', '//a', '/a//b', '/a/b//c'])('ID-10: empty segment in %j is refused everywhere', (path) => {
    refusedEverywhere(pathEntryPoints, path, 'invalid_path', 'ID-10');
  });

  it.each(['/.', '/./a', '/a/./b', '/a/.', '/..', '/../a', '/a/../b', '/a/..'])(
    'ID-10: dot segment in %j is refused everywhere',
    (path) => {
      const err = expectSpiffeIdError(() => SpiffeId.fromPath(td, path), 'invalid_path', 'ID-10');
      expect(err.message).toContain('dot segments');
      refusedEverywhere(pathEntryPoints, path, 'invalid_path', 'ID-10');
    },
  );

  it.each(['', '.', '..'])('ID-10: segment %j is refused by the segment builders', (segment) => {
    refusedEverywhere(segmentEntryPoints, segment, 'invalid_path', 'ID-10');
  });

  it('ID-10: "...", ".a" and "..a" are ordinary segments', () => {
    for (const path of ['/...', '/.a', '/..a', '/a.', '/a..', '/.../....', '/x/.hidden']) {
      expect(SpiffeId.parse(`spiffe://td${path}`).path).toBe(path);
      expect(SpiffeId.fromPath('td', path).path).toBe(path);
    }
    expect(SpiffeId.fromSegments('td', '...', '.a', '..a').path).toBe('/.../.a/..a');
  });
});

describe('ID-11: no trailing slash', () => {
  it.each(['/', '/a/', '/a/b/'])('ID-11: %j is refused everywhere', (path) => {
    const err = expectSpiffeIdError(() => SpiffeId.parse(`spiffe://td${path}`), 'invalid_path', 'ID-11');
    expect(err.message).toContain('trailing slash');
    refusedEverywhere(pathEntryPoints, path, 'invalid_path', 'ID-11');
  });
});

describe('ID-12: path segments are [a-zA-Z0-9._-], case-sensitive', () => {
  it.each(['/a$b', '/a b', '/a:b', '/a@b', '/a[b]', '/a+b', '/a~b', '/é', '/a\\b', '/a\u0000'])(
    'ID-12: %j is refused everywhere',
    (path) => {
      refusedEverywhere(pathEntryPoints, path, 'invalid_path', 'ID-12');
    },
  );

  it('ID-12: a path without a leading slash is refused', () => {
    for (const fn of [
      () => SpiffeId.fromPath(td, 'a'),
      () => base.appendPath('a'),
      () => validatePath('a/b'),
    ]) {
      const err = expectSpiffeIdError(fn, 'invalid_path', 'ID-12');
      expect(err.message).toContain('leading slash');
    }
  });

  it('ID-12: the message names the bad character and its offset', () => {
    expect(expectSpiffeIdError(() => validatePathSegment('ab$'), 'invalid_path', 'ID-12').message).toContain(
      'found "$" at offset 2',
    );
    expect(expectSpiffeIdError(() => validatePath('/a/b$'), 'invalid_path', 'ID-12').message).toContain(
      'found "$" at offset 4',
    );
    expect(
      expectSpiffeIdError(() => TrustDomain.parse('ab$'), 'invalid_trust_domain', 'ID-6').message,
    ).toContain('found "$" at offset 2');
  });

  it.each(['/', 'a/b', '$', 'a b'])('ID-12: segment %j is refused by the segment builders', (segment) => {
    refusedEverywhere(segmentEntryPoints, segment, 'invalid_path', 'ID-12');
  });

  it('ID-12: every allowed character is accepted and the case is kept', () => {
    const path = '/ABCDEFGHIJKLMNOPQRSTUVWXYZ/abcdefghijklmnopqrstuvwxyz/0123456789/._-';
    expect(SpiffeId.parse(`spiffe://td${path}`).path).toBe(path);
    const upper = SpiffeId.parse('spiffe://td/Workload');
    const lower = SpiffeId.parse('spiffe://td/workload');
    expect(upper.path).toBe('/Workload');
    expect(upper.equals(lower)).toBe(false);
  });

  it('ID-12: spiffe://td with no path is the trust domain ID', () => {
    const id = SpiffeId.parse('spiffe://td');
    expect(id.path).toBe('');
    expect(id.equals(TrustDomain.parse('td').id())).toBe(true);
  });
});

describe('ID-13: IDs of up to 2048 bytes are supported, longer ones refused', () => {
  it('ID-13: the limit is 2048 bytes', () => {
    expect(MAX_ID_BYTES).toBe(2048);
  });

  it('ID-13: parse accepts exactly 2048 bytes and refuses 2049', () => {
    const max = idOfLength(2048);
    expect(max.length).toBe(2048);
    expect(SpiffeId.parse(max).toString()).toBe(max);
    expectSpiffeIdError(() => SpiffeId.parse(idOfLength(2049)), 'too_long', 'ID-13');
  });

  it('ID-13: a 2048-byte ID with a 255-byte trust domain is accepted; 2049 bytes are refused', () => {
    const name = 'a'.repeat(255);
    const max = idOfLength(2048, name);
    expect(SpiffeId.parse(max).trustDomain.name).toBe(name);
    expectSpiffeIdError(() => SpiffeId.parse(idOfLength(2049, name)), 'too_long', 'ID-13');
  });

  it('ID-13: a 2048-byte ID with dot-prefixed segments (the slow path) is accepted; 2049 refused', () => {
    const prefix = 'spiffe://example.org/.x/';
    const max = prefix + '.'.repeat(3) + 'a'.repeat(2048 - prefix.length - 3);
    expect(SpiffeId.parse(max).toString()).toBe(max);
    expectSpiffeIdError(() => SpiffeId.parse(`${max}a`), 'too_long', 'ID-13');
  });

  it('ID-13: TrustDomain.parse of a 2049-byte ID is refused', () => {
    expectSpiffeIdError(() => TrustDomain.parse(idOfLength(2049)), 'too_long', 'ID-13');
    expect(TrustDomain.parse(idOfLength(2048)).name).toBe('example.org');
  });

  it('ID-13: a huge string is refused quickly and its message stays short', () => {
    const huge = `spiffe://example.org/${'a'.repeat(5_000_000)}`;
    const err = expectSpiffeIdError(() => SpiffeId.parse(huge), 'too_long', 'ID-13');
    expect(err.message.length).toBeLessThan(300);
  });
});

describe('ID-14: IDs longer than 2048 bytes are never built', () => {
  const prefix = 'spiffe://example.org';
  const maxPath = `/${'a'.repeat(2048 - prefix.length - 1)}`;
  const maxSegment = maxPath.slice(1);

  it('ID-14: fromPath builds exactly 2048 bytes and refuses 2049', () => {
    expect(SpiffeId.fromPath(td, maxPath).toString()).toHaveLength(2048);
    expectSpiffeIdError(() => SpiffeId.fromPath(td, `${maxPath}a`), 'too_long', 'ID-14');
  });

  it('ID-14: fromSegments builds exactly 2048 bytes and refuses 2049', () => {
    expect(SpiffeId.fromSegments(td, maxSegment).toString()).toHaveLength(2048);
    expectSpiffeIdError(() => SpiffeId.fromSegments(td, `${maxSegment}a`), 'too_long', 'ID-14');
  });

  it('ID-14: appendPath and appendSegments build exactly 2048 bytes and refuse 2049', () => {
    const id = SpiffeId.parse(`${prefix}/a`);
    const rest = 'b'.repeat(2048 - id.toString().length - 1);
    expect(id.appendPath(`/${rest}`).toString()).toHaveLength(2048);
    expect(id.appendSegments(rest).toString()).toHaveLength(2048);
    expectSpiffeIdError(() => id.appendPath(`/${rest}b`), 'too_long', 'ID-14');
    expectSpiffeIdError(() => id.appendSegments(`${rest}b`), 'too_long', 'ID-14');
    expectSpiffeIdError(() => id.appendSegments(rest, 'c'), 'too_long', 'ID-14');
  });

  it('ID-14: replacePath and replaceSegments refuse 2049 bytes', () => {
    expectSpiffeIdError(() => base.replacePath(`${maxPath}a`), 'too_long', 'ID-14');
    expectSpiffeIdError(() => base.replaceSegments(`${maxSegment}a`), 'too_long', 'ID-14');
  });

  it('ID-14: a long path with a long trust domain is counted in full', () => {
    const name = 'd'.repeat(255);
    const path = `/${'p'.repeat(2048 - 'spiffe://'.length - 255 - 1)}`;
    expect(SpiffeId.fromPath(name, path).toString()).toHaveLength(2048);
    expectSpiffeIdError(() => SpiffeId.fromPath(name, `${path}p`), 'too_long', 'ID-14');
  });
});

describe('ID-15: the trust domain is at most 255 bytes', () => {
  const max = 'a'.repeat(255);
  const over = `${max}a`;

  it('ID-15: the limit is 255 bytes', () => {
    expect(MAX_TRUST_DOMAIN_BYTES).toBe(255);
  });

  it('ID-15: 255 bytes are accepted everywhere', () => {
    expect(TrustDomain.parse(max).name).toBe(max);
    expect(TrustDomain.parse(`spiffe://${max}/p`).name).toBe(max);
    expect(SpiffeId.parse(`spiffe://${max}`).trustDomain.name).toBe(max);
    expect(SpiffeId.parse(`spiffe://${max}/p`).trustDomain.name).toBe(max);
    expect(SpiffeId.fromPath(max, '/p').trustDomain.name).toBe(max);
    expect(SpiffeId.fromSegments(max, 'p').trustDomain.name).toBe(max);
  });

  it('ID-15: 256 bytes are refused everywhere', () => {
    refusedEverywhere(trustDomainEntryPoints, over, 'too_long', 'ID-15');
    expectSpiffeIdError(() => SpiffeId.parse(`spiffe://${over}`), 'too_long', 'ID-15');
    expectSpiffeIdError(() => SpiffeId.parse(`spiffe://${over}/.a`), 'too_long', 'ID-15');
  });
});
