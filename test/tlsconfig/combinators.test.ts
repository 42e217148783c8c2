// authorizeIdPrefix (go-spiffe 2.9 AuthorizeIDPrefix) and the authorizer combinators of
// go-spiffe #208: authorizeAllOf (and), authorizeAnyOf (or), authorizeNot (not). All fail closed.
import { describe, expect, it } from 'vitest';
import { matchIdPrefix, SpiffeId, SpiffeIdError } from '../../src/spiffeid/index.js';
import {
  adaptMatcher,
  authorizeAllOf,
  authorizeAny,
  authorizeAnyOf,
  authorizeId,
  authorizeIdPrefix,
  authorizeMemberOf,
  authorizeNot,
  authorizeOneOf,
  TlsConfigError,
  type Authorizer,
} from '../../src/tlsconfig/index.js';

const API = 'spiffe://example.org/ns/prod/sa/api';
const BATCH = 'spiffe://example.org/ns/prod/sa/batch';
const ADMIN = 'spiffe://admin.org/ops/alice';

/** Runs an authorizer; undefined when it accepts, else the TlsConfigError it threw. */
function decide(authorizer: Authorizer, peer: string): TlsConfigError | undefined {
  try {
    authorizer(SpiffeId.parse(peer), []);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(TlsConfigError);
    expect((error as TlsConfigError).code).toBe('unauthorized');
    return error as TlsConfigError;
  }
}

function expectInvalid(make: () => unknown, message: string): void {
  expect(make).toThrow(expect.objectContaining({ name: 'TlsConfigError', code: 'invalid_argument' }));
  expect(make).toThrow(message);
}

/** An authorizer that counts its calls and accepts or refuses. */
function counting(accept: boolean, why = 'scripted refusal'): Authorizer & { calls: number } {
  const a = Object.assign(
    () => {
      a.calls++;
      if (!accept) throw new TlsConfigError('unauthorized', why);
    },
    { calls: 0 },
  );
  return a;
}

describe('authorizeIdPrefix', () => {
  const a = authorizeIdPrefix('spiffe://example.org/ns/prod');

  it('accepts the prefix and the IDs under it, on a segment boundary', () => {
    expect(decide(a, 'spiffe://example.org/ns/prod')).toBeUndefined();
    expect(decide(a, API)).toBeUndefined();
    const refused = decide(a, 'spiffe://example.org/ns/production');
    expect(refused?.message).toBe(
      'unexpected ID "spiffe://example.org/ns/production": expected "spiffe://example.org/ns/prod" or an ID under it',
    );
    expect(refused?.cause).toBeInstanceOf(SpiffeIdError);
  });

  it('/foo does not accept /foobar', () => {
    const foo = authorizeIdPrefix(SpiffeId.parse('spiffe://example.org/foo'));
    expect(decide(foo, 'spiffe://example.org/foo/bar')).toBeUndefined();
    expect(decide(foo, 'spiffe://example.org/foobar')?.message).toContain('unexpected ID');
  });

  it('refuses the same path in another trust domain', () => {
    expect(decide(a, 'spiffe://example.com/ns/prod/sa/api')?.message).toContain(
      'unexpected trust domain "example.com"',
    );
  });

  it('a root-path prefix accepts no peer (go-spiffe), pointing to authorizeMemberOf', () => {
    const root = authorizeIdPrefix('spiffe://example.org');
    for (const peer of ['spiffe://example.org', API]) {
      expect(decide(root, peer)?.message).toContain('has no path, so it matches no ID (use matchMemberOf');
    }
  });

  it('refuses an invalid prefix at creation (a trailing / is invalid, ID-11)', () => {
    expectInvalid(() => authorizeIdPrefix('spiffe://example.org/foo/'), 'authorizeIdPrefix: ');
    expectInvalid(() => authorizeIdPrefix('spiffe://example.org/foo/'), 'ID-11');
    expectInvalid(() => authorizeIdPrefix('example.org/foo'), 'authorizeIdPrefix: ');
  });

  it('is the authorizer of matchIdPrefix', () => {
    const adapted = adaptMatcher(matchIdPrefix('spiffe://example.org/ns/prod'));
    for (const peer of [API, 'spiffe://example.org/ns/production', 'spiffe://example.org']) {
      expect(decide(adapted, peer)?.message).toBe(decide(a, peer)?.message);
    }
  });
});

