import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { KeyObject, X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as x from '@peculiar/asn1-x509';
import { expect } from 'vitest';
import { JwtBundle, JwtBundleSet, X509Bundle, X509BundleSet } from '../../src/bundle/index.js';
import {
  createCertificate,
  generateKeyPair,
  type CertificateOptions,
  type KeyPair,
  type KeyType,
  type MintedCertificate,
} from '../../src/testing/index.js';
import { SvidError, type SvidErrorCode } from '../../src/svid/index.js';

/** go-spiffe's svid/x509svid testdata, read in place (never copied into the repo). */
export const VECTORS = fileURLToPath(
  new URL('../../../shared/vectors/go-spiffe/svid_x509svid/', import.meta.url),
);
export const HAVE_VECTORS = existsSync(VECTORS);

/** A CA: its certificate and the key that signs with it. */
export interface Ca {
  certificate: X509Certificate;
  privateKey: KeyObject;
  minted: MintedCertificate;
}

const keyCache = new Map<KeyType, KeyPair>();
/** One key pair per type for the whole run: RSA generation is slow. Use for leaves whose key does not matter. */
export function sharedKey(type: KeyType): KeyPair {
  let pair = keyCache.get(type);
  if (pair === undefined) {
    pair = generateKeyPair(type);
    keyCache.set(type, pair);
  }
  return pair;
}

function asCa(minted: MintedCertificate): Ca {
  return { certificate: minted.certificate, privateKey: minted.keyPair.privateKey, minted };
}

/** A self-signed root CA as SPIRE makes them: subject C=US,O=SPIFFE, URI SAN spiffe://td. */
export function rootCa(td: string, options: CertificateOptions = {}): Ca {
  return asCa(
    createCertificate({
      subject: 'C=US,O=SPIFFE',
      uris: [`spiffe://${td}`],
      basicConstraints: { ca: true },
      keyUsage: { usages: ['keyCertSign', 'cRLSign'] },
      ...options,
    }),
  );
}

/** An intermediate CA issued by `issuer`. */
export function intermediateCa(issuer: Ca, td: string, options: CertificateOptions = {}): Ca {
  return asCa(
    createCertificate({
      issuer: { certificate: issuer.certificate, privateKey: issuer.privateKey },
      subject: 'C=US,O=SPIFFE',
      uris: [`spiffe://${td}`],
      basicConstraints: { ca: true },
      keyUsage: { usages: ['keyCertSign', 'cRLSign'] },
      ...options,
    }),
  );
}

/** A leaf X509-SVID as SPIRE issues it (KU digitalSignature critical, EKU server+client, cA=false). */
export function leafCert(issuer: Ca, id: string, options: CertificateOptions = {}): MintedCertificate {
  return createCertificate({
    issuer: { certificate: issuer.certificate, privateKey: issuer.privateKey },
    subject: 'C=US,O=SPIRE',
    uris: [id],
    basicConstraints: { ca: false },
    keyUsage: { usages: ['digitalSignature', 'keyEncipherment', 'keyAgreement'] },
    extKeyUsage: { usages: ['serverAuth', 'clientAuth'] },
    ...options,
  });
}

/** An X.509 bundle source holding one bundle per given trust domain. */
export function x509Source(bundles: Record<string, X509Certificate[]>): X509BundleSet {
  return new X509BundleSet(
    ...Object.entries(bundles).map(([td, certs]) => X509Bundle.fromAuthorities(td, certs)),
  );
}

/** A JWT bundle source holding one bundle per given trust domain. */
export function jwtSource(bundles: Record<string, Record<string, KeyObject>>): JwtBundleSet {
  return new JwtBundleSet(
    ...Object.entries(bundles).map(([td, keys]) =>
      JwtBundle.fromJwtAuthorities(td, new Map(Object.entries(keys))),
    ),
  );
}

/** Asserts that `fn` throws an SvidError with `code` (and, if given, a message matching `message`). */
export function expectSvidError(fn: () => unknown, code: SvidErrorCode, message?: RegExp): SvidError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected an SvidError').toBeInstanceOf(SvidError);
  const error = thrown as SvidError;
  expect(error.code, error.message).toBe(code);
  if (message) expect(error.message).toMatch(message);
  return error;
}

/** A name-constraints extension value with any GeneralName forms (email, IP, directoryName ...). */
export function nameConstraintsDer(permitted: x.GeneralName[], excluded: x.GeneralName[] = []): Uint8Array {
  const subtrees = (names: x.GeneralName[]): x.GeneralSubtrees =>
    new x.GeneralSubtrees(names.map((base) => new x.GeneralSubtree({ base })));
  const nc = new x.NameConstraints({
    ...(permitted.length > 0 ? { permittedSubtrees: subtrees(permitted) } : {}),
    ...(excluded.length > 0 ? { excludedSubtrees: subtrees(excluded) } : {}),
  });
  return new Uint8Array(AsnConvert.serialize(nc));
}

export { x };

/** A SAN extension value with any GeneralName forms (to mint names createCertificate has no option for). */
export function sanDer(names: x.GeneralName[]): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(new x.SubjectAlternativeName(names)));
}
