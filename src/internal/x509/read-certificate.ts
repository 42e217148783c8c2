import {
  ANY_TAG,
  DerReader,
  TAG_OID,
  fail,
  TAG_BOOLEAN,
  TAG_GENERALIZED_TIME,
  TAG_INTEGER,
  TAG_OCTET_STRING,
  TAG_SEQUENCE,
  TAG_UTC_TIME,
} from './der.js';
import { CertificateParseError } from './errors.js';
import {
  readAuthorityKeyId,
  readBasicConstraints,
  readExtKeyUsage,
  readKeyUsage,
  readNameConstraints,
  readSubjectAltName,
  readSubjectKeyId,
} from './extensions.js';
import { checkName } from './name.js';
import type { AlgorithmId, CertificateInfo } from './types.js';

/**
 * Reads from one DER certificate what `node:crypto`'s `X509Certificate` does not expose: the
 * extension list, basic constraints, key usage bits, EKU, SAN, name constraints and key
 * identifiers, plus the subject/issuer DER (NODE-NOTES §3). It walks the whole RFC 5280 §4.1
 * structure strictly and rejects trailing bytes at every level, non-DER lengths, extensions in a
 * non-v3 certificate, an extension that appears twice (§4.2) and malformed known extensions.
 * Unknown extensions are listed, not decoded. It checks no signature, date or chain: that stays
 * with `node:crypto`. Values are views into `der` (no copy): do not mutate `der` afterwards.
 *
 * @throws {CertificateParseError} code `malformed_certificate` for any input it cannot accept.
 */
