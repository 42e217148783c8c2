import { decodeProtectedHeader, decodeJwt, errors as joseErrors, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { JwtSvid, JWT_SVID_ALGORITHMS } from '../../src/svid/index.js';
import { SpiffeIdError } from '../../src/spiffeid/index.js';
import { FakeCa, ManualClock, TestingError, type JwtSvidAlgorithm } from '../../src/testing/index.js';

const TD = 'example.org';
const ID = 'spiffe://example.org/workload';
const AUD = 'spiffe://example.org/api';
const ALGS: JwtSvidAlgorithm[] = [
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
];

// One CA for the algorithm matrix: its RSA key is made once.
const shared = new FakeCa({ trustDomain: TD });

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('FakeCa.issueJwtSvid: valid tokens', () => {
  it('J-3: the algorithm list matches the svid layer', () => {
    expect([...JWT_SVID_ALGORITHMS].sort()).toEqual([...ALGS].sort());
  });

  it.each(ALGS)('J-3: %s verifies with jose and with JwtSvid', async (alg) => {
    const issued = shared.issueJwtSvid({ id: ID, audience: AUD, alg });
    const key = shared.jwtAuthorities().get(issued.kid!)!;
    const { payload, protectedHeader } = await jwtVerify(issued.token, key, {
      algorithms: [alg],
      audience: AUD,
    });
    expect(protectedHeader).toEqual({ alg, kid: issued.kid, typ: 'JWT' });
    expect(payload.sub).toBe(ID);
    expect(payload.aud).toBe(AUD);
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(JwtSvid.parseAndValidate(issued.token, shared.jwtBundle(), AUD).id.toString()).toBe(ID);
    expect(issued.alg).toBe(alg);
  });

  it('one key per family: ES256, ES384, ES512 (P-521) and one RSA key for RS* and PS*', () => {
    const kids = new Map(ALGS.map((alg) => [alg, shared.issueJwtSvid({ id: ID, audience: AUD, alg }).kid]));
    const curve = (alg: JwtSvidAlgorithm) =>
      shared.jwtAuthorities().get(kids.get(alg)!)!.asymmetricKeyDetails?.namedCurve;
    expect([curve('ES256'), curve('ES384'), curve('ES512')]).toEqual([
      'prime256v1',
      'secp384r1',
      'secp521r1',
    ]);
    expect(new Set(ALGS.filter((a) => /^[RP]S/.test(a)).map((a) => kids.get(a))).size).toBe(1);
    expect(new Set(kids.values()).size).toBe(4);
    expect(shared.jwtAuthorities().size).toBe(4);
  });

  it('B-3, F-1: a new family key is published (sequence + 1) before it signs', () => {
    const ca = new FakeCa({ trustDomain: TD });
    expect(ca.jwtAuthorities().size).toBe(1);
    const seen: number[] = [];
    ca.onBundleChange(() => seen.push(ca.jwtAuthorities().size));
    const issued = ca.issueJwtSvid({ id: ID, audience: AUD, alg: 'ES384' });
    expect(seen).toEqual([2]);
    expect(ca.sequenceNumber).toBe(2n);
    expect(ca.jwtAuthorities().has(issued.kid!)).toBe(true);
    ca.issueJwtSvid({ id: ID, audience: AUD, alg: 'ES384' });
    expect(ca.sequenceNumber).toBe(2n);
  });

  it('claims follow the clock; ttl; audience as string or list (A-5)', () => {
    const clock = new ManualClock(new Date('2030-01-01T00:00:00.700Z'));
    const ca = new FakeCa({ trustDomain: TD, clock });
    const one = ca.issueJwtSvid({ id: ID, audience: AUD, ttl: 60_000 });
    expect(decodeJwt(one.token)).toEqual({ sub: ID, aud: AUD, iat: 1893456000, exp: 1893456060 });
    expect(one.expiresAt?.toISOString()).toBe('2030-01-01T00:01:00.000Z');
    expect(one.audience).toEqual([AUD]);
    expect(one.id.toString()).toBe(ID);
    const many = ca.issueJwtSvid({ id: ID, audience: [AUD, 'other'] });
    expect(decodeJwt(many.token).aud).toEqual([AUD, 'other']);
    expect(many.audience).toEqual([AUD, 'other']);
    expect(
      JwtSvid.parseAndValidate(many.token, ca.jwtBundle(), 'other', { time: clock.now() }).audience,
    ).toEqual([AUD, 'other']);
  });

  it('extra claims are added (J-7..J-12 allow them)', () => {
    const { token } = shared.issueJwtSvid({
      id: ID,
      audience: AUD,
      claims: { iss: 'fake', nested: { a: 1 } },
    });
    expect(decodeJwt(token)).toMatchObject({ iss: 'fake', nested: { a: 1 }, sub: ID });
    const proto = shared.issueJwtSvid({ id: ID, audience: AUD, claims: JSON.parse('{"__proto__":{"x":1}}') });
    expect(Buffer.from(proto.token.split('.')[1]!, 'base64url').toString()).toContain('"__proto__":{"x":1}');
  });
});

describe('FakeCa.issueJwtSvid: overrides mint the named defect', () => {
  const verifyCode = (token: string, options = {}) =>
    (errorOf(() => JwtSvid.parseAndValidate(token, shared.jwtBundle(), AUD, options)) as { code: string })
      .code;

  it.each(['none', 'HS256', 'HS384', 'HS512', 'EdDSA'] as const)(
    'J-4: alg %s is refused by jose and JwtSvid',
    async (alg) => {
      const issued = shared.issueJwtSvid({ id: ID, audience: AUD, alg });
      expect(decodeProtectedHeader(issued.token)).toEqual({ alg, typ: 'JWT' });
      expect(issued.kid).toBeUndefined();
      const [, , signature] = issued.token.split('.');
      expect(signature!.length > 0).toBe(alg !== 'none');
      const key = shared.jwtAuthorities().values().next().value!;
      await expect(jwtVerify(issued.token, key, { algorithms: ['ES256'] })).rejects.toBeInstanceOf(
        joseErrors.JOSEAlgNotAllowed,
      );
      expect(verifyCode(issued.token)).toBe('unsupported_algorithm');
    },
  );

  it('X-14-like: an invalid signature', async () => {
    const issued = shared.issueJwtSvid({ id: ID, audience: AUD, invalidSignature: true });
    const key = shared.jwtAuthorities().get(issued.kid!)!;
    await expect(jwtVerify(issued.token, key)).rejects.toBeInstanceOf(
      joseErrors.JWSSignatureVerificationFailed,
    );
    expect(verifyCode(issued.token)).toBe('invalid_signature');
  });

  it('J-5, A-4: kid omitted or unknown', async () => {
    const none = shared.issueJwtSvid({ id: ID, audience: AUD, kid: null });
    expect(decodeProtectedHeader(none.token)).toEqual({ alg: 'ES256', typ: 'JWT' });
    expect(none.kid).toBeUndefined();
    // Still signed by the ES256 key: it verifies when the key is supplied directly.
    const es256 = [...shared.jwtAuthorities().values()][0]!;
    await expect(jwtVerify(none.token, es256)).resolves.toBeDefined();
    const unknown = shared.issueJwtSvid({ id: ID, audience: AUD, kid: 'no-such-key' });
    expect(decodeProtectedHeader(unknown.token).kid).toBe('no-such-key');
    expect(verifyCode(unknown.token)).toBe('authority_not_found');
  });

  it.each([
    ['J-9: no aud', { aud: undefined }, 'missing_claim'],
    ['J-12: no exp', { exp: undefined }, 'missing_claim'],
    ['J-7: no sub', { sub: undefined }, 'missing_claim'],
    ['J-7: sub is not a SPIFFE ID', { sub: 'https://example.org/x' }, 'invalid_claim'],
    ['J-12: exp in the past', { exp: Math.floor(Date.now() / 1000) - 3600 }, 'token_expired'],
    ['A-9: nbf in the future', { nbf: Math.floor(Date.now() / 1000) + 3600 }, 'token_not_yet_valid'],
    ['A-9: iat in the future', { iat: Math.floor(Date.now() / 1000) + 3600 }, 'token_issued_in_future'],
  ])('%s', (_name, claims, code) => {
    const issued = shared.issueJwtSvid({ id: ID, audience: AUD, claims });
    const payload = decodeJwt(issued.token);
    for (const [name, value] of Object.entries(claims)) expect(payload[name]).toEqual(value);
    expect(verifyCode(issued.token)).toBe(code);
    if ('exp' in claims && claims.exp === undefined) expect(issued.expiresAt).toBeUndefined();
  });

  it('J-10: an audience the validator does not accept', () => {
    const issued = shared.issueJwtSvid({ id: ID, audience: 'someone-else' });
    expect(verifyCode(issued.token)).toBe('audience_mismatch');
  });

  it.each([
    ['J-6: typ wit+jwt', { typ: 'wit+jwt' }],
    ['J-2, A-8: a crit header', { crit: ['exp'] }],
  ])('%s', (_name, header) => {
    const issued = shared.issueJwtSvid({ id: ID, audience: AUD, header });
    expect(decodeProtectedHeader(issued.token)).toMatchObject(header);
    expect(verifyCode(issued.token)).toBe('invalid_header');
  });

  it('J-6: typ removed or JOSE are accepted', () => {
    for (const header of [{ typ: undefined }, { typ: 'JOSE' }]) {
      const issued = shared.issueJwtSvid({ id: ID, audience: AUD, header });
      expect(decodeProtectedHeader(issued.token).typ).toBe(header.typ);
      expect(JwtSvid.parseAndValidate(issued.token, shared.jwtBundle(), AUD).id.toString()).toBe(ID);
    }
  });

  it("J-17: a token signed by another trust domain's CA", () => {
    const other = new FakeCa({ trustDomain: 'other.org' });
    const issued = other.issueJwtSvid({ id: ID, audience: AUD });
    expect(verifyCode(issued.token)).toBe('authority_not_found');
  });

  it('bad options: invalid_option or SpiffeIdError', () => {
    expect(() => shared.issueJwtSvid({ id: ID, audience: 5 as unknown as string })).toThrow(TestingError);
    expect(() => shared.issueJwtSvid({ id: ID, audience: [AUD, 1 as unknown as string] })).toThrow(
      TestingError,
    );
    expect(() => shared.issueJwtSvid({ id: ID, audience: AUD, alg: 'RS1' as JwtSvidAlgorithm })).toThrow(
      expect.objectContaining({ code: 'invalid_option', message: expect.stringContaining('RS1') }),
    );
    expect(() => shared.issueJwtSvid({ id: ID, audience: AUD, ttl: 0 })).toThrow(TestingError);
    expect(() => shared.issueJwtSvid({ id: 'spiffe://Example.org/x', audience: AUD })).toThrow(SpiffeIdError);
  });
});
