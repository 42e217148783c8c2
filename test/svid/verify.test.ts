import { randomBytes } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { describe, expect, it } from 'vitest';
import { BundleError } from '../../src/bundle/index.js';
import { parseAndVerifyX509Svid, SvidError, verifyX509Svid } from '../../src/svid/index.js';
import { createCertificate, type CertificateOptions } from '../../src/testing/index.js';
import {
  expectSvidError,
  intermediateCa,
  leafCert,
  nameConstraintsDer,
  rootCa,
  sanDer,
  sharedKey,
  x,
  x509Source,
  type Ca,
} from './support.js';

const ID = 'spiffe://example.org/workload';
const HOUR = 3_600_000;
const root = rootCa('example.org');
const inter = intermediateCa(root, 'example.org');
const otherRoot = rootCa('other.org');
const source = x509Source({ 'example.org': [root.certificate], 'other.org': [otherRoot.certificate] });
const fps = (chains: { fingerprint256: string }[][]) =>
  chains.map((c) => c.map((cert) => cert.fingerprint256));

describe('verifyX509Svid: valid chains (X-14)', () => {
  it('verifies a leaf issued by a bundle root', () => {
    const leaf = leafCert(root, ID);
    const { id, chains } = verifyX509Svid([leaf.certificate], source);
    expect(id.toString()).toBe(ID);
    expect(fps(chains)).toEqual([[leaf.certificate.fingerprint256, root.certificate.fingerprint256]]);
  });
  it('verifies a leaf through a presented intermediate', () => {
    const leaf = leafCert(inter, ID);
    const { chains } = verifyX509Svid([leaf.certificate, inter.certificate], source);
    expect(fps(chains)).toEqual([
      [leaf.certificate, inter.certificate, root.certificate].map((c) => c.fingerprint256),
    ]);
  });
  it('accepts DER bytes (verifyX509Svid and parseAndVerifyX509Svid)', () => {
    const leaf = leafCert(inter, ID);
    expect(verifyX509Svid([leaf.der, inter.minted.der], source).id.toString()).toBe(ID);
    expect(parseAndVerifyX509Svid([leaf.der, inter.minted.der], source).chains[0]).toHaveLength(3);
  });
  it('ends the path at the first bundle authority: an intermediate in the bundle is an anchor', () => {
    const leaf = leafCert(inter, ID);
    const withInter = x509Source({ 'example.org': [root.certificate, inter.certificate] });
    expect(fps(verifyX509Svid([leaf.certificate, inter.certificate], withInter).chains)).toEqual([
      [leaf.certificate.fingerprint256, inter.certificate.fingerprint256],
    ]);
    const onlyInter = x509Source({ 'example.org': [inter.certificate] });
    expect(verifyX509Svid([leaf.certificate], onlyInter).chains[0]).toHaveLength(2);
  });
  it('ignores presented certificates that are not needed (a root, duplicates, strangers)', () => {
    const leaf = leafCert(inter, ID);
    const chain = [
      leaf.certificate,
      otherRoot.certificate,
      inter.certificate,
      inter.certificate,
      root.certificate,
    ];
    expect(verifyX509Svid(chain, source).chains).toHaveLength(1);
  });
  it.each([
    ['RSA root, P-384 intermediate, Ed25519 leaf', 'rsa-2048', 'ec-p384', 'ed25519'],
    ['Ed25519 root, RSA intermediate, P-384 leaf', 'ed25519', 'rsa-2048', 'ec-p384'],
    ['P-384 root, P-256 intermediate, RSA leaf', 'ec-p384', 'ec-p256', 'rsa-2048'],
  ] as const)('verifies mixed key types: %s', (_name, r, i, l) => {
    const ro = rootCa('example.org', { keyPair: sharedKey(r) });
    const ca = intermediateCa(ro, 'example.org', { keyPair: sharedKey(i) });
    const leaf = leafCert(ca, ID, { keyPair: sharedKey(l) });
    expect(
      verifyX509Svid(
        [leaf.certificate, ca.certificate],
        x509Source({ 'example.org': [ro.certificate] }),
      ).id.toString(),
    ).toBe(ID);
  });
  it('A-2: a bundle authority whose SAN is the spec example "spiffe://example.com/" is not SPIFFE-parsed', () => {
    const ro = rootCa('example.org', { uris: ['spiffe://example.com/'] });
    const leaf = leafCert(ro, ID);
    expect(
      verifyX509Svid([leaf.certificate], x509Source({ 'example.org': [ro.certificate] })).id.toString(),
    ).toBe(ID);
  });
  it('A-11: verification does not require digitalSignature or EKU on the leaf (go-spiffe parity)', () => {
    const noKu = leafCert(root, ID, { keyUsage: undefined });
    expect(verifyX509Svid([noKu.certificate], source).id.toString()).toBe(ID);
    const serverOnly = leafCert(root, ID, { extKeyUsage: { usages: ['serverAuth'], critical: true } });
    expect(verifyX509Svid([serverOnly.certificate], source).id.toString()).toBe(ID);
  });
  it('RFC 5280 §6.1.4(n): an intermediate without key usage extension may sign', () => {
    const ca = intermediateCa(root, 'example.org', { keyUsage: undefined });
    const leaf = leafCert(ca, ID);
    expect(verifyX509Svid([leaf.certificate, ca.certificate], source).chains).toHaveLength(1);
  });
});