export function readCertificateInfo(der: Uint8Array): CertificateInfo {
  if (!(der instanceof Uint8Array)) {
    throw new CertificateParseError(`malformed certificate: expected DER bytes, got ${typeof der}`);
  }
  const top = new DerReader(der, 0, der.length);
  const cert = top.enter(TAG_SEQUENCE, 'Certificate');
  top.expectEnd('Certificate');
  const tbsStart = cert.pos;
  const tbs = cert.enter(TAG_SEQUENCE, 'tbsCertificate');
  const tbsDer = der.subarray(tbsStart, cert.pos);

  let version = 0; // v1: DEFAULT, so absent in DER
  if (tbs.peekTag() === 0xa0) {
    const v = tbs.enter(0xa0, 'version');
    const at = v.pos;
    version = v.readSmallInteger('version');
    v.expectEnd('version');
    if (version > 2) fail('version', `unknown version ${version} (2 means v3)`, at);
  }
  tbs.next(TAG_INTEGER, 'serialNumber');
  if (tbs.valueStart === tbs.valueEnd) fail('serialNumber', 'empty INTEGER', tbs.valueStart);
  // OpenSSL refuses to parse an INTEGER with redundant leading octets; noted, not refused here.
  let plainEncoding = !redundantIntegerPadding(der, tbs.valueStart, tbs.valueEnd);
  const sigAlgStart = tbs.pos;
  plainEncoding = plainParameters(readAlgorithmIdentifier(tbs, 'signature').parameters) && plainEncoding;
  const sigAlgEnd = tbs.pos;

  const issuerStart = tbs.pos;
  plainEncoding = checkName(tbs.enter(TAG_SEQUENCE, 'issuer'), 'issuer') && plainEncoding;
  const issuerDer = der.subarray(issuerStart, tbs.pos);

  const validity = tbs.enter(TAG_SEQUENCE, 'validity');
  const notBefore = readTime(validity, 'validity notBefore');
  const notAfter = readTime(validity, 'validity notAfter');
  validity.expectEnd('validity');

  const subjectStart = tbs.pos;
  const subject = tbs.enter(TAG_SEQUENCE, 'subject');
  const subjectIsEmpty = subject.done;
  plainEncoding = checkName(subject, 'subject') && plainEncoding;
  const subjectDer = der.subarray(subjectStart, tbs.pos);

  const spkiStart = tbs.pos;
  const spki = tbs.enter(TAG_SEQUENCE, 'subjectPublicKeyInfo');
  const keyAlgorithm = readAlgorithmIdentifier(spki, 'subjectPublicKeyInfo algorithm');
  plainEncoding = plainParameters(keyAlgorithm.parameters) && plainEncoding;
  spki.readBitString('subjectPublicKey');
  const publicKeyBits = der.subarray(spki.valueStart + 1, spki.valueEnd);
  const publicKeyUnusedBits = der[spki.valueStart] as number;
  spki.expectEnd('subjectPublicKeyInfo');

  // RFC 5280 §4.1.2.8: unique identifiers only in v2 and v3 certificates.
  for (const [tag, what] of UNIQUE_IDS) {
    if (tbs.peekTag() !== tag) continue;
    if (version < 1) fail(what, 'only allowed in a v2 or v3 certificate', tbs.pos);
    tbs.readBitString(what, tag);
  }

  const info: CertificateInfo = {
    version,
    subjectIsEmpty,
    subjectDer,
    issuerDer,
    extensions: [],
    basicConstraints: undefined,
    keyUsage: undefined,
    extKeyUsage: undefined,
    subjectAltName: undefined,
    nameConstraints: undefined,
    subjectKeyId: undefined,
    authorityKeyId: undefined,
    notBefore,
    notAfter,
    plainEncoding: plainEncoding && notBefore !== undefined && notAfter !== undefined,
    tbsDer,
    signatureAlgorithmOid: '',
    signatureAlgorithmParameters: undefined,
    signatureValue: der.subarray(0, 0),
    publicKeyDer: der.subarray(spkiStart, tbs.pos),
    publicKeyAlgorithmOid: keyAlgorithm.oid,
    publicKeyParameters: keyAlgorithm.parameters,
    publicKeyBits,
    publicKeyUnusedBits,
  };
  if (tbs.peekTag() === 0xa3) {
    // §4.1.2.9: extensions only in v3 certificates.
    if (version !== 2) fail('extensions', 'only allowed in a v3 certificate', tbs.pos);
    const wrapper = tbs.enter(0xa3, 'extensions');
    readExtensions(wrapper.enter(TAG_SEQUENCE, 'extensions'), info);
    wrapper.expectEnd('extensions');
  }
  tbs.expectEnd('tbsCertificate');

  // §4.1.1.2: signatureAlgorithm MUST equal tbsCertificate.signature (Go refuses to parse such a
  // certificate, OpenSSL to verify it).
  const outerAlgStart = cert.pos;
  const signatureAlgorithm = readAlgorithmIdentifier(cert, 'signatureAlgorithm');
  info.signatureAlgorithmOid = signatureAlgorithm.oid;
  info.signatureAlgorithmParameters = signatureAlgorithm.parameters;
  if (!sameBytes(der, sigAlgStart, sigAlgEnd, outerAlgStart, cert.pos)) {
    fail('signatureAlgorithm', 'differs from tbsCertificate.signature', outerAlgStart);
  }
  cert.readBitString('signatureValue');
  info.signatureValue = der.subarray(cert.valueStart + 1, cert.valueEnd);
  cert.expectEnd('Certificate');
  return info;
}

const UNIQUE_IDS: ReadonlyArray<readonly [number, string]> = [
  [0x81, 'issuerUniqueID'],
  [0x82, 'subjectUniqueID'],
];

/** Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension { extnID, critical DEFAULT FALSE, extnValue }. */
function readExtensions(list: DerReader, info: CertificateInfo): void {
  if (list.done) fail('extensions', 'empty Extensions (SIZE 1..MAX)', list.pos);
  const seen = new Set<string>();
  while (!list.done) {
    const at = list.pos;
    const ext = list.enter(TAG_SEQUENCE, 'extension');
    const oid = ext.readOid('extension extnID');
    const what = `extension ${oid}`;
    // An explicit FALSE breaks DER's DEFAULT rule but means the same; OpenSSL and Go accept it too.
    const critical = ext.peekTag() === TAG_BOOLEAN ? ext.readBoolean(what) : false;
    const value = ext.enter(TAG_OCTET_STRING, what);
    ext.expectEnd(what);
    // RFC 5280 §4.2: "A certificate MUST NOT include more than one instance of a particular extension."
    if (seen.has(oid)) fail(what, 'appears more than once (RFC 5280 §4.2)', at);
    seen.add(oid);
    info.extensions.push({ oid, critical });
    switch (oid) {
      case '2.5.29.19':
        info.basicConstraints = readBasicConstraints(value, critical);
        break;
      case '2.5.29.15':
        info.keyUsage = readKeyUsage(value, critical);
        break;
      case '2.5.29.37':
        info.extKeyUsage = readExtKeyUsage(value, critical);
        break;
      case '2.5.29.17':
        info.subjectAltName = readSubjectAltName(value, critical);
        break;
      case '2.5.29.30':
        info.nameConstraints = readNameConstraints(value, critical);
        break;
      case '2.5.29.14':
        info.subjectKeyId = readSubjectKeyId(value);
        break;
      case '2.5.29.35':
        info.authorityKeyId = readAuthorityKeyId(value);
        break;
      // Others are only listed: the caller decides about unknown critical extensions.
    }
  }
}

