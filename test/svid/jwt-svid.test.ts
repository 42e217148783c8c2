import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { jwtVerify, SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { JWT_SVID_ALGORITHMS, JwtSvid, SvidError, type JwtSvidParseOptions } from '../../src/svid/index.js';
import { expectSvidError, jwtSource, sharedKey } from './support.js';

const SUB = 'spiffe://example.org/workload';
const AUD = 'spiffe://example.org/backend';
const NOW = 1_900_000_000; // seconds; every token is checked at this time
const at = (s = NOW) => ({ time: new Date(s * 1000) });

const keys = {
  ES256: sharedKey('ec-p256'),
  ES384: sharedKey('ec-p384'),
  ES512: sharedKey('ec-p521'),
  RSA: sharedKey('rsa-2048'),
};
const keyFor = (alg: string) => (alg.startsWith('ES') ? keys[alg as 'ES256'] : keys.RSA);
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const source = jwtSource({
  'example.org': {
    'kid-es256': keys.ES256.publicKey,
    'kid-es384': keys.ES384.publicKey,
    'kid-es512': keys.ES512.publicKey,
    'kid-rsa': keys.RSA.publicKey,
  },
  'other.org': { 'kid-other': other.publicKey },
});

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const claims = (extra: Record<string, unknown> = {}) => ({
  sub: SUB,
  aud: [AUD],
  exp: NOW + 300,
  iat: NOW - 10,
  ...extra,
});

/** Signs raw header/payload JSON (or text) with node:crypto, so malformed headers can be minted. */
function signRaw(header: unknown, payload: unknown, key: KeyObject, alg = 'ES256'): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const hash = `sha${alg.slice(2)}`;
  const opts = alg.startsWith('ES')
    ? { key, dsaEncoding: 'ieee-p1363' as const }
    : alg.startsWith('PS')
      ? { key, padding: 6, saltLength: Number(alg.slice(2)) / 8 }
      : { key };
  return `${input}.${sign(hash, Buffer.from(input), opts).toString('base64url')}`;
}
const token = (extraClaims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
  signRaw(
    { alg: 'ES256', kid: 'kid-es256', typ: 'JWT', ...header },
    claims(extraClaims),
    keys.ES256.privateKey,
  );
const validate =
  (t: string, aud: string | string[] = AUD, options: JwtSvidParseOptions = at()) =>
  () =>
    JwtSvid.parseAndValidate(t, source, aud, options);

async function joseSign(
  alg: string,
  payload: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT', ...header }).sign(keyFor(alg).privateKey);
}

describe('JwtSvid.parseAndValidate: algorithms (J-3) signed by jose', () => {
  it('allows exactly the nine JWT-SVID algorithms', () => {
    expect([...JWT_SVID_ALGORITHMS].sort()).toEqual([
      'ES256',
      'ES384',
      'ES512',
      'PS256',
      'PS384',
      'PS512',
      'RS256',
      'RS384',
      'RS512',
    ]);
  });
  it.each(JWT_SVID_ALGORITHMS)('%s: a jose-signed token validates, with and without kid', async (alg) => {
    const kid = alg.startsWith('ES') ? `kid-${alg.toLowerCase()}` : 'kid-rsa';
    const withKid = await joseSign(alg, claims(), { kid });
    const svid = JwtSvid.parseAndValidate(withKid, source, AUD, at());
    expect(svid.id.toString()).toBe(SUB);
    const noKid = await joseSign(alg, claims());
    expect(JwtSvid.parseAndValidate(noKid, source, AUD, at()).id.toString()).toBe(SUB);
  });
});

describe('JwtSvid.parseAndValidate: result', () => {
  it('exposes id, audience, expiry, all claims, hint and the token', () => {
    // A claim beyond 2^53 comes back as a plain (rounded) number, as JSON.parse gives it.
    const payload = JSON.stringify(claims({ aud: AUD, custom: { nested: [1, 'x'] } })).replace(
      /}$/,
      ',"big":12345678901234567890}',
    );
    const t = signRaw({ alg: 'ES256', kid: 'kid-es256' }, payload, keys.ES256.privateKey);
    const svid = JwtSvid.parseAndValidate(t, source, [AUD], { ...at(), hint: 'h' });
    expect(svid.id.toString()).toBe(SUB);
    expect(svid.audience).toEqual([AUD]);
    expect(svid.expiry.getTime()).toBe((NOW + 300) * 1000);
    expect(svid.claims).toMatchObject({
      sub: SUB,
      aud: AUD,
      custom: { nested: [1, 'x'] },
    });
    expect(svid.claims.big).toBe(Number('12345678901234567890'));
    expect(svid.hint).toBe('h');
    expect(svid.token).toBe(t);
    expect(svid.marshal()).toBe(t);
    expect(svid).toBeInstanceOf(JwtSvid);
    expect(inspect(svid)).not.toContain(t.split('.')[2]);
  });
});

