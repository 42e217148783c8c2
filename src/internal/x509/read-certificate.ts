import {
  ANY_TAG,
  DerReader,
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
  const sigAlgStart = tbs.pos;
  readAlgorithmIdentifier(tbs, 'signature');
  const sigAlgEnd = tbs.pos;

  const issuerStart = tbs.pos;
  checkName(tbs.enter(TAG_SEQUENCE, 'issuer'), 'issuer');
  const issuerDer = der.subarray(issuerStart, tbs.pos);

  const validity = tbs.enter(TAG_SEQUENCE, 'validity');
  readTime(validity, 'validity notBefore');
  readTime(validity, 'validity notAfter');
  validity.expectEnd('validity');

  const subjectStart = tbs.pos;
  const subject = tbs.enter(TAG_SEQUENCE, 'subject');
  const subjectIsEmpty = subject.done;
  checkName(subject, 'subject');
  const subjectDer = der.subarray(subjectStart, tbs.pos);

  const spkiStart = tbs.pos;
  const spki = tbs.enter(TAG_SEQUENCE, 'subjectPublicKeyInfo');
  const keyAlgorithm = readAlgorithmIdentifier(spki, 'subjectPublicKeyInfo algorithm');
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

/** Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }; the value is left to node:crypto. */
function readTime(r: DerReader, what: string): void {
  const at = r.pos;
  r.next(ANY_TAG, what);
  if (r.tag !== TAG_UTC_TIME && r.tag !== TAG_GENERALIZED_TIME) {
    fail(what, `expected UTCTime or GeneralizedTime, found tag 0x${r.tag.toString(16)}`, at);
  }
}

function sameBytes(buf: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let i = 0; i < aEnd - aStart; i++) if (buf[aStart + i] !== buf[bStart + i]) return false;
  return true;
}
