import crypto from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BundleError, JwtBundle, type BundleErrorCode } from '../../src/bundle/index.js';
import { TrustDomain } from '../../src/spiffeid/index.js';
import { doc, jwtJwk, makeCa, makeJwtKey, publicJwk, x509Jwk } from './support.js';

const td = TrustDomain.parse('example.org');
const k1 = makeJwtKey('ec-p256');
const k2 = makeJwtKey('rsa');
const k3 = makeJwtKey('ed25519');
const k4 = makeJwtKey('ec-p384');

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

function kids(bundle: JwtBundle): string[] {
  return [...bundle.jwtAuthorities().keys()];
}

describe('JwtBundle construction and CRUD', () => {
  it('empty() has no authority', () => {
    const b = JwtBundle.empty('spiffe://example.org');
    expect(b.trustDomain.name).toBe('example.org');
    expect(b.isEmpty()).toBe(true);
  });

  it('fromJwtAuthorities() takes a Map or a plain object', () => {
    const fromMap = JwtBundle.fromJwtAuthorities(
      td,
      new Map([
        ['a', k1],
        ['b', k2],
      ]),
    );
    const fromObj = JwtBundle.fromJwtAuthorities(td, { a: k1, b: k2 });
    expect(kids(fromMap)).toEqual(['a', 'b']);
    expect(fromMap.equals(fromObj)).toBe(true);
  });

  it('find/has/add/remove', () => {
    const b = JwtBundle.empty(td);
    b.addJwtAuthority('a', k1);
    expect(b.hasJwtAuthority('a')).toBe(true);
    expect(b.findJwtAuthority('a')).toBe(k1);
    expect(b.findJwtAuthority('zz')).toBeUndefined();
    b.addJwtAuthority('a', k2); // replaces, as go-spiffe does
    expect(b.findJwtAuthority('a')).toBe(k2);
    b.removeJwtAuthority('a');
    b.removeJwtAuthority('a');
    expect(b.isEmpty()).toBe(true);
  });

  it('J-15: refuses an empty key ID (missing_key_id)', () => {
    const err = bundleError(() => JwtBundle.empty(td).addJwtAuthority('', k1), 'missing_key_id');
    expect(err.message).toContain('J-15');
    bundleError(() => JwtBundle.fromJwtAuthorities(td, { '': k1 }), 'missing_key_id');
    bundleError(
      () => JwtBundle.fromJwtAuthorities(td, new Map([[7 as unknown as string, k1]])),
      'missing_key_id',
    );
  });

  it('refuses private keys, secret keys and non-keys (invalid_key)', () => {
    const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const secret = crypto.createSecretKey(Buffer.alloc(32));
    const b = JwtBundle.empty(td);
    expect(bundleError(() => b.addJwtAuthority('a', privateKey), 'invalid_key').message).toContain(
      'public keys only',
    );
    bundleError(() => b.addJwtAuthority('a', secret), 'invalid_key');
    bundleError(() => b.addJwtAuthority('a', publicJwk(k1) as unknown as crypto.KeyObject), 'invalid_key');
    bundleError(
      () => JwtBundle.fromJwtAuthorities(td, null as unknown as Map<string, crypto.KeyObject>),
      'invalid_key',
    );
    expect(b.isEmpty()).toBe(true);
  });

  it('jwtAuthorities() returns a copy; setJwtAuthorities() replaces all, all-or-nothing', () => {
    const b = JwtBundle.fromJwtAuthorities(td, { a: k1 });
    b.jwtAuthorities().set('x', k2);
    expect(kids(b)).toEqual(['a']);
    b.setJwtAuthorities(new Map([['b', k2]]));
    expect(kids(b)).toEqual(['b']);
    bundleError(() => b.setJwtAuthorities({ c: k3, '': k4 }), 'missing_key_id');
    expect(kids(b)).toEqual(['b']);
  });
});

