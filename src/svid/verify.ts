import { X509Certificate } from 'node:crypto';
import type { X509BundleSource } from '../bundle/index.js';
import { quote } from '../internal/errors.js';
import type { SpiffeId } from '../spiffeid/index.js';
import {
  presentedCertificate,
  presentedDer,
  type CertificateNode,
  type PresentedCertificate,
} from './certificate-info.js';
import { checkLeafForValidation } from './certificate-rules.js';
import { SvidError } from './errors.js';
import { MAX_PATH_LENGTH, validatePaths } from './path-validation.js';

/** Options of `verifyX509Svid`. */
export interface VerifyX509SvidOptions {
  /** The time at which certificates must be valid; defaults to now. */
  time?: Date;
}

/** A verified X509-SVID: the leaf's SPIFFE ID and every valid path (leaf first, bundle authority last). */
export interface VerifiedX509Svid {
  id: SpiffeId;
  chains: X509Certificate[][];
}

/**
 * Verifies a peer's X509-SVID chain (leaf first, then the intermediates it presented) against the
 * X.509 bundle of the leaf's own trust domain, and returns the leaf's SPIFFE ID.
 *
 * - Leaf (X509-SVID §5.2): exactly one URI SAN holding a SPIFFE ID with a non-root
 *   path (X-3, X-18; go-spiffe's `Verify` omits this check, A-11), `cA=false`, neither
 *   keyCertSign nor cRLSign.
 * - Trust (X-14, B-1): only the bundle of the leaf's trust domain is consulted, never another
 *   trust domain's, even if the source holds it.
 * - RFC 5280 path validation in JavaScript, signatures by `node:crypto`: see the SDK docs
 *   (`docs/svid.md`) for the exact checks. EKU is not enforced (the spec does not ask validators
 *   to; go-spiffe parity).
 * - Key and algorithm policy on every certificate of a path (no MD5 or SHA-1 signatures, RSA of
 *   2048..8192 bits with a sane exponent, EC P-256/P-384/P-521, Ed25519), checked before any
 *   signature work; bounded cost: at most 10 certificates, and a signature-work budget.
 *
 * @throws {SvidError} `no_certificates`, `invalid_certificate`, a leaf rule code,
 *   `bundle_not_found`, `untrusted_chain`, `certificate_expired`, `certificate_not_yet_valid`,
 *   `signing_certificate_not_ca`, `signing_certificate_key_usage`, `path_length_exceeded`,
 *   `name_constraint_violation`, `unsupported_name_constraint`, `unknown_critical_extension`,
 *   `weak_key`, `unsupported_key`, `weak_signature_algorithm`, `unsupported_signature_algorithm`,
 *   or `invalid_argument`.
 */
export function verifyX509Svid(
  chain: readonly (X509Certificate | Uint8Array)[],
  bundleSource: X509BundleSource,
  options?: VerifyX509SvidOptions,
): VerifiedX509Svid {
  if (!Array.isArray(chain))
    throw new SvidError('invalid_argument', 'chain must be an array of certificates');
  if (chain.length === 0) throw new SvidError('no_certificates', 'cannot verify an empty certificate chain');
  // Bounded cost (docs/svid.md): a longer chain is refused before any certificate is read.
  if (chain.length > MAX_PATH_LENGTH) {
    throw new SvidError(
      'untrusted_chain',
      `the chain has ${chain.length} certificates; at most ${MAX_PATH_LENGTH} (leaf, intermediates and root) are accepted (X-14)`,
    );
  }
  if (typeof bundleSource?.getX509BundleForTrustDomain !== 'function') {
    throw new SvidError('invalid_argument', 'bundleSource must be an X509BundleSource');
  }
  const time = checkTime(options?.time);
  const presented = chain.map((c, i) => toPresented(c, i));

  const leaf = presented[0]!.node();
  const id = checkLeafForValidation(leaf);

  const td = id.trustDomain;
  let authorities: readonly X509Certificate[];
  try {
    authorities = bundleSource.getX509BundleForTrustDomain(td).x509Authorities();
  } catch (cause) {
    throw new SvidError(
      'bundle_not_found',
      `no X.509 bundle for trust domain ${quote(td.name)} of ${id.toString()} (X-14, B-1)`,
      { cause },
    );
  }
  if (authorities.length === 0) {
    throw new SvidError(
      'untrusted_chain',
      `the X.509 bundle of trust domain ${quote(td.name)} has no authorities, so no X509-SVID of it is valid (B-7)`,
    );
  }
  const paths = validatePaths(leaf, presented.slice(1), authorities, time, td.name);
  return verified(id, paths);
}

/**
 * The result, with `chains` built on first read: a certificate given as DER becomes an
 * `X509Certificate` (≈110 µs) only if the caller looks at the chains.
 */
function verified(id: SpiffeId, paths: CertificateNode[][]): VerifiedX509Svid {
  let chains: X509Certificate[][] | undefined;
  const result = { id } as VerifiedX509Svid;
  Object.defineProperty(result, 'chains', {
    enumerable: true,
    get: () => (chains ??= paths.map((path) => path.map((node) => node.cert))),
  });
  return result;
}

/**
 * Parses DER certificates (each element one certificate, leaf first, as a TLS stack hands them
 * over) and verifies them with `verifyX509Svid`.
 *
 * @throws {SvidError} as `verifyX509Svid`.
 */
export function parseAndVerifyX509Svid(
  rawCerts: readonly Uint8Array[],
  bundleSource: X509BundleSource,
  options?: VerifyX509SvidOptions,
): VerifiedX509Svid {
  if (!Array.isArray(rawCerts) || !rawCerts.every((c) => c instanceof Uint8Array)) {
    throw new SvidError('invalid_argument', 'rawCerts must be an array of DER certificates (Uint8Array)');
  }
  return verifyX509Svid(rawCerts, bundleSource, options);
}

function toPresented(value: X509Certificate | Uint8Array, index: number): PresentedCertificate {
  const label = index === 0 ? 'leaf certificate' : `certificate ${index + 1}`;
  if (value instanceof X509Certificate) return presentedCertificate(value, label);
  if (value instanceof Uint8Array) return presentedDer(value, `certificate ${index + 1}`, label);
  throw new SvidError(
    'invalid_argument',
    `chain element ${index + 1} is neither an X509Certificate nor DER bytes`,
  );
}

function checkTime(time: Date | undefined): number {
  if (time === undefined) return Date.now();
  const ms = time instanceof Date ? time.getTime() : NaN;
  if (Number.isNaN(ms)) throw new SvidError('invalid_argument', 'options.time must be a valid Date');
  return ms;
}
