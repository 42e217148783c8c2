import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SpiffeBundle } from '../../src/bundle/index.js';
import { SpiffeIdError } from '../../src/spiffeid/index.js';
import { SvidError, verifyX509Svid, X509Svid } from '../../src/svid/index.js';
import {
  FakeCa,
  generateKeyPair,
  ManualClock,
  TestingError,
  type IssuedX509Svid,
  type IssueX509SvidOptions,
  type KeyType,
} from '../../src/testing/index.js';
import { hasOpenssl, opensslVerify, peculiar, peculiarUris, px } from './certificate-test-tools.js';

const TD = 'example.org';
const ID = 'spiffe://example.org/workload';
const HOUR = 3_600_000;

function opensslVerifySvid(ca: FakeCa, svid: IssuedX509Svid, args: string[] = []) {
  return opensslVerify({
    roots: ca.rootCertificates(),
    intermediates: svid.certificates.slice(1),
    leaf: svid.certificates[0]!,
    args,
  });
}

function leaf(svid: IssuedX509Svid): X509Certificate {
  return svid.certificates[0]!;
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('FakeCa: root CA certificate', () => {
  it('X-5, X-6, X-8, X-10, X-11: subject C=US,O=SPIFFE, URI SAN spiffe://td, cA=true, critical keyCertSign+cRLSign', () => {
    const ca = new FakeCa({ trustDomain: TD });
    const root = ca.certificate;
    expect(ca.rootCertificates()).toEqual([root]);
    expect(root.subject).toBe('C=US\nO=SPIFFE');
    expect(root.issuer).toBe(root.subject);
    expect(root.verify(root.publicKey)).toBe(true);
    expect(peculiarUris(root)).toEqual(['spiffe://example.org']);
    const parsed = peculiar(root);
    const bc = parsed.getExtension(px.BasicConstraintsExtension);
    expect([bc?.ca, bc?.critical]).toEqual([true, true]);
    const ku = parsed.getExtension(px.KeyUsagesExtension);
    expect(ku?.usages).toBe(px.KeyUsageFlags.keyCertSign | px.KeyUsageFlags.cRLSign);
    expect(ku?.critical).toBe(true);
    expect(ca.intermediates).toEqual([]);
    expect(ca.trustDomain.name).toBe(TD);
  });

  it('validity: 10 s backdated, 24 h by default, ttl option', () => {
    const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
    const ca = new FakeCa({ trustDomain: TD, clock });
    expect(peculiar(ca.certificate).notBefore.toISOString()).toBe('2029-12-31T23:59:50.000Z');
    expect(peculiar(ca.certificate).notAfter.toISOString()).toBe('2030-01-02T00:00:00.000Z');
    const short = new FakeCa({ trustDomain: TD, clock, ttl: 2 * HOUR });
    expect(peculiar(short.certificate).notAfter.toISOString()).toBe('2030-01-01T02:00:00.000Z');
    expect(ca.clock).toBe(clock);
  });
});

const KEY_TYPES: KeyType[] = ['ec-p256', 'ec-p384', 'ec-p521', 'rsa-2048', 'ed25519'];
/** One leaf key pair per type for the whole file: RSA generation takes about 250 ms here. */
const LEAF_KEYS = new Map(KEY_TYPES.map((type) => [type, generateKeyPair(type)]));

describe('FakeCa: issued X509-SVIDs verify (openssl, node, X509Svid)', () => {
  it.each(KEY_TYPES)(
    'X-14: CA key %s: root and intermediate chains verify for every leaf key type',
    (keyType) => {
      const ca = new FakeCa({ trustDomain: TD, keyType });
      const intermediate = ca.intermediate({ keyType });
      const svids = [
        ...KEY_TYPES.map((leafKeyType) => ca.issueX509Svid({ id: ID, keyPair: LEAF_KEYS.get(leafKeyType) })),
        intermediate.issueX509Svid({ id: ID, keyPair: LEAF_KEYS.get(keyType) }),
      ];
      for (const svid of svids) {
        // The svid layer parses P-256, P-384, RSA and Ed25519 private keys (not P-521).
        if (svid.privateKey.asymmetricKeyDetails?.namedCurve !== 'secp521r1') {
          expect(svid.toX509Svid().id.toString()).toBe(ID);
        }
        expect(verifyX509Svid(svid.certificates, ca.x509Bundle()).id.toString()).toBe(ID);
      }
      expect(svids.map((s) => s.privateKey.asymmetricKeyType)).toEqual([
        'ec',
        'ec',
        'ec',
        'rsa',
        'ed25519',
        expect.any(String),
      ]);
      if (!hasOpenssl) return;
      for (const purpose of ['sslclient', 'sslserver']) {
        const verified = opensslVerify({
          roots: ca.rootCertificates(),
          intermediates: [intermediate.certificate],
          leaf: svids.map(leaf),
          args: ['-purpose', purpose],
        });
        expect(verified.output.match(/: OK/g)).toHaveLength(svids.length);
        expect(verified.ok).toBe(true);
      }
      expect(
        opensslVerify({ roots: ca.rootCertificates(), leaf: [ca.certificate, intermediate.certificate] }).ok,
      ).toBe(true);
    },
  );

  it("X-1, X-3, X-8, X-10, X-12, X-13: the default leaf is shaped like SPIRE's", () => {
    const clock = new ManualClock();
    const ca = new FakeCa({ trustDomain: TD, clock });
    const svid = ca.issueX509Svid({ id: ID, hint: 'internal' });
    const cert = leaf(svid);
    const parsed = peculiar(cert);
    expect(svid.certificates).toHaveLength(1); // the root is not in the chain
    expect(peculiarUris(cert)).toEqual([ID]);
    expect(cert.subject).toBe('C=US\nO=SPIRE');
    expect(parsed.getExtension(px.SubjectAlternativeNameExtension)?.critical).toBe(false);
    const bc = parsed.getExtension(px.BasicConstraintsExtension);
    expect([bc?.ca, bc?.critical]).toEqual([false, true]);
    const ku = parsed.getExtension(px.KeyUsagesExtension);
    expect(ku?.usages).toBe(
      px.KeyUsageFlags.digitalSignature | px.KeyUsageFlags.keyEncipherment | px.KeyUsageFlags.keyAgreement,
    );
    expect(ku?.critical).toBe(true);
    expect(parsed.getExtension(px.ExtendedKeyUsageExtension)?.usages).toEqual([
      '1.3.6.1.5.5.7.3.1',
      '1.3.6.1.5.5.7.3.2',
    ]);
    const now = Math.floor(clock.now().getTime() / 1000) * 1000;
    expect(parsed.notBefore.getTime()).toBe(Math.floor((clock.now().getTime() - 10_000) / 1000) * 1000);
    expect(parsed.notAfter.getTime()).toBe(now + HOUR);
    expect(svid.expiresAt.getTime()).toBe(now + HOUR);
    expect(cert.checkPrivateKey(svid.privateKey)).toBe(true);
    expect(svid.hint).toBe('internal');
    expect(svid.toX509Svid().hint).toBe('internal');
    expect(svid.id.toString()).toBe(ID);
  });

  it('gives the SVID as DER and PEM, leaf first', () => {
    const ca = new FakeCa({ trustDomain: TD });
    const svid = ca.intermediate().issueX509Svid({ id: ID });
    expect(Buffer.from(svid.chainDer).equals(Buffer.concat(svid.certificates.map((c) => c.raw)))).toBe(true);
    expect(svid.certificatesPem).toBe(svid.certificates.map((c) => c.toString()).join(''));
    const reparsed = X509Svid.parse(svid.certificatesPem, svid.privateKeyPem);
    expect(reparsed.certificates.map((c) => c.fingerprint256)).toEqual(
      svid.certificates.map((c) => c.fingerprint256),
    );
    expect(reparsed.privateKey.equals(svid.privateKey)).toBe(true);
    expect(
      Buffer.from(svid.privateKeyDer).equals(svid.privateKey.export({ type: 'pkcs8', format: 'der' })),
    ).toBe(true);
  });

  it('ttl is clamped to the CA certificate; the clock sets the validity', () => {
    const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
    const ca = new FakeCa({ trustDomain: TD, clock, ttl: 2 * HOUR });
    clock.advance(90 * 60_000);
    const svid = ca.issueX509Svid({ id: ID });
    expect(svid.expiresAt.toISOString()).toBe('2030-01-01T02:00:00.000Z');
    expect(peculiar(leaf(svid)).notBefore.toISOString()).toBe('2030-01-01T01:29:50.000Z');
    const short = ca.issueX509Svid({ id: ID, ttl: 60_000 });
    expect(short.expiresAt.toISOString()).toBe('2030-01-01T01:31:00.000Z');
  });

  it('intermediates: the chain carries them leaf first, root excluded; intermediates are clamped and SPIFFE-named', () => {
    const ca = new FakeCa({ trustDomain: TD });
    const first = ca.intermediate();
    const second = first.intermediate({ keyType: 'ec-p384' });
    expect(first.intermediates).toEqual([first.certificate]);
    expect(second.intermediates).toEqual([second.certificate, first.certificate]);
    const svid = second.issueX509Svid({ id: ID });
    expect(svid.certificates).toEqual([leaf(svid), second.certificate, first.certificate]);
    expect(leaf(svid).checkIssued(second.certificate)).toBe(true);
    expect(second.certificate.checkIssued(first.certificate)).toBe(true);
    expect(first.certificate.checkIssued(ca.certificate)).toBe(true);
    expect(peculiarUris(second.certificate)).toEqual(['spiffe://example.org']);
    expect(second.certificate.ca).toBe(true);
    expect(peculiar(first.certificate).notAfter.getTime()).toBeLessThanOrEqual(
      peculiar(ca.certificate).notAfter.getTime(),
    );
    expect(second.x509Bundle().x509Authorities()).toEqual([ca.certificate]);
    expect(svid.toX509Svid().certificates).toHaveLength(3);
    expect(verifyX509Svid(svid.certificates, ca.x509Bundle()).chains[0]).toHaveLength(4);
    if (hasOpenssl) expect(opensslVerifySvid(ca, svid).ok).toBe(true);
  });

  it('keyType and keyPair choose the leaf key', () => {
    const ca = new FakeCa({ trustDomain: TD });
    const ed = ca.issueX509Svid({ id: ID, keyType: 'ed25519' });
    expect(ed.privateKey.asymmetricKeyType).toBe('ed25519');
    expect(leaf(ed).checkPrivateKey(ed.privateKey)).toBe(true);
    const given = LEAF_KEYS.get('ec-p384')!;
    const svid = ca.issueX509Svid({ id: ID, keyPair: given });
    expect(svid.privateKey).toBe(given.privateKey);
    expect(leaf(svid).publicKey.equals(given.publicKey)).toBe(true);
  });

  it('issuer gives the signing certificate and key for hand-made certificates', () => {
    const ca = new FakeCa({ trustDomain: TD });
    expect(ca.issuer.certificate).toBe(ca.certificate);
    expect(ca.certificate.checkPrivateKey(ca.issuer.privateKey)).toBe(true);
  });
});

/** Each override, the defect it must produce (checked independently), and X509Svid.parseRaw's verdict. */
const LEAF_DEFECTS: [
  string,
  Omit<IssueX509SvidOptions, 'id'> & { id?: string },
  (cert: X509Certificate) => void,
  string,
][] = [
  [
    'X-2, X-19: two URI SANs',
    { uris: [ID, 'spiffe://example.org/other'] },
    (c) => expect(peculiarUris(c)).toHaveLength(2),
    'multiple_uri_sans',
  ],
  ['X-1, X-2: no URI SAN', { uris: [] }, (c) => expect(c.subjectAltName).toBeUndefined(), 'no_uri_san'],
  [
    'X-17: a URI SAN with another scheme',
    { uris: ['https://example.org/workload'] },
    (c) => expect(peculiarUris(c)).toEqual(['https://example.org/workload']),
    'invalid_spiffe_id',
  ],
  [
    'X-3, X-18: an ID with a root path',
    { id: 'spiffe://example.org' },
    (c) => expect(peculiarUris(c)).toEqual(['spiffe://example.org']),
    'leaf_root_path',
  ],
  [
    'X-8, X-15: cA=true',
    { basicConstraints: { ca: true } },
    (c) => expect(peculiar(c).getExtension(px.BasicConstraintsExtension)!.ca).toBe(true),
    'leaf_is_ca',
  ],
  [
    'X-12, X-16: keyCertSign',
    { keyUsage: { usages: ['digitalSignature', 'keyCertSign'] } },
    (c) =>
      expect(
        peculiar(c).getExtension(px.KeyUsagesExtension)!.usages & px.KeyUsageFlags.keyCertSign,
      ).toBeTruthy(),
    'leaf_key_usage',
  ],
  [
    'X-12, X-16: cRLSign',
    { keyUsage: { usages: ['digitalSignature', 'cRLSign'] } },
    (c) =>
      expect(peculiar(c).getExtension(px.KeyUsagesExtension)!.usages & px.KeyUsageFlags.cRLSign).toBeTruthy(),
    'leaf_key_usage',
  ],
  [
    'X-12: no digitalSignature',
    { keyUsage: { usages: ['keyEncipherment'] } },
    (c) =>
      expect(peculiar(c).getExtension(px.KeyUsagesExtension)!.usages).toBe(px.KeyUsageFlags.keyEncipherment),
    'leaf_key_usage',
  ],
  [
    'X-10: no key usage',
    { keyUsage: null },
    (c) => expect(peculiar(c).getExtension(px.KeyUsagesExtension)).toBeNull(),
    'leaf_key_usage',
  ],
  [
    'X-10: a non-critical key usage',
    { keyUsage: { usages: ['digitalSignature'], critical: false } },
    (c) => expect(peculiar(c).getExtension(px.KeyUsagesExtension)!.critical).toBe(false),
    'leaf_key_usage',
  ],
  [
    'X-13: EKU without clientAuth',
    { extKeyUsage: { usages: ['serverAuth'] } },
    (c) =>
      expect(peculiar(c).getExtension(px.ExtendedKeyUsageExtension)!.usages).toEqual(['1.3.6.1.5.5.7.3.1']),
    'leaf_ext_key_usage',
  ],
  [
    'X-4: an empty subject without a critical SAN',
    { subject: '', sanCritical: false },
    (c) => {
      expect(c.subject).toBeUndefined();
      expect(peculiar(c).getExtension(px.SubjectAlternativeNameExtension)!.critical).toBe(false);
    },
    'leaf_san_not_critical',
  ],
  ['a private key that does not match', { mismatchedPrivateKey: true }, () => {}, 'key_mismatch'],
];

describe('FakeCa: overrides mint exactly the named defect', () => {
  it.each(LEAF_DEFECTS)('%s', (_name, overrides, check, code) => {
    const ca = new FakeCa({ trustDomain: TD });
    const svid = ca.issueX509Svid({ id: ID, ...overrides });
    check(leaf(svid));
    // Everything else stays valid: the signature still chains to the CA.
    expect(leaf(svid).verify(ca.certificate.publicKey)).toBe(true);
    if (code === 'key_mismatch') expect(leaf(svid).checkPrivateKey(svid.privateKey)).toBe(false);
    expect(errorOf(() => svid.toX509Svid())).toMatchObject({ name: 'SvidError', code });
  });

  it('X-4: an empty subject alone gets a critical SAN and stays valid', () => {
    const svid = new FakeCa({ trustDomain: TD }).issueX509Svid({ id: ID, subject: '' });
    expect(peculiar(leaf(svid)).getExtension(px.SubjectAlternativeNameExtension)!.critical).toBe(true);
    expect(svid.toX509Svid().id.toString()).toBe(ID);
  });

  it('X-14: expired and not-yet-valid leaves parse but do not verify', () => {
    const ca = new FakeCa({ trustDomain: TD });
    const now = Date.now();
    const expired = ca.issueX509Svid({
      id: ID,
      notBefore: new Date(now - 2 * HOUR),
      notAfter: new Date(now - HOUR),
    });
    const future = ca.issueX509Svid({
      id: ID,
      notBefore: new Date(now + HOUR),
      notAfter: new Date(now + 2 * HOUR),
    });
    expect(expired.expiresAt.getTime()).toBe(Math.floor((now - HOUR) / 1000) * 1000);
    for (const svid of [expired, future]) expect(svid.toX509Svid().id.toString()).toBe(ID);
    expect(errorOf(() => verifyX509Svid(expired.certificates, ca.x509Bundle()))).toMatchObject({
      code: 'certificate_expired',
    });
    expect(errorOf(() => verifyX509Svid(future.certificates, ca.x509Bundle()))).toMatchObject({
      code: 'certificate_not_yet_valid',
    });
    if (hasOpenssl) {
      expect(opensslVerifySvid(ca, expired).output).toMatch(/certificate has expired/);
      expect(opensslVerifySvid(ca, future).output).toMatch(/not yet valid/);
    }
  });

  it('X-14, B-1: a leaf for example.org signed by another CA (same subject) is not trusted', () => {
    const ca = new FakeCa({ trustDomain: TD });
    const evilCa = new FakeCa({ trustDomain: 'other.org' });
    const evil = evilCa.issueX509Svid({ id: ID });
    expect(leaf(evil).issuer).toBe(ca.certificate.subject);
    expect(evil.toX509Svid().id.toString()).toBe(ID);
    expect(errorOf(() => verifyX509Svid(evil.certificates, ca.x509Bundle()))).toMatchObject({
      code: 'untrusted_chain',
    });
    if (hasOpenssl) expect(opensslVerifySvid(ca, evil).ok).toBe(false);
  });

  it('an unknown critical extension fails path validation', () => {
    const ca = new FakeCa({ trustDomain: TD });
    const svid = ca.issueX509Svid({
      id: ID,
      extensions: [{ oid: '1.3.6.1.4.1.99999.1', critical: true, value: Uint8Array.of(5, 0) }],
    });
    expect(svid.toX509Svid().id.toString()).toBe(ID);
    expect(errorOf(() => verifyX509Svid(svid.certificates, ca.x509Bundle()))).toMatchObject({
      code: 'unknown_critical_extension',
    });
  });

  it('DNS SANs and a custom validity window are written as asked', () => {
    const ca = new FakeCa({ trustDomain: TD });
    const notBefore = new Date(Date.now() - 60_000);
    const notAfter = new Date(Date.now() + 10 * 24 * HOUR); // beyond the CA: explicit windows are not clamped
    const svid = ca.issueX509Svid({ id: ID, dnsNames: ['api.example.org'], notBefore, notAfter });
    expect(leaf(svid).subjectAltName).toBe(`URI:${ID}, DNS:api.example.org`);
    expect(svid.expiresAt.getTime()).toBe(Math.floor(notAfter.getTime() / 1000) * 1000);
  });

  it.each([
    [
      'X-5, X-8: an intermediate without cA=true',
      { basicConstraints: { ca: false } },
      'signing_certificate_not_ca',
    ],
    [
      'X-5, X-8: an intermediate without basic constraints',
      { basicConstraints: null },
      'signing_certificate_not_ca',
    ],
    [
      'X-5, X-11: an intermediate without keyCertSign',
      { keyUsage: { usages: ['cRLSign' as const] } },
      'signing_certificate_key_usage',
    ],
    [
      'X-6: an intermediate whose ID has a path',
      { uris: ['spiffe://example.org/ca'] },
      'signing_certificate_id_path',
    ],
  ])('%s', (_name, overrides, code) => {
    const ca = new FakeCa({ trustDomain: TD });
    const broken = ca.intermediate(overrides);
    const svid = broken.issueX509Svid({ id: ID });
    expect(svid.certificates[1]).toBe(broken.certificate);
    expect(errorOf(() => svid.toX509Svid())).toMatchObject({ name: 'SvidError', code });
  });
});

describe('FakeCa: bundles', () => {
  it('X-20, J-15, B-3, B-4: publishes the root and the JWT key with sequence 1 and a refresh hint', () => {
    const ca = new FakeCa({ trustDomain: TD });
    expect(ca.sequenceNumber).toBe(1n);
    expect(ca.refreshHint).toBe(300);
    expect(ca.x509Bundle().x509Authorities()).toEqual([ca.certificate]);
    expect(ca.x509Bundle().trustDomain.name).toBe(TD);
    const jwt = ca.jwtAuthorities();
    expect(jwt.size).toBe(1);
    expect([...ca.jwtBundle().jwtAuthorities().keys()]).toEqual([...jwt.keys()]);
    const bundle = ca.spiffeBundle();
    expect(bundle).toBeInstanceOf(SpiffeBundle);
    expect(bundle.sequenceNumber).toBe(1n);
    expect(bundle.refreshHint).toBe(300);
    const json = JSON.parse(bundle.marshal()) as {
      spiffe_sequence: number;
      keys: { use: string; kid?: string }[];
    };
    expect(json.spiffe_sequence).toBe(1);
    expect(json.keys.map((k) => k.use).sort()).toEqual(['jwt-svid', 'x509-svid']);
    const reparsed = SpiffeBundle.parse(TD, bundle.marshal());
    expect(reparsed.x509Authorities()[0]?.fingerprint256).toBe(ca.certificate.fingerprint256);
  });

  it('refreshHint option; a new bundle object each call', () => {
    const ca = new FakeCa({ trustDomain: TD, refreshHint: 60 });
    expect(ca.spiffeBundle().refreshHint).toBe(60);
    expect(ca.spiffeBundle()).not.toBe(ca.spiffeBundle());
    expect(ca.rootCertificates()).not.toBe(ca.rootCertificates());
  });

  it('an intermediate shares the trust domain bundle: the root as X.509 authority, its JWT key added', () => {
    const ca = new FakeCa({ trustDomain: TD });
    const changes: bigint[] = [];
    ca.onBundleChange(() => changes.push(ca.sequenceNumber));
    const intermediate = ca.intermediate();
    expect(changes).toEqual([2n]);
    expect(intermediate.spiffeBundle().x509Authorities()).toEqual([ca.certificate]);
    expect(intermediate.jwtAuthorities().size).toBe(2);
    expect(ca.jwtAuthorities()).toEqual(intermediate.jwtAuthorities());
    const { token, kid } = intermediate.issueJwtSvid({ id: ID, audience: 'a' });
    expect(ca.jwtAuthorities().has(kid!)).toBe(true);
    expect(token.split('.')).toHaveLength(3);
  });
});

describe('FakeCa: bad options', () => {
  it('invalid_option and SpiffeIdError for what cannot be used', () => {
    const ca = new FakeCa({ trustDomain: TD });
    expect(() => new FakeCa({ trustDomain: 'Example.org' })).toThrow(SpiffeIdError);
    expect(() => new FakeCa(undefined as unknown as { trustDomain: string })).toThrow(TestingError);
    expect(() => new FakeCa({ trustDomain: 'other.org', parent: ca })).toThrow(
      expect.objectContaining({ code: 'invalid_option', message: expect.stringContaining('other.org') }),
    );
    expect(() => new FakeCa({ trustDomain: TD, parent: {} as FakeCa })).toThrow(TestingError);
    expect(() => new FakeCa({ trustDomain: TD, parent: ca, clock: new ManualClock() })).toThrow(TestingError);
    expect(() => new FakeCa({ trustDomain: TD, parent: ca, refreshHint: 5 })).toThrow(TestingError);
    expect(() => new FakeCa({ trustDomain: TD, refreshHint: 1.5 })).toThrow(TestingError);
    expect(() => new FakeCa({ trustDomain: TD, keyType: 'dsa' as KeyType })).toThrow(TestingError);
    for (const ttl of [0, -1, NaN, Infinity]) {
      expect(() => new FakeCa({ trustDomain: TD, ttl })).toThrow(TestingError);
      expect(() => ca.issueX509Svid({ id: ID, ttl })).toThrow(
        expect.objectContaining({ code: 'invalid_option' }),
      );
    }
    expect(() => ca.issueX509Svid({ id: 'spiffe://example.org/a/' })).toThrow(SpiffeIdError);
    expect(() => ca.issueX509Svid({ id: ID, hint: 1 as unknown as string })).toThrow(TestingError);
    expect(() => ca.issueX509Svid({ id: ID, keyType: 'rsa-1024' as KeyType })).toThrow(TestingError);
    expect(() => ca.issueX509Svid({ id: ID, subject: 'nonsense' })).toThrow(TestingError);
  });

  it('the errors are SpiffeErrors with a stable code', () => {
    const error = errorOf(() => new FakeCa({ trustDomain: TD, ttl: -5 }));
    expect(error).toBeInstanceOf(TestingError);
    expect(error).toMatchObject({ name: 'TestingError', code: 'invalid_option' });
    expect(error).not.toBeInstanceOf(SvidError);
  });
});