describe('verifyX509Svid: trust domain (X-14, B-1)', () => {
  it("refuses a leaf of example.org issued by other.org's CA even though the source holds both bundles", () => {
    const evil = leafCert(otherRoot, 'spiffe://example.org/a');
    expectSvidError(() => verifyX509Svid([evil.certificate], source), 'untrusted_chain', /"example.org"/);
  });
  it('refuses it through an intermediate of the other trust domain, too', () => {
    const otherInter = intermediateCa(otherRoot, 'other.org');
    const evil = leafCert(otherInter, 'spiffe://example.org/a');
    expectSvidError(
      () => verifyX509Svid([evil.certificate, otherInter.certificate], source),
      'untrusted_chain',
    );
  });
  it("accepts other.org's own leaves with other.org's bundle", () => {
    const ok = leafCert(otherRoot, 'spiffe://other.org/b');
    expect(verifyX509Svid([ok.certificate], source).id.toString()).toBe('spiffe://other.org/b');
  });
  it("refuses when the source has no bundle for the leaf's trust domain (bundle_not_found)", () => {
    const leaf = leafCert(root, 'spiffe://third.org/a');
    const e = expectSvidError(
      () => verifyX509Svid([leaf.certificate], source),
      'bundle_not_found',
      /third\.org/,
    );
    expect(e.cause).toBeInstanceOf(BundleError);
  });
  it('B-7: an empty bundle trusts nothing', () => {
    const leaf = leafCert(root, ID);
    expectSvidError(
      () => verifyX509Svid([leaf.certificate], x509Source({ 'example.org': [] })),
      'untrusted_chain',
      /B-7/,
    );
  });
  it('refuses a certificate whose signature does not verify, though names and key ids chain', () => {
    const forged = leafCert({ ...root, privateKey: sharedKey('ec-p256').privateKey }, ID);
    expectSvidError(() => verifyX509Svid([forged.certificate], source), 'untrusted_chain');
  });
  it('refuses a missing intermediate', () => {
    const leaf = leafCert(inter, ID);
    expectSvidError(() => verifyX509Svid([leaf.certificate], source), 'untrusted_chain');
  });
  it('skips a candidate issuer whose subject key id differs from the authority key id (as OpenSSL does)', () => {
    const leaf = leafCert(root, ID, { authorityKeyId: randomBytes(20) });
    expectSvidError(() => verifyX509Svid([leaf.certificate], source), 'untrusted_chain');
    const noAkid = leafCert(root, ID, { authorityKeyId: false });
    expect(verifyX509Svid([noAkid.certificate], source).id.toString()).toBe(ID);
  });
});

describe('verifyX509Svid: leaf rules (X509-SVID §5.2)', () => {
  it('X-15: refuses a leaf with cA=true', () => {
    expectSvidError(
      () => verifyX509Svid([leafCert(root, ID, { basicConstraints: { ca: true } }).certificate], source),
      'leaf_is_ca',
      /X-15/,
    );
  });
  it('X-16: refuses a leaf with keyCertSign or cRLSign', () => {
    const kcs = leafCert(root, ID, { keyUsage: { usages: ['digitalSignature', 'keyCertSign'] } });
    expectSvidError(() => verifyX509Svid([kcs.certificate], source), 'leaf_key_usage', /keyCertSign.*X-16/);
    const crl = leafCert(root, ID, { keyUsage: { usages: ['digitalSignature', 'cRLSign'] } });
    expectSvidError(() => verifyX509Svid([crl.certificate], source), 'leaf_key_usage', /cRLSign.*X-16/);
  });
  it('X-17: refuses a leaf whose URI SAN is not spiffe://', () => {
    expectSvidError(
      () => verifyX509Svid([leafCert(root, 'https://example.org/a').certificate], source),
      'invalid_spiffe_id',
      /X-17/,
    );
  });
  it("X-18/X-3: refuses a leaf whose SPIFFE ID has a root path (go-spiffe's Verify does not: A-11)", () => {
    expectSvidError(
      () => verifyX509Svid([leafCert(root, 'spiffe://example.org').certificate], source),
      'leaf_root_path',
      /X-18/,
    );
  });
  it('X-19: refuses a leaf with more than one URI SAN', () => {
    const two = leafCert(root, ID, { uris: [ID, 'spiffe://example.org/b'] });
    expectSvidError(() => verifyX509Svid([two.certificate], source), 'multiple_uri_sans', /X-19/);
  });
  it('X-1/X-2: refuses a leaf without URI SAN', () => {
    expectSvidError(
      () => verifyX509Svid([leafCert(root, ID, { uris: [] }).certificate], source),
      'no_uri_san',
    );
  });
});

