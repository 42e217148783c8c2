import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { quote } from '../internal/errors.js';
import { TestingError } from './errors.js';

/** Key types the testing kit generates and signs with. `ec-p256` is the default everywhere (as in SPIRE). */
export type KeyType = 'ec-p256' | 'ec-p384' | 'ec-p521' | 'rsa-2048' | 'ed25519';

/** A public key and its private key. */
export interface KeyPair {
  publicKey: KeyObject;
  privateKey: KeyObject;
}

const KEY_TYPES: readonly KeyType[] = ['ec-p256', 'ec-p384', 'ec-p521', 'rsa-2048', 'ed25519'];

/**
 * Generates a fresh key pair, synchronously: about 250 ms for RSA-2048 on a 2-core machine, under
 * 5 ms for EC and Ed25519 (cache RSA key pairs in tests).
 * @throws {TestingError} `invalid_option` for an unknown key type.
 */
export function generateKeyPair(keyType: KeyType = 'ec-p256'): KeyPair {
  switch (checkKeyType(keyType)) {
    case 'ec-p256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'ec-p384':
      return generateKeyPairSync('ec', { namedCurve: 'P-384' });
    case 'ec-p521':
      return generateKeyPairSync('ec', { namedCurve: 'P-521' });
    case 'rsa-2048':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'ed25519':
      return generateKeyPairSync('ed25519');
  }
}

/** Returns `keyType` if it is a known {@link KeyType}, else throws `invalid_option`. */
export function checkKeyType(keyType: KeyType): KeyType {
  if (!KEY_TYPES.includes(keyType)) {
    throw new TestingError(
      'invalid_option',
      `unknown key type ${quote(String(keyType))}; expected one of ${KEY_TYPES.join(', ')}`,
    );
  }
  return keyType;
}

/** How a certificate is signed with a given key: the X.509 AlgorithmIdentifier and the digest. */
export interface SignatureAlgorithm {
  /** The signatureAlgorithm OID. */
  oid: string;
  /** RSA PKCS#1 v1.5 algorithms carry explicit NULL parameters; ECDSA and Ed25519 carry none (RFC 5758, RFC 8410). */
  nullParameters: boolean;
  /** The digest for `crypto.sign`, or `null` for Ed25519 (which hashes internally). */
  digest: string | null;
}

const ECDSA_BY_CURVE: Record<string, SignatureAlgorithm> = {
  prime256v1: { oid: '1.2.840.10045.4.3.2', nullParameters: false, digest: 'sha256' }, // ecdsa-with-SHA256
  secp384r1: { oid: '1.2.840.10045.4.3.3', nullParameters: false, digest: 'sha384' }, // ecdsa-with-SHA384
  secp521r1: { oid: '1.2.840.10045.4.3.4', nullParameters: false, digest: 'sha512' }, // ecdsa-with-SHA512
};
const SHA256_WITH_RSA: SignatureAlgorithm = {
  oid: '1.2.840.113549.1.1.11',
  nullParameters: true,
  digest: 'sha256',
};
const ED25519: SignatureAlgorithm = { oid: '1.3.101.112', nullParameters: false, digest: null };

/**
 * The certificate signature algorithm for a private key, as Go's x509 (and so SPIRE) picks it:
 * ECDSA with the curve's matching SHA-2, sha256WithRSAEncryption for any RSA size, Ed25519.
 * @throws {TestingError} `unsupported_key` for other keys (RSA-PSS, DSA, X25519, secret keys...).
 */
export function signatureAlgorithmFor(privateKey: KeyObject): SignatureAlgorithm {
  if (privateKey.type === 'private') {
    const kind = privateKey.asymmetricKeyType;
    if (kind === 'rsa') return SHA256_WITH_RSA;
    if (kind === 'ed25519') return ED25519;
    const curve = privateKey.asymmetricKeyDetails?.namedCurve;
    if (kind === 'ec' && curve !== undefined) {
      const algorithm = ECDSA_BY_CURVE[curve];
      if (algorithm) return algorithm;
    }
  }
  throw new TestingError(
    'unsupported_key',
    `cannot sign with a ${privateKey.type} ${privateKey.asymmetricKeyType ?? ''} key; ` +
      'expected a private EC (P-256, P-384, P-521), RSA or Ed25519 key',
  );
}
