/**
 * What the SDK reads from a certificate beyond what `node:crypto`'s `X509Certificate` exposes
 * (it shows neither key usage bits, basic constraints, nor the extension list). Filled by
 * `readCertificateInfo()` in ./read-certificate.ts.
 */

/** One extension as it appears in the certificate: its OID and critical flag. */
export interface ExtensionEntry {
  oid: string;
  critical: boolean;
}

/** RFC 5280 §4.2.1.3 key usage bits; a flag is true when the bit is set. */
export interface KeyUsage {
  critical: boolean;
  digitalSignature: boolean;
  nonRepudiation: boolean;
  keyEncipherment: boolean;
  dataEncipherment: boolean;
  keyAgreement: boolean;
  keyCertSign: boolean;
  cRLSign: boolean;
  encipherOnly: boolean;
  decipherOnly: boolean;
}

/** RFC 5280 §4.2.1.9. `pathLen` is undefined when absent. */
export interface BasicConstraints {
  critical: boolean;
  ca: boolean;
  pathLen: number | undefined;
}

/** RFC 5280 §4.2.1.12: the purpose OIDs in dotted form (serverAuth is 1.3.6.1.5.5.7.3.1). */
export interface ExtKeyUsage {
  critical: boolean;
  oids: string[];
}

/** RFC 5280 §4.2.1.6, with each name type decoded to text. */
export interface SubjectAltName {
  critical: boolean;
  uris: string[];
  dnsNames: string[];
  /** Textual IP addresses (IPv4 dotted, IPv6 canonical lower-case hex groups). */
  ipAddresses: string[];
  emails: string[];
  /** How many names of other types (otherName, directoryName, x400, ediParty, registeredID). */
  otherCount: number;
}

/** One subtree of a name constraint (RFC 5280 §4.2.1.10); `minimum`/`maximum` are not supported. */
export type GeneralSubtree =
  | { type: 'dns'; value: string }
  | { type: 'uri'; value: string }
  | { type: 'email'; value: string }
  | { type: 'ip'; address: Uint8Array; mask: Uint8Array }
  | { type: 'directoryName'; der: Uint8Array }
  | { type: 'other'; tag: number };

/** RFC 5280 §4.2.1.10. */
export interface NameConstraints {
  critical: boolean;
  permitted: GeneralSubtree[];
  excluded: GeneralSubtree[];
}

/** An AlgorithmIdentifier (RFC 5280 §4.1.1.2): its OID and, when present, its parameters' DER. */
export interface AlgorithmId {
  oid: string;
  /** The whole parameters element (tag, length, value), or undefined when absent. */
  parameters: Uint8Array | undefined;
}

/** Everything the SVID rules and RFC 5280 path validation need from one certificate. */
export interface CertificateInfo {
  /** X.509 version number as written (2 means v3). */
  version: number;
  /** True when the Subject is an empty sequence (X-4 then wants a critical SAN). */
  subjectIsEmpty: boolean;
  /** DER of the Subject and Issuer names, for exact name chaining. */
  subjectDer: Uint8Array;
  issuerDer: Uint8Array;
  /** Every extension in order, for the unknown-critical-extension rule. */
  extensions: ExtensionEntry[];
  basicConstraints: BasicConstraints | undefined;
  keyUsage: KeyUsage | undefined;
  extKeyUsage: ExtKeyUsage | undefined;
  subjectAltName: SubjectAltName | undefined;
  nameConstraints: NameConstraints | undefined;
  subjectKeyId: Uint8Array | undefined;
  authorityKeyId: Uint8Array | undefined;
  /**
   * Validity in epoch milliseconds, when written in the form RFC 5280 §4.1.2.5 prescribes;
   * undefined for other forms (which node:crypto may still read).
   */
  notBefore: number | undefined;
  notAfter: number | undefined;
  /**
   * True when nothing in the certificate is outside what node:crypto's parser certainly accepts
   * beyond this reader's own checks: a minimal serial number, name strings OpenSSL can convert to
   * UTF-8, RFC 5280 times. Callers may then skip `new X509Certificate` (see src/svid/verify.ts).
   */
  plainEncoding: boolean;
  /** The whole tbsCertificate element: the bytes the signature covers. */
  tbsDer: Uint8Array;
  /** signatureAlgorithm's OID (equal to tbsCertificate.signature, which the reader enforces). */
  signatureAlgorithmOid: string;
  /** signatureAlgorithm's parameters element, or undefined when absent. */
  signatureAlgorithmParameters: Uint8Array | undefined;
  /** signatureValue's data octets (after the unused-bits octet). */
  signatureValue: Uint8Array;
  /**
   * The whole SubjectPublicKeyInfo element, as `crypto.createPublicKey({ format: 'der', type:
   * 'spki' })` takes it; its algorithm OID and parameters; the subjectPublicKey BIT STRING's data
   * octets and unused-bits count. Undecoded: the key policy reads them.
   */
  publicKeyDer: Uint8Array;
  publicKeyAlgorithmOid: string;
  publicKeyParameters: Uint8Array | undefined;
  publicKeyBits: Uint8Array;
  publicKeyUnusedBits: number;
}