describe('J-1: compact serialization only', () => {
  const good = token();
  const [h, p, s] = good.split('.') as [string, string, string];
  it.each([
    ['two parts', `${h}.${p}`],
    ['four parts', `${good}.x`],
    ['five parts (JWE)', 'a.b.c.d.e'],
    ['JSON serialization', JSON.stringify({ payload: p, protected: h, signature: s })],
    ['empty signature', `${h}.${p}.`],
    ['empty payload', `${h}..${s}`],
    ['padding', `${h}.${p}.${s}==`],
    ['standard-base64 characters', `${h}.${p}.${s.replace(/[-_]/g, '+')}x`],
    ['whitespace', `${h} .${p}.${s}`],
    [
      'a length of 1 mod 4',
      `${h}.${p}.${s}A`.slice(0, h.length + p.length + 2 + (s.length - (s.length % 4)) + 1),
    ],
    ['empty string', ''],
  ])('refuses %s', (_name, t) => {
    expectSvidError(validate(t), 'malformed_token');
  });
  it('refuses non-canonical base64url (non-zero trailing bits)', () => {
    // "eyJ" + a last character whose unused bits are set decodes to the same bytes as the canonical one.
    const last = s[s.length - 1]!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = alphabet[alphabet.indexOf(last) + 1]!;
    const bytesEqual = Buffer.from(s.slice(0, -1) + twin, 'base64url').equals(Buffer.from(s, 'base64url'));
    expect(bytesEqual).toBe(true); // 64-byte ES256 signature: 86 chars, 4 unused bits
    expectSvidError(validate(`${h}.${p}.${s.slice(0, -1)}${twin}`), 'malformed_token', /canonical/);
  });
  it('refuses a header or payload that is not a JSON object, or not UTF-8', () => {
    const k = keys.ES256.privateKey;
    expectSvidError(validate(signRaw('not json', claims(), k)), 'malformed_token', /header/);
    expectSvidError(
      validate(signRaw(['alg', 'ES256'], claims(), k)),
      'malformed_token',
      /header is not a JSON object/,
    );
    expectSvidError(
      validate(signRaw({ alg: 'ES256' }, 'null', k)),
      'malformed_token',
      /payload is not a JSON object/,
    );
    expectSvidError(validate(signRaw({ alg: 'ES256' }, '[1]', k)), 'malformed_token', /payload/);
    const badUtf8 = `${b64({ alg: 'ES256' })}.${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}.${s}`;
    expectSvidError(validate(badUtf8), 'malformed_token', /UTF-8/);
  });
  it('refuses repeated member names in the header or the claims (RFC 7515 §4, RFC 7519 §4)', () => {
    const k = keys.ES256.privateKey;
    const dupHeader = signRaw('{"alg":"none","alg":"ES256","kid":"kid-es256"}', claims(), k);
    expectSvidError(validate(dupHeader), 'malformed_token', /repeats the member "alg"/);
    const dupSub = signRaw(
      { alg: 'ES256', kid: 'kid-es256' },
      `{"sub":"spiffe://other.org/x","aud":"${AUD}","exp":${NOW + 60},"sub":"${SUB}"}`,
      k,
    );
    expectSvidError(validate(dupSub), 'malformed_token', /repeats the member "sub"/);
  });
  it('refuses tokens longer than 64 KiB and non-string tokens', () => {
    expectSvidError(validate(token({ pad: 'x'.repeat(70_000) })), 'malformed_token', /65536/);
    expectSvidError(validate(42 as unknown as string), 'invalid_argument');
  });
});

