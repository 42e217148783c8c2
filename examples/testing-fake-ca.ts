/**
 * Testing kit: a FakeCa mints an X509-SVID and a JWT-SVID, a broken SVID for a negative test, and
 * rotates its keys on a ManualClock.
 *
 * Run: npx tsx examples/testing-fake-ca.ts
 */
import { JwtSvid, SvidError } from '@spiffe-ts/sdk/svid';
import { FakeCa, ManualClock } from '@spiffe-ts/sdk/testing';

const clock = new ManualClock();
const ca = new FakeCa({ trustDomain: 'example.org', clock });

// A valid X509-SVID, chained through an intermediate CA, parsed by the SDK.
const issued = ca.intermediate().issueX509Svid({ id: 'spiffe://example.org/frontend' });
const svid = issued.toX509Svid();
console.log(`X509-SVID ${svid.id.toString()} (${issued.certificates.length} certificates)`);

// A JWT-SVID, validated against the CA's JWT bundle.
const { token } = ca.issueJwtSvid({
  id: 'spiffe://example.org/frontend',
  audience: 'spiffe://example.org/api',
});
const jwt = JwtSvid.parseAndValidate(token, ca.jwtBundle(), 'spiffe://example.org/api', {
  time: clock.now(),
});
console.log(`JWT-SVID ${jwt.id.toString()} for ${jwt.audience.join(', ')}`);

// A leaf with cA=true: the SDK refuses it.
try {
  ca.issueX509Svid({ id: 'spiffe://example.org/frontend', basicConstraints: { ca: true } }).toX509Svid();
} catch (error) {
  if (!(error instanceof SvidError)) throw error;
  console.log(`broken SVID refused: ${error.code}`);
}

// Key rotation (F-1): publish the next root, switch to it, and drop the old root once nothing it
// signed is valid any more (here the intermediate, which lives as long as the old root: 24 hours).
ca.prepareRotation();
console.log(`prepared: ${ca.rootCertificates().length} roots, sequence ${ca.sequenceNumber}`);
ca.rotate();
clock.advance(60 * 60_000);
console.log(`an hour later: ${ca.rootCertificates().length} roots, sequence ${ca.sequenceNumber}`);
clock.advance(24 * 60 * 60_000);
console.log(`a day later: ${ca.rootCertificates().length} root, sequence ${ca.sequenceNumber}`);
