import type { X509Certificate } from 'node:crypto';
import { quote } from '../internal/errors.js';
import { SpiffeId } from '../spiffeid/index.js';
import { certificateNode, type CertificateNode } from './certificate-info.js';
import { SvidError } from './errors.js';

const SCHEME = 'spiffe://';
const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const EKU_ANY = '2.5.29.37.0';

/**
 * The SPIFFE ID of a leaf certificate: its single URI SAN, read from the DER SAN extension
 * which must be a SPIFFE ID (X-17, ID-1..ID-15).
 *
 * @throws {SvidError} `no_uri_san`, `multiple_uri_sans`, `invalid_spiffe_id`, or
 *   `invalid_certificate` when the certificate cannot be read.
 */
export function idFromCertificate(cert: X509Certificate): SpiffeId {
  return leafId(certificateNode(cert, 'certificate'));
}

/** See `idFromCertificate`. */
export function leafId(node: CertificateNode): SpiffeId {
  const uris = node.facts.info.subjectAltName?.uris ?? [];
  if (uris.length === 0) {
    throw new SvidError('no_uri_san', `${node.what} has no URI SAN, so no SPIFFE ID (X-1, X-2)`);
  }
  if (uris.length > 1) {
    throw new SvidError(
      'multiple_uri_sans',
      `${node.what} has ${uris.length} URI SANs; an X509-SVID has exactly one (X-1, X-19)`,
    );
  }
  const uri = uris[0]!;
  if (!uri.startsWith(SCHEME)) {
    throw new SvidError(
      'invalid_spiffe_id',
      `${node.what} URI SAN ${quote(uri)} does not use the "spiffe" scheme (X-17)`,
    );
  }
  try {
    return SpiffeId.parse(uri);
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new SvidError('invalid_spiffe_id', `${node.what} URI SAN is not a valid SPIFFE ID: ${detail}`, {
      cause,
    });
  }
}

/**
 * What a validator must refuse in a leaf (X509-SVID §5.2): a root path (X-3, X-18; go-spiffe's
 * `Verify` skips this one, A-11), `cA=true`, `keyCertSign` or `cRLSign`, and the ID
 * rules of `leafId`. Returns the leaf's SPIFFE ID.
 */
export function checkLeafForValidation(node: CertificateNode): SpiffeId {
  const id = leafIdWithPath(node);
  checkNotCa(node, id);
  checkNoCaKeyUsage(node, id);
  return id;
}

/**
 * Every rule an X509-SVID's own leaf must meet (X509-SVID §2..§4): the validator rules above plus
 * key usage present, critical and with digitalSignature, EKU (if present) with both
 * serverAuth and clientAuth, and a critical SAN when the subject is empty. The
 * order follows go-spiffe's, so the same bad certificate gets the same complaint.
 */
export function checkLeafForParse(node: CertificateNode): SpiffeId {
  const id = leafIdWithPath(node);
  checkNotCa(node, id);
  const { keyUsage: ku, extKeyUsage: eku, subjectAltName: san } = node.facts.info;
  if (ku === undefined) {
    throw new SvidError(
      'leaf_key_usage',
      `${node.what} with ID ${id.toString()} has no key usage extension (X-10)`,
    );
  }
  if (!ku.critical) {
    throw new SvidError(
      'leaf_key_usage',
      `${node.what} with ID ${id.toString()} has a key usage extension that is not critical (X-10)`,
    );
  }
  if (!ku.digitalSignature) {
    throw new SvidError(
      'leaf_key_usage',
      `${node.what} with ID ${id.toString()} lacks key usage digitalSignature (X-12)`,
    );
  }
  checkNoCaKeyUsage(node, id);
  if (eku !== undefined && !eku.oids.includes(EKU_ANY)) {
    if (!eku.oids.includes(EKU_SERVER_AUTH) || !eku.oids.includes(EKU_CLIENT_AUTH)) {
      throw new SvidError(
        'leaf_ext_key_usage',
        `${node.what} with ID ${id.toString()} has an extended key usage without both serverAuth and clientAuth (X-13)`,
      );
    }
  }
  if (node.facts.info.subjectIsEmpty && san?.critical !== true) {
    throw new SvidError(
      'leaf_san_not_critical',
      `${node.what} with ID ${id.toString()} has an empty subject and a non-critical SAN extension (X-4)`,
    );
  }
  return id;
}

function leafIdWithPath(node: CertificateNode): SpiffeId {
  const id = leafId(node);
  if (id.path === '') {
    throw new SvidError(
      'leaf_root_path',
      `${node.what} has SPIFFE ID ${quote(id.toString())} with no path; a leaf needs a non-root path (X-3, X-18)`,
    );
  }
  return id;
}

function checkNotCa(node: CertificateNode, id: SpiffeId): void {
  if (node.facts.info.basicConstraints?.ca === true) {
    throw new SvidError(
      'leaf_is_ca',
      `${node.what} with ID ${id.toString()} has cA=true; a leaf must not be a CA (X-8, X-15)`,
    );
  }
}

function checkNoCaKeyUsage(node: CertificateNode, id: SpiffeId): void {
  const ku = node.facts.info.keyUsage;
  if (ku?.keyCertSign) {
    throw new SvidError(
      'leaf_key_usage',
      `${node.what} with ID ${id.toString()} has key usage keyCertSign (X-12, X-16)`,
    );
  }
  if (ku?.cRLSign) {
    throw new SvidError(
      'leaf_key_usage',
      `${node.what} with ID ${id.toString()} has key usage cRLSign (X-12, X-16)`,
    );
  }
}

/**
 * The rules for each signing certificate an X509-SVID carries after its leaf: a CA
 * with key usage keyCertSign, and if it carries a SPIFFE ID, that ID has no path.
 * the ID is not otherwise parsed: the spec's own example `spiffe://example.com/` (a root
 * path with a trailing slash) is accepted as pathless.
 */
export function checkSigningCertificate(node: CertificateNode): void {
  if (node.facts.info.basicConstraints?.ca !== true) {
    throw new SvidError(
      'signing_certificate_not_ca',
      `${node.what} is a signing certificate without cA=true (X-5, X-8)`,
    );
  }
  if (node.facts.info.keyUsage?.keyCertSign !== true) {
    throw new SvidError(
      'signing_certificate_key_usage',
      `${node.what} is a signing certificate without key usage keyCertSign (X-5, X-11)`,
    );
  }
  for (const uri of node.facts.info.subjectAltName?.uris ?? []) {
    if (!uri.startsWith(SCHEME)) continue;
    const slash = uri.indexOf('/', SCHEME.length);
    const path = slash === -1 ? '' : uri.slice(slash);
    if (path !== '' && path !== '/') {
      throw new SvidError(
        'signing_certificate_id_path',
        `${node.what} is a signing certificate whose SPIFFE ID ${quote(uri)} has a path (X-6)`,
      );
    }
  }
}
