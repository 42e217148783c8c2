import { quote } from '../internal/errors.js';
import {
  ANY_TAG,
  DerReader,
  TAG_BMP_STRING,
  TAG_IA5_STRING,
  TAG_OID,
  TAG_PRINTABLE_STRING,
  TAG_SEQUENCE,
  TAG_SET,
  TAG_TELETEX_STRING,
  TAG_UNIVERSAL_STRING,
  TAG_UTF8_STRING,
} from '../internal/x509/der.js';
import type {
  CertificateInfo,
  GeneralSubtree,
  NameConstraints,
  SubjectAltName,
} from '../internal/x509/types.js';
import { SvidError } from './errors.js';

type Subtree<T extends GeneralSubtree['type']> = Extract<GeneralSubtree, { type: T }>;

/** What the name constraints of a CA are checked against: the names of a certificate below it. */
export type ConstrainedNames = Pick<CertificateInfo, 'subjectAltName' | 'subjectDer' | 'subjectIsEmpty'>;

/**
 * Applies a CA's name constraints (RFC 5280 §4.2.1.10) to the names of one certificate below it
 * in the path (an intermediate or the leaf). Supported name forms:
 * - directoryName, against the certificate's subject: the subject is within a subtree when its
 *   RDN sequence starts with the constraint's RDNs (RFC 5280 §4.2.1.10, §7.1: string values
 *   compared case-insensitively in ASCII with spaces folded, as OpenSSL does). An empty subject
 *   is not constrained (OpenSSL likewise).
 * - DNS (`example.org` matches it and its subdomains, `.example.org` only subdomains), URI
 *   (compared with the URI's host: `example.org` matches that host only, `.example.org` its
 *   subdomains; X-9), IP address ranges and email, against the SAN names.
 *
 * For each form, a name must fall in some permitted subtree of that form (when there are any) and
 * in no excluded one, critical extension or not. The SDK fails closed where it cannot check: a
 * critical constraint of another form (otherName, x400, ediParty, registeredID), and a
 * directoryName or other-form constraint over a certificate whose SAN has names of the forms the
 * SDK does not decode (a directoryName SAN is constrained like the subject).
 *
 * @throws {SvidError} `name_constraint_violation` or `unsupported_name_constraint`.
 */
export function checkNameConstraints(
  nc: NameConstraints,
  names: ConstrainedNames,
  caWhat: string,
  certWhat: string,
): void {
  const all = [...nc.permitted, ...nc.excluded];
  if (nc.critical) {
    const unsupported = all.find((s) => s.type === 'other');
    if (unsupported !== undefined) {
      throw new SvidError(
        'unsupported_name_constraint',
        `${caWhat} has a critical name constraint of a form the SDK cannot check (GeneralName tag [${unsupported.tag}]) (RFC 5280 §4.2.1.10)`,
      );
    }
  }
  const san = names.subjectAltName;
  if (san !== undefined && san.otherCount > 0) {
    const undecodable = all.find((s) => s.type === 'directoryName' || s.type === 'other');
    if (undecodable !== undefined) {
      throw new SvidError(
        'unsupported_name_constraint',
        `${certWhat} has subject alternative names of a form the SDK does not decode, and ${caWhat} constrains such names (${undecodable.type}) (RFC 5280 §4.2.1.10)`,
      );
    }
  }
  checkDirectoryName(nc, names, caWhat, certWhat);
  if (san !== undefined) checkSanNames(nc, san, caWhat, certWhat);
}

/** `what` is the name (or `''` for the subject, which `certWhat` already shows). */
function violation(caWhat: string, certWhat: string, what: string, why: string): SvidError {
  return new SvidError(
    'name_constraint_violation',
    `${certWhat}${what === '' ? '' : ` ${what}`} ${why} of ${caWhat} (RFC 5280 §4.2.1.10)`,
  );
}

