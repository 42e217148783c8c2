// Test and bench helpers (no vitest import here): certificates built with @peculiar/asn1-x509 (an independent ASN.1 encoder) and
// signed with node:crypto, plus a tiny DER encoder for hand-made malformed structures.
import * as crypto from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as x from '@peculiar/asn1-x509';

export { x };

const EC_SIG = '1.2.840.10045.4.3.2'; // ecdsa-with-SHA256

const keys = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });

/** Key usage flags as @peculiar/asn1-x509 numbers them (bit 0 = digitalSignature). */
export const KU = x.KeyUsageFlags;

export const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
export const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** A Name from `[[oid, value], ...]` pairs, one attribute per RDN. */
export function name(...attrs: Array<[string, string]>): x.Name {
  return new x.Name(
    attrs.map(
      ([type, value]) =>
        new x.RelativeDistinguishedName([
          new x.AttributeTypeAndValue({ type, value: new x.AttributeValue({ utf8String: value }) }),
        ]),
    ),
  );
}

/** An Extension whose value is an ASN.1 object (serialized) or raw extnValue bytes. */
export function ext(oid: string, critical: boolean, value: object | Uint8Array): x.Extension {
  const bytes = value instanceof Uint8Array ? value : new Uint8Array(AsnConvert.serialize(value));
  return new x.Extension({ extnID: oid, critical, extnValue: new OctetString(bytes) });
}

export const basicConstraints = (ca: boolean, pathLen?: number, critical = true): x.Extension =>
  ext(
    x.id_ce_basicConstraints,
    critical,
    new x.BasicConstraints(pathLen === undefined ? { cA: ca } : { cA: ca, pathLenConstraint: pathLen }),
  );
export const keyUsage = (flags: number, critical = true): x.Extension =>
  ext(x.id_ce_keyUsage, critical, new x.KeyUsage(flags));
export const extKeyUsage = (oids: string[], critical = false): x.Extension =>
  ext(x.id_ce_extKeyUsage, critical, new x.ExtendedKeyUsage(oids));
export const subjectAltName = (names: Array<Partial<x.GeneralName>>, critical = false): x.Extension =>
  ext(x.id_ce_subjectAltName, critical, new x.SubjectAlternativeName(names.map((n) => new x.GeneralName(n))));
export const subjectKeyId = (id: Uint8Array): x.Extension =>
  ext(x.id_ce_subjectKeyIdentifier, false, new x.SubjectKeyIdentifier(id));
export const authorityKeyId = (id: Uint8Array): x.Extension =>
  ext(
    x.id_ce_authorityKeyIdentifier,
    false,
    new x.AuthorityKeyIdentifier({ keyIdentifier: new OctetString(id) }),
  );

export interface CertificateOptions {
  /** Omit for v3; `null` omits the version field (v1). */
  version?: number | null;
  subject?: x.Name;
  issuer?: x.Name;
  /** Omit or `null` for no extensions field. */
  extensions?: x.Extension[] | null;
}

/** Builds and signs a certificate with @peculiar/asn1-x509 and node:crypto; returns its DER. */
export function buildCertificate(opts: CertificateOptions = {}): Uint8Array {
  const spki = AsnConvert.parse(
    keys.publicKey.export({ type: 'spki', format: 'der' }),
    x.SubjectPublicKeyInfo,
  );
  const tbs = new x.TBSCertificate({
    serialNumber: new Uint8Array([0x01, 0x23]).buffer,
    signature: new x.AlgorithmIdentifier({ algorithm: EC_SIG }),
    issuer: opts.issuer ?? name(['2.5.4.6', 'US'], ['2.5.4.10', 'SPIFFE']),
    subject: opts.subject ?? new x.Name([]),
    validity: new x.Validity({
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2036-01-01T00:00:00Z'),
    }),
    subjectPublicKeyInfo: spki,
  });
  if (opts.version !== null) tbs.version = opts.version ?? x.Version.v3;
  if (opts.extensions) tbs.extensions = new x.Extensions(opts.extensions);
  const signature = crypto.sign('sha256', Buffer.from(AsnConvert.serialize(tbs)), keys.privateKey);
  const cert = new x.Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: new x.AlgorithmIdentifier({ algorithm: EC_SIG }),
    signatureValue: new Uint8Array(signature).buffer,
  });
  return new Uint8Array(AsnConvert.serialize(cert));
}

