/** SpiffeId and TrustDomain as values: equality, membership, JSON, immutability, branding, inspect. */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as spiffeid from '../../src/spiffeid/index.js';
import {
  SpiffeId,
  SpiffeIdError,
  TrustDomain,
  joinPathSegments,
  matchId,
  matchMemberOf,
  matchOneOf,
  validatePath,
  validatePathSegment,
} from '../../src/spiffeid/index.js';
import { SpiffeError } from '../../src/internal/errors.js';
import { expectSpiffeIdError } from './helpers.js';

const ID = 'spiffe://example.org/ns/prod/sa/api';

describe('equality and membership', () => {
  it('equals compares the string forms exactly', () => {
    const id = SpiffeId.parse(ID);
    expect(id.equals(SpiffeId.parse(ID))).toBe(true);
    expect(id.equals(ID)).toBe(true);
    expect(id.equals(`${ID}x`)).toBe(false);
    expect(id.equals('spiffe://example.org/ns/prod/sa/API')).toBe(false);
    expect(id.equals(SpiffeId.parse('spiffe://example.org'))).toBe(false);
    expect(id.equals(null)).toBe(false);
    expect(id.equals(undefined)).toBe(false);
    expect(id.equals(42 as never)).toBe(false);
    expect(id.equals({ toString: () => ID } as never)).toBe(false);
    expect(id.equals(Object.create(null) as never)).toBe(false);
  });

  it('a parsed and a built ID are equal and have the same parts', () => {
    const built = SpiffeId.fromSegments('example.org', 'ns', 'prod', 'sa', 'api');
    const parsed = SpiffeId.parse(ID);
    expect(built.equals(parsed)).toBe(true);
    expect(built.path).toBe(parsed.path);
    expect(built.trustDomain.equals(parsed.trustDomain)).toBe(true);
  });

  it('TrustDomain.equals compares names', () => {
    const td = TrustDomain.parse('example.org');
    expect(td.equals(TrustDomain.parse('example.org'))).toBe(true);
    expect(td.equals('example.org')).toBe(true);
    expect(td.equals('example.com')).toBe(false);
    expect(td.equals(null)).toBe(false);
    expect(td.equals(undefined)).toBe(false);
    expect(td.equals({ name: 'example.org' } as never)).toBe(false);
  });

  it('memberOf takes a TrustDomain or a name', () => {
    const id = SpiffeId.parse(ID);
    expect(id.memberOf(TrustDomain.parse('example.org'))).toBe(true);
    expect(id.memberOf('example.org')).toBe(true);
    expect(id.memberOf('example.com')).toBe(false);
    expect(id.memberOf('spiffe://example.org/other')).toBe(true);
    expect(id.memberOf('example.or')).toBe(false);
    expectSpiffeIdError(() => id.memberOf('Example.org'), 'invalid_trust_domain', 'ID-6');
  });

  it('from returns the same instance for a SpiffeId / TrustDomain and parses strings', () => {
    const id = SpiffeId.parse(ID);
    expect(SpiffeId.from(id)).toBe(id);
    expect(SpiffeId.from(ID).equals(id)).toBe(true);
    const td = TrustDomain.parse('example.org');
    expect(TrustDomain.from(td)).toBe(td);
    expect(TrustDomain.from('example.org').equals(td)).toBe(true);
    expectSpiffeIdError(() => SpiffeId.from('spiffe://example.org/'), 'invalid_path', 'ID-11');
  });

  it('the trust domain of an ID is the same value every time', () => {
    const id = SpiffeId.parse(ID);
    expect(id.trustDomain).toBe(id.trustDomain);
  });
});

describe('string and JSON forms', () => {
  it('toString, template literals and JSON.stringify give the string', () => {
    const id = SpiffeId.parse(ID);
    expect(id.toString()).toBe(ID);
    expect(`${id}`).toBe(ID);
    expect(JSON.stringify(id)).toBe(JSON.stringify(ID));
    expect(JSON.stringify({ id, td: id.trustDomain })).toBe(`{"id":"${ID}","td":"example.org"}`);
    expect(`${id.trustDomain}`).toBe('example.org');
  });

  it('JSON round trip', () => {
    const ids = [SpiffeId.parse(ID), SpiffeId.parse('spiffe://td'), SpiffeId.parse('spiffe://td/.a/.../B')];
    const back = (JSON.parse(JSON.stringify(ids)) as string[]).map((s) => SpiffeId.parse(s));
    back.forEach((id, i) => expect(id.equals(ids[i]!)).toBe(true));
    const td = TrustDomain.parse('example.org');
    expect(TrustDomain.parse(JSON.parse(JSON.stringify(td)) as string).equals(td)).toBe(true);
  });

  it('util.inspect shows the kind and the value', () => {
    const id = SpiffeId.parse(ID);
    expect(inspect(id)).toBe(`SpiffeId(${ID})`);
    expect(inspect(id.trustDomain)).toBe('TrustDomain(example.org)');
    expect(inspect({ id })).toBe(`{ id: SpiffeId(${ID}) }`);
  });
});