/** directoryName subtrees against the subject DN. */
function checkDirectoryName(
  nc: NameConstraints,
  names: ConstrainedNames,
  caWhat: string,
  certWhat: string,
): void {
  const permitted = nc.permitted.filter((s): s is Subtree<'directoryName'> => s.type === 'directoryName');
  const excluded = nc.excluded.filter((s): s is Subtree<'directoryName'> => s.type === 'directoryName');
  if ((permitted.length === 0 && excluded.length === 0) || names.subjectIsEmpty) return;
  const subject = rdnSequence(names.subjectDer);
  const within = (s: Subtree<'directoryName'>): boolean => startsWith(subject, rdnSequence(s.der));
  if (permitted.length > 0 && !permitted.some(within)) {
    throw violation(caWhat, certWhat, '', 'has a subject outside the permitted directoryName subtrees');
  }
  if (excluded.some(within)) {
    throw violation(caWhat, certWhat, '', 'has a subject in an excluded directoryName subtree');
  }
}

/** DNS, URI, email and IP subtrees against the SAN names of the same form. */
function checkSanNames(nc: NameConstraints, san: SubjectAltName, caWhat: string, certWhat: string): void {
  const check = <T extends GeneralSubtree['type']>(
    type: T,
    form: string,
    names: readonly string[],
    matches: (name: string, subtree: Subtree<T>) => boolean,
  ): void => {
    const permitted = nc.permitted.filter((s): s is Subtree<T> => s.type === type);
    const excluded = nc.excluded.filter((s): s is Subtree<T> => s.type === type);
    if (permitted.length === 0 && excluded.length === 0) return;
    for (const name of names) {
      const what = `${form} name ${quote(name)}`;
      if (permitted.length > 0 && !permitted.some((s) => matches(name, s)))
        throw violation(caWhat, certWhat, what, 'is outside the permitted subtrees');
      if (excluded.some((s) => matches(name, s)))
        throw violation(caWhat, certWhat, what, 'is in an excluded subtree');
    }
  };
  check('dns', 'DNS', san.dnsNames, (name, s) => dnsMatches(name, s.value));
  check('uri', 'URI', san.uris, (name, s) => uriMatches(name, s.value));
  check('email', 'email', san.emails, (name, s) => emailMatches(name, s.value));
  check('ip', 'IP', san.ipAddresses, (name, s) => ipMatches(name, s.address, s.mask));
}

/**
 * A Name (DER, already structure-checked by the certificate reader) as its RDNs, each RDN the
 * sorted comparison keys of its attributes (an RDN is a SET: order does not matter inside it).
 */
function rdnSequence(der: Uint8Array): string[][] {
  const what = 'Name';
  const rdns: string[][] = [];
  const name = new DerReader(der, 0, der.length).enter(TAG_SEQUENCE, what);
  while (!name.done) {
    const rdn = name.enter(TAG_SET, what);
    const keys: string[] = [];
    while (!rdn.done) {
      const atv = rdn.enter(TAG_SEQUENCE, what);
      atv.next(TAG_OID, what);
      const type = hex(atv.buf.subarray(atv.valueStart, atv.valueEnd));
      atv.next(ANY_TAG, what);
      keys.push(`${type}=${attributeValueKey(atv.tag, atv.buf.subarray(atv.valueStart, atv.valueEnd))}`);
    }
    rdns.push(keys.sort());
  }
  return rdns;
}

/** Whether `name` starts with the RDNs of `subtree` (RFC 5280 §4.2.1.10 directoryName). */
function startsWith(name: string[][], subtree: string[][]): boolean {
  if (subtree.length > name.length) return false;
  return subtree.every((rdn, i) => {
    const other = name[i]!;
    return rdn.length === other.length && rdn.every((key, j) => key === other[j]);
  });
}

/**
 * The comparison key of an attribute value (RFC 5280 §7.1): a directory string is decoded, its
 * leading and trailing spaces dropped, inner runs of white space folded to one space, and ASCII
 * letters lower-cased (OpenSSL's canonical form, so the SDK and OpenSSL agree on which subjects
 * are within a subtree); whatever string type encoded it. Other values are compared as DER.
 */
