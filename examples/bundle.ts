/**
 * Trust bundles: read a CA certificate, build a SPIFFE bundle with X.509 and JWT authorities,
 * publish it as SPIFFE bundle JSON, read it back, and look bundles up per trust domain.
 *
 * Run: npx tsx examples/bundle.ts
 */
import { generateKeyPairSync } from 'node:crypto';
import { BundleError, SpiffeBundle, SpiffeBundleSet, X509Bundle } from '@spiffe-ts/sdk/bundle';

// The CA certificate of example.org, as a PEM file would hold it (X509Bundle.load reads files).
const CA_PEM = `-----BEGIN CERTIFICATE-----
MIIBcDCCARWgAwIBAgIBQjAKBggqhkjOPQQDAjAeMQswCQYDVQQGEwJVUzEPMA0G
A1UECgwGU1BJRkZFMB4XDTI2MDEwMTAwMDAwMFoXDTQ2MDEwMTAwMDAwMFowHjEL
MAkGA1UEBhMCVVMxDzANBgNVBAoMBlNQSUZGRTBZMBMGByqGSM49AgEGCCqGSM49
AwEHA0IABC9mW+vKuFgjXX+rb9SAw6GoVuNGdFolLHnEZEh40bOEW3J/jivnqbj7
FfXrhfOMEfj42WFn4ZiLcLasD/tePb6jRDBCMA8GA1UdEwEB/wQFMAMBAf8wDgYD
VR0PAQH/BAQDAgEGMB8GA1UdEQQYMBaGFHNwaWZmZTovL2V4YW1wbGUub3JnMAoG
CCqGSM49BAMCA0kAMEYCIQDOlTlsVYiJFiz4vlyfIYDPDwIC6P4vIY+2dkorfsm1
mQIhAMd6+l3te11eS3pvRv1SsktVTFAI5WXx76foq3V40mIW
-----END CERTIFICATE-----
`;

// 1. An X.509 bundle from PEM.
const x509 = X509Bundle.parse('example.org', CA_PEM);
const [ca] = x509.x509Authorities();
console.log(
  `X.509 bundle of ${x509.trustDomain.name}: ${x509.x509Authorities().length} CA (${ca?.subject.replace(/\n/g, ', ')})`,
);

// 2. A SPIFFE bundle: X.509 authorities, JWT authorities, sequence number and refresh hint.
const bundle = SpiffeBundle.fromX509Bundle(x509);
const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
bundle.addJwtAuthority('key-1', publicKey);
bundle.setSequenceNumber(2n ** 60n + 1n); // kept exactly, beyond Number.MAX_SAFE_INTEGER
bundle.setRefreshHint(300); // seconds

// 3. Publish it (what a federation endpoint serves) and read it back.
const json = bundle.marshal();
const keys = (JSON.parse(json) as { keys: { use: string; kid?: string }[] }).keys;
console.log(
  `published ${json.length} bytes: ${keys.map((k) => (k.kid ? `${k.use}(${k.kid})` : k.use)).join(', ')}`,
);
const back = SpiffeBundle.parse('example.org', json);
console.log(
  `parsed back: equal=${back.equals(bundle)}, sequence=${back.sequenceNumber}, refresh hint=${back.refreshHint}s`,
);

// 4. Keys a consumer does not use are ignored, not fatal (B-6, B-10, A-17).
const withWit = JSON.parse(json) as { keys: object[] };
withWit.keys.push(
  { use: 'wit-svid', kty: 'EC', kid: 'wit-1', crv: 'P-256', x: 'AA', y: 'AA' },
  { use: 'x509-svid' },
);
const tolerant = SpiffeBundle.parse('example.org', JSON.stringify(withWit));
console.log(
  `with a wit-svid key and a bare entry added: still ${tolerant.jwtAuthorities().size} JWT authority`,
);

// 5. Bundles of several trust domains; a lookup only ever returns the asked trust domain's bundle.
const set = new SpiffeBundleSet(back, SpiffeBundle.empty('other.org'));
console.log(
  `set: ${set
    .bundles()
    .map((b) => b.trustDomain.name)
    .join(', ')}`,
);
console.log(
  `JWT key "key-1" of example.org found: ${set.getJwtBundleForTrustDomain('example.org').hasJwtAuthority('key-1')}`,
);
try {
  set.getX509BundleForTrustDomain('unknown.org');
} catch (err) {
  if (!(err instanceof BundleError)) throw err;
  console.log(`lookup of unknown.org: ${err.code}: ${err.message}`);
}

// 6. The bundle map form (Trust Domain and Bundle §5) holds several trust domains in one document.
const map = set.marshalMap();
console.log(`bundle map: ${SpiffeBundleSet.parseMap(map).size} trust domains, ${map.length} bytes`);
