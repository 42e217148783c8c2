import crypto from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BundleError,
  JwtBundle,
  SpiffeBundle,
  X509Bundle,
  type BundleErrorCode,
} from '../../src/bundle/index.js';
import { TrustDomain } from '../../src/spiffeid/index.js';
import { doc, jwtJwk, makeCa, makeJwtKey, publicJwk, x509Jwk } from './support.js';

const td = TrustDomain.parse('example.org');
const caA = makeCa('example.org');
const caB = makeCa('example.org', 'rsa');
const caP384 = makeCa('example.org', 'ec-p384');
const caEd = makeCa('example.org', 'ed25519');
const k1 = makeJwtKey('ec-p256');
const k2 = makeJwtKey('rsa');

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

function raws(bundle: SpiffeBundle): string[] {
  return bundle.x509Authorities().map((c) => c.raw.toString('hex'));
}

function kids(bundle: SpiffeBundle): string[] {
  return [...bundle.jwtAuthorities().keys()];
}

describe('SpiffeBundle.parse: document', () => {
  it('reads X.509 and JWT authorities, the sequence and the refresh hint', () => {
    const b = SpiffeBundle.parse(
      td,
      doc([x509Jwk(caA), jwtJwk('a', k1), x509Jwk(caB), jwtJwk('b', k2)], {
        spiffe_sequence: 7,
        spiffe_refresh_hint: 300,
      }),
    );
    expect(raws(b)).toEqual([caA.der.toString('hex'), caB.der.toString('hex')]);
    expect(kids(b)).toEqual(['a', 'b']);
    expect(b.sequenceNumber).toBe(7n);
    expect(b.refreshHint).toBe(300);
    expect(b.trustDomain.equals(td)).toBe(true);
  });

  it('reads bytes as well as text', () => {
    expect(SpiffeBundle.parse(td, Buffer.from(doc([x509Jwk(caA)]))).x509Authorities()).toHaveLength(1);
  });

  it('B-2: allows unknown top-level members, and unknown members in keys', () => {
    const b = SpiffeBundle.parse(
      td,
      doc([x509Jwk(caA, { alg: 'ES256', ext: 1 })], { foo: { bar: [1] }, spiffe_x: 1 }),
    );
    expect(b.x509Authorities()).toHaveLength(1);
  });

  it('B-3, B-4: sequence and refresh hint are optional', () => {
    const b = SpiffeBundle.parse(td, doc([]));
    expect(b.sequenceNumber).toBeUndefined();
    expect(b.refreshHint).toBeUndefined();
    const n = SpiffeBundle.parse(td, '{"keys":[],"spiffe_sequence":null,"spiffe_refresh_hint":null}');
    expect(n.sequenceNumber).toBeUndefined();
    expect(n.refreshHint).toBeUndefined();
  });

  it('B-5: refuses a bundle without keys, or with "keys": null (missing_keys)', () => {
    const err = bundleError(() => SpiffeBundle.parse(td, '{"spiffe_sequence":1}'), 'missing_keys');
    expect(err.message).toBe('invalid SPIFFE bundle for "example.org": the "keys" member is missing (B-5)');
    bundleError(() => SpiffeBundle.parse(td, '{"keys":null}'), 'missing_keys');
  });

  it('B-7: "keys": [] is a valid, empty bundle (every key revoked)', () => {
    const b = SpiffeBundle.parse(td, '{"keys":[],"spiffe_sequence":2}');
    expect(b.isEmpty()).toBe(true);
    expect(b.sequenceNumber).toBe(2n);
  });

  it.each([
    ['not JSON', '{"keys":['],
    ['a top level that is not an object', '[]'],
    ['"keys" that is not an array', '{"keys":"x"}'],
    ['a key that is not an object', '{"keys":[null]}'],
    ['a repeated member', '{"keys":[],"spiffe_sequence":1,"spiffe_sequence":2}'],
    ['deep nesting', `{"keys":[],"x":${'['.repeat(100)}${']'.repeat(100)}}`],
  ])('refuses %s (invalid_jwks)', (_name, text) => {
    const err = bundleError(() => SpiffeBundle.parse(td, text), 'invalid_jwks');
    expect(err.message).toMatch(/^invalid SPIFFE bundle for "example.org": /);
  });
});