describe('J-3/J-4: alg is checked before anything else', () => {
  it.each(['none', 'HS256', 'HS512', 'EdDSA', 'es256', 'RS1', 'ES256K', '__proto__', 'toString'])(
    'refuses alg %s',
    (alg) => {
      const t = `${b64({ alg, kid: 'kid-es256' })}.${b64(claims())}.${b64('sig')}`;
      expectSvidError(validate(t), 'unsupported_algorithm', /J-4/);
    },
  );
  it('refuses a missing or non-string alg', () => {
    expectSvidError(
      validate(`${b64({ kid: 'k' })}.${b64(claims())}.AAAA`),
      'unsupported_algorithm',
      /missing/,
    );
    expectSvidError(
      validate(`${b64({ alg: ['ES256'] })}.${b64(claims())}.AAAA`),
      'unsupported_algorithm',
      /object/,
    );
  });
  it('reports the algorithm before a bad payload, unknown trust domain or unknown key', () => {
    expectSvidError(
      validate(`${b64({ alg: 'HS256', kid: 'nope' })}.${b64('garbage')}.AAAA`),
      'unsupported_algorithm',
    );
    expectSvidError(
      validate(`${b64({ alg: 'none' })}.${b64(claims({ sub: 'spiffe://unknown.org/x' }))}.AAAA`),
      'unsupported_algorithm',
    );
  });
  it('refuses an HS256 token made with the public key as HMAC secret (algorithm confusion)', async () => {
    const { createHmac } = await import('node:crypto');
    const secret = keys.RSA.publicKey.export({ type: 'spki', format: 'pem' });
    const input = `${b64({ alg: 'HS256', kid: 'kid-rsa' })}.${b64(claims())}`;
    const t = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    expectSvidError(validate(t), 'unsupported_algorithm');
  });
});

describe('J-3: the key type must fit alg', () => {
  it('refuses a kid whose key does not fit alg (EC key for RS256, P-384 key for ES256)', () => {
    const rs = signRaw({ alg: 'RS256', kid: 'kid-es256' }, claims(), keys.RSA.privateKey, 'RS256');
    expectSvidError(validate(rs), 'key_algorithm_mismatch', /RS256 needs an RSA key/);
    const es = signRaw({ alg: 'ES256', kid: 'kid-es384' }, claims(), keys.ES256.privateKey);
    expectSvidError(validate(es), 'key_algorithm_mismatch', /prime256v1/);
  });
  it('refuses RSA keys shorter than 2048 bits', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const src = jwtSource({ 'example.org': { k: small.publicKey } });
    const t = signRaw({ alg: 'RS256', kid: 'k' }, claims(), small.privateKey, 'RS256');
    expectSvidError(() => JwtSvid.parseAndValidate(t, src, AUD, at()), 'key_algorithm_mismatch', /2048/);
  });
  it('ES*: refuses a DER-encoded (not IEEE P1363) signature', () => {
    const input = `${b64({ alg: 'ES256', kid: 'kid-es256' })}.${b64(claims())}`;
    const der = sign('sha256', Buffer.from(input), keys.ES256.privateKey);
    expectSvidError(validate(`${input}.${der.toString('base64url')}`), 'invalid_signature');
  });
  it('PS*: refuses an RS-signed token labelled PS256 and vice versa', () => {
    const rsAsPs = signRaw({ alg: 'RS256', kid: 'kid-rsa' }, claims(), keys.RSA.privateKey, 'RS256').split(
      '.',
    );
    const relabelled = signRaw(
      { alg: 'PS256', kid: 'kid-rsa' },
      claims(),
      keys.RSA.privateKey,
      'PS256',
    ).split('.');
    expectSvidError(validate(`${relabelled[0]}.${relabelled[1]}.${rsAsPs[2]}`), 'invalid_signature');
  });
});

