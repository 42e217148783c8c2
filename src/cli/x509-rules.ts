import type { X509Certificate } from 'node:crypto';
import type { CertificateInfo } from '../internal/x509/types.js';
import { SpiffeId } from '../spiffeid/index.js';
import { certificateInfo, validity } from './certificate-summary.js';
import { isoTime } from './duration.js';
import { withRules, type Finding } from './findings.js';

const SCHEME = 'spiffe://';
const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const EKU_ANY = '2.5.29.37.0';
/** The extensions the SDK's path validation processes; any other critical one is refused (RFC 5280 §4.2). */
const KNOWN_EXTENSIONS = new Set([
  '2.5.29.14',
  '2.5.29.15',
  '2.5.29.17',
  '2.5.29.19',
  '2.5.29.30',
  '2.5.29.32',
  '2.5.29.35',
  '2.5.29.37',
]);

/**
 * Every X509-SVID rule a chain breaks, leaf first, each rule checked on its own so that all
 * violations are listed, not just the first (the SDK's parser stops at the first, in
 * go-spiffe's order). Leaf: X-1..X-4, X-8, X-10, X-12, X-13, X-15..X-19; every later
 * certificate; each link of the chain and each validity window: X-14.
 */
export function chainFindings(certs: readonly X509Certificate[], now: Date): Finding[] {
  const findings: Finding[] = [];
  const leafInfo = readInfo(certs[0]!, 'certificate 1 (leaf)', findings);
  let leafTd: string | undefined;
  if (leafInfo) leafTd = leafFindings(leafInfo, 'certificate 1 (leaf)', findings);
  findings.push(...timeFindings(certs[0]!, 'certificate 1 (leaf)', now));
  certs.slice(1).forEach((cert, i) => {
    const where = `certificate ${i + 2}`;
    const info = readInfo(cert, where, findings);
    if (info) signingFindings(info, where, leafTd, findings);
    findings.push(...timeFindings(cert, where, now));
    const child = certs[i]!;
    if (!issued(cert, child)) {
      findings.push({
        rule: 'X-14',
        level: 'error',
        where,
        message: `did not issue certificate ${i + 1} (the chain must run leaf first, each certificate signed by the next)`,
        code: 'untrusted_chain',
      });
    }
  });
  return findings;
}

/**
 * The rules for CA certificates on their own, as in a trust bundle (`bundle.pem`),
 * and their validity.
 */
export function authorityFindings(certs: readonly X509Certificate[], now: Date, label: string): Finding[] {
  const findings: Finding[] = [];
  certs.forEach((cert, i) => {
    const where = `${label} ${i + 1}`;
    const info = readInfo(cert, where, findings);
    if (info) signingFindings(info, where, undefined, findings);
    for (const f of timeFindings(cert, where, now)) findings.push({ ...f, level: 'warning' });
  });
  return findings;
}

/**
 * Whether a certificate is a CA for the purpose of reading a PEM file: `cA=true` and no SPIFFE
 * ID with a path (a leaf wrongly marked cA=true keeps its workload ID, and is read as a leaf).
 */
export function looksLikeAuthority(cert: X509Certificate): boolean {
  const info = certificateInfo(cert);
  if (info?.basicConstraints?.ca !== true) return false;
  return !(info.subjectAltName?.uris ?? []).some((u) => u.startsWith(SCHEME) && pathOf(u) !== '');
}

function readInfo(cert: X509Certificate, where: string, findings: Finding[]): CertificateInfo | undefined {
  const info = certificateInfo(cert);
  if (info === undefined) {
    findings.push({
      rule: 'RFC 5280',
      level: 'error',
      where,
      message: 'the certificate is not strict DER, or has a malformed or repeated extension',
      code: 'invalid_certificate',
    });
  }
  return info;
}

/** Leaf rules; returns the leaf's trust domain name when it has a readable SPIFFE ID. */
function leafFindings(info: CertificateInfo, where: string, out: Finding[]): string | undefined {
  const add = (rule: string, code: string, message: string, level: Finding['level'] = 'error'): void => {
    out.push({ rule, level, where, message, code });
  };
  let td: string | undefined;
  const uris = info.subjectAltName?.uris ?? [];
  if (uris.length === 0) {
    add('X-1, X-2', 'no_uri_san', 'has no URI SAN, so no SPIFFE ID');
  } else if (uris.length > 1) {
    add('X-1, X-2, X-19', 'multiple_uri_sans', `has ${uris.length} URI SANs; an X509-SVID has exactly one`);
  } else {
    const uri = uris[0]!;
    if (!uri.startsWith(SCHEME)) {
      add('X-17', 'invalid_spiffe_id', `its URI SAN ${JSON.stringify(uri)} does not use the "spiffe" scheme`);
    } else {
      try {
        const id = SpiffeId.parse(uri);
        td = id.trustDomain.name;
        if (id.path === '') add('X-3, X-18', 'leaf_root_path', `its SPIFFE ID ${uri} has no path`);
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        add(
          withRules('X-17', detail),
          'invalid_spiffe_id',
          `its URI SAN is not a valid SPIFFE ID: ${detail}`,
        );
      }
    }
  }
  if (info.basicConstraints?.ca === true)
    add('X-8, X-15', 'leaf_is_ca', 'has cA=true; a leaf must not be a CA');
  const ku = info.keyUsage;
  if (ku === undefined) {
    add('X-10', 'leaf_key_usage', 'has no key usage extension');
  } else {
    if (!ku.critical) add('X-10', 'leaf_key_usage', 'has a key usage extension that is not critical');
    if (!ku.digitalSignature) add('X-12', 'leaf_key_usage', 'lacks key usage digitalSignature');
    if (ku.keyCertSign) add('X-12, X-16', 'leaf_key_usage', 'has key usage keyCertSign');
    if (ku.cRLSign) add('X-12, X-16', 'leaf_key_usage', 'has key usage cRLSign');
  }
  const eku = info.extKeyUsage;
  if (eku === undefined) {
    add(
      'X-13',
      'leaf_ext_key_usage',
      'has no extended key usage (SHOULD have serverAuth and clientAuth)',
      'warning',
    );
  } else if (
    !eku.oids.includes(EKU_ANY) &&
    !(eku.oids.includes(EKU_SERVER_AUTH) && eku.oids.includes(EKU_CLIENT_AUTH))
  ) {
    add('X-13', 'leaf_ext_key_usage', 'has an extended key usage without both serverAuth and clientAuth');
  }
  if (info.subjectIsEmpty && info.subjectAltName?.critical !== true) {
    add('X-4', 'leaf_san_not_critical', 'has an empty subject and a SAN extension that is not critical');
  }
  unknownCritical(info, where, out);
  return td;
}