describe('verifyX509Svid: validity at `time` (RFC 5280 §6.1.3(a)(2))', () => {
  const t0 = new Date('2030-06-01T00:00:00Z');
  const window = (from: number, to: number) => ({
    notBefore: new Date(t0.getTime() + from),
    notAfter: new Date(t0.getTime() + to),
  });
  const ro = rootCa('example.org', window(-10 * HOUR, 10 * HOUR));
  const ca = intermediateCa(ro, 'example.org', window(-5 * HOUR, 5 * HOUR));
  const leaf = leafCert(ca, ID, window(-1 * HOUR, 1 * HOUR));
  const src = x509Source({ 'example.org': [ro.certificate] });
  const verifyAt = (ms: number) => () =>
    verifyX509Svid([leaf.certificate, ca.certificate], src, { time: new Date(t0.getTime() + ms) });

  it('accepts inside every window, including the exact notBefore and notAfter seconds', () => {
    expect(verifyAt(0)().id.toString()).toBe(ID);
    expect(verifyAt(-HOUR)().id.toString()).toBe(ID);
    expect(verifyAt(HOUR)().id.toString()).toBe(ID);
  });
  it('refuses an expired or not-yet-valid leaf', () => {
    expectSvidError(verifyAt(HOUR + 1000), 'certificate_expired', /leaf certificate/);
    expectSvidError(verifyAt(-HOUR - 1000), 'certificate_not_yet_valid', /leaf certificate/);
  });
  it('refuses an expired intermediate or bundle authority', () => {
    const shortCa = intermediateCa(ro, 'example.org', window(-5 * HOUR, 0));
    const l = leafCert(shortCa, ID, window(-HOUR, HOUR));
    expectSvidError(
      () =>
        verifyX509Svid([l.certificate, shortCa.certificate], src, { time: new Date(t0.getTime() + 1000) }),
      'certificate_expired',
      /certificate 2/,
    );
    const shortRoot = rootCa('example.org', window(-5 * HOUR, 0));
    const l2 = leafCert(shortRoot, ID, window(-HOUR, HOUR));
    const s2 = x509Source({ 'example.org': [shortRoot.certificate] });
    expectSvidError(
      () => verifyX509Svid([l2.certificate], s2, { time: new Date(t0.getTime() + 1000) }),
      'certificate_expired',
      /bundle authority 1/,
    );
  });
  it('uses the current time by default', () => {
    expectSvidError(
      () => verifyX509Svid([leaf.certificate, ca.certificate], src),
      'certificate_not_yet_valid',
    );
  });
  it('refuses an invalid time option', () => {
    expectSvidError(
      () => verifyX509Svid([leaf.certificate], src, { time: new Date(NaN) }),
      'invalid_argument',
    );
  });
});

