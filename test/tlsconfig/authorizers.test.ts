import { describe, expect, it } from 'vitest';
import { matchMemberOf, SpiffeId } from '../../src/spiffeid/index.js';
import {
  adaptMatcher,
  authorizeAny,
  authorizeId,
  authorizeMatch,
  authorizeMemberOf,
  authorizeOneOf,
  authorizePolicy,
  TlsConfigError,
  type AuthorizationPolicy,
  type Authorizer,
} from '../../src/tlsconfig/index.js';
import { svidOf, SwitchableSvidSource, trustDomains } from './support.js';

const id = (s: string): SpiffeId => SpiffeId.parse(s);

/** Runs an authorizer; returns undefined when it accepts, else the error code and message. */
function decide(authorizer: Authorizer, peer: string): { code: string; message: string } | undefined {
  try {
    authorizer(id(peer), []);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(TlsConfigError);
    return { code: (error as TlsConfigError).code, message: (error as TlsConfigError).message };
  }
}

function expectInvalid(make: () => unknown, code: string): void {
  expect(make).toThrow(expect.objectContaining({ name: 'TlsConfigError', code }));
}

describe('go-spiffe authorizers', () => {
  it('authorizeAny accepts every peer', () => {
    expect(decide(authorizeAny(), 'spiffe://example.org/x')).toBeUndefined();
  });

  it('authorizeId accepts exactly that ID and says which it expected', () => {
    const a = authorizeId('spiffe://example.org/api');
    expect(decide(a, 'spiffe://example.org/api')).toBeUndefined();
    const refused = decide(a, 'spiffe://example.org/api2');
    expect(refused?.code).toBe('unauthorized');
    expect(refused?.message).toContain('spiffe://example.org/api2');
    expect(refused?.message).toContain('spiffe://example.org/api');
  });

  it('authorizeOneOf and authorizeMemberOf', () => {
    const one = authorizeOneOf('spiffe://example.org/a', id('spiffe://example.org/b'));
    expect(decide(one, 'spiffe://example.org/b')).toBeUndefined();
    expect(decide(one, 'spiffe://example.org/c')?.code).toBe('unauthorized');
    const member = authorizeMemberOf('example.org');
    expect(decide(member, 'spiffe://example.org/c')).toBeUndefined();
    expect(decide(member, 'spiffe://example.org.evil/c')?.code).toBe('unauthorized');
  });

  it('adaptMatcher turns a matcher refusal into unauthorized', () => {
    const a = adaptMatcher(matchMemberOf('other.org'));
    expect(decide(a, 'spiffe://other.org/x')).toBeUndefined();
    expect(decide(a, 'spiffe://example.org/x')?.message).toContain('unexpected trust domain');
  });

  it('bad arguments give invalid_argument', () => {
    expectInvalid(() => authorizeId('spiffe://example.org/a/'), 'invalid_argument');
    expectInvalid(() => authorizeId(42 as unknown as string), 'invalid_argument');
    expectInvalid(() => authorizeOneOf('spiffe://example.org/a', 'http://x'), 'invalid_argument');
    expectInvalid(() => authorizeMemberOf('Not A Domain'), 'invalid_argument');
    expectInvalid(() => adaptMatcher('x' as unknown as () => void), 'invalid_argument');
  });
});