function signingFindings(
  info: CertificateInfo,
  where: string,
  leafTd: string | undefined,
  out: Finding[],
): void {
  const add = (
    rule: string,
    code: string | undefined,
    message: string,
    level: Finding['level'] = 'error',
  ): void => {
    out.push({ rule, level, where, message, ...(code ? { code } : {}) });
  };
  if (info.basicConstraints?.ca !== true) {
    add('X-5, X-8', 'signing_certificate_not_ca', 'is a signing certificate without cA=true');
  }
  const ku = info.keyUsage;
  if (ku?.keyCertSign !== true) {
    add(
      'X-5, X-11',
      'signing_certificate_key_usage',
      'is a signing certificate without key usage keyCertSign',
    );
  }
  const ids = (info.subjectAltName?.uris ?? []).filter((u) => u.startsWith(SCHEME));
  if (ids.length === 0) {
    add('X-6', undefined, 'carries no SPIFFE ID (a signing certificate SHOULD be an SVID)', 'warning');
  }
  for (const uri of ids) {
    if (pathOf(uri) !== '') {
      add('X-6', 'signing_certificate_id_path', `its SPIFFE ID ${JSON.stringify(uri)} has a path`);
    }
    const td = uri.slice(SCHEME.length).split('/')[0];
    if (leafTd !== undefined && td !== leafTd) {
      add(
        'X-6',
        undefined,
        `its SPIFFE ID is in trust domain "${td}", not the leaf's "${leafTd}"`,
        'warning',
      );
    }
  }
  if (ids.length > 0 && ku !== undefined && !ku.critical) {
    add('X-10', undefined, 'has a key usage extension that is not critical');
  }
  unknownCritical(info, where, out);
}

function unknownCritical(info: CertificateInfo, where: string, out: Finding[]): void {
  for (const ext of info.extensions) {
    if (ext.critical && !KNOWN_EXTENSIONS.has(ext.oid)) {
      out.push({
        rule: 'X-14',
        level: 'error',
        where,
        message: `has the critical extension ${ext.oid}, which validators do not process and must refuse (RFC 5280 §4.2)`,
        code: 'unknown_critical_extension',
      });
    }
  }
}

/** X-14 (RFC 5280 §6.1.3): a certificate outside its validity window fails validation. */
function timeFindings(cert: X509Certificate, where: string, now: Date): Finding[] {
  const { notBefore, notAfter } = validity(cert);
  if (now.getTime() > notAfter) {
    return [
      {
        rule: 'X-14',
        level: 'error',
        where,
        message: `expired at ${isoTime(new Date(notAfter))}`,
        code: 'certificate_expired',
      },
    ];
  }
  if (now.getTime() < notBefore) {
    return [
      {
        rule: 'X-14',
        level: 'error',
        where,
        message: `not valid before ${isoTime(new Date(notBefore))}`,
        code: 'certificate_not_yet_valid',
      },
    ];
  }
  return [];
}

/**
 * Whether `issuer` signed `child`: the child's issuer name is the issuer's subject, byte for
 * byte, and the signature verifies. (`X509Certificate#checkIssued` also wants the issuer to be a
 * proper CA, which would hide the more precise X-5 findings behind this one.)
 */
function issued(issuer: X509Certificate, child: X509Certificate): boolean {
  const c = certificateInfo(child);
  const i = certificateInfo(issuer);
  if (c === undefined || i === undefined || !Buffer.from(c.issuerDer).equals(i.subjectDer)) return false;
  try {
    return child.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** The path of a `spiffe://` URI; `''` for none or `/` (A-2: the spec's own CA example has a trailing slash). */
function pathOf(uri: string): string {
  const slash = uri.indexOf('/', SCHEME.length);
  const path = slash === -1 ? '' : uri.slice(slash);
  return path === '/' ? '' : path;
}