describe('verifyX509Svid: CA rules, path length (RFC 5280 §6.1.4)', () => {
  it('X-5: refuses an intermediate without cA=true', () => {
    const ca = intermediateCa(root, 'example.org', { basicConstraints: { ca: false } });
    const leaf = leafCert(ca, ID);
    expectSvidError(
      () => verifyX509Svid([leaf.certificate, ca.certificate], source),
      'signing_certificate_not_ca',
      /certificate 2/,
    );
  });
  it('X-11: refuses an intermediate whose key usage lacks keyCertSign', () => {
    const ca = intermediateCa(root, 'example.org', { keyUsage: { usages: ['cRLSign', 'digitalSignature'] } });
    const leaf = leafCert(ca, ID);
    expectSvidError(
      () => verifyX509Svid([leaf.certificate, ca.certificate], source),
      'signing_certificate_key_usage',
      /certificate 2/,
    );
  });
  it('refuses a bundle authority that is not a CA', () => {
    const notCa = rootCa('example.org', { basicConstraints: { ca: false } });
    const leaf = leafCert(notCa, ID);
    expectSvidError(
      () => verifyX509Svid([leaf.certificate], x509Source({ 'example.org': [notCa.certificate] })),
      'signing_certificate_not_ca',
      /bundle authority/,
    );
  });
  it('enforces pathLenConstraint (self-issued intermediates aside)', () => {
    const r0 = rootCa('example.org', { basicConstraints: { ca: true, pathLen: 0 } });
    const i0 = intermediateCa(r0, 'example.org', { subject: 'O=I0' });
    const l0 = leafCert(i0, ID);
    const s0 = x509Source({ 'example.org': [r0.certificate] });
    expectSvidError(
      () => verifyX509Svid([l0.certificate, i0.certificate], s0),
      'path_length_exceeded',
      /pathLenConstraint/,
    );
    expect(verifyX509Svid([leafCert(r0, ID).certificate], s0).id.toString()).toBe(ID);

    const r1 = rootCa('example.org', { basicConstraints: { ca: true, pathLen: 1 } });
    const a = intermediateCa(r1, 'example.org', { subject: 'O=A' });
    const b = intermediateCa(a, 'example.org', { subject: 'O=B' });
    const s1 = x509Source({ 'example.org': [r1.certificate] });
    expect(verifyX509Svid([leafCert(a, ID).certificate, a.certificate], s1).chains).toHaveLength(1);
    expectSvidError(
      () => verifyX509Svid([leafCert(b, ID).certificate, b.certificate, a.certificate], s1),
      'path_length_exceeded',
    );

    const a0 = intermediateCa(r1, 'example.org', {
      subject: 'O=A',
      basicConstraints: { ca: true, pathLen: 0 },
    });
    const b0 = intermediateCa(a0, 'example.org', { subject: 'O=B' });
    expectSvidError(
      () => verifyX509Svid([leafCert(b0, ID).certificate, b0.certificate, a0.certificate], s1),
      'path_length_exceeded',
      /subject "O=A"/,
    );
  });
  it('counts a self-issued intermediate (same subject as its issuer, as SPIRE CAs often are) against pathLenConstraint', () => {
    const r0 = rootCa('example.org', { basicConstraints: { ca: true, pathLen: 0 } });
    const sameSubject = intermediateCa(r0, 'example.org', { subject: 'C=US,O=SPIFFE' });
    const leaf = leafCert(sameSubject, ID);
    const s = x509Source({ 'example.org': [r0.certificate] });
    expectSvidError(
      () => verifyX509Svid([leaf.certificate, sameSubject.certificate], s),
      'path_length_exceeded',
    );
  });
  it('bounds path length (10 certificates) and stops on issuer loops', () => {
    let ca: Ca = root;
    const cas: Ca[] = [];
    for (let i = 0; i < 9; i++) {
      ca = intermediateCa(ca, 'example.org', { subject: `O=I${i}` });
      cas.unshift(ca);
    }
    const leaf = leafCert(ca, ID);
    // leaf + 9 intermediates + root = 11 certificates: too long.
    expectSvidError(
      () => verifyX509Svid([leaf.certificate, ...cas.map((c) => c.certificate)], source),
      'untrusted_chain',
    );
    // leaf + 8 intermediates + root = 10: fine.
    const leaf8 = leafCert(cas[1]!, ID);
    expect(
      verifyX509Svid([leaf8.certificate, ...cas.slice(1).map((c) => c.certificate)], source).chains[0],
    ).toHaveLength(10);

    // A and B certify each other; neither reaches the bundle.
    const keyA = sharedKey('ec-p256');
    const keyB = sharedKey('ed25519');
    const selfA = createCertificate({ keyPair: keyA, subject: 'O=A', basicConstraints: { ca: true } });
    const selfB = createCertificate({ keyPair: keyB, subject: 'O=B', basicConstraints: { ca: true } });
    const aByB = createCertificate({
      keyPair: keyA,
      subject: 'O=A',
      basicConstraints: { ca: true },
      issuer: { certificate: selfB.certificate, privateKey: keyB.privateKey },
    });
    const bByA = createCertificate({
      keyPair: keyB,
      subject: 'O=B',
      basicConstraints: { ca: true },
      issuer: { certificate: selfA.certificate, privateKey: keyA.privateKey },
    });
    const leafA = leafCert(
      { certificate: selfA.certificate, privateKey: keyA.privateKey, minted: selfA },
      ID,
    );
    expectSvidError(
      () => verifyX509Svid([leafA.certificate, aByB.certificate, bByA.certificate], source),
      'untrusted_chain',
    );
  });
  it('bounds the number of signature checks (hostile piles of look-alike intermediates)', () => {
    const pile = Array.from(
      { length: 101 },
      () =>
        createCertificate({ subject: 'C=US,O=SPIFFE', basicConstraints: { ca: true }, subjectKeyId: false })
          .certificate,
    );
    const leaf = leafCert(inter, ID, { authorityKeyId: false });
    expectSvidError(
      () =>
        verifyX509Svid(
          [leaf.certificate, ...pile],
          x509Source({ 'example.org': [rootCa('example.org', { subject: 'O=Elsewhere' }).certificate] }),
        ),
      'untrusted_chain',
      // Refused before any signature check: longer than the 10-certificate bound.
      /102 certificates; at most 10/,
    );
  });
});

