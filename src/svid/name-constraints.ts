import { quote } from '../internal/errors.js';
import type { GeneralSubtree, NameConstraints, SubjectAltName } from '../internal/x509/types.js';
import { SvidError } from './errors.js';

type Subtree<T extends GeneralSubtree['type']> = Extract<GeneralSubtree, { type: T }>;

/**
 * Applies a CA's name constraints (RFC 5280 §4.2.1.10) to the SAN names of one certificate below
 * it in the path. Supported name forms: DNS (`example.org` matches it and its subdomains,
 * `.example.org` only subdomains), URI (compared with the URI's host: `example.org` matches that
 * host only, `.example.org` its subdomains; X-9), IP address ranges and email. For each form, a
 * name must fall in some permitted subtree of that form (when there are any) and in no excluded
 * one. A critical extension with a form the SDK cannot check (directoryName, otherName, ...)
 * fails closed.
 *
 * @throws {SvidError} `name_constraint_violation` or `unsupported_name_constraint`.
 */
export function checkNameConstraints(
  nc: NameConstraints,
  san: SubjectAltName | undefined,
  caWhat: string,
  certWhat: string,
): void {
  if (nc.critical) {
    const unsupported = [...nc.permitted, ...nc.excluded].find(
      (s) => s.type === 'directoryName' || s.type === 'other',
    );
    if (unsupported !== undefined) {
      throw new SvidError(
        'unsupported_name_constraint',
        `${caWhat} has a critical name constraint of a form the SDK cannot check (${unsupported.type}) (RFC 5280 §4.2.1.10)`,
      );
    }
  }
  if (san === undefined) return;
  const fail = (form: string, name: string, why: string): SvidError =>
    new SvidError(
      'name_constraint_violation',
      `${certWhat} ${form} name ${quote(name)} ${why} of ${caWhat} (RFC 5280 §4.2.1.10)`,
    );
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
      if (permitted.length > 0 && !permitted.some((s) => matches(name, s)))
        throw fail(form, name, 'is outside the permitted subtrees');
      if (excluded.some((s) => matches(name, s))) throw fail(form, name, 'is in an excluded subtree');
    }
  };
  check('dns', 'DNS', san.dnsNames, (name, s) => dnsMatches(name, s.value));
  check('uri', 'URI', san.uris, (name, s) => uriMatches(name, s.value));
  check('email', 'email', san.emails, (name, s) => emailMatches(name, s.value));
  check('ip', 'IP', san.ipAddresses, (name, s) => ipMatches(name, s.address, s.mask));
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