/** A typical SVID leaf: empty subject unless given, URI SAN (critical), KU, EKU, basic constraints, SKID, AKID. */
export function svidLeaf(id = 'spiffe://example.org/workload', subject?: x.Name): Uint8Array {
  return buildCertificate({
    subject,
    extensions: [
      keyUsage(KU.digitalSignature | KU.keyEncipherment | KU.keyAgreement),
      extKeyUsage([SERVER_AUTH, CLIENT_AUTH]),
      basicConstraints(false),
      subjectKeyId(new Uint8Array(20).fill(0x11)),
      authorityKeyId(new Uint8Array(20).fill(0x22)),
      subjectAltName([{ uniformResourceIdentifier: id }], true),
    ],
  });
}

// ---- a minimal DER encoder/decoder for hand-made (often malformed) structures ----

/** Encodes a length in minimal DER form. */
export function derLength(len: number): Uint8Array {
  if (len < 0x80) return new Uint8Array([len]);
  const bytes: number[] = [];
  for (let v = len; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return new Uint8Array([0x80 | bytes.length, ...bytes]);
}

/** Concatenates byte arrays. */
export function concat(...parts: Array<Uint8Array | number[]>): Uint8Array {
  return new Uint8Array(Buffer.concat(parts.map((p) => Uint8Array.from(p))));
}

/** One TLV with a minimal length. */
export function tlv(tag: number, ...content: Array<Uint8Array | number[]>): Uint8Array {
  const body = concat(...content);
  return concat([tag], derLength(body.length), body);
}

/** The DER contents octets of an OID in dotted form. */
export function oidBytes(dotted: string): number[] {
  const arcs = dotted.split('.').map(BigInt);
  const [a = 0n, b = 0n, ...rest] = arcs;
  const out: number[] = [];
  for (const arc of [a * 40n + b, ...rest]) {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) chunk.unshift(Number((v & 0x7fn) | 0x80n));
    out.push(...chunk);
  }
  return out;
}

/** An OID TLV. */
export const oid = (dotted: string): Uint8Array => tlv(0x06, oidBytes(dotted));

/** A raw Extension SEQUENCE: critical is omitted when undefined, else encoded with the given octet. */
export function rawExtension(extnId: string, critical: number | undefined, value: Uint8Array): Uint8Array {
  return tlv(0x30, oid(extnId), critical === undefined ? [] : tlv(0x01, [critical]), tlv(0x04, value));
}

/** Splits one DER element's contents into its child elements (whole TLVs). Test-side only. */
export function children(der: Uint8Array): Uint8Array[] {
  const { start, end } = header(der, 0);
  const out: Uint8Array[] = [];
  for (let p = start; p < end;) {
    const h = header(der, p);
    out.push(der.subarray(p, h.end));
    p = h.end;
  }
  return out;
}

function header(der: Uint8Array, p: number): { start: number; end: number } {
  let len = der[p + 1] as number;
  let start = p + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[start + i] as number);
    start += n;
  }
  return { start, end: start + len };
}

/**
 * Rebuilds a certificate after `edit` changed its TBS children (version, serial, signature,
 * issuer, validity, subject, spki, [unique IDs], [extensions]); the signature is not redone.
 */
export function editTbs(der: Uint8Array, edit: (tbs: Uint8Array[]) => Uint8Array[]): Uint8Array {
  const [tbs, alg, sig] = children(der) as [Uint8Array, Uint8Array, Uint8Array];
  return tlv(0x30, tlv(0x30, ...edit(children(tbs))), alg, sig);
}

/** A certificate whose single extension is `extension` (raw DER of one Extension). */
export function withRawExtensions(...extensions: Uint8Array[]): Uint8Array {
  const base = buildCertificate({ extensions: [basicConstraints(false)] });
  return editTbs(base, (tbs) => [...tbs.slice(0, -1), tlv(0xa3, tlv(0x30, ...extensions))]);
}

/** The go-spiffe vectors folder, read in place (absent in a user's clone). */
export const vectorsDir = fileURLToPath(new URL('../../../../shared/vectors/go-spiffe/', import.meta.url));
export const haveVectors = existsSync(vectorsDir);

/** The DER of each certificate in a PEM file's text. */
export function pemCertificates(pem: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) {
    out.push(new Uint8Array(Buffer.from(m[1] ?? '', 'base64')));
  }
  return out;
}