describe('authorizeAllOf (and)', () => {
  it('accepts only when every authorizer accepts, stopping at the first refusal with its reason', () => {
    const first = counting(true);
    const second = counting(false, 'second says no');
    const third = counting(true);
    const all = authorizeAllOf(first, second, third);
    const refused = decide(all, API);
    expect(refused?.message).toBe('second says no');
    expect([first.calls, second.calls, third.calls]).toEqual([1, 1, 0]);
    expect(decide(authorizeAllOf(first, third), API)).toBeUndefined();
  });

  it('refuses with the refusing authorizer’s reason (member of the domain, but not batch)', () => {
    const policy = authorizeAllOf(authorizeMemberOf('example.org'), authorizeNot(authorizeId(BATCH)));
    expect(decide(policy, API)).toBeUndefined();
    expect(decide(policy, BATCH)?.message).toBe(
      `peer "${BATCH}" refused: authorizeNot refuses what its authorizer accepts`,
    );
    expect(decide(policy, ADMIN)?.message).toContain('unexpected trust domain "admin.org"');
  });

  it('with no authorizers refuses every peer, saying so (fail closed)', () => {
    expect(decide(authorizeAllOf(), API)?.message).toBe(
      `peer "${API}" refused: authorizeAllOf was given no authorizers, so it refuses every peer (fail closed)`,
    );
  });

  it('treats a thrown non-TlsConfigError, false or a Promise as a refusal', () => {
    const buggy: Authorizer = () => {
      throw new TypeError('boom');
    };
    expect(decide(authorizeAllOf(authorizeAny(), buggy), API)?.message).toBe(
      `peer "${API}" is not authorized: boom`,
    );
    const no = (() => false) as unknown as Authorizer;
    expect(decide(authorizeAllOf(no), API)?.message).toContain('returned "false"');
    const later = (() => Promise.resolve()) as unknown as Authorizer;
    expect(decide(authorizeAllOf(later), API)?.message).toContain('must decide synchronously');
  });

  it('refuses arguments that are not authorizers at creation', () => {
    expectInvalid(
      () => authorizeAllOf(authorizeAny(), API as never),
      'authorizeAllOf: argument 2 must be an authorizer',
    );
  });

  it('passes the verified chains through', () => {
    const seen: unknown[] = [];
    const chains = [[]];
    authorizeAllOf((_, c) => void seen.push(c))(SpiffeId.parse(API), chains);
    expect(seen).toEqual([chains]);
    expect(seen[0]).toBe(chains);
  });
});

describe('authorizeAnyOf (or)', () => {
  it('go-spiffe #208: a member of our trust domain, or one of the admin IDs', () => {
    const policy = authorizeAnyOf(authorizeMemberOf('example.org'), authorizeOneOf(ADMIN));
    expect(decide(policy, API)).toBeUndefined();
    expect(decide(policy, ADMIN)).toBeUndefined();
    const refused = decide(policy, 'spiffe://admin.org/ops/mallory');
    expect(refused?.message).toBe(
      'peer "spiffe://admin.org/ops/mallory" is not authorized: none of the 2 authorizers of authorizeAnyOf accepts it ' +
        '(1: unexpected trust domain "admin.org" of ID "spiffe://admin.org/ops/mallory": expected "example.org"; ' +
        '2: unexpected ID "spiffe://admin.org/ops/mallory": not one of the 1 allowed IDs)',
    );
    expect(refused?.cause).toBeInstanceOf(AggregateError);
    const errors = (refused?.cause as AggregateError).errors;
    expect(errors).toHaveLength(2);
    for (const e of errors) expect(e).toBeInstanceOf(TlsConfigError);
  });

  it('stops at the first acceptance', () => {
    const first = counting(false);
    const second = counting(true);
    const third = counting(true);
    expect(decide(authorizeAnyOf(first, second, third), API)).toBeUndefined();
    expect([first.calls, second.calls, third.calls]).toEqual([1, 1, 0]);
  });

  it('with no authorizers refuses every peer, saying so (fail closed)', () => {
    expect(decide(authorizeAnyOf(), API)?.message).toBe(
      `peer "${API}" refused: authorizeAnyOf was given no authorizers, so it refuses every peer (fail closed)`,
    );
  });

  it('does not count a buggy, false or Promise-returning authorizer as an acceptance', () => {
    const buggy: Authorizer = () => {
      throw new TypeError('boom');
    };
    const no = (() => false) as unknown as Authorizer;
    const later = (() => Promise.resolve()) as unknown as Authorizer;
    const refused = decide(authorizeAnyOf(buggy, no, later), API);
    expect(refused?.message).toBe(
      `peer "${API}" is not authorized: none of the 3 authorizers of authorizeAnyOf accepts it (1: boom; ` +
        '2: the authorizer returned "false"; 3: the authorizer returned a Promise, but it must decide ' +
        'synchronously (the handshake cannot wait))',
    );
  });

  it('refuses arguments that are not authorizers at creation', () => {
    expectInvalid(
      () => authorizeAnyOf(null as never),
      'authorizeAnyOf: argument 1 must be an authorizer (a function), got null',
    );
  });
});

