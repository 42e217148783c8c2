import { ANY_TAG, type DerReader, fail, TAG_BOOLEAN, TAG_INTEGER, TAG_SEQUENCE } from './der.js';
import { formatIpAddress, isContiguousMask } from './ip-address.js';
import { checkName } from './name.js';
import type {
  BasicConstraints,
  ExtKeyUsage,
  GeneralSubtree,
  KeyUsage,
  NameConstraints,
  SubjectAltName,
} from './types.js';

// Decoders for the extensions the SDK reads (RFC 5280 §4.2.1). Each takes a reader over the
// extnValue OCTET STRING's contents, which must hold exactly one value and nothing after it.

/** GeneralName tags (RFC 5280 §4.2.1.6, IMPLICIT tagging; CHOICE and SEQUENCE types are constructed). */
const GN_OTHER_NAME = 0xa0;
const GN_RFC822 = 0x81;
const GN_DNS = 0x82;
const GN_X400 = 0xa3;
const GN_DIRECTORY = 0xa4;
const GN_EDI_PARTY = 0xa5;
const GN_URI = 0x86;
const GN_IP = 0x87;
const GN_REGISTERED_ID = 0x88;

/** basicConstraints (2.5.29.19): SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL }. */
export function readBasicConstraints(value: DerReader, critical: boolean): BasicConstraints {
  const what = 'basicConstraints extension (2.5.29.19)';
  const seq = value.enter(TAG_SEQUENCE, what);
  value.expectEnd(what);
  // An explicit FALSE breaks DER's DEFAULT rule but means the same; OpenSSL and Go accept it too.
  const ca = seq.peekTag() === TAG_BOOLEAN ? seq.readBoolean(what) : false;
  // §4.2.1.9 wants pathLenConstraint only with cA=true, but it is read either way: Go writes it
  // on leaves whose template sets MaxPathLenZero, and Go and OpenSSL (unless X509_STRICT) accept it.
  const pathLen = seq.peekTag() === TAG_INTEGER ? seq.readSmallInteger(what) : undefined;
  seq.expectEnd(what);
  return { critical, ca, pathLen };
}

/** keyUsage (2.5.29.15): a named BIT STRING; bits past decipherOnly (8) are ignored. */
export function readKeyUsage(value: DerReader, critical: boolean): KeyUsage {
  const what = 'keyUsage extension (2.5.29.15)';
  value.readBitString(what);
  value.expectEnd(what);
  const first = value.valueStart + 1; // data octets follow the unused-bits octet
  const b0 = first < value.valueEnd ? (value.buf[first] as number) : 0;
  const b1 = first + 1 < value.valueEnd ? (value.buf[first + 1] as number) : 0;
  return {
    critical,
    digitalSignature: (b0 & 0x80) !== 0,
    nonRepudiation: (b0 & 0x40) !== 0,
    keyEncipherment: (b0 & 0x20) !== 0,
    dataEncipherment: (b0 & 0x10) !== 0,
    keyAgreement: (b0 & 0x08) !== 0,
    keyCertSign: (b0 & 0x04) !== 0,
    cRLSign: (b0 & 0x02) !== 0,
    encipherOnly: (b0 & 0x01) !== 0,
    decipherOnly: (b1 & 0x80) !== 0,
  };
}

/** extKeyUsage (2.5.29.37): SEQUENCE SIZE (1..MAX) OF KeyPurposeId. */
export function readExtKeyUsage(value: DerReader, critical: boolean): ExtKeyUsage {
  const what = 'extKeyUsage extension (2.5.29.37)';
  const seq = value.enter(TAG_SEQUENCE, what);
  value.expectEnd(what);
  if (seq.done) fail(what, 'empty sequence (SIZE 1..MAX)', seq.pos);
  const oids: string[] = [];
  while (!seq.done) oids.push(seq.readOid(what));
  return { critical, oids };
}

/** subjectAltName (2.5.29.17): GeneralNames, SEQUENCE SIZE (1..MAX) OF GeneralName. */
export function readSubjectAltName(value: DerReader, critical: boolean): SubjectAltName {
  const what = 'subjectAltName extension (2.5.29.17)';
  const seq = value.enter(TAG_SEQUENCE, what);
  value.expectEnd(what);
  if (seq.done) fail(what, 'empty GeneralNames (SIZE 1..MAX)', seq.pos);
  const san: SubjectAltName = {
    critical,
    uris: [],
    dnsNames: [],
    ipAddresses: [],
    emails: [],
    otherCount: 0,
  };
  while (!seq.done) {
    switch (seq.peekTag()) {
      case GN_URI:
        san.uris.push(seq.readIa5String(what, GN_URI));
        break;
      case GN_DNS:
        san.dnsNames.push(seq.readIa5String(what, GN_DNS));
        break;
      case GN_RFC822:
        san.emails.push(seq.readIa5String(what, GN_RFC822));
        break;
      case GN_IP: {
        seq.next(GN_IP, what);
        const len = seq.valueEnd - seq.valueStart;
        if (len !== 4 && len !== 16) fail(what, `iPAddress of ${len} octets (want 4 or 16)`, seq.valueStart);
        san.ipAddresses.push(formatIpAddress(seq.buf, seq.valueStart, len));
        break;
      }
      default:
        skipOtherGeneralName(seq, what);
        san.otherCount++;
    }
  }
  return san;
}

