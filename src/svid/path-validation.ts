import type { X509Certificate } from 'node:crypto';
import { certificateNode, type CertificateNode, type PresentedCertificate } from './certificate-info.js';
import { SvidError } from './errors.js';
import { checkNameConstraints } from './name-constraints.js';
import { checkSignature, leafPolicyError, type CostBudget } from './signature-check.js';

/**
 * Longest certification path, leaf and trust anchor included; also the most certificates a peer
 * may present (leaf, up to 8 intermediates, and a copy of the root): `verifyX509Svid` refuses a
 * longer chain before reading it. SPIRE's nested CAs need a few.
 */
export const MAX_PATH_LENGTH = 10;
/**
 * The signature work one verification may spend, in units of one ECDSA P-256 check (≈57 µs on
 * the reference machine, so ≈6 ms at most): 100 P-256 or RSA-2048 checks, 10 P-384, 4 P-521; the
 * import of a presented certificate's key counts too (see `verificationCost` and `importCost`).
 * Go's `x509.Verify` allows 100 checks of any cost.
 */
export const MAX_SIGNATURE_COST = 100;
/**
 * The most candidate issuers (name and key identifiers matching) one verification may consider,
 * remembered signatures included: bounds path building when every pair of certificates links.
 */
export const MAX_CANDIDATE_ISSUERS = 100;

/**
 * Extensions the SDK processes; any other extension marked critical makes the certificate
 * unusable (RFC 5280 §4.2). certificatePolicies is accepted because, with no explicit-policy
 * requirement, RFC 5280 §6.1 accepts any policy; the policy-processing extensions
 * (policyMappings, policyConstraints, inhibitAnyPolicy) are not, so a critical one fails closed.
 */
const KNOWN_EXTENSIONS = new Set([
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.15', // keyUsage
  '2.5.29.17', // subjectAltName
  '2.5.29.19', // basicConstraints
  '2.5.29.30', // nameConstraints
  '2.5.29.32', // certificatePolicies
  '2.5.29.35', // authorityKeyIdentifier
  '2.5.29.37', // extKeyUsage
]);

/**
 * RFC 5280 §6 certification path validation from `leaf` to one of `authorities`, through
 * the presented `intermediates`. Builds every path whose names chain (exact issuer/subject DER,
 * and key identifiers when both are present) and whose signatures verify with `node:crypto`;
 * the path ends at the first bundle authority it reaches, so an authority may also be an
 * intermediate. Each path is then checked: validity windows at `time` (authorities included),
 * `cA=true` and keyCertSign (when key usage is present) on every CA, pathLenConstraint, name
 * constraints, and unknown critical extensions. Returns the valid paths (leaf first).
 *
 * A bundle authority whose DER the SDK cannot read is skipped (one odd root must not make a
 * whole trust domain unverifiable); a presented certificate it cannot read fails verification.
 *
 * @throws {SvidError} the first problem of the first rejected path, or `untrusted_chain` when no
 *   path reaches an authority.
 */