describe('immutability', () => {
  it('the classes and their prototypes are frozen: no method or getter can be replaced', () => {
    expect(Object.isFrozen(SpiffeId)).toBe(true);
    expect(Object.isFrozen(SpiffeId.prototype)).toBe(true);
    expect(Object.isFrozen(TrustDomain)).toBe(true);
    expect(Object.isFrozen(TrustDomain.prototype)).toBe(true);
    expect(() => {
      (SpiffeId as unknown as { parse: () => string }).parse = () => 'spiffe://evil.org';
    }).toThrow(TypeError);
  });

  it('assigning to an ID or trust domain throws (strict mode) and changes nothing', () => {
    const id = SpiffeId.parse(ID);
    const td = id.trustDomain;
    expect(() => {
      (id as unknown as { path: string }).path = '/evil';
    }).toThrow(TypeError);
    expect(() => {
      (id as unknown as { toString: () => string }).toString = () => 'spiffe://evil.org';
    }).toThrow(TypeError);
    expect(() => {
      (id as unknown as { trustDomain: TrustDomain }).trustDomain = TrustDomain.parse('evil.org');
    }).toThrow(TypeError);
    expect(() => {
      (td as unknown as { name: string }).name = 'evil.org';
    }).toThrow(TypeError);
    expect(id.toString()).toBe(ID);
    expect(id.path).toBe('/ns/prod/sa/api');
    expect(td.name).toBe('example.org');
  });

  it('a method shadowed on an instance (defineProperty) does not change how IDs compare', () => {
    const id = SpiffeId.parse(ID);
    const other = SpiffeId.parse('spiffe://example.org/other');
    Object.defineProperty(other, 'toString', { value: () => ID });
    const td = TrustDomain.parse('other.org');
    Object.defineProperty(td, 'name', { value: 'example.org' });
    expect(id.equals(other)).toBe(false);
    expect(id.trustDomain.equals(td)).toBe(false);
    expect(id.equals(SpiffeId.parse(ID))).toBe(true);
  });

  it('builders return new IDs and leave the original unchanged', () => {
    const id = SpiffeId.parse('spiffe://td/a');
    expect(id.appendPath('/b').toString()).toBe('spiffe://td/a/b');
    expect(id.appendSegments('b').toString()).toBe('spiffe://td/a/b');
    expect(id.replacePath('/c').toString()).toBe('spiffe://td/c');
    expect(id.toString()).toBe('spiffe://td/a');
  });
});

describe('instanceof across package copies (dual-package hazard)', () => {
  it('an object carrying the Symbol.for brand is recognised by instanceof', () => {
    const foreignId = { [Symbol.for('@spiffe-ts/sdk:SpiffeId')]: true, toString: () => ID };
    const foreignTd = { [Symbol.for('@spiffe-ts/sdk:TrustDomain')]: true, name: 'example.org' };
    expect(foreignId instanceof SpiffeId).toBe(true);
    expect(foreignTd instanceof TrustDomain).toBe(true);
    expect(SpiffeId[Symbol.hasInstance](foreignId)).toBe(true);
    expect(foreignId instanceof TrustDomain).toBe(false);
    expect(foreignTd instanceof SpiffeId).toBe(false);
    // Accepted as values: from() keeps them, equals() and memberOf() compare by string / name.
    expect(SpiffeId.from(foreignId as never)).toBe(foreignId);
    expect(SpiffeId.parse(ID).equals(foreignId as never)).toBe(true);
    expect(SpiffeId.parse(ID).memberOf(foreignTd as never)).toBe(true);
    expect(TrustDomain.parse('example.org').equals(foreignTd as never)).toBe(true);
  });

  it('objects without the brand are not instances', () => {
    for (const v of [
      null,
      undefined,
      ID,
      42,
      {},
      { [Symbol.for('@spiffe-ts/sdk:SpiffeId')]: 'yes' },
      Object.create(null),
    ]) {
      expect(v instanceof SpiffeId).toBe(false);
      expect(v instanceof TrustDomain).toBe(false);
    }
  });

  it('a second copy of the classes recognises this copy’s values and vice versa', async () => {
    // A query string makes the module loader evaluate the file again: a second, distinct class.
    const load = async (file: string): Promise<unknown> =>
      import(/* @vite-ignore */ `${new URL(`../../src/spiffeid/${file}`, import.meta.url).href}?copy`);
    const { SpiffeId: OtherId } = (await load('spiffe-id.ts')) as { SpiffeId: typeof SpiffeId };
    const { TrustDomain: OtherTd } = (await load('trust-domain.ts')) as { TrustDomain: typeof TrustDomain };
    expect(OtherId).not.toBe(SpiffeId);
    expect(OtherTd).not.toBe(TrustDomain);
    const mine = SpiffeId.parse(ID);
    const theirs = OtherId.parse(ID);
    expect(theirs instanceof SpiffeId).toBe(true);
    expect(mine instanceof OtherId).toBe(true);
    expect(OtherTd.parse('example.org') instanceof TrustDomain).toBe(true);
    expect(mine.trustDomain instanceof OtherTd).toBe(true);
    expect(mine.equals(theirs)).toBe(true);
    expect(theirs.equals(mine)).toBe(true);
    expect(SpiffeId.from(theirs)).toBe(theirs);
    expect(mine.memberOf(OtherTd.parse('example.org'))).toBe(true);
    expect(() => matchId(mine)(theirs)).not.toThrow();
    expect(() => matchOneOf(theirs)(mine)).not.toThrow();
    expect(() => matchMemberOf(OtherTd.parse('example.org'))(theirs)).not.toThrow();
  });
});