describe('verifyX509Svid: name constraints (RFC 5280 §4.2.1.10, X-9)', () => {
  const constrained = (
    nc: CertificateOptions['nameConstraints'],
    extensions?: { oid: string; critical?: boolean; value: Uint8Array }[],
  ) => {
    const ro = rootCa('example.org', { nameConstraints: nc, ...(extensions ? { extensions } : {}) });
    return { ro, src: x509Source({ 'example.org': [ro.certificate] }) };
  };
  it('URI: a permitted host matches that host exactly; other hosts are refused', () => {
    const { ro, src } = constrained({ permitted: { uris: ['example.org'] } });
    expect(verifyX509Svid([leafCert(ro, ID).certificate], src).id.toString()).toBe(ID);
    const { ro: ro2, src: src2 } = constrained({ permitted: { uris: ['other.org'] } });
    expectSvidError(
      () => verifyX509Svid([leafCert(ro2, ID).certificate], src2),
      'name_constraint_violation',
      /URI name "spiffe:\/\/example.org\/workload" is outside/,
    );
  });
  it('URI: ".example.org" permits subdomains only', () => {
    const { ro, src } = constrained({ permitted: { uris: ['.example.org'] } });
    expectSvidError(() => verifyX509Svid([leafCert(ro, ID).certificate], src), 'name_constraint_violation');
    const sub = x509Source({ 'prod.example.org': [ro.certificate] });
    expect(verifyX509Svid([leafCert(ro, 'spiffe://prod.example.org/w').certificate], sub).id.toString()).toBe(
      'spiffe://prod.example.org/w',
    );
  });
  it('URI: an excluded host is refused', () => {
    const { ro, src } = constrained({ excluded: { uris: ['example.org'] } });
    expectSvidError(
      () => verifyX509Svid([leafCert(ro, ID).certificate], src),
      'name_constraint_violation',
      /excluded/,
    );
  });
  it('DNS: permitted "example.org" covers it and its subdomains; other DNS SANs are refused', () => {
    const { ro, src } = constrained({ permitted: { dnsNames: ['example.org'] } });
    expect(
      verifyX509Svid(
        [leafCert(ro, ID, { dnsNames: ['api.example.org', 'EXAMPLE.org'] }).certificate],
        src,
      ).id.toString(),
    ).toBe(ID);
    expectSvidError(
      () => verifyX509Svid([leafCert(ro, ID, { dnsNames: ['api.example.com'] }).certificate], src),
      'name_constraint_violation',
      /DNS/,
    );
    expectSvidError(
      () => verifyX509Svid([leafCert(ro, ID, { dnsNames: ['badexample.org'] }).certificate], src),
      'name_constraint_violation',
    );
  });
  it('DNS constraints do not constrain URI names, and vice versa', () => {
    const { ro, src } = constrained({ permitted: { dnsNames: ['internal.test'] } });
    expect(verifyX509Svid([leafCert(ro, ID).certificate], src).id.toString()).toBe(ID);
  });
  it("applies an intermediate's constraints to the leaf", () => {
    const ca = intermediateCa(root, 'example.org', {
      nameConstraints: { excluded: { uris: ['example.org'] } },
    });
    expectSvidError(
      () => verifyX509Svid([leafCert(ca, ID).certificate, ca.certificate], source),
      'name_constraint_violation',
      /certificate 2/,
    );
  });
  it("applies a root's constraints to the intermediate's names too", () => {
    const { ro, src } = constrained({ permitted: { uris: ['example.org'] } });
    for (const subject of ['O=Intermediate', 'C=US,O=SPIFFE']) {
      const ca = intermediateCa(ro, 'example.org', { subject, uris: ['spiffe://other.org'] });
      expectSvidError(
        () => verifyX509Svid([leafCert(ca, ID).certificate, ca.certificate], src),
        'name_constraint_violation',
        /certificate 2/,
      );
    }
  });
  it('IP: permitted 10.0.0.0/8 admits 10.1.2.3 and refuses 192.168.1.1', () => {
    const value = nameConstraintsDer([new x.GeneralName({ iPAddress: '10.0.0.0/8' })]);
    const { ro, src } = constrained(undefined, [{ oid: '2.5.29.30', critical: true, value }]);
    expect(
      verifyX509Svid([leafCert(ro, ID, { ipAddresses: ['10.1.2.3'] }).certificate], src).id.toString(),
    ).toBe(ID);
    expectSvidError(
      () => verifyX509Svid([leafCert(ro, ID, { ipAddresses: ['192.168.1.1'] }).certificate], src),
      'name_constraint_violation',
      /IP/,
    );
    expectSvidError(
      () => verifyX509Svid([leafCert(ro, ID, { ipAddresses: ['::1'] }).certificate], src),
      'name_constraint_violation',
    );
  });
  it('email: a domain constraint covers its mailboxes only', () => {
    const value = nameConstraintsDer([new x.GeneralName({ rfc822Name: 'example.org' })]);
    const { ro, src } = constrained(undefined, [{ oid: '2.5.29.30', critical: true, value }]);
    const withEmail = (email: string) =>
      leafCert(ro, ID, {
        uris: [],
        extensions: [
          {
            oid: '2.5.29.17',
            value: sanDer([
              new x.GeneralName({ uniformResourceIdentifier: ID }),
              new x.GeneralName({ rfc822Name: email }),
            ]),
          },
        ],
      });
    expect(verifyX509Svid([withEmail('ops@example.org').certificate], src).id.toString()).toBe(ID);
    expectSvidError(
      () => verifyX509Svid([withEmail('ops@evil.org').certificate], src),
      'name_constraint_violation',
      /email/,
    );
  });
  it('fails closed on a critical constraint of a form it cannot check (registeredID)', () => {
    const value = nameConstraintsDer([new x.GeneralName({ registeredID: '1.2.3.4' })]);
    const { ro, src } = constrained(undefined, [{ oid: '2.5.29.30', critical: true, value }]);
    expectSvidError(
      () => verifyX509Svid([leafCert(ro, ID).certificate], src),
      'unsupported_name_constraint',
      /critical name constraint .*\[8\]/,
    );
  });
});