export function validatePaths(
  leaf: CertificateNode,
  intermediates: readonly PresentedCertificate[],
  authorities: readonly X509Certificate[],
  time: number,
  trustDomain: string,
): CertificateNode[][] {
  checkValidity(leaf, time);
  checkCriticalExtensions(leaf);
  // Key and algorithm policy on the leaf, which every path contains (X-14; OpenSSL's security
  // level checks the leaf's key and signature too).
  const leafProblem = leafPolicyError(leaf);
  if (leafProblem !== undefined) throw leafProblem;

  let unreadable: SvidError | undefined;
  const anchors: CertificateNode[] = [];
  authorities.forEach((cert, i) => {
    try {
      anchors.push(certificateNode(cert, `bundle authority ${i + 1}`));
    } catch (error) {
      if (!(error instanceof SvidError)) throw error;
      unreadable ??= error;
    }
  });
  // A presented copy of a bundle authority adds nothing (the path ends at the authority), and a
  // repeated certificate would only repeat work.
  const presented: CertificateNode[] = [];
  const authorityDer = intermediates.length === 0 ? [] : authorities.map((cert) => cert.raw);
  intermediates.forEach((candidate, i) => {
    const seen = (der: Uint8Array): boolean => bytesEqual(der, candidate.der);
    if (
      seen(leaf.facts.der) ||
      authorityDer.some(seen) ||
      intermediates.slice(0, i).some((other) => seen(other.der))
    ) {
      return;
    }
    presented.push(candidate.node());
  });

  const chains: CertificateNode[][] = [];
  let firstError: SvidError | undefined;
  const budget: CostBudget = { remaining: MAX_SIGNATURE_COST, limit: MAX_SIGNATURE_COST };
  let candidates = 0;

  /**
   * Names chain (exact issuer/subject DER) and key identifiers do not contradict, then the key and
   * algorithm policy (before any signature work), then the signature within the cost budget.
   */
  const issuedBy = (child: CertificateNode, parent: CertificateNode): boolean => {
    const c = child.facts.info;
    const p = parent.facts.info;
    if (!bytesEqual(c.issuerDer, p.subjectDer)) return false;
    if (
      c.authorityKeyId !== undefined &&
      p.subjectKeyId !== undefined &&
      !bytesEqual(c.authorityKeyId, p.subjectKeyId)
    ) {
      return false;
    }
    if (++candidates > MAX_CANDIDATE_ISSUERS) {
      throw new SvidError(
        'untrusted_chain',
        `gave up building a path for ${leaf.what}: more than ${MAX_CANDIDATE_ISSUERS} candidate issuers (X-14)`,
      );
    }
    let result: boolean | (() => SvidError);
    try {
      result = checkSignature(child, parent, budget, child !== leaf, anchors.includes(parent));
    } catch (error) {
      if (error instanceof SvidError && error.code === 'untrusted_chain') {
        throw new SvidError('untrusted_chain', `${leaf.what}: ${error.message}`);
      }
      throw error;
    }
    if (typeof result === 'boolean') return result;
    firstError ??= result();
    return false;
  };

  const extend = (path: CertificateNode[]): void => {
    const last = path[path.length - 1]!;
    for (const anchor of anchors) {
      if (!issuedBy(last, anchor)) continue;
      const full = [...path, anchor];
      try {
        checkPath(full, time);
        chains.push(full);
      } catch (error) {
        if (!(error instanceof SvidError)) throw error;
        firstError ??= error;
      }
    }
    if (path.length + 1 >= MAX_PATH_LENGTH) return;
    for (const node of presented) {
      if (!path.includes(node) && issuedBy(last, node)) extend([...path, node]);
    }
  };
  extend([leaf]);

  if (chains.length > 0) return chains;
  if (firstError !== undefined) throw firstError;
  const skipped = unreadable ? `; a bundle authority was skipped: ${unreadable.message}` : '';
  throw new SvidError(
    'untrusted_chain',
    `${leaf.what} does not chain to an X.509 authority of trust domain "${trustDomain}" (X-14)${skipped}`,
    unreadable ? { cause: unreadable } : undefined,
  );
}

/** Checks a complete path (leaf first, trust anchor last) whose signatures have verified. */
function checkPath(path: readonly CertificateNode[], time: number): void {
  for (let i = 1; i < path.length; i++) {
    const ca = path[i]!;
    const { basicConstraints: bc, keyUsage: ku, nameConstraints: nc } = ca.facts.info;
    checkValidity(ca, time);
    checkCriticalExtensions(ca);
    if (bc?.ca !== true) {
      throw new SvidError(
        'signing_certificate_not_ca',
        `${ca.what} issued a certificate in the chain but is not a CA (cA=true missing; X-5, RFC 5280 §6.1.4(k))`,
      );
    }
    if (ku !== undefined && !ku.keyCertSign) {
      throw new SvidError(
        'signing_certificate_key_usage',
        `${ca.what} issued a certificate in the chain but lacks key usage keyCertSign (X-11, RFC 5280 §6.1.4(n))`,
      );
    }
    // Every intermediate below counts, and every certificate below is held to the name
    // constraints, self-issued ones included: stricter than RFC 5280 (§6.1.4(l), §6.1.3(b)
    // exempt self-issued certificates) because SPIFFE CAs commonly share one subject
    // (`C=US, O=SPIFFE`), which would make them all "self-issued". Go's x509 counts them too.
    if (bc.pathLen !== undefined) {
      const below = i - 1;
      if (below > bc.pathLen) {
        throw new SvidError(
          'path_length_exceeded',
          `${ca.what} allows ${bc.pathLen} intermediate CA(s) below it (pathLenConstraint) but the chain has ${below} (RFC 5280 §6.1.4(m))`,
        );
      }
    }
    if (nc !== undefined) {
      for (let j = 0; j < i; j++) {
        checkNameConstraints(nc, path[j]!.facts.info, ca.what, path[j]!.what);
      }
    }
  }
}

function checkValidity(node: CertificateNode, time: number): void {
  if (time < node.facts.notBefore) {
    throw new SvidError(
      'certificate_not_yet_valid',
      `${node.what} is not valid before ${new Date(node.facts.notBefore).toISOString()} (checked at ${new Date(time).toISOString()}; RFC 5280 §6.1.3(a)(2))`,
    );
  }
  if (time > node.facts.notAfter) {
    throw new SvidError(
      'certificate_expired',
      `${node.what} expired at ${new Date(node.facts.notAfter).toISOString()} (checked at ${new Date(time).toISOString()}; RFC 5280 §6.1.3(a)(2))`,
    );
  }
}

function checkCriticalExtensions(node: CertificateNode): void {
  for (const ext of node.facts.info.extensions) {
    if (ext.critical && !KNOWN_EXTENSIONS.has(ext.oid)) {
      throw new SvidError(
        'unknown_critical_extension',
        `${node.what} has critical extension ${ext.oid}, which the SDK does not process (RFC 5280 §4.2)`,
      );
    }
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