describe('SpiffeBundle.parse: spiffe_sequence (B-3)', () => {
  it.each([
    ['0', 0n],
    ['1', 1n],
    ['9007199254740991', 9007199254740991n],
    ['9007199254740993', 9007199254740993n],
    ['18446744073709551615', 18446744073709551615n],
    ['1.0', 1n],
    ['1e3', 1000n],
  ])('reads %s exactly', (text, expected) => {
    expect(SpiffeBundle.parse(td, `{"keys":[],"spiffe_sequence":${text}}`).sequenceNumber).toBe(expected);
  });

  it.each(['-1', '1.5', '18446744073709551616', '1e19', '"1"', 'true', '[1]', '{}'])(
    'refuses %s (invalid_sequence)',
    (text) => {
      const err = bundleError(
        () => SpiffeBundle.parse(td, `{"keys":[],"spiffe_sequence":${text}}`),
        'invalid_sequence',
      );
      expect(err.message).toContain('B-3');
    },
  );
});

describe('SpiffeBundle.parse: spiffe_refresh_hint (B-4, A-16)', () => {
  it.each([
    ['0', 0],
    ['60', 60],
    ['2419200', 2419200],
    ['60.0', 60],
  ])('reads %s seconds', (text, expected) => {
    expect(SpiffeBundle.parse(td, `{"keys":[],"spiffe_refresh_hint":${text}}`).refreshHint).toBe(expected);
  });

  it.each(['-1', '0.5', '9007199254740993', '"60"', 'false'])('refuses %s (invalid_refresh_hint)', (text) => {
    const err = bundleError(
      () => SpiffeBundle.parse(td, `{"keys":[],"spiffe_refresh_hint":${text}}`),
      'invalid_refresh_hint',
    );
    expect(err.message).toContain('B-4');
  });

  it('A-16: reads only "spiffe_refresh_hint", not "refresh_hint"', () => {
    expect(SpiffeBundle.parse(td, '{"keys":[],"refresh_hint":60}').refreshHint).toBeUndefined();
  });
});