/**
 * nameConstraints (2.5.29.30): SEQUENCE { permittedSubtrees [0] GeneralSubtrees OPTIONAL,
 * excludedSubtrees [1] GeneralSubtrees OPTIONAL }, at least one present (§4.2.1.10).
 */
export function readNameConstraints(value: DerReader, critical: boolean): NameConstraints {
  const what = 'nameConstraints extension (2.5.29.30)';
  const seq = value.enter(TAG_SEQUENCE, what);
  value.expectEnd(what);
  if (seq.done) fail(what, 'neither permittedSubtrees nor excludedSubtrees is present', seq.pos);
  const permitted = seq.peekTag() === 0xa0 ? readSubtrees(seq.enter(0xa0, what), `${what} permitted`) : [];
  const excluded = seq.peekTag() === 0xa1 ? readSubtrees(seq.enter(0xa1, what), `${what} excluded`) : [];
  seq.expectEnd(what);
  return { critical, permitted, excluded };
}

/** GeneralSubtrees: SEQUENCE SIZE (1..MAX) OF GeneralSubtree { base, [0] minimum DEFAULT 0, [1] maximum }. */
function readSubtrees(r: DerReader, what: string): GeneralSubtree[] {
  if (r.done) fail(what, 'empty GeneralSubtrees (SIZE 1..MAX)', r.pos);
  const out: GeneralSubtree[] = [];
  while (!r.done) {
    const sub = r.enter(TAG_SEQUENCE, what);
    out.push(readSubtreeBase(sub, what));
    // §4.2.1.10: minimum MUST be zero (DER then omits it) and maximum MUST be absent.
    // OpenSSL fails path validation on either (X509_V_ERR_SUBTREE_MINMAX).
    if (!sub.done) fail(what, 'GeneralSubtree minimum/maximum are not allowed by RFC 5280', sub.pos);
  }
  return out;
}

function readSubtreeBase(r: DerReader, what: string): GeneralSubtree {
  const tag = r.peekTag();
  switch (tag) {
    case GN_DNS:
      return { type: 'dns', value: r.readIa5String(what, GN_DNS) };
    case GN_URI:
      return { type: 'uri', value: r.readIa5String(what, GN_URI) };
    case GN_RFC822:
      return { type: 'email', value: r.readIa5String(what, GN_RFC822) };
    case GN_IP: {
      r.next(GN_IP, what);
      const start = r.valueStart;
      const len = r.valueEnd - start;
      if (len !== 8 && len !== 32) fail(what, `iPAddress constraint of ${len} octets (want 8 or 32)`, start);
      const half = len / 2;
      if (!isContiguousMask(r.buf, start + half, half)) fail(what, 'iPAddress mask is not contiguous', start);
      return {
        type: 'ip',
        address: r.buf.subarray(start, start + half),
        mask: r.buf.subarray(start + half, r.valueEnd),
      };
    }
    case GN_DIRECTORY: {
      const outer = r.enter(GN_DIRECTORY, what);
      const at = outer.pos;
      checkName(outer.enter(TAG_SEQUENCE, what), what);
      outer.expectEnd(what);
      return { type: 'directoryName', der: r.buf.subarray(at, outer.pos) };
    }
    default:
      skipOtherGeneralName(r, what);
      return { type: 'other', tag: tag & 0x1f };
  }
}

/** Skips one GeneralName of a type the SDK does not decode; a tag outside the CHOICE is an error. */
function skipOtherGeneralName(r: DerReader, what: string): void {
  const tag = r.peekTag();
  if (tag === GN_DIRECTORY) {
    const outer = r.enter(GN_DIRECTORY, what);
    checkName(outer.enter(TAG_SEQUENCE, what), what);
    outer.expectEnd(what);
  } else if (tag === GN_OTHER_NAME || tag === GN_X400 || tag === GN_EDI_PARTY) {
    r.next(tag, what);
  } else if (tag === GN_REGISTERED_ID) {
    r.next(tag, what);
    if (r.valueStart === r.valueEnd) fail(what, 'empty registeredID', r.valueStart);
  } else {
    const at = r.pos;
    r.next(ANY_TAG, what); // a missing or malformed element is reported as such
    fail(what, `0x${tag.toString(16)} is not a GeneralName tag`, at);
  }
}

/** subjectKeyIdentifier (2.5.29.14): KeyIdentifier ::= OCTET STRING. */
export function readSubjectKeyId(value: DerReader): Uint8Array {
  const what = 'subjectKeyIdentifier extension (2.5.29.14)';
  const id = value.readOctetString(what);
  value.expectEnd(what);
  return id;
}

/**
 * authorityKeyIdentifier (2.5.29.35): SEQUENCE { keyIdentifier [0] OPTIONAL, authorityCertIssuer
 * [1] GeneralNames OPTIONAL, authorityCertSerialNumber [2] INTEGER OPTIONAL }; returns the key
 * identifier, or undefined when only the issuer/serial form is used.
 */
export function readAuthorityKeyId(value: DerReader): Uint8Array | undefined {
  const what = 'authorityKeyIdentifier extension (2.5.29.35)';
  const seq = value.enter(TAG_SEQUENCE, what);
  value.expectEnd(what);
  const id = seq.peekTag() === 0x80 ? seq.readOctetString(what, 0x80) : undefined;
  if (seq.peekTag() === 0xa1) seq.next(0xa1, what);
  if (seq.peekTag() === 0x82) seq.next(0x82, what);
  seq.expectEnd(what);
  return id;
}
