import type { KeyObject, X509Certificate } from 'node:crypto';
import { readCertificateInfo } from '../internal/x509/read-certificate.js';
import type { CertificateInfo, KeyUsage } from '../internal/x509/types.js';
import { formatDuration, isoTime, relative } from './duration.js';
import type { Style } from './output.js';

/** What the command shows of one certificate (human and `--json`); never anything secret. */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  serialNumber: string;
  keyType: string;
  notBefore: string;
  notAfter: string;
  /** Seconds until notAfter (negative once expired). */
  secondsLeft: number;
  ca: boolean;
  selfSigned: boolean;
  uris: string[];
  dnsNames: string[];
  ipAddresses: string[];
  /** Key usage bit names, `null` when the extension is absent. */
  keyUsage: string[] | null;
  /** EKU purposes (names where known, else OIDs), `null` when the extension is absent. */
  extKeyUsage: string[] | null;
  fingerprint256: string;
}

const CURVES: Record<string, string> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

const EKU_NAMES: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '2.5.29.37.0': 'anyExtendedKeyUsage',
};

const KEY_USAGE_BITS: (keyof Omit<KeyUsage, 'critical'>)[] = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
];

/** A key's type for people: `EC P-256`, `RSA 2048`, `Ed25519`. */
export function describeKey(key: KeyObject): string {
  const type = key.asymmetricKeyType ?? key.type;
  const details = key.asymmetricKeyDetails;
  switch (type) {
    case 'ec': {
      const curve = details?.namedCurve ?? '?';
      return `EC ${CURVES[curve] ?? curve}`;
    }
    case 'rsa':
    case 'rsa-pss':
      return `${type.toUpperCase()} ${details?.modulusLength ?? '?'}`;
    case 'ed25519':
      return 'Ed25519';
    case 'ed448':
      return 'Ed448';
    default:
      return String(type);
  }
}

/** `kid` and key type of each JWT authority of a bundle. */
export function jwtAuthoritiesJson(authorities: Map<string, KeyObject>): { kid: string; keyType: string }[] {
  return [...authorities].map(([kid, key]) => ({ kid, keyType: describeKey(key) }));
}

/** Names of the set key usage bits. */
function keyUsageNames(ku: KeyUsage): string[] {
  return KEY_USAGE_BITS.filter((bit) => ku[bit]);
}

/** An EKU OID's name, or the OID. */
function extKeyUsageName(oid: string): string {
  return EKU_NAMES[oid] ?? oid;
}

/** A certificate's validity window in epoch ms (Node 20 has no `validFromDate`). */
export function validity(cert: X509Certificate): { notBefore: number; notAfter: number } {
  return { notBefore: Date.parse(cert.validFrom), notAfter: Date.parse(cert.validTo) };
}

/** The extension data of a certificate, or `undefined` when the strict DER reader refuses it. */
export function certificateInfo(cert: X509Certificate): CertificateInfo | undefined {
  try {
    return readCertificateInfo(cert.raw);
  } catch {
    return undefined;
  }
}

/** A distinguished name on one line: `C=US, O=SPIRE`. */
function oneLineName(name: string | undefined): string {
  return name?.split('\n').join(', ') || '(empty)';
}

/** Whether `cert` is self-issued and its signature verifies with its own key. */
export function isSelfSigned(cert: X509Certificate): boolean {
  try {
    return cert.checkIssued(cert) && cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

/** Summarises a certificate at time `now`. */
export function summarizeCertificate(cert: X509Certificate, now: Date): CertificateSummary {
  const info = certificateInfo(cert);
  const { notBefore, notAfter } = validity(cert);
  let keyType: string;
  try {
    keyType = describeKey(cert.publicKey);
  } catch {
    keyType = 'unknown';
  }
  return {
    subject: oneLineName(cert.subject),
    issuer: oneLineName(cert.issuer),
    serialNumber: cert.serialNumber,
    keyType,
    notBefore: isoTime(new Date(notBefore)),
    notAfter: isoTime(new Date(notAfter)),
    secondsLeft: Math.floor((notAfter - now.getTime()) / 1000),
    ca: info?.basicConstraints?.ca === true,
    selfSigned: isSelfSigned(cert),
    uris: info?.subjectAltName?.uris ?? [],
    dnsNames: info?.subjectAltName?.dnsNames ?? [],
    ipAddresses: info?.subjectAltName?.ipAddresses ?? [],
    keyUsage: info?.keyUsage ? keyUsageNames(info.keyUsage) : null,
    extKeyUsage: info?.extKeyUsage ? info.extKeyUsage.oids.map(extKeyUsageName) : null,
    fingerprint256: cert.fingerprint256,
  };
}

/** "2026-11-22T10:00:00Z (in 59m 58s)", red once expired, yellow under a minute. */
export function expiryText(notAfter: Date, now: Date, style: Style): string {
  const left = notAfter.getTime() - now.getTime();
  const text = `${isoTime(notAfter)} (${left >= 0 ? relative(notAfter, now) : `expired ${formatDuration(left)} ago`})`;
  if (left < 0) return style.red(text);
  if (left < 60_000) return style.yellow(text);
  return text;
}

/** The lines that describe one certificate, indented by `indent`; `leaf` labels it a leaf whatever its flags. */
export function certificateLines(
  label: string,
  cert: X509Certificate,
  now: Date,
  style: Style,
  indent = '  ',
  leaf = false,
): string[] {
  const s = summarizeCertificate(cert, now);
  const role = leaf ? 'leaf' : s.ca ? (s.selfSigned ? 'root CA' : 'CA') : 'leaf';
  const names = [...s.uris, ...s.dnsNames.map((d) => `DNS:${d}`), ...s.ipAddresses.map((i) => `IP:${i}`)];
  const lines = [
    `${indent}${style.bold(label)} ${role}${names.length > 0 ? `  ${style.cyan(names.join(', '))}` : ''}`,
    `${indent}  subject ${s.subject}   issuer ${s.issuer}`,
    `${indent}  key ${s.keyType}   serial ${s.serialNumber}`,
    `${indent}  valid ${s.notBefore} → ${expiryText(new Date(Date.parse(cert.validTo)), now, style)}`,
  ];
  const usage = [
    s.keyUsage === null ? 'no key usage' : `key usage ${s.keyUsage.join(', ') || '(none)'}`,
    s.extKeyUsage === null ? 'no EKU' : `EKU ${s.extKeyUsage.join(', ')}`,
  ];
  lines.push(`${indent}  ${usage.join('   ')}`);
  return lines;
}