describe('verifyX509Svid: directoryName name constraints (RFC 5280 §4.2.1.10)', () => {
  type Attr = [type: string, value: string, kind?: 'printableString' | 'utf8String'];
  /** A Name from RDNs in encoding order, each RDN one or more attributes. */
  const name = (...rdns: Attr[][]): x.Name =>
    new x.Name(
      rdns.map(
        (rdn) =>
          new x.RelativeDistinguishedName(
            rdn.map(
              ([type, value, kind = 'printableString']) =>
                new x.AttributeTypeAndValue({ type, value: new x.AttributeValue({ [kind]: value }) }),
            ),
          ),
      ),
    );
  const C = '2.5.4.6';
  const O = '2.5.4.10';
  const OU = '2.5.4.11';
  const dirs = (...names: x.Name[]) => names.map((directoryName) => new x.GeneralName({ directoryName }));
  /** A root whose name constraints hold `permitted` and `excluded` directoryName subtrees. */
  const constrainedRoot = (
    permitted: x.Name[],
    excluded: x.Name[] = [],
    critical = false,
  ): { ro: ReturnType<typeof rootCa>; src: ReturnType<typeof x509Source> } => {
    const value = nameConstraintsDer(dirs(...permitted), dirs(...excluded));
    const ro = rootCa('example.org', { extensions: [{ oid: '2.5.29.30', critical, value }] });
    return { ro, src: x509Source({ 'example.org': [ro.certificate] }) };
  };
  const verifyLeaf = (ro: ReturnType<typeof rootCa>, src: ReturnType<typeof x509Source>, subject: string) =>
    verifyX509Svid([leafCert(ro, ID, { subject }).certificate], src);

  it.each([false, true])(
    'permitted O=Allowed (critical: %s): a leaf subject under it passes, O=Evil is refused',
    (critical) => {
      const { ro, src } = constrainedRoot([name([[O, 'Allowed']])], [], critical);
      expect(verifyLeaf(ro, src, 'O=Allowed,CN=w').id.toString()).toBe(ID);
      expect(verifyLeaf(ro, src, 'O=Allowed').id.toString()).toBe(ID);
      expectSvidError(
        () => verifyLeaf(ro, src, 'O=Evil,CN=w'),
        'name_constraint_violation',
        /leaf certificate \(subject "O=Evil, CN=w"\) has a subject outside the permitted directoryName subtrees of/,
      );
      // The subtree is a prefix of the RDN sequence, not a set of attributes to find anywhere.
      expectSvidError(() => verifyLeaf(ro, src, 'C=US,O=Allowed'), 'name_constraint_violation');
      expectSvidError(() => verifyLeaf(ro, src, 'O=AllowedX'), 'name_constraint_violation');
    },
  );

  it('a multi-RDN subtree needs every RDN, in order', () => {
    const { ro, src } = constrainedRoot([name([[C, 'US']], [[O, 'Allowed']])]);
    expect(verifyLeaf(ro, src, 'C=US,O=Allowed,OU=x').id.toString()).toBe(ID);
    expectSvidError(() => verifyLeaf(ro, src, 'C=US'), 'name_constraint_violation');
    expectSvidError(() => verifyLeaf(ro, src, 'O=Allowed,C=US'), 'name_constraint_violation');
    expectSvidError(() => verifyLeaf(ro, src, 'C=FR,O=Allowed'), 'name_constraint_violation');
  });

  it('strings compare case-insensitively with spaces folded, whatever the string type (RFC 5280 §7.1)', () => {
    // The subtree is a UTF8String, the subjects PrintableStrings.
    const { ro, src } = constrainedRoot([name([[O, 'Allowed  Corp', 'utf8String']])]);
    expect(verifyLeaf(ro, src, 'O=ALLOWED CORP').id.toString()).toBe(ID);
    expect(verifyLeaf(ro, src, 'O=allowed    corp,CN=w').id.toString()).toBe(ID);
    expectSvidError(() => verifyLeaf(ro, src, 'O=allowed-corp'), 'name_constraint_violation');
    expectSvidError(() => verifyLeaf(ro, src, 'O=allowedcorp'), 'name_constraint_violation');
  });

  it('excluded O=Evil refuses a leaf subject under it and admits others', () => {
    const { ro, src } = constrainedRoot([], [name([[O, 'Evil']])]);
    expect(verifyLeaf(ro, src, 'O=Allowed,CN=w').id.toString()).toBe(ID);
    expectSvidError(
      () => verifyLeaf(ro, src, 'O=Evil,CN=w'),
      'name_constraint_violation',
      /leaf certificate .* has a subject in an excluded directoryName subtree of/,
    );
  });

  it('an empty leaf subject is not constrained (OpenSSL likewise)', () => {
    const { ro, src } = constrainedRoot([name([[O, 'Allowed']])]);
    expect(verifyLeaf(ro, src, '').id.toString()).toBe(ID);
  });

  it("applies a root's directoryName constraints to an intermediate's subject", () => {
    const { ro, src } = constrainedRoot([name([[O, 'Allowed']])], [name([[O, 'Allowed']], [[OU, 'Evil']])]);
    const good = intermediateCa(ro, 'example.org', { subject: 'O=Allowed,OU=CA' });
    expect(
      verifyX509Svid(
        [leafCert(good, ID, { subject: 'O=Allowed,CN=w' }).certificate, good.certificate],
        src,
      ).id.toString(),
    ).toBe(ID);
    const outside = intermediateCa(ro, 'example.org', { subject: 'O=Other,OU=CA' });
    expectSvidError(
      () =>
        verifyX509Svid(
          [leafCert(outside, ID, { subject: 'O=Allowed' }).certificate, outside.certificate],
          src,
        ),
      'name_constraint_violation',
      /certificate 2 .* has a subject outside/,
    );
    const excluded = intermediateCa(ro, 'example.org', { subject: 'O=Allowed,OU=Evil' });
    expectSvidError(
      () =>
        verifyX509Svid(
          [leafCert(excluded, ID, { subject: 'O=Allowed' }).certificate, excluded.certificate],
          src,
        ),
      'name_constraint_violation',
      /certificate 2 .* has a subject in an excluded/,
    );
  });

  it("applies an intermediate's directoryName constraints to the leaf's subject", () => {
    const value = nameConstraintsDer(
      dirs(name([[O, 'Allowed']])),
      dirs(name([[O, 'Allowed']], [[OU, 'Evil']])),
    );
    const ca = intermediateCa(root, 'example.org', {
      subject: 'O=Anything',
      extensions: [{ oid: '2.5.29.30', critical: false, value }],
    });
    const chain = (subject: string) => [leafCert(ca, ID, { subject }).certificate, ca.certificate];
    expect(verifyX509Svid(chain('O=Allowed,OU=Good'), source).id.toString()).toBe(ID);
    expectSvidError(
      () => verifyX509Svid(chain('O=Evil'), source),
      'name_constraint_violation',
      /leaf certificate .* has a subject outside/,
    );
    expectSvidError(
      () => verifyX509Svid(chain('O=Allowed,OU=Evil,CN=w'), source),
      'name_constraint_violation',
      /leaf certificate .* has a subject in an excluded/,
    );
  });

  it('fails closed on a directoryName SAN (not decoded) under directoryName constraints', () => {
    const { ro, src } = constrainedRoot([name([[O, 'Allowed']])]);
    const leaf = leafCert(ro, ID, {
      subject: 'O=Allowed',
      uris: [],
      extensions: [
        {
          oid: '2.5.29.17',
          value: sanDer([
            new x.GeneralName({ uniformResourceIdentifier: ID }),
            new x.GeneralName({ directoryName: name([[O, 'Evil']]) }),
          ]),
        },
      ],
    });
    expectSvidError(
      () => verifyX509Svid([leaf.certificate], src),
      'unsupported_name_constraint',
      /directoryName/,
    );
  });
});