describe('J-5/A-4: kid', () => {
  it('uses the key named by kid; an unknown kid is authority_not_found', () => {
    expectSvidError(validate(token({}, { kid: 'nope' })), 'authority_not_found', /"nope"/);
  });
  it("without kid tries each key of sub's trust domain that fits alg", () => {
    const t = signRaw({ alg: 'ES384' }, claims(), keys.ES384.privateKey, 'ES384');
    expect(validate(t)().id.toString()).toBe(SUB);
  });
  it('without kid and with no key that fits alg: authority_not_found', () => {
    const src = jwtSource({ 'example.org': { a: keys.ES256.publicKey } });
    const t = signRaw({ alg: 'RS256' }, claims(), keys.RSA.privateKey, 'RS256');
    expectSvidError(() => JwtSvid.parseAndValidate(t, src, AUD, at()), 'authority_not_found', /no kid/);
  });
  it('without kid and no key verifying: invalid_signature', () => {
    const t = signRaw(
      { alg: 'ES256' },
      claims(),
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
    );
    expectSvidError(validate(t), 'invalid_signature');
  });
  it('refuses an empty or non-string kid', () => {
    expectSvidError(validate(token({}, { kid: '' })), 'invalid_header', /kid/);
    expectSvidError(validate(token({}, { kid: 7 })), 'invalid_header', /kid/);
  });
});

describe("J-17/B-1: only the bundle of sub's trust domain", () => {
  it("refuses a token for example.org signed with other.org's key (kid of other.org)", () => {
    const t = signRaw({ alg: 'ES256', kid: 'kid-other' }, claims(), other.privateKey);
    expectSvidError(validate(t), 'authority_not_found');
  });
  it("refuses it without kid too (other.org's keys are never tried)", () => {
    const t = signRaw({ alg: 'ES256' }, claims(), other.privateKey);
    expectSvidError(validate(t), 'invalid_signature');
  });
  it("accepts other.org's token with other.org's key", () => {
    const t = signRaw(
      { alg: 'ES256', kid: 'kid-other' },
      claims({ sub: 'spiffe://other.org/x' }),
      other.privateKey,
    );
    expect(validate(t)().id.toString()).toBe('spiffe://other.org/x');
  });
  it("bundle_not_found when the source has no bundle for sub's trust domain", () => {
    expectSvidError(validate(token({ sub: 'spiffe://third.org/x' })), 'bundle_not_found', /third\.org/);
  });
  it('refuses a tampered payload (invalid_signature)', () => {
    const [h, , s] = token().split('.');
    expectSvidError(
      validate(`${h}.${b64(claims({ sub: 'spiffe://example.org/admin' }))}.${s}`),
      'invalid_signature',
    );
  });
  it('A-8: never takes a key from jwk, jku, x5u or x5c headers', async () => {
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = attacker.publicKey.export({ format: 'jwk' });
    const t = signRaw(
      { alg: 'ES256', jwk, jku: 'https://evil.example/jwks', x5u: 'https://evil.example/c', x5c: ['AAAA'] },
      claims(),
      attacker.privateKey,
    );
    expectSvidError(validate(t), 'invalid_signature');
  });
});

describe('J-6, crit: other header rules', () => {
  it.each(['JWT', 'JOSE', undefined])('accepts typ %s', (typ) => {
    expect(validate(token({}, { typ }))().id.toString()).toBe(SUB);
  });
  it.each(['wit+jwt', 'jwt', 'at+jwt', 'JWS', ''])('A-7: refuses typ %j', (typ) => {
    expectSvidError(validate(token({}, { typ })), 'invalid_header', /J-6/);
  });
  it('refuses a non-string typ', () => {
    expectSvidError(validate(token({}, { typ: 1 })), 'invalid_header');
  });
  it('refuses a crit header (no JWS extension is understood)', () => {
    expectSvidError(validate(token({}, { crit: ['exp'] })), 'invalid_header', /crit/);
    expectSvidError(validate(token({}, { crit: [], b64: false })), 'invalid_header', /crit/);
  });
  it('ignores other header parameters (A-8)', () => {
    expect(validate(token({}, { cty: 'x', foo: 1 }))().id.toString()).toBe(SUB);
  });
});

