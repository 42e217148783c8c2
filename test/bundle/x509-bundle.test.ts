import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BundleError, X509Bundle, type BundleErrorCode } from '../../src/bundle/index.js';
import { SpiffeIdError, TrustDomain } from '../../src/spiffeid/index.js';
import { makeCa } from './support.js';

const td = TrustDomain.parse('example.org');
const caA = makeCa('example.org');
const caB = makeCa('example.org', 'rsa');
const caC = makeCa('example.org', 'ed25519');

function pem(...ders: Buffer[]): string {
  return ders
    .map((d) => `-----BEGIN CERTIFICATE-----\n${d.toString('base64')}\n-----END CERTIFICATE-----\n`)
    .join('');
}

function bundleError(fn: () => unknown, code: BundleErrorCode): BundleError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BundleError);
    expect((err as BundleError).code).toBe(code);
    return err as BundleError;
  }
  throw new Error(`expected BundleError ${code}`);
}

function raws(bundle: X509Bundle): string[] {
  return bundle.x509Authorities().map((c) => c.raw.toString('hex'));
}

describe('X509Bundle construction', () => {
  it('empty() has the trust domain (given as a name, an ID or a TrustDomain) and no authority', () => {
    for (const given of ['example.org', 'spiffe://example.org', td]) {
      const b = X509Bundle.empty(given);
      expect(b.trustDomain.equals(td)).toBe(true);
      expect(b.isEmpty()).toBe(true);
      expect(b.x509Authorities()).toEqual([]);
    }
  });

  it('refuses a bad trust domain with the spiffeid error', () => {
    expect(() => X509Bundle.empty('Example.org')).toThrow(SpiffeIdError);
  });

  it('fromAuthorities() takes certificates and DER bytes, keeps order, drops duplicates', () => {
    const b = X509Bundle.fromAuthorities(td, [caA.cert, caB.der, new Uint8Array(caA.der), caC.cert]);
    expect(raws(b)).toEqual([caA, caB, caC].map((c) => c.der.toString('hex')));
    expect(b.x509Authorities()[1]).toBeInstanceOf(X509Certificate);
  });

  it('fromAuthorities() takes any iterable', () => {
    const b = X509Bundle.fromAuthorities(td, new Set([caA.cert, caB.cert]));
    expect(b.x509Authorities()).toHaveLength(2);
  });

  it.each([
    ['PEM text as bytes', () => Buffer.from(pem(caA.der))],
    ['two certificates in one value', () => Buffer.concat([caA.der, caB.der])],
    ['trailing bytes', () => Buffer.concat([caA.der, Buffer.from([0])])],
    ['a truncated certificate', () => caA.der.subarray(0, caA.der.length - 1)],
    ['a DER SEQUENCE that is not a certificate', () => Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])],
    ['empty bytes', () => new Uint8Array()],
    ['a string', () => 'MIIB' as unknown as Uint8Array],
    ['null', () => null as unknown as Uint8Array],
  ])('refuses %s as an authority (invalid_certificate)', (_name, value) => {
    bundleError(() => X509Bundle.fromAuthorities(td, [value()]), 'invalid_certificate');
    bundleError(() => X509Bundle.empty(td).addX509Authority(value()), 'invalid_certificate');
  });

  it('refuses a non-iterable list of authorities', () => {
    bundleError(
      () => X509Bundle.fromAuthorities(td, 5 as unknown as X509Certificate[]),
      'invalid_certificate',
    );
    bundleError(
      () => X509Bundle.fromAuthorities(td, null as unknown as X509Certificate[]),
      'invalid_certificate',
    );
  });
});