/**
 * Whether AlgorithmIdentifier parameters are ones node:crypto certainly parses as this reader
 * does: absent, NULL, or a well-formed OID (a named curve). OpenSSL decodes the contents of an
 * ANY parameter by its tag (BOOLEAN length, OID and BIT STRING encodings, ...) and fails the whole
 * certificate where this reader only skips it (found by fuzzing); anything else is left to
 * node:crypto's own parse. The key and algorithm policy refuses other parameters anyway.
 */
function plainParameters(parameters: Uint8Array | undefined): boolean {
  if (parameters === undefined) return true;
  if (parameters.length === 2 && parameters[0] === 0x05 && parameters[1] === 0x00) return true;
  if (parameters[0] !== TAG_OID) return false;
  try {
    const r = new DerReader(parameters, 0, parameters.length);
    r.skipOid('parameters');
    r.expectEnd('parameters');
    return true;
  } catch {
    return false;
  }
}

/** AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }. */
function readAlgorithmIdentifier(r: DerReader, what: string): AlgorithmId {
  const alg = r.enter(TAG_SEQUENCE, what);
  const oid = alg.readOid(what);
  let parameters: Uint8Array | undefined;
  if (!alg.done) {
    const start = alg.pos;
    alg.next(ANY_TAG, what);
    parameters = alg.buf.subarray(start, alg.pos);
  }
  alg.expectEnd(what);
  return { oid, parameters };
}

/**
 * Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }. Returns epoch milliseconds
 * when the value has the form RFC 5280 §4.1.2.5 prescribes (`YYMMDDHHMMSSZ`, years 1950..2049;
 * `YYYYMMDDHHMMSSZ`) with valid fields; undefined otherwise (the value is then left to
 * node:crypto, which accepts more forms).
 */
function readTime(r: DerReader, what: string): number | undefined {
  const at = r.pos;
  r.next(ANY_TAG, what);
  if (r.tag !== TAG_UTC_TIME && r.tag !== TAG_GENERALIZED_TIME) {
    fail(what, `expected UTCTime or GeneralizedTime, found tag 0x${r.tag.toString(16)}`, at);
  }
  const buf = r.buf;
  let p = r.valueStart;
  const len = r.valueEnd - p;
  const utc = r.tag === TAG_UTC_TIME;
  if (len !== (utc ? 13 : 15) || buf[r.valueEnd - 1] !== 0x5a /* Z */) return undefined;
  const digits = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const c = (buf[p++] as number) - 0x30;
      if (c < 0 || c > 9) return NaN;
      v = v * 10 + c;
    }
    return v;
  };
  let year = digits(utc ? 2 : 4);
  if (utc) year += year < 50 ? 2000 : 1900;
  const month = digits(2);
  const day = digits(2);
  const hour = digits(2);
  const minute = digits(2);
  const second = digits(2);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  if (Number.isNaN(ms) || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  if (new Date(ms).getUTCDate() !== day) return undefined; // e.g. February 30
  // Date.UTC maps years 0..99 to 1900..1999.
  if (year < 100) return undefined;
  return ms;
}

/** Whether a non-empty INTEGER has a redundant leading 0x00 or 0xFF octet (not minimal DER). */
function redundantIntegerPadding(buf: Uint8Array, start: number, end: number): boolean {
  if (end - start < 2) return false;
  const first = buf[start] as number;
  const second = buf[start + 1] as number;
  return (first === 0x00 && (second & 0x80) === 0) || (first === 0xff && (second & 0x80) !== 0);
}

function sameBytes(buf: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let i = 0; i < aEnd - aStart; i++) if (buf[aStart + i] !== buf[bStart + i]) return false;
  return true;
}