function attributeValueKey(tag: number, value: Uint8Array): string {
  const text = directoryString(tag, value);
  if (text === undefined) return `#${tag.toString(16)}:${hex(value)}`;
  const folded = text
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/[A-Z]/g, (c) => c.toLowerCase());
  return `s:${JSON.stringify(folded)}`;
}

function directoryString(tag: number, value: Uint8Array): string | undefined {
  const buf = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  try {
    switch (tag) {
      case TAG_UTF8_STRING:
        return new TextDecoder('utf-8', { fatal: true }).decode(value);
      case TAG_PRINTABLE_STRING:
      case TAG_IA5_STRING:
      case TAG_TELETEX_STRING:
        return buf.toString('latin1');
      case TAG_BMP_STRING:
        return value.length % 2 === 0
          ? new TextDecoder('utf-16be', { fatal: true }).decode(value)
          : undefined;
      case TAG_UNIVERSAL_STRING: {
        if (value.length % 4 !== 0) return undefined;
        let out = '';
        for (let i = 0; i < value.length; i += 4) out += String.fromCodePoint(buf.readUInt32BE(i));
        return out;
      }
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Lower-cases and drops one trailing dot (`Example.ORG.` → `example.org`). */
function canonicalHost(host: string): string {
  const lower = host.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** RFC 5280: a DNS constraint matches any name built by adding labels on the left. */
function dnsMatches(name: string, constraint: string): boolean {
  const c = canonicalHost(constraint);
  const n = canonicalHost(name);
  if (c === '') return true;
  if (c.startsWith('.')) return n.endsWith(c) && n.length > c.length;
  return n === c || n.endsWith(`.${c}`);
}

/** RFC 5280: a URI constraint names a host (exact) or, with a leading dot, its subdomains. */
function uriMatches(uri: string, constraint: string): boolean {
  const host = uriHost(uri);
  if (host === undefined) return false;
  const c = canonicalHost(constraint);
  if (c === '') return true;
  if (c.startsWith('.')) return host.endsWith(c) && host.length > c.length;
  return host === c;
}

/** The host of a hierarchical URI (`scheme://[userinfo@]host[:port]/...`), lower-cased; undefined if none. */
function uriHost(uri: string): string | undefined {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(uri);
  if (!m) return undefined;
  let authority = m[1]!;
  const at = authority.lastIndexOf('@');
  if (at !== -1) authority = authority.slice(at + 1);
  if (authority.startsWith('[')) return undefined; // an IPv6 literal is no DNS host
  authority = authority.replace(/:\d*$/, '');
  return authority === '' ? undefined : canonicalHost(authority);
}

/** RFC 5280: a mailbox (exact), a host (all its mailboxes) or `.domain` (mailboxes in subdomains). */
function emailMatches(email: string, constraint: string): boolean {
  const at = email.lastIndexOf('@');
  if (at <= 0) return false;
  const local = email.slice(0, at);
  const domain = canonicalHost(email.slice(at + 1));
  const cAt = constraint.lastIndexOf('@');
  if (cAt !== -1)
    return local === constraint.slice(0, cAt) && domain === canonicalHost(constraint.slice(cAt + 1));
  const c = canonicalHost(constraint);
  if (c === '') return true;
  if (c.startsWith('.')) return domain.endsWith(c) && domain.length > c.length;
  return domain === c;
}

function ipMatches(ip: string, address: Uint8Array, mask: Uint8Array): boolean {
  const bytes = ipBytes(ip);
  if (bytes === undefined || bytes.length !== address.length || mask.length !== address.length) return false;
  for (let i = 0; i < bytes.length; i++) {
    if ((bytes[i]! & mask[i]!) !== (address[i]! & mask[i]!)) return false;
  }
  return true;
}

/** Parses a textual IPv4 (`10.0.0.1`) or IPv6 (`fd00::1`) address; undefined if malformed. */
function ipBytes(ip: string): Uint8Array | undefined {
  if (!ip.includes(':')) {
    const parts = ip.split('.');
    if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
    return Uint8Array.from(parts, Number);
  }
  const halves = ip.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}