describe('X509Bundle.parse (PEM)', () => {
  it('reads every CERTIFICATE block, as a string or bytes', () => {
    const text = pem(caA.der, caB.der);
    expect(raws(X509Bundle.parse(td, text))).toEqual([caA.der.toString('hex'), caB.der.toString('hex')]);
    expect(raws(X509Bundle.parse(td, Buffer.from(text)))).toHaveLength(2);
  });

  it('skips other blocks and text between blocks; CRLF line ends are fine', () => {
    const key = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n';
    const text = `subject=O=SPIFFE\n${key}${pem(caA.der)}trailing words\r\n${pem(caB.der).replace(/\n/g, '\r\n')}`;
    expect(X509Bundle.parse(td, text).x509Authorities()).toHaveLength(2);
    expect(X509Bundle.parse(td, key).isEmpty()).toBe(true);
  });

  it('reads base64 wrapped at 64 columns (what marshal writes, and openssl)', () => {
    const b = X509Bundle.fromAuthorities(td, [caA.cert]);
    expect(
      b
        .marshal()
        .split('\n')
        .every((line) => line.length <= 64),
    ).toBe(true);
    expect(X509Bundle.parse(td, caA.cert.toString()).hasX509Authority(caA.cert)).toBe(true);
  });

  it('drops duplicate certificates', () => {
    expect(X509Bundle.parse(td, pem(caA.der, caA.der)).x509Authorities()).toHaveLength(1);
  });

  it('gives an empty bundle for empty or whitespace-only input', () => {
    expect(X509Bundle.parse(td, '').isEmpty()).toBe(true);
    expect(X509Bundle.parse(td, new Uint8Array()).isEmpty()).toBe(true);
    expect(X509Bundle.parse(td, ' \n\r\n').isEmpty()).toBe(true);
  });

  it('refuses non-empty input without PEM blocks (invalid_pem)', () => {
    const err = bundleError(() => X509Bundle.parse(td, 'Not PEM encoded file'), 'invalid_pem');
    expect(err.message).toBe('invalid PEM bundle for "example.org": no PEM blocks found');
    bundleError(() => X509Bundle.parse(td, caA.der), 'invalid_pem');
  });

  it('ignores a BEGIN marker that does not start a line', () => {
    bundleError(() => X509Bundle.parse(td, `x${pem(caA.der)}`), 'invalid_pem');
  });

  it('refuses a BEGIN line without its END line (invalid_pem)', () => {
    const err = bundleError(
      () => X509Bundle.parse(td, `${pem(caA.der)}-----BEGIN CERTIFICATE-----\nAAAA\n`),
      'invalid_pem',
    );
    expect(err.message).toMatch(/BEGIN CERTIFICATE line at offset \d+ has no END line/);
  });

  it('refuses a CERTIFICATE block that is not base64 (invalid_pem)', () => {
    bundleError(() => X509Bundle.parse(td, pem(caA.der).replace('MII', 'M*I')), 'invalid_pem');
    bundleError(() => X509Bundle.parse(td, pem(caA.der).replace('MII', 'MI')), 'invalid_pem');
    const headers = pem(caA.der).replace('-----\n', '-----\nProc-Type: 4,ENCRYPTED\n\n');
    bundleError(() => X509Bundle.parse(td, headers), 'invalid_pem');
  });

  it('refuses a CERTIFICATE block that is not a DER certificate (invalid_certificate)', () => {
    const err = bundleError(() => X509Bundle.parse(td, pem(Buffer.from('CORRUPT'))), 'invalid_certificate');
    expect(err.message).toMatch(/^invalid PEM bundle for "example.org" at offset 0: /);
    bundleError(() => X509Bundle.parse(td, pem(caA.der.subarray(0, 100))), 'invalid_certificate');
  });

  it('refuses input that is neither text nor bytes', () => {
    bundleError(() => X509Bundle.parse(td, 42 as unknown as string), 'invalid_pem');
  });
});

