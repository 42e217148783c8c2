/**
 * SVIDs: parse an X509-SVID, verify a peer's X509-SVID chain against the bundle of its own trust
 * domain, and validate a JWT-SVID. A FakeCa (the testing kit) plays the SPIRE server.
 *
 * Run: npx tsx examples/svid.ts
 */
import { JwtBundleSet, X509BundleSet } from '@spiffe-ts/sdk/bundle';
import { JwtSvid, SvidError, verifyX509Svid, X509Svid } from '@spiffe-ts/sdk/svid';
import { FakeCa } from '@spiffe-ts/sdk/testing';

const exampleOrg = new FakeCa({ trustDomain: 'example.org' });
const otherOrg = new FakeCa({ trustDomain: 'other.org' });

// 1. Our own X509-SVID, as PEM files would hold it (X509Svid.load reads files).
const issued = exampleOrg.intermediate().issueX509Svid({ id: 'spiffe://example.org/frontend' });
const svid = X509Svid.parse(issued.certificatesPem, issued.privateKeyPem);
console.log(
  `X509-SVID ${svid.id.toString()}: ${svid.certificates.length} certificates, expires ${svid.expiresAt.toISOString()}`,
);

// 2. Verify a peer: only the bundle of the peer's own trust domain is used (X-14, B-1).
const bundles = new X509BundleSet(exampleOrg.x509Bundle(), otherOrg.x509Bundle());
const peer = exampleOrg.issueX509Svid({ id: 'spiffe://example.org/backend' });
const { id, chains } = verifyX509Svid(peer.certificates, bundles);
console.log(`peer verified: ${id.toString()} (chain of ${chains[0]?.length ?? 0})`);

// other.org's CA may not vouch for an example.org identity, even though its bundle is known.
const impostor = otherOrg.issueX509Svid({ id: 'spiffe://example.org/backend' });
try {
  verifyX509Svid(impostor.certificates, bundles);
  throw new Error('the impostor was accepted');
} catch (error) {
  if (!(error instanceof SvidError)) throw error;
  console.log(`impostor refused: ${error.code}`);
}

// 3. A JWT-SVID: signature by the bundle of sub's trust domain, then exp and aud.
const jwtBundles = new JwtBundleSet(exampleOrg.jwtBundle(), otherOrg.jwtBundle());
const { token } = exampleOrg.issueJwtSvid({
  id: 'spiffe://example.org/frontend',
  audience: 'spiffe://example.org/backend',
});
const jwt = JwtSvid.parseAndValidate(token, jwtBundles, 'spiffe://example.org/backend');
console.log(
  `JWT-SVID ${jwt.id.toString()} for ${jwt.audience.join(', ')}, expires ${jwt.expiry.toISOString()}`,
);

try {
  JwtSvid.parseAndValidate(token, jwtBundles, 'spiffe://example.org/billing');
  throw new Error('a token for another audience was accepted');
} catch (error) {
  if (!(error instanceof SvidError)) throw error;
  console.log(`wrong audience refused: ${error.code}`);
}
