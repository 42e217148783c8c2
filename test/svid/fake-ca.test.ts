import { describe, expect, it } from 'vitest';
import { JwtBundleSet, X509BundleSet } from '../../src/bundle/index.js';
import { JWT_SVID_ALGORITHMS, JwtSvid, verifyX509Svid, X509Svid } from '../../src/svid/index.js';
import { FakeCa, ManualClock } from '../../src/testing/index.js';
import { expectSvidError } from './support.js';

const ID = 'spiffe://example.org/workload';

describe("svid with the testing layer's FakeCa (SPIRE-shaped SVIDs)", () => {
  const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
  const ca = new FakeCa({ trustDomain: 'example.org', clock });
  const other = new FakeCa({ trustDomain: 'other.org', clock });
  const x509 = new X509BundleSet(ca.x509Bundle(), other.x509Bundle());
  const jwt = new JwtBundleSet(ca.jwtBundle(), other.jwtBundle());
  const time = { time: clock.now() };

  it('an issued X509-SVID parses (PEM and DER) and verifies against the bundle', () => {
    const issued = ca.issueX509Svid({ id: ID, hint: 'h' });
    const svid = X509Svid.parse(issued.certificatesPem, issued.privateKeyPem, { hint: 'h' });
    expect(X509Svid.parseRaw(issued.chainDer, issued.privateKeyDer).id.toString()).toBe(ID);
    expect(issued.toX509Svid().id.equals(svid.id)).toBe(true);
    expect(verifyX509Svid(svid.certificates, x509, time).id.toString()).toBe(ID);
  });
  it('an X509-SVID of an intermediate CA verifies through the intermediate', () => {
    const sub = ca.intermediate();
    const issued = sub.issueX509Svid({ id: ID });
    expect(issued.certificates).toHaveLength(2);
    const svid = issued.toX509Svid();
    expect(verifyX509Svid(svid.certificates, x509, time).chains[0]).toHaveLength(3);
  });
  it("trust-domain confusion: other.org's CA issuing an example.org ID is refused", () => {
    const evil = other.issueX509Svid({ id: ID });
    expectSvidError(() => verifyX509Svid(evil.certificates, x509, time), 'untrusted_chain');
  });
  it('broken variants are refused by parse', () => {
    expectSvidError(
      () => ca.issueX509Svid({ id: ID, basicConstraints: { ca: true } }).toX509Svid(),
      'leaf_is_ca',
    );
    expectSvidError(
      () => ca.issueX509Svid({ id: ID, mismatchedPrivateKey: true }).toX509Svid(),
      'key_mismatch',
    );
  });
  it('expiry follows the clock', () => {
    const issued = ca.issueX509Svid({ id: ID, ttl: 60_000 });
    expectSvidError(
      () => verifyX509Svid(issued.certificates, x509, { time: new Date(clock.now().getTime() + 120_000) }),
      'certificate_expired',
    );
  });
  it.each(JWT_SVID_ALGORITHMS)('an issued %s JWT-SVID validates', (alg) => {
    const { token } = ca.issueJwtSvid({ id: ID, audience: 'api', alg: alg as 'ES256' });
    expect(JwtSvid.parseAndValidate(token, new JwtBundleSet(ca.jwtBundle()), 'api', time).id.toString()).toBe(
      ID,
    );
  });
  it('JWT-SVID broken variants are refused', () => {
    const issue = (o: object) => ca.issueJwtSvid({ id: ID, audience: 'api', ...o }).token;
    expectSvidError(
      () => JwtSvid.parseAndValidate(issue({ alg: 'none' }), jwt, 'api', time),
      'unsupported_algorithm',
    );
    expectSvidError(
      () => JwtSvid.parseAndValidate(issue({ invalidSignature: true }), jwt, 'api', time),
      'invalid_signature',
    );
    expectSvidError(
      () => JwtSvid.parseAndValidate(issue({ claims: { exp: undefined } }), jwt, 'api', time),
      'missing_claim',
    );
    expectSvidError(
      () => JwtSvid.parseAndValidate(issue({ header: { typ: 'wit+jwt' } }), jwt, 'api', time),
      'invalid_header',
    );
    expect(JwtSvid.parseAndValidate(issue({ kid: null }), jwt, 'api', time).id.toString()).toBe(ID);
    const evil = other.issueJwtSvid({ id: ID, audience: 'api' }).token;
    expectSvidError(() => JwtSvid.parseAndValidate(evil, jwt, 'api', time), 'authority_not_found');
  });
});
