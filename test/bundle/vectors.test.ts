/**
 * Cross-check against go-spiffe's bundle test data (../shared/vectors/go-spiffe/bundle_*), read
 * in place. Expected outcomes come from the vectors' README; where the SDK follows the spec
 * instead of go-spiffe, the test says so.
 */
import { describe, expect, it } from 'vitest';
import {
  BundleError,
  JwtBundle,
  SpiffeBundle,
  X509Bundle,
  type BundleErrorCode,
} from '../../src/bundle/index.js';
import { HAVE_VECTORS, vector } from './support.js';

if (!HAVE_VECTORS) {
  console.warn('go-spiffe vectors not found at ../shared/vectors/go-spiffe: skipping the bundle cross-check');
}

function code(fn: () => unknown): BundleErrorCode | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(BundleError);
    return (err as BundleError).code;
  }
}

describe.skipIf(!HAVE_VECTORS)('go-spiffe vectors: bundle_x509bundle', () => {
  const dir = 'bundle_x509bundle/';

  it('cert.pem: 1 authority (RSA self-signed CA, CN=PEMUTILTEST1)', () => {
    const b = X509Bundle.parse('example.org', vector(`${dir}cert.pem`));
    expect(b.x509Authorities()).toHaveLength(1);
    expect(b.x509Authorities()[0]?.subject).toContain('PEMUTILTEST1');
    expect(b.x509Authorities()[0]?.publicKey.asymmetricKeyType).toBe('rsa');
  });

  it('certs.pem: 2 authorities', () => {
    expect(X509Bundle.parse('example.org', vector(`${dir}certs.pem`)).x509Authorities()).toHaveLength(2);
  });

  it('corrupted.pem: cannot parse certificate (invalid_certificate)', () => {
    expect(code(() => X509Bundle.parse('example.org', vector(`${dir}corrupted.pem`)))).toBe(
      'invalid_certificate',
    );
  });

  it('empty.pem: empty bundle, as PEM and as raw DER', () => {
    expect(X509Bundle.parse('example.org', vector(`${dir}empty.pem`)).isEmpty()).toBe(true);
    expect(X509Bundle.parseRaw('example.org', vector(`${dir}empty.pem`)).isEmpty()).toBe(true);
  });

  it('not-pem.pem: no PEM blocks found (invalid_pem)', () => {
    expect(code(() => X509Bundle.parse('example.org', vector(`${dir}not-pem.pem`)))).toBe('invalid_pem');
  });

  it('key.pem: a key, no certificate: an empty bundle (the block is skipped)', () => {
    expect(X509Bundle.parse('example.org', vector(`${dir}key.pem`)).isEmpty()).toBe(true);
  });

  it('certs.pem round-trips through marshal() and marshalRaw()', () => {
    const b = X509Bundle.parse('example.org', vector(`${dir}certs.pem`));
    expect(X509Bundle.parse('example.org', b.marshal()).equals(b)).toBe(true);
    expect(X509Bundle.parseRaw('example.org', b.marshalRaw()).equals(b)).toBe(true);
  });
});

describe.skipIf(!HAVE_VECTORS)('go-spiffe vectors: bundle_jwtbundle', () => {
  const dir = 'bundle_jwtbundle/';

  it('jwks_valid_1.json: 1 JWT authority (EC P-256)', () => {
    const b = JwtBundle.parse('example.org', vector(`${dir}jwks_valid_1.json`));
    expect([...b.jwtAuthorities().keys()]).toEqual(['C6vs25welZOx6WksNYfbMfiw9l96pMnD']);
    expect(b.findJwtAuthority('C6vs25welZOx6WksNYfbMfiw9l96pMnD')?.asymmetricKeyDetails?.namedCurve).toBe(
      'prime256v1',
    );
  });

  it('jwks_valid_2.json: 2 JWT authorities', () => {
    expect(JwtBundle.parse('example.org', vector(`${dir}jwks_valid_2.json`)).jwtAuthorities().size).toBe(2);
  });

  it('jwks_missing_kid.json: the second key has no kid (missing_key_id, J-15)', () => {
    expect(code(() => JwtBundle.parse('example.org', vector(`${dir}jwks_missing_kid.json`)))).toBe(
      'missing_key_id',
    );
  });
});

describe.skipIf(!HAVE_VECTORS)('go-spiffe vectors: bundle_spiffebundle', () => {
  const dir = 'bundle_spiffebundle/';
  const parse = (file: string): SpiffeBundle => SpiffeBundle.parse('example.org', vector(`${dir}${file}`));

  it('spiffebundle_valid_1.json: 1 X.509 authority (P-384) + 1 JWT authority', () => {
    const b = parse('spiffebundle_valid_1.json');
    expect(b.x509Authorities()).toHaveLength(1);
    expect(b.x509Authorities()[0]?.publicKey.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
    expect(b.jwtAuthorities().size).toBe(1);
    expect(b.sequenceNumber).toBeUndefined();
    expect(b.refreshHint).toBeUndefined();
  });

  it('spiffebundle_valid_2.json: hint 60 s, sequence 1, 1 X.509 + 6 JWT authorities', () => {
    const b = parse('spiffebundle_valid_2.json');
    expect(b.refreshHint).toBe(60);
    expect(b.sequenceNumber).toBe(1n);
    expect(b.x509Authorities()).toHaveLength(1);
    expect(b.jwtAuthorities().size).toBe(6);
    expect(SpiffeBundle.parse('example.org', b.marshal()).equals(b)).toBe(true);
  });

  it('A-17: spiffebundle_valid_with_wit.json: the 2 wit-svid keys are ignored (1 X.509, 2 JWT)', () => {
    const b = parse('spiffebundle_valid_with_wit.json');
    expect(b.refreshHint).toBe(60);
    expect(b.sequenceNumber).toBe(1n);
    expect(b.x509Authorities()).toHaveLength(1);
    expect([...b.jwtAuthorities().keys()]).toEqual([
      'IRsID4VIM3T11TsK43Ny1DgCD5UNWhva',
      'qjwWkiMpkHzIxsSrAsLxSZ2WZ8AyMESx',
    ]);
  });

  it('spiffebundle_missing_kid.json: a jwt-svid entry without kid (missing_key_id, J-15)', () => {
    expect(code(() => parse('spiffebundle_missing_kid.json'))).toBe('missing_key_id');
  });

  it('X-22: spiffebundle_multiple_x509.json: the spec says use the first x5c (go-spiffe errors)', () => {
    const b = parse('spiffebundle_multiple_x509.json');
    expect(b.x509Authorities()).toHaveLength(1);
    expect(b.jwtAuthorities().size).toBe(1);
  });

  it('B-5: spiffebundle_no_keys.json: no keys member (missing_keys)', () => {
    expect(code(() => parse('spiffebundle_no_keys.json'))).toBe('missing_keys');
  });

  it('A-10: the JWT bundle view of a SPIFFE bundle file keeps only the jwt-svid keys', () => {
    const b = JwtBundle.parse('example.org', vector(`${dir}spiffebundle_valid_with_wit.json`));
    expect(b.jwtAuthorities().size).toBe(2);
  });
});