describe('X509Bundle.parseRaw (A-13: concatenated DER)', () => {
  it('reads concatenated DER certificates with no outer SEQUENCE', () => {
    const b = X509Bundle.parseRaw(td, Buffer.concat([caA.der, caB.der, caC.der]));
    expect(raws(b)).toEqual([caA, caB, caC].map((c) => c.der.toString('hex')));
  });

  it('reads a view into a larger buffer', () => {
    const big = Buffer.concat([Buffer.from([1, 2, 3]), caA.der, Buffer.from([4])]);
    const view = new Uint8Array(big.buffer, big.byteOffset + 3, caA.der.length);
    expect(X509Bundle.parseRaw(td, view).hasX509Authority(caA.cert)).toBe(true);
  });

  it('gives an empty bundle for empty input', () => {
    expect(X509Bundle.parseRaw(td, new Uint8Array()).isEmpty()).toBe(true);
  });

  it.each([
    [
      'a truncated last certificate',
      () => Buffer.concat([caA.der, caB.der.subarray(0, 50)]),
      /certificate|runs past/,
    ],
    [
      'a tag that is not SEQUENCE',
      () => Buffer.concat([caA.der, Buffer.from([0x31, 0x00])]),
      /expected a SEQUENCE/,
    ],
    ['an indefinite length', () => Buffer.from([0x30, 0x80, 0x00, 0x00]), /indefinite/],
    ['a non-minimal length', () => Buffer.from([0x30, 0x81, 0x05, 1, 2, 3, 4, 5]), /minimally/],
    ['a length with a leading zero', () => Buffer.from([0x30, 0x82, 0x00, 0x85]), /minimally/],
    ['a length of 5 bytes', () => Buffer.from([0x30, 0x85, 1, 0, 0, 0, 0]), /too large/],
    [
      'a length running past the end',
      () => Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0]),
      /runs past/,
    ],
    ['a lone tag', () => Buffer.from([0x30]), /truncated/],
    ['a cut long length', () => Buffer.from([0x30, 0x82, 0x01]), /truncated/],
    ['PEM text', () => Buffer.from(pem(caA.der)), /expected a SEQUENCE/],
    ['a SEQUENCE that is not a certificate', () => Buffer.from([0x30, 0x00]), /cannot parse certificate/],
  ])('refuses %s (invalid_certificate)', (_name, bytes, message) => {
    const err = bundleError(() => X509Bundle.parseRaw(td, bytes()), 'invalid_certificate');
    expect(err.message).toMatch(/^invalid DER bundle for "example.org": /);
    expect(err.message).toMatch(message);
  });

  it('refuses a value that is not bytes', () => {
    bundleError(() => X509Bundle.parseRaw(td, 'abc' as unknown as Uint8Array), 'invalid_certificate');
  });
});

describe('X509Bundle.load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'x509bundle-'));

  it('reads a PEM file', async () => {
    const file = join(dir, 'bundle.pem');
    writeFileSync(file, pem(caA.der, caB.der));
    expect((await X509Bundle.load('example.org', file)).x509Authorities()).toHaveLength(2);
  });

  it('gives read_failed for a missing file', async () => {
    const err = await X509Bundle.load(td, join(dir, 'nope.pem')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BundleError);
    expect((err as BundleError).code).toBe('read_failed');
    expect((err as BundleError).message).toContain('ENOENT');
  });
});