describe('verifyX509Svid: critical extensions (RFC 5280 §4.2)', () => {
  const NULL = Uint8Array.of(5, 0);
  it('refuses an unknown critical extension on the leaf, an intermediate or the bundle authority', () => {
    const ext = [{ oid: '1.3.6.1.4.1.99999.1', critical: true, value: NULL }];
    expectSvidError(
      () => verifyX509Svid([leafCert(root, ID, { extensions: ext }).certificate], source),
      'unknown_critical_extension',
      /leaf certificate.*1\.3\.6\.1\.4\.1\.99999\.1/,
    );
    const ca = intermediateCa(root, 'example.org', { extensions: ext });
    expectSvidError(
      () => verifyX509Svid([leafCert(ca, ID).certificate, ca.certificate], source),
      'unknown_critical_extension',
      /certificate 2/,
    );
    const ro = rootCa('example.org', { extensions: ext });
    expectSvidError(
      () => verifyX509Svid([leafCert(ro, ID).certificate], x509Source({ 'example.org': [ro.certificate] })),
      'unknown_critical_extension',
      /bundle authority/,
    );
  });
  it('accepts an unknown non-critical extension', () => {
    const leaf = leafCert(root, ID, { extensions: [{ oid: '1.3.6.1.4.1.99999.1', value: NULL }] });
    expect(verifyX509Svid([leaf.certificate], source).id.toString()).toBe(ID);
  });
  it('accepts critical certificatePolicies but refuses critical policyConstraints (not processed)', () => {
    const policies = new x.CertificatePolicies([
      new x.PolicyInformation({ policyIdentifier: '2.5.29.32.0' }),
    ]);
    const value = new Uint8Array(AsnConvert.serialize(policies));
    const leaf = leafCert(root, ID, { extensions: [{ oid: '2.5.29.32', critical: true, value }] });
    expect(verifyX509Svid([leaf.certificate], source).id.toString()).toBe(ID);
    const pc = new Uint8Array(
      AsnConvert.serialize(new x.PolicyConstraints({ requireExplicitPolicy: new Uint8Array([0]).buffer })),
    );
    const ca = intermediateCa(root, 'example.org', {
      extensions: [{ oid: '2.5.29.36', critical: true, value: pc }],
    });
    expectSvidError(
      () => verifyX509Svid([leafCert(ca, ID).certificate, ca.certificate], source),
      'unknown_critical_extension',
      /2\.5\.29\.36/,
    );
  });
});