describe('errors', () => {
  it('SpiffeIdError extends SpiffeError and Error, with name and code', () => {
    const err = expectSpiffeIdError(() => SpiffeId.parse('x'), 'invalid_scheme', 'ID-1');
    expect(err).toBeInstanceOf(SpiffeError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('SpiffeIdError');
  });

  it('messages quote hostile input escaped and cut short', () => {
    const evil = `spiffe://td/a\n${'x'.repeat(1000)}\u001b[31m`;
    const err = expectSpiffeIdError(() => SpiffeId.parse(evil), 'invalid_path', 'ID-12');
    expect(err.message).not.toContain('\n');
    expect(err.message).not.toContain('\u001b');
    expect(err.message.length).toBeLessThan(400);
  });

  it('non-string input gives a SpiffeIdError, never a TypeError', () => {
    const bad = [
      undefined,
      null,
      42,
      0,
      true,
      {},
      [],
      Symbol('x'),
      () => ID,
      new String(ID),
      Object.create(null),
    ];
    const td = TrustDomain.parse('td');
    const id = SpiffeId.parse('spiffe://td/a');
    const calls: [string, (v: never) => unknown][] = [
      ['SpiffeId.parse', (v) => SpiffeId.parse(v)],
      ['SpiffeId.from', (v) => SpiffeId.from(v)],
      ['TrustDomain.parse', (v) => TrustDomain.parse(v)],
      ['TrustDomain.from', (v) => TrustDomain.from(v)],
      ['fromPath td', (v) => SpiffeId.fromPath(v, '/a')],
      ['fromPath path', (v) => SpiffeId.fromPath(td, v)],
      ['fromSegments td', (v) => SpiffeId.fromSegments(v, 'a')],
      ['fromSegments segment', (v) => SpiffeId.fromSegments(td, 'a', v)],
      ['appendPath', (v) => id.appendPath(v)],
      ['appendSegments', (v) => id.appendSegments(v)],
      ['replacePath', (v) => id.replacePath(v)],
      ['replaceSegments', (v) => id.replaceSegments(v)],
      ['memberOf', (v) => id.memberOf(v)],
      ['validatePath', (v) => validatePath(v)],
      ['validatePathSegment', (v) => validatePathSegment(v)],
      ['joinPathSegments', (v) => joinPathSegments(v)],
      ['matchId', (v) => matchId(v)],
      ['matchOneOf', (v) => matchOneOf(v)],
      ['matchMemberOf', (v) => matchMemberOf(v)],
    ];
    for (const [name, call] of calls) {
      for (const v of bad) {
        let thrown: unknown;
        try {
          call(v as never);
        } catch (e) {
          thrown = e;
        }
        expect(thrown, `${name}(${String(typeof v)})`).toBeInstanceOf(SpiffeIdError);
      }
    }
  });

  it('the codes of non-string input', () => {
    expectSpiffeIdError(() => SpiffeId.parse(undefined as never), 'empty');
    expectSpiffeIdError(() => TrustDomain.parse(42 as never), 'missing_trust_domain');
    expectSpiffeIdError(() => validatePath(null as never), 'invalid_path');
    expectSpiffeIdError(() => validatePathSegment({} as never), 'invalid_path');
  });
});

describe('public surface', () => {
  it('exports exactly the documented names', () => {
    expect(Object.keys(spiffeid).sort()).toEqual(
      [
        'MAX_ID_BYTES',
        'MAX_TRUST_DOMAIN_BYTES',
        'SpiffeId',
        'SpiffeIdError',
        'TrustDomain',
        'joinPathSegments',
        'matchAny',
        'matchId',
        'matchIdPrefix',
        'matchMemberOf',
        'matchOneOf',
        'validatePath',
        'validatePathSegment',
      ].sort(),
    );
  });
});