describe('J-7..J-12: claims', () => {
  it('J-7: refuses a missing, non-string or invalid sub', () => {
    expectSvidError(validate(token({ sub: undefined })), 'missing_claim', /sub/);
    expectSvidError(validate(token({ sub: 42 })), 'invalid_claim', /sub/);
    expectSvidError(validate(token({ sub: 'spiffe://Example.org/x' })), 'invalid_claim', /SPIFFE ID/);
    expectSvidError(validate(token({ sub: 'https://example.org/x' })), 'invalid_claim');
  });
  it('J-8/J-9/A-5: aud may be a string or a non-empty array of strings; missing or malformed is refused', () => {
    expect(validate(token({ aud: AUD }))().audience).toEqual([AUD]);
    expect(validate(token({ aud: ['x', AUD] }))().audience).toEqual(['x', AUD]);
    expectSvidError(validate(token({ aud: undefined })), 'missing_claim', /aud/);
    expectSvidError(validate(token({ aud: [] })), 'invalid_claim', /aud/);
    expectSvidError(validate(token({ aud: [AUD, 1] })), 'invalid_claim');
    expectSvidError(validate(token({ aud: null })), 'invalid_claim');
    expectSvidError(validate(token({ aud: { 0: AUD } })), 'invalid_claim');
  });
  it('J-10/A-6: accepted when any expected audience is in aud; exact, case-sensitive match', () => {
    expect(validate(token({ aud: ['b'] }), ['a', 'b'])().id.toString()).toBe(SUB);
    expectSvidError(validate(token({ aud: ['b'] }), ['a', 'c']), 'audience_mismatch', /J-10/);
    expectSvidError(validate(token({ aud: ['SPIFFE://example.org/backend'] })), 'audience_mismatch');
    expectSvidError(validate(token({ aud: ['spiffe://example.org/backend/x'] })), 'audience_mismatch');
    expectSvidError(validate(token({ aud: ['spiffe://example.org/back'] })), 'audience_mismatch');
  });
  it('A-6: the expected audience must be non-empty (go-jose skips the check otherwise)', () => {
    expectSvidError(validate(token(), []), 'invalid_argument', /A-6/);
    expectSvidError(validate(token(), ''), 'invalid_argument');
    expectSvidError(validate(token(), [AUD, '']), 'invalid_argument');
    expectSvidError(validate(token(), [1 as unknown as string]), 'invalid_argument');
    expectSvidError(() => JwtSvid.parseInsecure(token(), []), 'invalid_argument');
  });
  it('J-12: exp is required and must be a number', () => {
    expectSvidError(validate(token({ exp: undefined })), 'missing_claim', /exp/);
    expectSvidError(validate(token({ exp: String(NOW + 60) })), 'invalid_claim', /exp/);
    expectSvidError(validate(token({ nbf: 'soon' })), 'invalid_claim', /nbf/);
    expectSvidError(validate(token({ iat: true })), 'invalid_claim', /iat/);
  });
  it('J-12/A-9: exp with 60 s default leeway (go parity), configurable', () => {
    const t = token({ exp: NOW - 30 });
    expect(validate(t)().id.toString()).toBe(SUB);
    expectSvidError(validate(t, AUD, { ...at(), leewaySeconds: 0 }), 'token_expired');
    expectSvidError(validate(token({ exp: NOW - 61 })), 'token_expired', /J-12/);
    expect(validate(token({ exp: NOW - 61 }), AUD, { ...at(), leewaySeconds: 120 })().id.toString()).toBe(
      SUB,
    );
  });
  it('nbf: not valid before nbf − leeway', () => {
    expect(validate(token({ nbf: NOW + 30 }))().id.toString()).toBe(SUB);
    expectSvidError(validate(token({ nbf: NOW + 61 })), 'token_not_yet_valid');
  });
  it('A-9: refuses iat in the future beyond the leeway', () => {
    expect(validate(token({ iat: NOW + 30 }))().id.toString()).toBe(SUB);
    expectSvidError(validate(token({ iat: NOW + 61 })), 'token_issued_in_future', /A-9/);
  });
  it('uses the current time by default', () => {
    expectSvidError(
      () => JwtSvid.parseAndValidate(token({ exp: Math.floor(Date.now() / 1000) - 3600 }), source, AUD),
      'token_expired',
    );
  });
  it('refuses bad options and a bad source', () => {
    expectSvidError(validate(token(), AUD, { leewaySeconds: -1 } as never), 'invalid_argument');
    expectSvidError(validate(token(), AUD, { time: new Date(NaN) }), 'invalid_argument');
    expectSvidError(validate(token(), AUD, { ...at(), hint: 3 } as never), 'invalid_argument');
    expectSvidError(() => JwtSvid.parseAndValidate(token(), {} as never, AUD, at()), 'invalid_argument');
  });
  it("checks the signature before the claims' times and audience", () => {
    const [h, , s] = token().split('.');
    expectSvidError(validate(`${h}.${b64(claims({ exp: NOW - 1000, aud: 'x' }))}.${s}`), 'invalid_signature');
  });
});