describe('verifyX509Svid: unreadable certificates', () => {
  // A second basicConstraints extension: node:crypto parses it, the SDK's strict reader does not (RFC 5280 §4.2).
  const duplicateBc = [
    { oid: '2.5.29.19', critical: true, value: Uint8Array.of(0x30, 0x03, 0x01, 0x01, 0xff) },
  ];
  it('skips a bundle authority it cannot read and uses the others', () => {
    const odd = rootCa('example.org', { extensions: duplicateBc });
    const leaf = leafCert(root, ID);
    expect(
      verifyX509Svid(
        [leaf.certificate],
        x509Source({ 'example.org': [odd.certificate, root.certificate] }),
      ).id.toString(),
    ).toBe(ID);
    const e = expectSvidError(
      () => verifyX509Svid([leafCert(odd, ID).certificate], x509Source({ 'example.org': [odd.certificate] })),
      'untrusted_chain',
      /bundle authority was skipped/,
    );
    expect(e.cause).toBeInstanceOf(SvidError);
  });
  it('refuses a presented certificate it cannot read', () => {
    const odd = intermediateCa(root, 'example.org', { extensions: duplicateBc });
    expectSvidError(
      () => verifyX509Svid([leafCert(odd, ID).certificate, odd.certificate], source),
      'invalid_certificate',
      /certificate 2/,
    );
  });
});

describe('verifyX509Svid: arguments', () => {
  const leaf = leafCert(root, ID);
  it('refuses an empty chain, non-certificates and a missing bundle source', () => {
    expectSvidError(() => verifyX509Svid([], source), 'no_certificates');
    expectSvidError(() => verifyX509Svid(['x' as unknown as Uint8Array], source), 'invalid_argument');
    expectSvidError(
      () => verifyX509Svid([leaf.certificate], undefined as unknown as typeof source),
      'invalid_argument',
    );
    expectSvidError(() => verifyX509Svid('x' as unknown as [], source), 'invalid_argument');
    expectSvidError(
      () => parseAndVerifyX509Svid([leaf.certificate as unknown as Uint8Array], source),
      'invalid_argument',
    );
  });
  it('refuses DER that is not a certificate', () => {
    expectSvidError(
      () => verifyX509Svid([new Uint8Array([0x30, 0x00])], source),
      'invalid_certificate',
      /certificate 1/,
    );
    expectSvidError(
      () => verifyX509Svid([leaf.der, Buffer.from('junk')], source),
      'invalid_certificate',
      /certificate 2/,
    );
  });
  it('wraps a failing bundle source as bundle_not_found, keeping the cause', () => {
    const broken = {
      getX509BundleForTrustDomain: () => {
        throw new Error('boom');
      },
    };
    const e = expectSvidError(() => verifyX509Svid([leaf.certificate], broken), 'bundle_not_found');
    expect((e.cause as Error).message).toBe('boom');
    expect(e).toBeInstanceOf(SvidError);
  });
  it('verifies repeatedly with the same bundle (authorities are read once and cached)', () => {
    for (let i = 0; i < 3; i++) expect(verifyX509Svid([leaf.certificate], source).id.toString()).toBe(ID);
  });
});