describe('X509Bundle authorities (CRUD)', () => {
  it('add dedupes by DER bytes, has/remove accept certificates or bytes', () => {
    const b = X509Bundle.empty(td);
    b.addX509Authority(caA.cert);
    b.addX509Authority(caA.der);
    b.addX509Authority(new X509Certificate(caA.der));
    expect(b.x509Authorities()).toHaveLength(1);
    expect(b.hasX509Authority(caA.der)).toBe(true);
    expect(b.hasX509Authority(caB.cert)).toBe(false);
    expect(b.hasX509Authority(new Uint8Array([1, 2]))).toBe(false);
    b.removeX509Authority(new Uint8Array(caA.der));
    expect(b.isEmpty()).toBe(true);
    b.removeX509Authority(caB.cert); // absent: no error
  });

  it('has/remove refuse values that are neither certificates nor bytes', () => {
    bundleError(
      () => X509Bundle.empty(td).hasX509Authority('x' as unknown as Uint8Array),
      'invalid_certificate',
    );
    bundleError(
      () => X509Bundle.empty(td).removeX509Authority({} as unknown as Uint8Array),
      'invalid_certificate',
    );
  });

  it('x509Authorities() returns a copy', () => {
    const b = X509Bundle.fromAuthorities(td, [caA.cert]);
    b.x509Authorities().push(caB.cert);
    expect(b.x509Authorities()).toHaveLength(1);
  });

  it('setX509Authorities replaces all, and is all-or-nothing', () => {
    const b = X509Bundle.fromAuthorities(td, [caA.cert]);
    b.setX509Authorities([caB.cert, caC.der]);
    expect(raws(b)).toEqual([caB.der.toString('hex'), caC.der.toString('hex')]);
    bundleError(() => b.setX509Authorities([caA.cert, new Uint8Array([0x30, 0x00])]), 'invalid_certificate');
    expect(raws(b)).toEqual([caB.der.toString('hex'), caC.der.toString('hex')]);
  });
});

describe('X509Bundle marshal / equals / clone / source', () => {
  it('marshal() writes PEM that parse() reads back; marshalRaw() writes DER that parseRaw() reads back', () => {
    const b = X509Bundle.fromAuthorities(td, [caA.cert, caB.cert]);
    expect(X509Bundle.parse(td, b.marshal()).equals(b)).toBe(true);
    expect(raws(X509Bundle.parse(td, b.marshal()))).toEqual(raws(b));
    expect(Buffer.from(b.marshalRaw())).toEqual(Buffer.concat([caA.der, caB.der]));
    expect(raws(X509Bundle.parseRaw(td, b.marshalRaw()))).toEqual(raws(b));
    expect(X509Bundle.empty(td).marshal()).toBe('');
    expect(X509Bundle.empty(td).marshalRaw()).toHaveLength(0);
  });

  it('X-23: equals() compares trust domain and the set of authorities, not their order', () => {
    const ab = X509Bundle.fromAuthorities(td, [caA.cert, caB.cert]);
    expect(ab.equals(X509Bundle.fromAuthorities('example.org', [caB.der, caA.der]))).toBe(true);
    expect(ab.equals(X509Bundle.fromAuthorities(td, [caA.cert]))).toBe(false);
    expect(ab.equals(X509Bundle.fromAuthorities(td, [caA.cert, caC.cert]))).toBe(false);
    expect(ab.equals(X509Bundle.fromAuthorities('other.org', [caA.cert, caB.cert]))).toBe(false);
    expect(ab.equals(undefined)).toBe(false);
    expect(X509Bundle.empty(td).equals(X509Bundle.empty(td))).toBe(true);
  });

  it('clone() is independent', () => {
    const b = X509Bundle.fromAuthorities(td, [caA.cert]);
    const c = b.clone();
    c.addX509Authority(caB.cert);
    expect(b.x509Authorities()).toHaveLength(1);
    expect(c.equals(b)).toBe(false);
    expect(b.clone().equals(b)).toBe(true);
  });

  it('B-1: is an X509BundleSource for its own trust domain only', () => {
    const b = X509Bundle.fromAuthorities(td, [caA.cert]);
    expect(b.getX509BundleForTrustDomain(td)).toBe(b);
    expect(b.getX509BundleForTrustDomain('example.org')).toBe(b);
    const err = bundleError(() => b.getX509BundleForTrustDomain('other.org'), 'bundle_not_found');
    expect(err.message).toBe('no X.509 bundle for trust domain "other.org"');
  });

  it('instanceof works through the brand', () => {
    expect(X509Bundle.empty(td)).toBeInstanceOf(X509Bundle);
    expect({}).not.toBeInstanceOf(X509Bundle);
  });
});
