import { createHash, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as x from '@peculiar/asn1-x509';
import { quote } from '../internal/errors.js';
import { parseDistinguishedName } from './distinguished-name.js';
import { TestingError } from './errors.js';
import { checkKeyType, generateKeyPair, signatureAlgorithmFor, type KeyPair, type KeyType } from './keys.js';

/** RFC 5280 §4.2.1.3 key usage bits, named as in the RFC. */
export type KeyUsageName =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign'
  | 'encipherOnly'
  | 'decipherOnly';

/** Well-known extended key usage purposes; any dotted OID is accepted too. */
export type ExtKeyUsageName =
  'serverAuth' | 'clientAuth' | 'codeSigning' | 'emailProtection' | 'timeStamping' | 'ocspSigning' | 'any';

/** The certificate and private key that sign a new certificate. */
export interface CertificateIssuer {
  certificate: X509Certificate;
  /** Need not match the certificate: a mismatched key mints a certificate whose signature does not verify. */
  privateKey: KeyObject;
}

/** Names for one side (permitted or excluded) of a name constraints extension. */
export interface NameSubtrees {
  /** URI subtrees: a host (`example.org`) or a domain (`.example.org`), RFC 5280 §4.2.1.10. */
  uris?: string[];
  dnsNames?: string[];
}

/** An extension written as given, e.g. an unknown critical one. */
export interface CustomExtension {
  /** Dotted OID. */
  oid: string;
  /** Default false. */
  critical?: boolean;
  /** The DER placed inside the extnValue OCTET STRING (e.g. `Uint8Array.of(5, 0)`, a NULL). */
  value: Uint8Array;
}

/**
 * Everything {@link createCertificate} can put into a certificate. An absent extension option
 * means the extension is absent, except SKID and AKID, which are on by default.
 */
export interface CertificateOptions {
  /** The subject's key pair; generated from `keyType` when absent. */
  keyPair?: KeyPair;
  /** Key type to generate when `keyPair` is absent; default `ec-p256`. */
  keyType?: KeyType;
  /** Signer; when absent the certificate is self-signed with `keyPair`. */
  issuer?: CertificateIssuer;
  /**
   * Subject DN in encoding order (as `openssl x509 -subject` prints it, the reverse of RFC 4514),
   * e.g. `C=US,O=SPIFFE`; attribute types C, ST, L, O, OU, CN, serialNumber, DC or a dotted OID;
   * no escapes. Default `''`, the empty Name.
   */
  subject?: string;
  /** Serial number bytes, written as given (two's complement); default 16 random bytes, positive. */
  serialNumber?: Uint8Array;
  /** Start of validity (truncated to whole seconds); default now. */
  notBefore?: Date;
  /** End of validity (truncated to whole seconds); default `notBefore` + 1 hour. */
  notAfter?: Date;
  /** URI SANs in order, written as given (not validated, so malformed SPIFFE IDs can be minted). */
  uris?: string[];
  dnsNames?: string[];
  /** IPv4 or IPv6 addresses in text form. */
  ipAddresses?: string[];
  /** Criticality of the SAN extension; default: critical iff the subject is empty. */
  sanCritical?: boolean;
  /** Basic constraints; `critical` defaults to true. */
  basicConstraints?: { ca: boolean; pathLen?: number; critical?: boolean };
  /** Key usage with exactly these bits (an empty list encodes an empty BIT STRING); `critical` defaults to true. */
  keyUsage?: { usages: KeyUsageName[]; critical?: boolean };
  /** Extended key usage purposes (names or dotted OIDs); `critical` defaults to false. */
  extKeyUsage?: { usages: (ExtKeyUsageName | (string & {}))[]; critical?: boolean };
  /** Name constraints; `critical` defaults to true. */
  nameConstraints?: { permitted?: NameSubtrees; excluded?: NameSubtrees; critical?: boolean };
  /** `true` (default): SHA-1 of the public key (RFC 5280 §4.2.1.2 method 1); `false`: absent; bytes: as given. */
  subjectKeyId?: boolean | Uint8Array;
  /** `true` (default): the issuer's SKID (its computed one if it has none); `false`: absent; bytes: as given. */
  authorityKeyId?: boolean | Uint8Array;
  /** Extra extensions appended after the standard ones, in order. */
  extensions?: CustomExtension[];
}

/** A certificate made by {@link createCertificate}. */
export interface MintedCertificate {
  certificate: X509Certificate;
  der: Uint8Array;
  pem: string;
  /** Validity as written (whole seconds). */
  notBefore: Date;
  notAfter: Date;
  /** The subject's key pair (the one given, or the generated one). */
  keyPair: KeyPair;
}

const KEY_USAGE_FLAGS: Record<KeyUsageName, number> = {
  digitalSignature: x.KeyUsageFlags.digitalSignature,
  nonRepudiation: x.KeyUsageFlags.nonRepudiation,
  keyEncipherment: x.KeyUsageFlags.keyEncipherment,
  dataEncipherment: x.KeyUsageFlags.dataEncipherment,
  keyAgreement: x.KeyUsageFlags.keyAgreement,
  keyCertSign: x.KeyUsageFlags.keyCertSign,
  cRLSign: x.KeyUsageFlags.cRLSign,
  encipherOnly: x.KeyUsageFlags.encipherOnly,
  decipherOnly: x.KeyUsageFlags.decipherOnly,
};

const EKU_OIDS: Record<ExtKeyUsageName, string> = {
  serverAuth: x.id_kp_serverAuth,
  clientAuth: x.id_kp_clientAuth,
  codeSigning: x.id_kp_codeSigning,
  emailProtection: x.id_kp_emailProtection,
  timeStamping: x.id_kp_timeStamping,
  ocspSigning: x.id_kp_OCSPSigning,
  any: x.anyExtendedKeyUsage,
};

const OID = /^[0-2](\.(0|[1-9][0-9]*))+$/;
const HOUR_MS = 3_600_000;

interface IssuerInfo {
  subject: x.Name;
  keyId: ArrayBuffer;
}
const issuerInfoCache = new WeakMap<X509Certificate, IssuerInfo>();

/**
 * Mints an X.509 v3 certificate synchronously with full control over its content, including
 * content no valid SVID may have: that is what negative tests need. The signature is made with
 * `node:crypto`; the algorithm follows the signer's key (ECDSA with SHA-256/384/512 for
 * P-256/384/521, sha256WithRSAEncryption with NULL parameters, Ed25519 without parameters).
 * Extensions appear in Go's order: key usage, extended key usage, basic constraints, SKID, AKID,
 * SAN, name constraints, then `extensions`.
 *
 * @example
 * const root = createCertificate({ subject: 'C=US,O=SPIFFE', uris: ['spiffe://example.org'],
 *   basicConstraints: { ca: true }, keyUsage: { usages: ['keyCertSign', 'cRLSign'] } });
 * const leaf = createCertificate({ issuer: { certificate: root.certificate, privateKey: root.keyPair.privateKey },
 *   uris: ['spiffe://example.org/a', 'spiffe://example.org/b'], keyUsage: { usages: ['digitalSignature'] } });
 *
 * @throws {TestingError} `invalid_option` for malformed options, `unsupported_key` for a signer
 *   key that is not EC P-256/384/521, RSA or Ed25519.
 */
export function createCertificate(options: CertificateOptions = {}): MintedCertificate {
  const keyPair = options.keyPair ?? generateKeyPair(checkKeyType(options.keyType ?? 'ec-p256'));
  const signerKey = options.issuer?.privateKey ?? keyPair.privateKey;
  const algorithm = signatureAlgorithmFor(signerKey);
  const signatureAlgorithm = new x.AlgorithmIdentifier({
    algorithm: algorithm.oid,
    ...(algorithm.nullParameters ? { parameters: null } : {}),
  });

  const spki = AsnConvert.parse(
    keyPair.publicKey.export({ type: 'spki', format: 'der' }),
    x.SubjectPublicKeyInfo,
  );
  const ownKeyId = keyIdOf(spki);
  const subject = parseDistinguishedName(options.subject ?? '');
  // A self-signed certificate's AKID names its own SKID, as written.
  const skid =
    options.subjectKeyId instanceof Uint8Array ? bytesOption(options.subjectKeyId, 'subjectKeyId') : ownKeyId;
  const issuer = options.issuer ? issuerInfo(options.issuer.certificate) : { subject, keyId: skid };

  const notBefore = wholeSeconds(options.notBefore ?? new Date(), 'notBefore');
  const notAfter = wholeSeconds(options.notAfter ?? new Date(notBefore.getTime() + HOUR_MS), 'notAfter');
  const extensions = buildExtensions(options, subject.length === 0, skid, issuer.keyId);

  const tbs = new x.TBSCertificate({
    version: x.Version.v3,
    serialNumber: toArrayBuffer(options.serialNumber ?? randomSerial()),
    signature: signatureAlgorithm,
    issuer: issuer.subject,
    subject,
    validity: new x.Validity({ notBefore, notAfter }),
    subjectPublicKeyInfo: spki,
    ...(extensions.length > 0 ? { extensions: new x.Extensions(extensions) } : {}),
  });
  const signature = sign(algorithm.digest, Buffer.from(AsnConvert.serialize(tbs)), signerKey);
  const der = new Uint8Array(
    AsnConvert.serialize(
      new x.Certificate({
        tbsCertificate: tbs,
        signatureAlgorithm,
        signatureValue: toArrayBuffer(signature),
      }),
    ),
  );
  const certificate = new X509Certificate(der);
  return { certificate, der, pem: certificate.toString(), notBefore, notAfter, keyPair };
}

function buildExtensions(
  options: CertificateOptions,
  subjectIsEmpty: boolean,
  subjectKeyId: ArrayBuffer,
  issuerKeyId: ArrayBuffer,
): x.Extension[] {
  const extensions: x.Extension[] = [];
  const add = (oid: string, critical: boolean, value: unknown): void => {
    extensions.push(
      new x.Extension({ extnID: oid, critical, extnValue: new OctetString(AsnConvert.serialize(value)) }),
    );
  };

  if (options.keyUsage) {
    let bits = 0;
    for (const usage of options.keyUsage.usages) {
      const flag = KEY_USAGE_FLAGS[usage];
      if (flag === undefined) throw invalid(`unknown key usage ${quote(String(usage))}`);
      bits |= flag;
    }
    add(x.id_ce_keyUsage, options.keyUsage.critical ?? true, new x.KeyUsage(bits));
  }
  if (options.extKeyUsage) {
    const oids = options.extKeyUsage.usages.map((usage) => {
      const oid = EKU_OIDS[usage as ExtKeyUsageName] ?? usage;
      if (!OID.test(oid)) throw invalid(`unknown extended key usage ${quote(String(usage))}`);
      return oid;
    });
    add(x.id_ce_extKeyUsage, options.extKeyUsage.critical ?? false, new x.ExtendedKeyUsage(oids));
  }
  if (options.basicConstraints) {
    const { ca, pathLen, critical } = options.basicConstraints;
    if (pathLen !== undefined && !(Number.isSafeInteger(pathLen) && pathLen >= 0)) {
      throw invalid(`basicConstraints.pathLen must be an integer >= 0, got ${String(pathLen)}`);
    }
    const value = new x.BasicConstraints({
      cA: ca === true,
      ...(pathLen !== undefined ? { pathLenConstraint: pathLen } : {}),
    });
    add(x.id_ce_basicConstraints, critical ?? true, value);
  }
  if (options.subjectKeyId !== false)
    add(x.id_ce_subjectKeyIdentifier, false, new x.SubjectKeyIdentifier(subjectKeyId));
  const akid = options.authorityKeyId ?? true;
  if (akid !== false) {
    const keyIdentifier = new x.KeyIdentifier(
      akid === true ? issuerKeyId : bytesOption(akid, 'authorityKeyId'),
    );
    add(x.id_ce_authorityKeyIdentifier, false, new x.AuthorityKeyIdentifier({ keyIdentifier }));
  }
  const names = [
    ...stringList(options.uris, 'uris').map((uri) => new x.GeneralName({ uniformResourceIdentifier: uri })),
    ...stringList(options.dnsNames, 'dnsNames').map((dns) => new x.GeneralName({ dNSName: dns })),
    ...stringList(options.ipAddresses, 'ipAddresses').map((ip) => new x.GeneralName({ iPAddress: ip })),
  ];
  if (names.length > 0) {
    add(x.id_ce_subjectAltName, options.sanCritical ?? subjectIsEmpty, new x.SubjectAlternativeName(names));
  }
  if (options.nameConstraints) {
    const { permitted, excluded, critical } = options.nameConstraints;
    add(
      x.id_ce_nameConstraints,
      critical ?? true,
      new x.NameConstraints({
        ...(permitted ? { permittedSubtrees: subtrees(permitted, 'permitted') } : {}),
        ...(excluded ? { excludedSubtrees: subtrees(excluded, 'excluded') } : {}),
      }),
    );
  }
  for (const extension of options.extensions ?? []) {
    if (!OID.test(extension.oid))
      throw invalid(`extension OID ${quote(String(extension.oid))} is not a dotted OID`);
    extensions.push(
      new x.Extension({
        extnID: extension.oid,
        critical: extension.critical ?? false,
        extnValue: new OctetString(bytesOption(extension.value, `extension ${extension.oid} value`)),
      }),
    );
  }
  return extensions;
}

function subtrees(names: NameSubtrees, side: string): x.GeneralSubtrees {
  return new x.GeneralSubtrees([
    ...stringList(names.uris, `nameConstraints.${side}.uris`).map(
      (uri) => new x.GeneralSubtree({ base: new x.GeneralName({ uniformResourceIdentifier: uri }) }),
    ),
    ...stringList(names.dnsNames, `nameConstraints.${side}.dnsNames`).map(
      (dns) => new x.GeneralSubtree({ base: new x.GeneralName({ dNSName: dns }) }),
    ),
  ]);
}

function issuerInfo(certificate: X509Certificate): IssuerInfo {
  let info = issuerInfoCache.get(certificate);
  if (info === undefined) {
    const tbs = AsnConvert.parse(certificate.raw, x.Certificate).tbsCertificate;
    const skid = tbs.extensions?.find((e) => e.extnID === x.id_ce_subjectKeyIdentifier);
    const keyId = skid
      ? AsnConvert.parse(skid.extnValue.buffer, x.SubjectKeyIdentifier).buffer
      : keyIdOf(tbs.subjectPublicKeyInfo);
    info = { subject: tbs.subject, keyId };
    issuerInfoCache.set(certificate, info);
  }
  return info;
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING value (as Go and SPIRE do). */
function keyIdOf(spki: x.SubjectPublicKeyInfo): ArrayBuffer {
  return toArrayBuffer(createHash('sha1').update(new Uint8Array(spki.subjectPublicKey)).digest());
}

/** 16 random bytes read as a positive INTEGER in minimal DER form (first byte 0x40..0x7f). */
function randomSerial(): Uint8Array {
  const serial = new Uint8Array(randomBytes(16));
  serial[0] = ((serial[0] ?? 0) & 0x3f) | 0x40;
  return serial;
}

function wholeSeconds(date: Date, what: string): Date {
  const ms = date instanceof Date ? date.getTime() : NaN;
  if (!Number.isFinite(ms)) throw invalid(`${what} must be a valid Date`);
  return new Date(Math.floor(ms / 1000) * 1000);
}

function stringList(list: string[] | undefined, what: string): string[] {
  if (list === undefined) return [];
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'string'))
    throw invalid(`${what} must be an array of strings`);
  return list;
}

function bytesOption(value: Uint8Array, what: string): ArrayBuffer {
  if (!(value instanceof Uint8Array)) throw invalid(`${what} must be a Uint8Array`);
  return toArrayBuffer(value);
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function invalid(message: string): TestingError {
  return new TestingError('invalid_option', `createCertificate: ${message}`);
}
