import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JwtSvid, parseAndVerifyX509Svid, SvidError, X509Svid } from '../../src/svid/index.js';
import { intermediateCa, jwtSource, leafCert, rootCa, sharedKey, x509Source } from './support.js';

/** Runs `fn`; anything it throws must be an SvidError (never a TypeError, RangeError, ...). */
function onlySvidErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof SvidError)) throw error;
  }
}

const root = rootCa('example.org');
const inter = intermediateCa(root, 'example.org');
const leaf = leafCert(inter, 'spiffe://example.org/w');
const keyDer = new Uint8Array(leaf.keyPair.privateKey.export({ type: 'pkcs8', format: 'der' }));
const keyPem = leaf.keyPair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const source = x509Source({ 'example.org': [root.certificate] });
const jwt = jwtSource({ 'example.org': { k: sharedKey('ec-p256').publicKey } });

/** Bytes of `base` with a few bytes overwritten, cut or extended: near-valid DER. */
const mutated = (base: Uint8Array) =>
  fc
    .record({
      edits: fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 4,
      }),
      cut: fc.option(fc.nat(base.length), { nil: undefined }),
    })
    .map(({ edits, cut }) => {
      const out = Uint8Array.from(base);
      for (const [i, b] of edits) out[i] = b;
      return cut === undefined ? out : out.subarray(0, cut);
    });

describe('fuzz: only SvidError escapes', () => {
  it('X509Svid.parseRaw on random bytes and on mutated certificates and keys', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) =>
        onlySvidErrors(() => X509Svid.parseRaw(bytes, keyDer)),
      ),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(mutated(leaf.der), (bytes) => onlySvidErrors(() => X509Svid.parseRaw(bytes, keyDer))),
      { numRuns: 400 },
    );
    fc.assert(
      fc.property(mutated(keyDer), (bytes) => onlySvidErrors(() => X509Svid.parseRaw(leaf.der, bytes))),
      { numRuns: 200 },
    );
  });
  it('X509Svid.parse on random text and PEM-shaped text', () => {
    const pemish = fc
      .tuple(
        fc.constantFrom('CERTIFICATE', 'PRIVATE KEY', 'X'),
        fc.base64String({ maxLength: 400 }),
        fc.string({ maxLength: 20 }),
      )
      .map(([t, body, noise]) => `${noise}-----BEGIN ${t}-----\n${body}\n-----END ${t}-----\n${noise}`);
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => onlySvidErrors(() => X509Svid.parse(s, s))),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(pemish, pemish, (c, k) => onlySvidErrors(() => X509Svid.parse(c, k))),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(pemish, (k) => onlySvidErrors(() => X509Svid.parse(leaf.pem, k + keyPem))),
      { numRuns: 100 },
    );
  });
  it('parseAndVerifyX509Svid on mutated chains', () => {
    fc.assert(
      fc.property(mutated(leaf.der), mutated(inter.minted.der), (l, i) =>
        onlySvidErrors(() => parseAndVerifyX509Svid([l, i], source)),
      ),
      { numRuns: 300 },
    );
  });
  it('JwtSvid.parseInsecure and parseAndValidate on random and token-shaped strings', () => {
    const b64 = (v: string) => Buffer.from(v).toString('base64url');
    const json = fc.oneof(fc.json(), fc.string()).map(b64);
    const tokenish = fc
      .tuple(
        fc.oneof(
          json,
          fc.constant(b64('{"alg":"ES256"}')),
          fc.constant(b64('{"alg":"ES256","kid":"k","typ":"JWT"}')),
        ),
        fc.oneof(json, fc.constant(b64('{"sub":"spiffe://example.org/w","aud":"a","exp":1e10}'))),
        fc.oneof(
          fc.base64String().map((s) => s.replace(/=+$/, '')),
          fc.string(),
        ),
      )
      .map((parts) => parts.join('.'));
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (t) => onlySvidErrors(() => JwtSvid.parseInsecure(t, 'a'))),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(tokenish, (t) => onlySvidErrors(() => JwtSvid.parseInsecure(t, 'a'))),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(tokenish, (t) => onlySvidErrors(() => JwtSvid.parseAndValidate(t, jwt, 'a'))),
      { numRuns: 500 },
    );
  });
  it('the unmutated certificate and key still parse (the mutations start from valid input)', () => {
    expect(X509Svid.parseRaw(leaf.der, keyDer).id.toString()).toBe('spiffe://example.org/w');
  });
});
