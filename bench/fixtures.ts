/**
 * The inputs and measured functions shared by the benchmarks: one SPIFFE ID, one SPIRE-shaped
 * X.509 chain, one ES256 JWT-SVID. spiffeid.bench.ts and svid.bench.ts measure them against bare
 * baselines; go.bench.ts measures the very same functions against go-spiffe.
 */
import { sign, verify, X509Certificate } from 'node:crypto';
import { JwtBundle, JwtBundleSet, X509Bundle, X509BundleSet } from '../src/bundle/index.js';
import { SpiffeId } from '../src/spiffeid/index.js';
import { JwtSvid, parseAndVerifyX509Svid } from '../src/svid/index.js';
import { createCertificate, generateKeyPair } from '../src/testing/index.js';
import type { BenchFn } from './harness.js';

export const TD = 'example.org';
export const ID = 'spiffe://example.org/ns/production/sa/api-server';
export const AUDIENCE = 'spiffe://example.org/backend';

// A SPIRE-shaped chain: P-256 root -> P-256 intermediate -> P-256 leaf with one URI SAN.
export const root = createCertificate({
  subject: 'C=US,O=SPIFFE',
  uris: [`spiffe://${TD}`],
  basicConstraints: { ca: true },
  keyUsage: { usages: ['keyCertSign', 'cRLSign'] },
});
export const inter = createCertificate({
  issuer: { certificate: root.certificate, privateKey: root.keyPair.privateKey },
  subject: 'C=US,O=SPIFFE',
  uris: [`spiffe://${TD}`],
  basicConstraints: { ca: true },
  keyUsage: { usages: ['keyCertSign', 'cRLSign'] },
});
export const leaf = createCertificate({
  issuer: { certificate: inter.certificate, privateKey: inter.keyPair.privateKey },
  subject: 'C=US,O=SPIRE',
  uris: ['spiffe://example.org/ns/prod/sa/api'],
  basicConstraints: { ca: false },
  keyUsage: { usages: ['digitalSignature', 'keyEncipherment', 'keyAgreement'] },
  extKeyUsage: { usages: ['serverAuth', 'clientAuth'] },
});
/**
 * Distinct leaves under the same intermediate, as a server sees its clients: caching what real
 * handshakes share (the intermediate and root keys, the intermediate's verified signature) counts,
 * but a cache of whole results cannot. The measured functions take the next leaf on each call.
 */
export const LEAF_POOL_SIZE = 256;
export const leafPool: Uint8Array[] = Array.from(
  { length: LEAF_POOL_SIZE },
  (_, i) =>
    createCertificate({
      issuer: { certificate: inter.certificate, privateKey: inter.keyPair.privateKey },
      subject: 'C=US,O=SPIRE',
      uris: [`spiffe://example.org/ns/prod/sa/api-${i}`],
      basicConstraints: { ca: false },
      keyUsage: { usages: ['digitalSignature', 'keyEncipherment', 'keyAgreement'] },
      extKeyUsage: { usages: ['serverAuth', 'clientAuth'] },
    }).der,
);
let nextLeaf = 0;
const pooledLeaf = (): Uint8Array => leafPool[(nextLeaf = (nextLeaf + 1) % LEAF_POOL_SIZE)]!;
export const x509Bundles = new X509BundleSet(X509Bundle.fromAuthorities(TD, [root.certificate]));
const rootCert = root.certificate;
const rootKey = rootCert.publicKey;

// An ES256 JWT-SVID as SPIRE issues it.
export const jwtKey = generateKeyPair('ec-p256');
export const JWT_KEY_ID = 'kid-1';
const jwtBundles = new JwtBundleSet(
  JwtBundle.fromJwtAuthorities(TD, new Map([[JWT_KEY_ID, jwtKey.publicKey]])),
);
const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const signingInput = `${b64({ alg: 'ES256', kid: JWT_KEY_ID, typ: 'JWT' })}.${b64({
  sub: 'spiffe://example.org/ns/prod/sa/api',
  aud: [AUDIENCE],
  exp: now + 3600,
  iat: now,
})}`;
const signingBytes = Buffer.from(signingInput);
const signature = sign('sha256', signingBytes, { key: jwtKey.privateKey, dsaEncoding: 'ieee-p1363' });
export const token = `${signingInput}.${signature.toString('base64url')}`;

/** SpiffeId.parse of {@link ID}. */
export const idParse: BenchFn = { name: `SpiffeId.parse('${ID}')`, fn: () => SpiffeId.parse(ID) };
/** Its baseline: what a naive implementation would use. */
export const urlParse: BenchFn = { name: 'new URL() of the same string', fn: () => new URL(ID) };

/** The SDK's X509-SVID parse + RFC 5280 verification of leaf + intermediate (a new leaf each call). */
export const x509Verify: BenchFn = {
  name: `parseAndVerifyX509Svid([leaf, intermediate], bundles), ${LEAF_POOL_SIZE} distinct leaves`,
  fn: () => parseAndVerifyX509Svid([pooledLeaf(), inter.der], x509Bundles),
};
/** Its baseline: bare node:crypto parsing and the two signature checks (the same leaf pool). */
export const x509Bare: BenchFn = {
  name: 'new X509Certificate x2 + checkIssued/verify x2',
  fn: () => {
    const l = new X509Certificate(pooledLeaf());
    const i = new X509Certificate(inter.der);
    return l.checkIssued(i) && l.verify(i.publicKey) && i.checkIssued(rootCert) && i.verify(rootKey);
  },
};

/** The SDK's JWT-SVID validation of {@link token}. */
export const jwtValidate: BenchFn = {
  name: `JwtSvid.parseAndValidate(token, bundles, '${AUDIENCE}')`,
  fn: () => JwtSvid.parseAndValidate(token, jwtBundles, AUDIENCE),
};
/** Its baseline: the bare signature check. */
export const jwtBare: BenchFn = {
  name: 'crypto.verify of the same ES256 signature',
  fn: () => verify('sha256', signingBytes, { key: jwtKey.publicKey, dsaEncoding: 'ieee-p1363' }, signature),
};