describe('JwtBundle.parse (JWKS)', () => {
  it('reads EC, RSA and OKP keys, from text or bytes', () => {
    const text = doc([jwtJwk('a', k1), jwtJwk('b', k2), jwtJwk('c', k3), jwtJwk('d', k4)]);
    const b = JwtBundle.parse(td, text);
    expect(kids(b)).toEqual(['a', 'b', 'c', 'd']);
    expect(b.findJwtAuthority('a')?.equals(k1)).toBe(true);
    expect(b.findJwtAuthority('b')?.equals(k2)).toBe(true);
    expect(b.findJwtAuthority('c')?.equals(k3)).toBe(true);
    expect(JwtBundle.parse(td, Buffer.from(text)).equals(b)).toBe(true);
  });

  it('A-10: loads keys without "use" (the Workload API JWKS carries none)', () => {
    const b = JwtBundle.parse(td, doc([{ kid: 'a', ...publicJwk(k1) }]));
    expect(kids(b)).toEqual(['a']);
  });

  it('B-10: in a JWKS that labels its keys, a key without "use" is not a JWT authority', () => {
    const b = JwtBundle.parse(td, doc([jwtJwk('a', k1), { kid: 'unlabeled', ...publicJwk(k2) }]));
    expect(kids(b)).toEqual(['a']);
    expect(b.findJwtAuthority('unlabeled')).toBeUndefined();
  });

  it.each(['wit-svid', 'x509-svid', 'sig', null])(
    'B-10, A-17: a key with use %j labels the set: unlabeled keys are ignored, and so is it',
    (use) => {
      const b = JwtBundle.parse(
        td,
        doc([
          { use, kid: 'labeled', ...publicJwk(k1) },
          { kid: 'unlabeled', ...publicJwk(k2) },
        ]),
      );
      expect(kids(b)).toEqual([]);
    },
  );

  it('B-10: a labeled key with an unknown kty still labels the set', () => {
    const b = JwtBundle.parse(
      td,
      doc([
        { use: 'jwt-svid', kty: 'XYZ', kid: 'odd' },
        { kid: 'unlabeled', ...publicJwk(k2) },
      ]),
    );
    expect(kids(b)).toEqual([]);
  });

  it('A-10: a JWKS where no key has "use" (SPIRE, go-spiffe) loads every key', () => {
    const b = JwtBundle.parse(
      td,
      doc([
        { kid: 'a', ...publicJwk(k1) },
        { kid: 'b', ...publicJwk(k2) },
      ]),
    );
    expect(kids(b)).toEqual(['a', 'b']);
  });

  it.each(['x509-svid', 'wit-svid', 'sig', 'enc', 'JWT-SVID', 'jwt-svid ', null, 7])(
    'J-16, A-17, B-11: ignores a key whose use is %j',
    (use) => {
      const b = JwtBundle.parse(td, doc([{ use, kid: 'x', ...publicJwk(k1) }, jwtJwk('a', k2)]));
      expect(kids(b)).toEqual(['a']);
    },
  );

  it('ignores the x509-svid entries of a full SPIFFE bundle', () => {
    const ca = makeCa('example.org');
    const b = JwtBundle.parse(td, doc([x509Jwk(ca), jwtJwk('a', k1)], { spiffe_sequence: 3 }));
    expect(kids(b)).toEqual(['a']);
  });

  it.each([
    ['an unknown kty', { kty: 'XYZ', kid: 'x', x: 'AAAA' }],
    ['a symmetric kty ("oct")', { kty: 'oct', kid: 'x', k: 'c2VjcmV0' }],
    ['no kty', { kid: 'x', x: 'AAAA' }],
    ['a kty that is not a string', { kty: 1, kid: 'x' }],
    ['a wrong-case kty', { kty: 'ec', kid: 'x', crv: 'P-256' }],
  ])('B-6, B-9: ignores a key with %s', (_name, jwk) => {
    expect(kids(JwtBundle.parse(td, doc([jwk, jwtJwk('a', k1)])))).toEqual(['a']);
  });

  it('J-15: a loaded key without kid fails the bundle (missing_key_id, go-spiffe parity)', () => {
    const err = bundleError(
      () => JwtBundle.parse(td, doc([{ kid: 'a', ...publicJwk(k1) }, publicJwk(k2)])),
      'missing_key_id',
    );
    expect(err.message).toBe(
      'invalid JWT bundle for "example.org": key 1: a JWT authority needs a key ID ("kid") (J-15)',
    );
    bundleError(() => JwtBundle.parse(td, doc([jwtJwk('', k1)])), 'missing_key_id');
  });

  it('refuses a kid that is not a string (invalid_jwk)', () => {
    bundleError(() => JwtBundle.parse(td, doc([{ ...jwtJwk('a', k1), kid: 5 }])), 'invalid_jwk');
  });

  it('refuses a repeated kid (duplicate_key_id)', () => {
    const err = bundleError(
      () => JwtBundle.parse(td, doc([jwtJwk('a', k1), jwtJwk('a', k2)])),
      'duplicate_key_id',
    );
    expect(err.message).toContain('key 1');
  });

  it('B-5: refuses a document without "keys" or with "keys": null (missing_keys)', () => {
    bundleError(() => JwtBundle.parse(td, '{}'), 'missing_keys');
    bundleError(() => JwtBundle.parse(td, '{"keys":null}'), 'missing_keys');
  });

  it('B-7: "keys": [] is a valid, empty bundle', () => {
    expect(JwtBundle.parse(td, '{"keys":[]}').isEmpty()).toBe(true);
  });

  it.each([
    ['not JSON', 'not json'],
    ['JSON that is not an object', '[1]'],
    ['"keys" that is not an array', '{"keys":{}}'],
    ['a key that is not an object', '{"keys":[1]}'],
    ['a repeated member', '{"keys":[],"keys":[]}'],
    ['a repeated member inside a key', '{"keys":[{"kid":"a","kid":"b","kty":"EC"}]}'],
    ['bytes that are not UTF-8', new Uint8Array([0x7b, 0xff, 0x7d])],
    ['neither text nor bytes', 42 as unknown as string],
  ])('refuses %s (invalid_jwks)', (_name, input) => {
    const err = bundleError(() => JwtBundle.parse(td, input), 'invalid_jwks');
    expect(err.message).toMatch(/^invalid JWT bundle for "example.org": /);
  });

  it.each([
    ['d', { d: 'AAAA' }],
    ['p', { p: 'AAAA' }],
    ['k', { k: 'AAAA' }],
  ])('refuses a key that carries the private member %s (invalid_jwk), without echoing it', (name, extra) => {
    const err = bundleError(() => JwtBundle.parse(td, doc([jwtJwk('a', k1, extra)])), 'invalid_jwk');
    expect(err.message).toContain(`private key member "${name}"`);
    expect(err.message).not.toContain('AAAA');
  });

  it('refuses a real private JWK (invalid_jwk)', () => {
    const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { use: 'jwt-svid', kid: 'a', ...privateKey.export({ format: 'jwk' }) };
    bundleError(() => JwtBundle.parse(td, doc([jwk])), 'invalid_jwk');
  });

  it.each([
    ['a point off the curve', { y: publicJwk(k1).x }],
    ['a missing coordinate', { y: undefined }],
    ['a coordinate that is not base64url', { x: 'a+b/' }],
    ['a coordinate that is not a string', { x: 5 }],
    ['a short coordinate', { x: 'AAAA' }],
    ['an unknown curve', { crv: 'P-999' }],
    ['a curve that is not a string', { crv: 256 }],
    ['no curve', { crv: undefined }],
  ])('refuses an EC key with %s (invalid_jwk), naming its index', (_name, change) => {
    const err = bundleError(
      () => JwtBundle.parse(td, doc([jwtJwk('a', k2), jwtJwk('b', k1, change)])),
      'invalid_jwk',
    );
    expect(err.message).toMatch(/^invalid JWT bundle for "example.org": key 1: /);
  });

  it.each([
    ['an empty exponent', { e: '' }],
    ['a missing modulus', { n: undefined }],
  ])('refuses an RSA key with %s (invalid_jwk)', (_name, change) => {
    bundleError(() => JwtBundle.parse(td, doc([jwtJwk('a', k2, change)])), 'invalid_jwk');
  });

  it('tolerates base64url padding, as go-jose does', () => {
    const jwk = jwtJwk('a', k1);
    const padded = { ...jwk, x: `${jwk.x as string}=` };
    expect(
      JwtBundle.parse(td, doc([padded]))
        .findJwtAuthority('a')
        ?.equals(k1),
    ).toBe(true);
  });

  it('allows unknown members in keys and at the top level', () => {
    const b = JwtBundle.parse(
      td,
      doc([jwtJwk('a', k1, { alg: 'ES256', x5t: 'zz', ext: { a: 1 } })], { extra: true }),
    );
    expect(kids(b)).toEqual(['a']);
  });
});

