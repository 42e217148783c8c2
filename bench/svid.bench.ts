import { sign, verify, X509Certificate } from 'node:crypto';
import { JwtBundle, JwtBundleSet, X509Bundle, X509BundleSet } from '../src/bundle/index.js';
import { JwtSvid, parseAndVerifyX509Svid } from '../src/svid/index.js';
import { createCertificate, generateKeyPair } from '../src/testing/index.js';
import type { Benchmark } from './harness.js';

// A SPIRE-shaped chain: P-256 root -> P-256 intermediate -> P-256 leaf with one URI SAN.
const root = createCertificate({
  subject: 'C=US,O=SPIFFE',
  uris: ['spiffe://example.org'],
  basicConstraints: { ca: true },
  keyUsage: { usages: ['keyCertSign', 'cRLSign'] },
});
const inter = createCertificate({
  issuer: { certificate: root.certificate, privateKey: root.keyPair.privateKey },
  subject: 'C=US,O=SPIFFE',
  uris: ['spiffe://example.org'],
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
const x509Source = new X509BundleSet(X509Bundle.fromAuthorities('example.org', [root.certificate]));
const rootCert = root.certificate;
const rootKey = rootCert.publicKey;

// An ES256 JWT-SVID as SPIRE issues it.
const jwtKey = generateKeyPair('ec-p256');
const jwtSource = new JwtBundleSet(
  JwtBundle.fromJwtAuthorities('example.org', new Map([['kid-1', jwtKey.publicKey]])),
);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const signingInput = `${b64({ alg: 'ES256', kid: 'kid-1', typ: 'JWT' })}.${b64({
  sub: 'spiffe://example.org/ns/prod/sa/api',
  aud: ['spiffe://example.org/backend'],
  exp: now + 3600,
  iat: now,
})}`;
const signature = sign('sha256', Buffer.from(signingInput), {
  key: jwtKey.privateKey,
  dsaEncoding: 'ieee-p1363',
});
const token = `${signingInput}.${signature.toString('base64url')}`;
const signingBytes = Buffer.from(signingInput);

/** The security core against bare node:crypto doing only the signature work. */
export const benchmarks: Benchmark[] = [
  {
    name: 'svid: X509-SVID parse+verify (leaf + intermediate)',
    subject: {
      name: 'parseAndVerifyX509Svid([leaf, intermediate], bundles)',
      fn: () => parseAndVerifyX509Svid([leaf.der, inter.der], x509Source),
    },
    baseline: {
      name: 'new X509Certificate x2 + checkIssued/verify x2',
      fn: () => {
        const l = new X509Certificate(leaf.der);
        const i = new X509Certificate(inter.der);
        return l.checkIssued(i) && l.verify(i.publicKey) && i.checkIssued(rootCert) && i.verify(rootKey);
      },
    },
    target: { ratio: 0.67, description: 'within 1.5x of bare node:crypto parse + signature checks' },
  },
  {
    name: 'svid: JWT-SVID validate (ES256)',
    subject: {
      name: "JwtSvid.parseAndValidate(token, bundles, 'spiffe://example.org/backend')",
      fn: () => JwtSvid.parseAndValidate(token, jwtSource, 'spiffe://example.org/backend'),
    },
    baseline: {
      name: 'crypto.verify of the same ES256 signature',
      fn: () =>
        verify('sha256', signingBytes, { key: jwtKey.publicKey, dsaEncoding: 'ieee-p1363' }, signature),
    },
    target: { ratio: 0.67, description: 'within 1.5x of the bare signature check' },
  },
];