describe('SpiffeBundle.parse: JWK selection', () => {
  it.each([
    ['no use', () => ({ ...publicJwk(k1), kid: 'x' })],
    ['use "sig"', () => ({ ...publicJwk(k1), kid: 'x', use: 'sig' })],
    ['use "wit-svid" (A-17)', () => ({ ...publicJwk(k1), kid: 'x', use: 'wit-svid' })],
    ['use "X509-SVID" (B-11: case-sensitive)', () => x509Jwk(caB, { use: 'X509-SVID' })],
    ['use "Jwt-Svid" (B-11: case-sensitive)', () => ({ ...publicJwk(k1), kid: 'x', use: 'Jwt-Svid' })],
    ['use that is not a string', () => ({ ...publicJwk(k1), kid: 'x', use: ['jwt-svid'] })],
    ['an unknown kty (B-9)', () => ({ use: 'jwt-svid', kid: 'x', kty: 'PQC', pub: 'AAAA' })],
    ['no kty (B-9)', () => ({ use: 'jwt-svid', kid: 'x' })],
    ['an x509-svid entry with an unknown kty (B-9)', () => ({ use: 'x509-svid', kty: 'PQC', x5c: ['!!'] })],
    [
      'a jwt-svid entry with an unknown kty and no kid (B-9 before J-15)',
      () => ({ use: 'jwt-svid', kty: 'oct' }),
    ],
  ])('B-6, B-10: ignores a JWK with %s', (_name, jwk) => {
    const b = SpiffeBundle.parse(td, doc([jwk(), x509Jwk(caA), jwtJwk('a', k2)]));
    expect(raws(b)).toEqual([caA.der.toString('hex')]);
    expect(kids(b)).toEqual(['a']);
  });

  it('X-21: ignores an x509-svid entry whose x5c is missing, null or empty', () => {
    const { x5c: _dropped, ...noX5c } = x509Jwk(caB);
    const b = SpiffeBundle.parse(
      td,
      doc([noX5c, x509Jwk(caB, { x5c: [] }), x509Jwk(caB, { x5c: null }), x509Jwk(caA)]),
    );
    expect(raws(b)).toEqual([caA.der.toString('hex')]);
  });

  it('X-22: uses the first of several x5c certificates and ignores the rest (go-spiffe errors)', () => {
    const b = SpiffeBundle.parse(
      td,
      doc([x509Jwk(caA, { x5c: [caA.der.toString('base64'), caB.der.toString('base64'), 'not base64!'] })]),
    );
    expect(raws(b)).toEqual([caA.der.toString('hex')]);
  });

  it('X-23: the X.509 bundle is the union of the x509-svid certificates (duplicates kept once)', () => {
    const b = SpiffeBundle.parse(
      td,
      doc([x509Jwk(caA), x509Jwk(caB), x509Jwk(caA), x509Jwk(caP384), x509Jwk(caEd)]),
    );
    expect(raws(b)).toEqual([caA, caB, caP384, caEd].map((c) => c.der.toString('hex')));
  });

  it('an x509-svid entry may carry a kid (only publishers must not set one, X-20)', () => {
    expect(SpiffeBundle.parse(td, doc([x509Jwk(caA, { kid: 'k' })])).x509Authorities()).toHaveLength(1);
  });

  it.each([
    ['x5c that is not an array', { x5c: 'MIIB' }, /"x5c" is not an array/],
    ['x5c[0] that is not a string', { x5c: [5] }, /not a standard base64/],
    [
      'x5c[0] in base64url',
      { x5c: [caA.der.toString('base64url')] },
      /not a standard base64|cannot parse|not DER/,
    ],
    [
      'x5c[0] with whitespace',
      { x5c: [`${caA.der.toString('base64').slice(0, 8)}\n${caA.der.toString('base64').slice(8)}`] },
      /base64/,
    ],
    ['x5c[0] that is not a certificate', { x5c: [Buffer.from([0x30, 0x00]).toString('base64')] }, /x5c\[0\]/],
    ['x5c[0] of another key (RFC 7517 §4.7)', { x5c: [caB.der.toString('base64')] }, /is not the JWK's key/],
    ['a private member', { d: 'AAAA' }, /private key member "d"/],
    ['bad key members', { x: 'AAAA' }, /invalid EC key/],
  ])('refuses an x509-svid entry with %s (invalid_jwk)', (_name, change, message) => {
    const err = bundleError(
      () => SpiffeBundle.parse(td, doc([x509Jwk(caB), x509Jwk(caA, change)])),
      'invalid_jwk',
    );
    expect(err.message).toMatch(/^invalid SPIFFE bundle for "example.org": key 1/);
    expect(err.message).toMatch(message);
  });

  it('J-15: refuses a jwt-svid entry without kid or with an empty one (missing_key_id)', () => {
    const { kid: _kid, ...noKid } = jwtJwk('a', k1);
    const err = bundleError(() => SpiffeBundle.parse(td, doc([x509Jwk(caA), noKid])), 'missing_key_id');
    expect(err.message).toContain('key 1');
    bundleError(() => SpiffeBundle.parse(td, doc([jwtJwk('', k1)])), 'missing_key_id');
  });

  it('refuses two jwt-svid entries with the same kid (duplicate_key_id)', () => {
    bundleError(() => SpiffeBundle.parse(td, doc([jwtJwk('a', k1), jwtJwk('a', k2)])), 'duplicate_key_id');
  });

  it('a wit-svid key may share a kid with a jwt-svid key (it is ignored, A-17)', () => {
    const b = SpiffeBundle.parse(td, doc([jwtJwk('a', k1), jwtJwk('a', k2, { use: 'wit-svid' })]));
    expect(b.findJwtAuthority('a')?.equals(k1)).toBe(true);
  });

  it('refuses a jwt-svid entry with private members (invalid_jwk)', () => {
    bundleError(() => SpiffeBundle.parse(td, doc([jwtJwk('a', k2, { d: 'x', p: 'y' })])), 'invalid_jwk');
  });
});

describe('SpiffeBundle.marshal (X-20, J-15)', () => {
  const bundle = (): SpiffeBundle => {
    const b = SpiffeBundle.fromX509Authorities(td, [caA.cert, caB.cert, caEd.cert]);
    b.setJwtAuthorities({ a: k1, b: k2 });
    b.setSequenceNumber(18446744073709551615n);
    b.setRefreshHint(2419200);
    return b;
  };

  it('X-20: one x509-svid JWK per CA with kty, public members, one x5c and no kid', () => {
    const out = JSON.parse(bundle().marshal()) as { keys: Record<string, unknown>[] };
    const x509 = out.keys.filter((k) => k.use === 'x509-svid');
    expect(x509).toHaveLength(3);
    expect(x509[0]).toEqual({
      use: 'x509-svid',
      ...publicJwk(caA.publicKey),
      x5c: [caA.der.toString('base64')],
    });
    expect(x509[1]).toMatchObject({ kty: 'RSA', n: expect.any(String), e: 'AQAB' });
    expect(x509[2]).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
    for (const k of x509) {
      expect(k).not.toHaveProperty('kid');
      expect(k.x5c).toHaveLength(1);
    }
  });

  it('J-15: one jwt-svid JWK per key with its kid', () => {
    const out = JSON.parse(bundle().marshal()) as { keys: Record<string, unknown>[] };
    const jwt = out.keys.filter((k) => k.use === 'jwt-svid');
    expect(jwt).toEqual([
      { use: 'jwt-svid', kid: 'a', ...publicJwk(k1) },
      { use: 'jwt-svid', kid: 'b', ...publicJwk(k2) },
    ]);
  });

  it('B-3, B-4: writes spiffe_sequence exactly (beyond 2^53) and spiffe_refresh_hint', () => {
    const text = bundle().marshal();
    expect(text).toMatch(/,"spiffe_sequence":18446744073709551615,"spiffe_refresh_hint":2419200}$/);
  });

  it('omits sequence and hint when unset', () => {
    expect(SpiffeBundle.empty(td).marshal()).toBe('{"keys":[]}');
  });

  it('round-trips exactly: parse(marshal(b)) equals b, and marshal is stable', () => {
    const b = bundle();
    const back = SpiffeBundle.parse(td, b.marshal());
    expect(back.equals(b)).toBe(true);
    expect(back.sequenceNumber).toBe(18446744073709551615n);
    expect(back.marshal()).toBe(b.marshal());
    expect(raws(back)).toEqual(raws(b));
    expect(kids(back)).toEqual(kids(b));
  });

  it('refuses to publish a CA whose key has no JWK form (unsupported_key_type)', () => {
    const pss = makeCa('example.org', 'rsa-pss');
    const b = SpiffeBundle.fromX509Authorities(td, [caA.cert, pss.cert]);
    const err = bundleError(() => b.marshal(), 'unsupported_key_type');
    expect(err.message).toContain('X.509 authority 1');
    expect(b.x509Bundle().marshal()).toContain('BEGIN CERTIFICATE'); // PEM still works
  });
});

