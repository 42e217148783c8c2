import {
  X509Certificate,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { X509Bundle } from '../bundle/index.js';
import { X509Svid, idFromCertificate } from '../svid/index.js';
import { describeKey } from './certificate-summary.js';
import { addSdkVerdict, type Finding } from './findings.js';
import { authorityFindings, chainFindings, looksLikeAuthority } from './x509-rules.js';

/** A key found in the input (the key itself is never shown). */
export interface InspectedKey {
  /** The PEM label (`PRIVATE KEY`, `EC PRIVATE KEY`, `PUBLIC KEY`, ...) or `DER`. */
  label: string;
  kind: 'private' | 'public';
  /** `EC P-256`, `RSA 2048`, ...; undefined when the key could not be read. */
  keyType: string | undefined;
  /** Whether it is the leaf certificate's key (private keys next to a chain only). */
  matchesLeaf: boolean | undefined;
}

/** What PEM or DER input holds, as `inspect` reads it. */
export interface PemReport {
  /** `x509-svid`: a leaf and its chain; `x509-bundle`: CA certificates only. */
  kind: 'x509-svid' | 'x509-bundle' | 'keys';
  certificates: X509Certificate[];
  keys: InspectedKey[];
  /** The leaf's SPIFFE ID, when it has a readable one. */
  spiffeId: string | undefined;
  /** Labels of PEM blocks that are neither certificates nor keys. */
  otherBlocks: string[];
  findings: Finding[];
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
const KEY_TYPES: Record<string, 'pkcs8' | 'sec1' | 'pkcs1'> = {
  'PRIVATE KEY': 'pkcs8',
  'EC PRIVATE KEY': 'sec1',
  'RSA PRIVATE KEY': 'pkcs1',
};

/**
 * Reads PEM text: certificates (an X509-SVID chain, leaf first, or CA certificates as in
 * `bundle.pem`), private and public keys. Lists every SPIFFE rule the certificates break and
 * whether a private key belongs to the leaf.
 */
export function inspectPem(text: string, now: Date): PemReport {
  const findings: Finding[] = [];
  const certificates: X509Certificate[] = [];
  const keys: InspectedKey[] = [];
  const otherBlocks: string[] = [];
  const privateKeys: { info: InspectedKey; key: KeyObject }[] = [];
  let end = 0;
  for (const m of text.matchAll(PEM_BLOCK)) {
    end = m.index + m[0].length;
    const label = m[1]!;
    const where = `PEM block ${label}`;
    if (m[3] !== label) {
      findings.push({
        rule: 'PEM',
        level: 'error',
        where,
        message: `ends with "END ${m[3]}"`,
        code: 'invalid_pem',
      });
      continue;
    }
    const der = Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64');
    if (label === 'CERTIFICATE') {
      try {
        certificates.push(new X509Certificate(der));
      } catch {
        findings.push({
          rule: 'RFC 5280',
          level: 'error',
          where: `certificate ${certificates.length + 1}`,
          message: 'is not a DER certificate',
          code: 'invalid_certificate',
        });
      }
    } else if (label in KEY_TYPES || label === 'ENCRYPTED PRIVATE KEY') {
      const read = readPrivateKey(label, der, findings);
      keys.push(read.info);
      if (read.key) privateKeys.push({ info: read.info, key: read.key });
    } else if (label === 'PUBLIC KEY') {
      let keyType: string | undefined;
      try {
        keyType = describeKey(createPublicKey({ key: der, format: 'der', type: 'spki' }));
      } catch {
        findings.push({
          rule: 'PEM',
          level: 'error',
          where,
          message: 'is not a DER public key',
          code: 'invalid_key',
        });
      }
      keys.push({ label, kind: 'public', keyType, matchesLeaf: undefined });
    } else {
      otherBlocks.push(label);
    }
  }
  if (/-----BEGIN [A-Z0-9 ]+-----/.test(text.slice(end))) {
    findings.push({
      rule: 'PEM',
      level: 'error',
      where: 'input',
      message: 'a BEGIN line has no matching END line (the file is truncated?)',
      code: 'invalid_pem',
    });
  }
  return finish(certificates, keys, privateKeys, otherBlocks, findings, now, text);
}

/** Reads DER input: one or more concatenated certificates, or a PKCS#8 private key. */
export function inspectDer(bytes: Uint8Array, now: Date): PemReport | undefined {
  let certificates: X509Certificate[] = [];
  try {
    certificates = X509Bundle.parseRaw('der.invalid', bytes).x509Authorities();
  } catch {
    certificates = [];
  }
  if (certificates.length > 0) return finish(certificates, [], [], [], [], now, undefined);
  try {
    const key = createPrivateKey({ key: Buffer.from(bytes), format: 'der', type: 'pkcs8' });
    const info: InspectedKey = {
      label: 'DER',
      kind: 'private',
      keyType: describeKey(key),
      matchesLeaf: undefined,
    };
    return finish([], [info], [], [], [], now, undefined);
  } catch {
    return undefined;
  }
}

function readPrivateKey(
  label: string,
  der: Buffer,
  findings: Finding[],
): { info: InspectedKey; key: KeyObject | undefined } {
  const where = `PEM block ${label}`;
  if (label === 'ENCRYPTED PRIVATE KEY') {
    findings.push({
      rule: 'PKCS#8',
      level: 'warning',
      where,
      message: 'is encrypted: SVID keys are unencrypted PKCS#8, and SVID parsers do not read encrypted keys',
    });
    return { info: { label, kind: 'private', keyType: undefined, matchesLeaf: undefined }, key: undefined };
  }
  const type = KEY_TYPES[label]!;
  try {
    const key = createPrivateKey({ key: der, format: 'der', type });
    if (type !== 'pkcs8') {
      findings.push({
        rule: 'PKCS#8',
        level: 'warning',
        where,
        message: `is ${type.toUpperCase()}, not PKCS#8 ("PRIVATE KEY"): the Workload API hands out PKCS#8 keys and SVID parsers (this SDK, go-spiffe) read only those`,
      });
    }
    return { info: { label, kind: 'private', keyType: describeKey(key), matchesLeaf: undefined }, key };
  } catch {
    findings.push({
      rule: 'PEM',
      level: 'error',
      where,
      message: 'is not a readable private key',
      code: 'invalid_private_key',
    });
    return { info: { label, kind: 'private', keyType: undefined, matchesLeaf: undefined }, key: undefined };
  }
}

function finish(
  certificates: X509Certificate[],
  keys: InspectedKey[],
  privateKeys: { info: InspectedKey; key: KeyObject }[],
  otherBlocks: string[],
  findings: Finding[],
  now: Date,
  pemText: string | undefined,
): PemReport {
  if (certificates.length === 0) {
    return { kind: 'keys', certificates, keys, spiffeId: undefined, otherBlocks, findings };
  }
  if (certificates.every(looksLikeAuthority)) {
    findings.push(...authorityFindings(certificates, now, 'certificate'));
    return { kind: 'x509-bundle', certificates, keys, spiffeId: undefined, otherBlocks, findings };
  }
  const leaf = certificates[0]!;
  findings.push(...chainFindings(certificates, now));
  for (const { info, key } of privateKeys) {
    try {
      info.matchesLeaf = createPublicKey(key).equals(leaf.publicKey);
    } catch {
      info.matchesLeaf = false;
    }
    if (!info.matchesLeaf) {
      findings.push({
        rule: 'SVID key',
        level: 'error',
        where: `PEM block ${info.label}`,
        message: 'does not belong to the leaf certificate (the key pairs do not match)',
        code: 'key_mismatch',
      });
    }
  }
  sdkVerdict(certificates, pemText, privateKeys.length > 0, findings);
  let spiffeId: string | undefined;
  try {
    spiffeId = idFromCertificate(leaf).toString();
  } catch {
    spiffeId = undefined;
  }
  return { kind: 'x509-svid', certificates, keys, spiffeId, otherBlocks, findings };
}

/**
 * Runs the SDK's X509-SVID parser over the chain, with the file's own PKCS#8 key when it has
 * one, else with a throwaway key: the parser checks the key last, so `key_mismatch` with the
 * throwaway key means every rule before it passed.
 */
function sdkVerdict(
  certificates: X509Certificate[],
  pemText: string | undefined,
  hasKey: boolean,
  findings: Finding[],
): void {
  const ownKey = hasKey && pemText !== undefined && pemText.includes('-----BEGIN PRIVATE KEY-----');
  const certs = certificates.map((c) => c.toString()).join('');
  const key = ownKey
    ? pemText
    : (generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      }) as string);
  try {
    X509Svid.parse(certs, key);
  } catch (error) {
    if (!ownKey && (error as { code?: string }).code === 'key_mismatch') return;
    addSdkVerdict(findings, error, 'certificate 1 (leaf)');
  }
}