describe('authorizeNot (not)', () => {
  it('refuses what the inner authorizer accepts and accepts what it refuses', () => {
    const notBatch = authorizeNot(authorizeIdPrefix('spiffe://example.org/ns/prod/sa/batch'));
    expect(decide(notBatch, API)).toBeUndefined();
    expect(decide(notBatch, `${BATCH}/worker`)?.message).toBe(
      `peer "${BATCH}/worker" refused: authorizeNot refuses what its authorizer accepts`,
    );
    expect(decide(authorizeNot(authorizeAny()), API)).toBeDefined();
    expect(decide(authorizeNot(authorizeNot(authorizeId(API))), API)).toBeUndefined();
  });

  it('counts a matcher’s SpiffeIdError and a returned false as refusals', () => {
    const rawMatcher: Authorizer = (id) => matchIdPrefix('spiffe://other.org/x')(id);
    expect(decide(authorizeNot(rawMatcher), API)).toBeUndefined();
    expect(decide(authorizeNot((() => false) as unknown as Authorizer), API)).toBeUndefined();
  });

  it('fails closed: a bug, a Promise, or an empty combinator is not negated into an acceptance', () => {
    const buggy: Authorizer = () => {
      throw new TypeError('boom');
    };
    const refused = decide(authorizeNot(buggy), API);
    expect(refused?.message).toBe(
      `peer "${API}" refused: the authorizer of authorizeNot failed rather than refusing (boom), so it is not negated (fail closed)`,
    );
    expect(refused?.cause).toBeInstanceOf(TypeError);
    const invalid: Authorizer = () => {
      throw new TlsConfigError('invalid_argument', 'misconfigured');
    };
    expect(decide(authorizeNot(invalid), API)?.message).toContain(
      'failed rather than refusing (misconfigured)',
    );
    const later = (() => Promise.reject(new Error('late'))) as unknown as Authorizer;
    expect(decide(authorizeNot(later), API)?.message).toContain('returned a Promise');
    expect(decide(authorizeNot(authorizeAnyOf()), API)?.message).toContain(
      'authorizeAnyOf was given no authorizers',
    );
    expect(decide(authorizeNot(authorizeAllOf()), API)?.message).toContain(
      'authorizeAllOf was given no authorizers',
    );
  });

  it('fails closed through nesting: a bug or an undecided answer deep inside is not negated', () => {
    const buggy: Authorizer = () => {
      throw new TypeError('boom');
    };
    const later = (() => Promise.resolve()) as unknown as Authorizer;
    const buggyMatcher = adaptMatcher(() => {
      throw new TypeError('matcher boom');
    });
    const refusing = authorizeId('spiffe://example.org/other');
    for (const [name, inner] of [
      ['authorizeAllOf(buggy)', authorizeAllOf(buggy)],
      ['authorizeAllOf(Promise)', authorizeAllOf(later)],
      ['adaptMatcher(buggy)', buggyMatcher],
      ['authorizeAnyOf(buggy, refusing)', authorizeAnyOf(buggy, refusing)],
      ['authorizeIdPrefix(root)', authorizeIdPrefix('spiffe://example.org')],
    ] as const) {
      expect(decide(authorizeNot(inner), API)?.message, name).toContain('fail closed');
    }
    // Definite refusals, nested, are negated.
    expect(
      decide(authorizeNot(authorizeAnyOf(refusing, authorizeMemberOf('other.org'))), API),
    ).toBeUndefined();
    expect(decide(authorizeNot(authorizeAllOf(authorizeAny(), refusing)), API)).toBeUndefined();
  });

  it('refuses an argument that is not an authorizer at creation', () => {
    expectInvalid(
      () => authorizeNot('spiffe://example.org/x' as never),
      'authorizeNot: authorizer must be a function',
    );
  });
});

describe('authorizeAny', () => {
  it('throws when given arguments rather than accepting every peer (authorizeAnyOf is the OR)', () => {
    expectInvalid(
      () => (authorizeAny as (...a: unknown[]) => Authorizer)(authorizeId(API)),
      'use authorizeAnyOf',
    );
    expect(decide(authorizeAny(), API)).toBeUndefined();
  });
});