describe('SpiffeBundle: construction, metadata, CRUD', () => {
  it('empty() and the from* constructors', () => {
    expect(SpiffeBundle.empty('example.org').isEmpty()).toBe(true);
    const x = SpiffeBundle.fromX509Bundle(X509Bundle.fromAuthorities(td, [caA.cert]));
    expect(raws(x)).toEqual([caA.der.toString('hex')]);
    expect(x.jwtAuthorities().size).toBe(0);
    const j = SpiffeBundle.fromJwtBundle(JwtBundle.fromJwtAuthorities(td, { a: k1 }));
    expect(kids(j)).toEqual(['a']);
    expect(j.x509Authorities()).toEqual([]);
    expect(raws(SpiffeBundle.fromX509Authorities(td, [caA.der]))).toHaveLength(1);
    expect(kids(SpiffeBundle.fromJwtAuthorities(td, new Map([['k', k2]])))).toEqual(['k']);
  });

  it('fromX509Bundle/fromJwtBundle copy their input', () => {
    const x = X509Bundle.fromAuthorities(td, [caA.cert]);
    const b = SpiffeBundle.fromX509Bundle(x);
    x.addX509Authority(caB.cert);
    expect(b.x509Authorities()).toHaveLength(1);
  });

  it('fromX509Bundle/fromJwtBundle refuse other values (invalid_argument)', () => {
    bundleError(
      () => SpiffeBundle.fromX509Bundle(JwtBundle.empty(td) as unknown as X509Bundle),
      'invalid_argument',
    );
    bundleError(() => SpiffeBundle.fromJwtBundle(null as unknown as JwtBundle), 'invalid_argument');
  });

  it('X.509 and JWT authority CRUD', () => {
    const b = SpiffeBundle.empty(td);
    b.addX509Authority(caA.cert);
    b.addX509Authority(caA.der);
    expect(b.hasX509Authority(caA.der)).toBe(true);
    b.setX509Authorities([caB.cert]);
    expect(raws(b)).toEqual([caB.der.toString('hex')]);
    b.removeX509Authority(caB.cert);
    b.addJwtAuthority('a', k1);
    expect(b.hasJwtAuthority('a')).toBe(true);
    expect(b.findJwtAuthority('a')).toBe(k1);
    b.setJwtAuthorities({ b: k2 });
    expect(kids(b)).toEqual(['b']);
    b.removeJwtAuthority('b');
    expect(b.isEmpty()).toBe(true);
    bundleError(() => b.addJwtAuthority('', k1), 'missing_key_id');
    bundleError(() => b.addX509Authority(new Uint8Array([1])), 'invalid_certificate');
  });

  it('B-3: setSequenceNumber takes bigint or safe integers up to 2^64-1, and undefined clears it', () => {
    const b = SpiffeBundle.empty(td);
    b.setSequenceNumber(5);
    expect(b.sequenceNumber).toBe(5n);
    b.setSequenceNumber(2n ** 64n - 1n);
    expect(b.sequenceNumber).toBe(18446744073709551615n);
    b.setSequenceNumber(undefined);
    expect(b.sequenceNumber).toBeUndefined();
    for (const bad of [-1, 1.5, 2 ** 53, -1n, 2n ** 64n, NaN, '1' as unknown as number]) {
      bundleError(() => b.setSequenceNumber(bad), 'invalid_sequence');
    }
  });

  it('B-4: setRefreshHint takes whole non-negative seconds, and undefined clears it', () => {
    const b = SpiffeBundle.empty(td);
    b.setRefreshHint(60);
    expect(b.refreshHint).toBe(60);
    b.setRefreshHint(undefined);
    expect(b.refreshHint).toBeUndefined();
    for (const bad of [-1, 0.5, Infinity, NaN, 60n as unknown as number]) {
      bundleError(() => b.setRefreshHint(bad), 'invalid_refresh_hint');
    }
  });

  it('equals() compares trust domain, hint, sequence and authorities', () => {
    const make = (): SpiffeBundle => {
      const b = SpiffeBundle.fromX509Authorities(td, [caA.cert, caB.cert]);
      b.setJwtAuthorities({ a: k1 });
      b.setSequenceNumber(1);
      b.setRefreshHint(60);
      return b;
    };
    const base = make();
    expect(base.equals(make())).toBe(true);
    const reordered = make();
    reordered.setX509Authorities([caB.cert, caA.cert]);
    expect(base.equals(reordered)).toBe(true);
    const changes: ((b: SpiffeBundle) => void)[] = [
      (b) => b.setSequenceNumber(2),
      (b) => b.setSequenceNumber(undefined),
      (b) => b.setRefreshHint(61),
      (b) => b.setRefreshHint(undefined),
      (b) => b.removeX509Authority(caA.cert),
      (b) => b.addJwtAuthority('b', k2),
      (b) => b.addJwtAuthority('a', k2),
    ];
    for (const change of changes) {
      const other = make();
      change(other);
      expect(base.equals(other)).toBe(false);
    }
    expect(SpiffeBundle.empty(td).equals(SpiffeBundle.empty('other.org'))).toBe(false);
    expect(base.equals(undefined)).toBe(false);
  });

  it('clone(), x509Bundle() and jwtBundle() are independent copies', () => {
    const b = SpiffeBundle.fromX509Authorities(td, [caA.cert]);
    b.addJwtAuthority('a', k1);
    b.setSequenceNumber(3);
    const c = b.clone();
    expect(c.equals(b)).toBe(true);
    c.addX509Authority(caB.cert);
    c.setSequenceNumber(4);
    expect(b.x509Authorities()).toHaveLength(1);
    expect(b.sequenceNumber).toBe(3n);
    b.x509Bundle().addX509Authority(caB.cert);
    b.jwtBundle().addJwtAuthority('b', k2);
    expect(b.x509Authorities()).toHaveLength(1);
    expect(kids(b)).toEqual(['a']);
    expect(b.x509Bundle().trustDomain.equals(td)).toBe(true);
  });

  it('B-1: is a source of all three kinds for its own trust domain only', () => {
    const b = SpiffeBundle.fromX509Authorities(td, [caA.cert]);
    b.addJwtAuthority('a', k1);
    expect(b.getBundleForTrustDomain('example.org')).toBe(b);
    expect(b.getX509BundleForTrustDomain(td).hasX509Authority(caA.cert)).toBe(true);
    expect(b.getJwtBundleForTrustDomain(td).hasJwtAuthority('a')).toBe(true);
    expect(bundleError(() => b.getBundleForTrustDomain('other.org'), 'bundle_not_found').message).toBe(
      'no SPIFFE bundle for trust domain "other.org"',
    );
    expect(bundleError(() => b.getX509BundleForTrustDomain('other.org'), 'bundle_not_found').message).toBe(
      'no X.509 bundle for trust domain "other.org"',
    );
    expect(bundleError(() => b.getJwtBundleForTrustDomain('other.org'), 'bundle_not_found').message).toBe(
      'no JWT bundle for trust domain "other.org"',
    );
  });

  it('load() reads a bundle file; a missing file gives read_failed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spiffebundle-'));
    writeFileSync(join(dir, 'b.json'), doc([x509Jwk(caA)], { spiffe_sequence: 1 }));
    expect((await SpiffeBundle.load(td, join(dir, 'b.json'))).sequenceNumber).toBe(1n);
    const err = await SpiffeBundle.load(td, join(dir, 'x.json')).catch((e: unknown) => e);
    expect((err as BundleError).code).toBe('read_failed');
  });

  it('never echoes key material in errors', () => {
    const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = privateKey.export({ format: 'jwk' });
    const err = bundleError(
      () => SpiffeBundle.parse(td, doc([{ use: 'jwt-svid', kid: 'a', ...jwk }])),
      'invalid_jwk',
    );
    expect(err.message).not.toContain(jwk.d as string);
  });
});