describe('JwtBundle marshal / equals / clone / source', () => {
  it('J-15: marshal() publishes each key with use "jwt-svid" and kid, and parse() reads it back', () => {
    const b = JwtBundle.fromJwtAuthorities(td, { a: k1, b: k2, c: k3 });
    const out = JSON.parse(b.marshal()) as { keys: Record<string, unknown>[] };
    expect(out.keys).toHaveLength(3);
    expect(out.keys[0]).toEqual({ use: 'jwt-svid', kid: 'a', ...publicJwk(k1) });
    for (const key of out.keys) {
      expect(key.use).toBe('jwt-svid');
      expect(key).not.toHaveProperty('d');
    }
    expect(JwtBundle.parse(td, b.marshal()).equals(b)).toBe(true);
    expect(JwtBundle.empty(td).marshal()).toBe('{"keys":[]}');
  });

  it('marshal() refuses a key with no JWK form (unsupported_key_type)', () => {
    const pss = crypto.generateKeyPairSync('rsa-pss', { modulusLength: 1024 }).publicKey;
    const b = JwtBundle.fromJwtAuthorities(td, { a: pss });
    const err = bundleError(() => b.marshal(), 'unsupported_key_type');
    expect(err.message).toContain('rsa-pss');
  });

  it('equals() compares trust domain, key IDs and keys', () => {
    const b = JwtBundle.fromJwtAuthorities(td, { a: k1, b: k2 });
    const sameKey = crypto.createPublicKey({ key: publicJwk(k1), format: 'jwk' });
    expect(b.equals(JwtBundle.fromJwtAuthorities(td, { b: k2, a: sameKey }))).toBe(true);
    expect(b.equals(JwtBundle.fromJwtAuthorities(td, { a: makeJwtKey(), b: k2 }))).toBe(false);
    expect(b.equals(JwtBundle.fromJwtAuthorities(td, { a: k1, b: k3 }))).toBe(false);
    expect(b.equals(JwtBundle.fromJwtAuthorities(td, { a: k1, c: k2 }))).toBe(false);
    expect(b.equals(JwtBundle.fromJwtAuthorities(td, { a: k1 }))).toBe(false);
    expect(b.equals(JwtBundle.fromJwtAuthorities('other.org', { a: k1, b: k2 }))).toBe(false);
    expect(b.equals(null)).toBe(false);
  });

  it('clone() is independent', () => {
    const b = JwtBundle.fromJwtAuthorities(td, { a: k1 });
    const c = b.clone();
    c.addJwtAuthority('b', k2);
    expect(kids(b)).toEqual(['a']);
    expect(b.clone().equals(b)).toBe(true);
  });

  it('J-17: is a JwtBundleSource for its own trust domain only', () => {
    const b = JwtBundle.fromJwtAuthorities(td, { a: k1 });
    expect(b.getJwtBundleForTrustDomain('example.org')).toBe(b);
    const err = bundleError(() => b.getJwtBundleForTrustDomain('other.org'), 'bundle_not_found');
    expect(err.message).toBe('no JWT bundle for trust domain "other.org"');
  });

  it('load() reads a JWKS file; a missing file gives read_failed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwtbundle-'));
    writeFileSync(join(dir, 'jwks.json'), doc([jwtJwk('a', k1)]));
    expect(kids(await JwtBundle.load(td, join(dir, 'jwks.json')))).toEqual(['a']);
    const err = await JwtBundle.load(td, join(dir, 'none.json')).catch((e: unknown) => e);
    expect((err as BundleError).code).toBe('read_failed');
  });
});