describe('JwtSvid.parseInsecure', () => {
  it('parses without checking the signature (any key, even none known)', () => {
    const t = signRaw(
      { alg: 'ES256', kid: 'unknown' },
      claims({ sub: 'spiffe://third.org/x' }),
      other.privateKey,
    );
    const svid = JwtSvid.parseInsecure(t, AUD, { ...at(), hint: 'h' });
    expect(svid.id.toString()).toBe('spiffe://third.org/x');
    expect(svid.hint).toBe('h');
  });
  it('still applies the header, claim, time and audience rules', () => {
    expectSvidError(
      () => JwtSvid.parseInsecure(`${b64({ alg: 'ES256' })}.${b64(claims())}`, AUD, at()),
      'malformed_token',
    );
    expectSvidError(
      () => JwtSvid.parseInsecure(`${b64({ alg: 'none' })}.${b64(claims())}.AAAA`, AUD, at()),
      'unsupported_algorithm',
    );
    expectSvidError(() => JwtSvid.parseInsecure(token({}, { typ: 'wit+jwt' }), AUD, at()), 'invalid_header');
    expectSvidError(() => JwtSvid.parseInsecure(token({ sub: undefined }), AUD, at()), 'missing_claim');
    expectSvidError(() => JwtSvid.parseInsecure(token({ exp: NOW - 100 }), AUD, at()), 'token_expired');
    expectSvidError(() => JwtSvid.parseInsecure(token(), 'other', at()), 'audience_mismatch');
  });
});

describe('cross-check with jose (independent implementation)', () => {
  const joseKey = keys.ES256.publicKey;
  const joseVerify = (t: string) =>
    jwtVerify(t, joseKey, {
      audience: AUD,
      currentDate: new Date(NOW * 1000),
      clockTolerance: 60,
      algorithms: [...JWT_SVID_ALGORITHMS],
      typ: undefined,
    });

  it('tokens jose accepts and that meet the JWT-SVID rules are accepted here', async () => {
    for (const t of [
      token(),
      token({ aud: AUD }),
      token({}, { typ: 'JOSE' }),
      await joseSign('ES256', claims(), { kid: 'kid-es256' }),
    ]) {
      await expect(joseVerify(t)).resolves.toBeDefined();
      expect(validate(t)().id.toString()).toBe(SUB);
    }
  });
  it.each([
    ['unsecured (alg none)', () => new UnsecuredJWT(claims()).encode()],
    ['expired', () => token({ exp: NOW - 100 })],
    ['not yet valid', () => token({ nbf: NOW + 100 })],
    ['wrong audience', () => token({ aud: 'x' })],
    ['crit header', () => token({}, { crit: ['x'], x: 1 })],
    [
      'tampered payload',
      () => {
        const [h, , s] = token().split('.');
        return `${h}.${b64(claims({ sub: 'spiffe://example.org/admin' }))}.${s}`;
      },
    ],
    ['HS256', () => `${b64({ alg: 'HS256' })}.${b64(claims())}.AAAA`],
  ])('tokens jose rejects are rejected here: %s', async (_name, make) => {
    const t = make();
    await expect(joseVerify(t)).rejects.toThrow();
    expect(validate(t)).toThrow(SvidError);
  });
  it('is stricter than jose on encoding: a padded signature passes jose but not J-1 here', async () => {
    const padded = `${token()}==`;
    await expect(joseVerify(padded)).resolves.toBeDefined();
    expectSvidError(validate(padded), 'malformed_token');
  });
});
