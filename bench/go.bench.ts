/**
 * The SDK beside go-spiffe, on the same inputs: ID parse, X509-SVID parse+verify, JWT-SVID
 * validate. Each benchmark measures the SDK against the same in-process baseline as
 * spiffeid.bench.ts and svid.bench.ts, and adds go-spiffe's figure as an extra row whose note
 * gives the ratio: SDK ops/s ÷ go-spiffe ops/s, the median over five rounds in which the Go
 * program (bench/go) and the SDK take turns measuring for 300 ms each, in the same way: the rate of
 * one whole batch, garbage collection included. (The harness's own columns are medians over
 * 0.5 ms slices, which leave GC pauses out, so its SDK figure is higher than the one in the ratio.)
 * Without Go there are no benchmarks here.
 */
import { sign, verify, X509Certificate } from 'node:crypto';
import { JwtBundle, JwtBundleSet, X509Bundle, X509BundleSet } from '../src/bundle/index.js';
import { SpiffeId } from '../src/spiffeid/index.js';
import { JwtSvid, parseAndVerifyX509Svid } from '../src/svid/index.js';
import { createCertificate, generateKeyPair } from '../src/testing/index.js';
import { buildGoBench, compareWithGo, type GoBenchFixture } from './go/compare.js';
import type { Benchmark, BenchFn, ExtraRow } from './harness.js';

const TD = 'example.org';
const ID = 'spiffe://example.org/ns/production/sa/api-server';
const AUDIENCE = 'spiffe://example.org/backend';

// A SPIRE-shaped chain: P-256 root -> P-256 intermediate -> P-256 leaf with one URI SAN.
const root = createCertificate({
  subject: 'C=US,O=SPIFFE',
  uris: [`spiffe://${TD}`],
  basicConstraints: { ca: true },
  keyUsage: { usages: ['keyCertSign', 'cRLSign'] },
});
const inter = createCertificate({
  issuer: { certificate: root.certificate, privateKey: root.keyPair.privateKey },
  subject: 'C=US,O=SPIFFE',
  uris: [`spiffe://${TD}`],
  basicConstraints: { ca: true },
  keyUsage: { usages: ['keyCertSign', 'cRLSign'] },
});
const leaf = createCertificate({
  issuer: { certificate: inter.certificate, privateKey: inter.keyPair.privateKey },
  subject: 'C=US,O=SPIRE',
  uris: ['spiffe://example.org/ns/prod/sa/api'],
  basicConstraints: { ca: false },
  keyUsage: { usages: ['digitalSignature', 'keyEncipherment', 'keyAgreement'] },
  extKeyUsage: { usages: ['serverAuth', 'clientAuth'] },
});
const x509Bundles = new X509BundleSet(X509Bundle.fromAuthorities(TD, [root.certificate]));

// An ES256 JWT-SVID as SPIRE issues it.
const jwtKey = generateKeyPair('ec-p256');
const jwtBundles = new JwtBundleSet(JwtBundle.fromJwtAuthorities(TD, new Map([['kid-1', jwtKey.publicKey]])));
const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const signingInput = `${b64({ alg: 'ES256', kid: 'kid-1', typ: 'JWT' })}.${b64({
  sub: 'spiffe://example.org/ns/prod/sa/api',
  aud: [AUDIENCE],
  exp: now + 3600,
  iat: now,
})}`;
const signature = sign('sha256', Buffer.from(signingInput), {
  key: jwtKey.privateKey,
  dsaEncoding: 'ieee-p1363',
});
const token = `${signingInput}.${signature.toString('base64url')}`;
const signingBytes = Buffer.from(signingInput);
const rootCert = root.certificate;

const fixture: GoBenchFixture = {
  id: ID,
  trustDomain: TD,
  chain: [leaf.der, inter.der],
  root: root.der,
  token,
  audience: AUDIENCE,
  jwtKeyId: 'kid-1',
  jwtKeySpki: jwtKey.publicKey.export({ type: 'spki', format: 'der' }),
};

/** The extra row: go-spiffe's ops/s, and the SDK's ÷ go-spiffe's, measured taking turns. */
function goSpiffe(key: string, goCall: string, subject: BenchFn): () => Promise<ExtraRow | undefined> {
  return async () => {
    const c = compareWithGo(fixture, key, subject.fn);
    if (c === undefined) return undefined;
    return {
      name: `go-spiffe ${c.goSpiffe}: ${goCall}`,
      opsPerSec: c.goOpsPerSec,
      note: `${c.go}; SDK ÷ go-spiffe = ${c.ratio.toFixed(2)}x`,
    };
  };
}

const parse: BenchFn = { name: `SpiffeId.parse('${ID}')`, fn: () => SpiffeId.parse(ID) };
const x509: BenchFn = {
  name: 'parseAndVerifyX509Svid([leaf, intermediate], bundles)',
  fn: () => parseAndVerifyX509Svid([leaf.der, inter.der], x509Bundles),
};
const jwt: BenchFn = {
  name: `JwtSvid.parseAndValidate(token, bundles, '${AUDIENCE}')`,
  fn: () => JwtSvid.parseAndValidate(token, jwtBundles, AUDIENCE),
};

/** Empty when Go is not installed (or its build fails): the comparison is optional. */
export const benchmarks: Benchmark[] = buildGoBench()
  ? [
      {
        name: 'vs go-spiffe: ID parse',
        subject: parse,
        baseline: { name: 'new URL() of the same string', fn: () => new URL(ID) },
        extra: goSpiffe('id-parse', 'spiffeid.FromString', parse),
      },
      {
        name: 'vs go-spiffe: X509-SVID parse+verify (leaf + intermediate)',
        subject: x509,
        baseline: {
          name: 'new X509Certificate x2 + checkIssued/verify x2',
          fn: () => {
            const l = new X509Certificate(leaf.der);
            const i = new X509Certificate(inter.der);
            return (
              l.checkIssued(i) &&
              l.verify(i.publicKey) &&
              i.checkIssued(rootCert) &&
              i.verify(rootCert.publicKey)
            );
          },
        },
        extra: goSpiffe('x509-verify', 'x509svid.ParseAndVerify', x509),
      },
      {
        name: 'vs go-spiffe: JWT-SVID validate (ES256)',
        subject: jwt,
        baseline: {
          name: 'crypto.verify of the same ES256 signature',
          fn: () =>
            verify('sha256', signingBytes, { key: jwtKey.publicKey, dsaEncoding: 'ieee-p1363' }, signature),
        },
        extra: goSpiffe('jwt-validate', 'jwtsvid.ParseAndValidate', jwt),
      },
    ]
  : [];