describe('authorizeMatch: SPIFFE ID patterns', () => {
  const cases: [pattern: string, peer: string, accepted: boolean][] = [
    ['spiffe://example.org/ns/*/sa/api', 'spiffe://example.org/ns/prod/sa/api', true],
    ['spiffe://example.org/ns/*/sa/api', 'spiffe://example.org/ns/dev/sa/api', true],
    ['spiffe://example.org/ns/*/sa/api', 'spiffe://example.org/ns/sa/api', false], // * is exactly one segment
    ['spiffe://example.org/ns/*/sa/api', 'spiffe://example.org/ns/a/b/sa/api', false],
    ['spiffe://example.org/ns/*/sa/api', 'spiffe://example.org/ns/prod/sa/api2', false],
    ['spiffe://example.org/ns/*/sa/api', 'spiffe://other.org/ns/prod/sa/api', false], // trust domain is literal
    ['spiffe://example.org/ns/prod/**', 'spiffe://example.org/ns/prod/sa/db', true],
    ['spiffe://example.org/ns/prod/**', 'spiffe://example.org/ns/prod', true], // ** includes none
    ['spiffe://example.org/ns/prod/**', 'spiffe://example.org/ns/production/sa/db', false],
    ['spiffe://example.org/**/sa/db', 'spiffe://example.org/sa/db', true],
    ['spiffe://example.org/**/sa/db', 'spiffe://example.org/a/b/c/sa/db', true],
    ['spiffe://example.org/**/sa/**', 'spiffe://example.org/x/sa/y/z', true],
    ['spiffe://example.org/**/sa/**', 'spiffe://example.org/x/as/y', false],
    ['spiffe://example.org/**', 'spiffe://example.org/anything/at/all', true],
    ['spiffe://example.org/exact', 'spiffe://example.org/exact', true],
    ['spiffe://example.org/exact', 'spiffe://example.org/exact/more', false],
  ];
  it.each(cases)('%s vs %s → %s', (pattern, peer, accepted) => {
    const result = decide(authorizeMatch(pattern), peer);
    if (accepted) expect(result).toBeUndefined();
    else expect(result).toMatchObject({ code: 'unauthorized', message: expect.stringContaining(pattern) });
  });

  it('accepts a peer matching any of several patterns', () => {
    const a = authorizeMatch('spiffe://example.org/a/*', 'spiffe://other.org/b');
    expect(decide(a, 'spiffe://other.org/b')).toBeUndefined();
    expect(decide(a, 'spiffe://example.org/a/x')).toBeUndefined();
    expect(decide(a, 'spiffe://example.org/b')).toBeDefined();
  });

  const invalid: [string, string][] = [
    ['example.org/ns/x', 'spiffe://'],
    ['spiffe://*.example.org/x', 'trust domain'],
    ['spiffe://*/x', 'trust domain'],
    ['spiffe://example.org', 'path'],
    ['spiffe://example.org/', 'empty'],
    ['spiffe://example.org//x', 'empty'],
    ['spiffe://example.org/x/', 'empty'],
    ['spiffe://example.org/api-*', 'whole segment'],
    ['spiffe://example.org/***', 'whole segment'],
    ['spiffe://example.org/./x', 'dot'],
    ['spiffe://example.org/a b', ''],
    ['spiffe://exa mple.org/x', ''],
    ['spiffe://example.org/%41', ''],
  ];
  it.each(invalid)('strict validation: %s is invalid_pattern', (pattern, why) => {
    expect(() => authorizeMatch(pattern)).toThrow(
      expect.objectContaining({ code: 'invalid_pattern', message: expect.stringContaining(why) }),
    );
  });

  it('no pattern, or a non-string, is invalid_pattern', () => {
    expectInvalid(() => authorizeMatch(), 'invalid_pattern');
    expectInvalid(() => authorizeMatch(7 as unknown as string), 'invalid_pattern');
  });
});

describe('authorizePolicy: a rule table per local identity', () => {
  const DB = 'spiffe://example.org/ns/prod/sa/database';
  const API = 'spiffe://example.org/ns/prod/sa/api-server';
  const policy: AuthorizationPolicy = {
    [DB]: [API],
    'spiffe://example.org/ns/*/sa/cache': [
      'spiffe://example.org/ns/*/sa/api-server',
      'spiffe://example.org/ns/ops/**',
    ],
  };

  it('the database accepts the api-server only', () => {
    const a = authorizePolicy(policy, DB);
    expect(decide(a, API)).toBeUndefined();
    const refused = decide(a, 'spiffe://example.org/ns/prod/sa/web');
    expect(refused?.code).toBe('unauthorized');
    expect(refused?.message).toContain(DB);
  });

  it('patterns in keys and values', () => {
    const a = authorizePolicy(policy, 'spiffe://example.org/ns/dev/sa/cache');
    expect(decide(a, 'spiffe://example.org/ns/qa/sa/api-server')).toBeUndefined();
    expect(decide(a, 'spiffe://example.org/ns/ops/sa/admin')).toBeUndefined();
    expect(decide(a, 'spiffe://example.org/ns/qa/sa/web')).toBeDefined();
  });

  it('default deny: a local identity without a rule accepts nobody', () => {
    const refused = decide(authorizePolicy(policy, 'spiffe://example.org/ns/prod/sa/web'), API);
    expect(refused?.message).toContain('no rule');
  });

  it('reads "who am I" from the SVID source on every decision', () => {
    const { caA } = trustDomains();
    const source = new SwitchableSvidSource(svidOf(caA, DB));
    const a = authorizePolicy(policy, source);
    expect(decide(a, API)).toBeUndefined();
    source.svid = svidOf(caA, 'spiffe://example.org/ns/prod/sa/web');
    expect(decide(a, API)?.code).toBe('unauthorized');
    const broken = authorizePolicy(policy, {
      getX509Svid: () => {
        throw new Error('closed');
      },
    });
    expect(decide(broken, API)?.message).toContain('local identity is unknown');
  });

  it('malformed tables are invalid_policy; a bad local identity is invalid_argument', () => {
    const bad: unknown[] = [
      null,
      [],
      {},
      { [DB]: API },
      { [DB]: [42] },
      { [DB]: ['spiffe://example.org/a-*'] },
      { 'not an id': [API] },
    ];
    for (const table of bad)
      expectInvalid(() => authorizePolicy(table as AuthorizationPolicy, DB), 'invalid_policy');
    expectInvalid(() => authorizePolicy(policy, 'nope'), 'invalid_argument');
  });
});
