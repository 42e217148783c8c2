import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { JwtSvid, parseAndVerifyX509Svid, verifyX509Svid } from '../../src/svid/index.js';
import { createCertificate } from '../../src/testing/index.js';
import { hugeExponentKey, hugeExponentRing, validRing } from './hostile-chains.js';
import {
  expectSvidError,
  intermediateCa,
  jwtSource,
  leafCert,
  rootCa,
  x509Source,
  type Ca,
} from './support.js';

const ID = 'spiffe://example.org/workload';
const root = rootCa('example.org');
const source = x509Source({ 'example.org': [root.certificate] });

describe('verifyX509Svid: bounded cost against hostile chains (issue #13)', () => {
  it('refuses a huge-exponent RSA "CA" ring without key ids by the key policy, before any signature check', () => {
    const { leaf, ring } = hugeExponentRing(ID, 9);
    expectSvidError(
      () => parseAndVerifyX509Svid([leaf.der, ...ring.map((c) => c.der)], source),
      'unsupported_key',
      /exponent is larger than 2\^31 - 1/,
    );
  });

  it('refuses a chain of more than 10 certificates before reading it', () => {
    const garbage = Array.from({ length: 10 }, () => randomBytes(600));
    expectSvidError(
      () => parseAndVerifyX509Svid([leafCert(root, ID).der, ...garbage], source),
      'untrusted_chain',
      /11 certificates; at most 10/,
    );
  });

  it('refuses garbage intermediates (invalid_certificate)', () => {
    expectSvidError(
      () => parseAndVerifyX509Svid([leafCert(root, ID).der, randomBytes(600)], source),
      'invalid_certificate',
    );
  });

  it('gives up on a ring of CAs that all certify each other (valid signatures, no key ids), within the cost bound', () => {
    const { leaf, ring } = validRing(ID, 9);
    const chain = [leaf.certificate, ...ring.map((c) => c.certificate)];
    // Each distinct (issuer key, CA) signature is checked once and remembered; the orderings are
    // cut off by the candidate bound.
    for (let i = 0; i < 2; i++) {
      expectSvidError(
        () => verifyX509Svid(chain, source),
        'untrusted_chain',
        /gave up .*100 candidate issuers/,
      );
    }
  });

  it('spends the budget on P-521 keys after 4 checks', () => {
    const { leaf, ring } = validRing(ID, 5, 'ec-p521');
    expectSvidError(
      () => verifyX509Svid([leaf.certificate, ...ring.map((c) => c.certificate)], source),
      'untrusted_chain',
      /gave up .*cost bound/,
    );
  });

  it('checks each of many look-alike candidate issuers once and refuses', () => {
    const lookAlikes = Array.from(
      { length: 9 },
      () =>
        createCertificate({ subject: 'C=US,O=SPIFFE', basicConstraints: { ca: true }, subjectKeyId: false })
          .certificate,
    );
    const leaf = leafCert(intermediateCa(root, 'example.org'), ID, { authorityKeyId: false });
    expectSvidError(
      () => verifyX509Svid([leaf.certificate, ...lookAlikes], source),
      'untrusted_chain',
      /does not chain to an X.509 authority/,
    );
  });

  it('real chains fit the bound: P-384 with 5 intermediates, P-521 with 2, P-256 with 8', () => {
    const chainOf = (keyType: 'ec-p256' | 'ec-p384' | 'ec-p521', intermediates: number) => {
      const r = rootCa('example.org', { keyType });
      let ca: Ca = r;
      const cas: Ca[] = [];
      for (let i = 0; i < intermediates; i++) {
        ca = intermediateCa(ca, 'example.org', { keyType, subject: `O=I${i}` });
        cas.unshift(ca);
      }
      const leaf = leafCert(ca, ID, { keyType });
      return verifyX509Svid(
        [leaf.certificate, ...cas.map((c) => c.certificate)],
        x509Source({ 'example.org': [r.certificate] }),
      ).chains[0]!.length;
    };
    expect(chainOf('ec-p384', 5)).toBe(7);
    expect(chainOf('ec-p521', 2)).toBe(4);
    expect(chainOf('ec-p256', 8)).toBe(10);
  });
});

describe('JWT-SVID keys: the same key policy (J-3)', () => {
  it('refuses an RS256 authority with a huge public exponent before checking the signature', () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const token = `${b64({ alg: 'RS256', kid: 'k' })}.${b64({
      sub: ID,
      aud: ['a'],
      exp: Math.floor(Date.now() / 1000) + 60,
    })}.${Buffer.alloc(384, 1).toString('base64url')}`;
    const src = jwtSource({ 'example.org': { k: hugeExponentKey() } });
    expectSvidError(
      () => JwtSvid.parseAndValidate(token, src, 'a'),
      'key_algorithm_mismatch',
      /RS256 cannot use an RSA key whose public exponent is larger than 2\^31 - 1/,
    );
  });
});
