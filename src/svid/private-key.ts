import { createPrivateKey, createPublicKey, type KeyObject, type X509Certificate } from 'node:crypto';
import { SvidError } from './errors.js';
import { pemBlockDer, pemBlocks } from '../internal/pem.js';

const SUPPORTED_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

/**
 * Finds the first PKCS#8 `PRIVATE KEY` block in PEM text (go-spiffe parity: `EC PRIVATE KEY`,
 * `RSA PRIVATE KEY` and `ENCRYPTED PRIVATE KEY` blocks are not used) and parses it.
 *
 * @throws {SvidError} `invalid_private_key`.
 */
export function parsePemPrivateKey(text: string): KeyObject {
  const { blocks, truncated } = pemBlocks(text);
  if (truncated) {
    throw new SvidError(
      'invalid_private_key',
      'cannot parse the private key: a PEM block has a BEGIN line but no END line',
    );
  }
  const block = blocks.find((b) => b.label === 'PRIVATE KEY');
  if (block === undefined) {
    const other = blocks.find((b) => b.label.endsWith('PRIVATE KEY'));
    const hint = other
      ? `; found a "${other.label}" block, but only unencrypted PKCS#8 ("PRIVATE KEY") is supported`
      : '';
    throw new SvidError(
      'invalid_private_key',
      `no private key found${blocks.length === 0 ? ': no PEM data' : hint}`,
    );
  }
  const der = pemBlockDer(block);
  if (der === undefined)
    throw new SvidError('invalid_private_key', 'malformed private key: the PEM block is not valid base64');
  return parseDerPrivateKey(der);
}

/**
 * Parses an unencrypted PKCS#8 DER private key and checks its type: EC P-256, P-384 or P-521 (as go-spiffe accepts), RSA, or
 * Ed25519 (the key types TLS 1.3 signatures and SPIRE use).
 *
 * @throws {SvidError} `invalid_private_key`.
 */
export function parseDerPrivateKey(der: Uint8Array): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({
      key: Buffer.from(der.buffer, der.byteOffset, der.byteLength),
      format: 'der',
      type: 'pkcs8',
    });
  } catch {
    // No cause attached: OpenSSL's messages can describe key material.
    throw new SvidError('invalid_private_key', 'malformed private key: not an unencrypted PKCS#8 key');
  }
  const type = key.asymmetricKeyType;
  if (type === 'rsa' || type === 'ed25519') return key;
  if (type === 'ec' && SUPPORTED_CURVES.has(key.asymmetricKeyDetails?.namedCurve ?? '')) return key;
  const detail =
    type === 'ec'
      ? `EC curve ${key.asymmetricKeyDetails?.namedCurve ?? 'unknown'}`
      : `key type ${type ?? 'unknown'}`;
  throw new SvidError(
    'invalid_private_key',
    `unsupported private key: ${detail} (supported: EC P-256, EC P-384, EC P-521, RSA, Ed25519)`,
  );
}

/**
 * Checks that `key` is the private half of `leaf`'s public key (compared as keys, so encoding
 * differences such as a compressed EC point do not matter).
 *
 * @throws {SvidError} `key_mismatch`, or `invalid_certificate` when the leaf's key is unreadable.
 */
export function checkKeyMatchesLeaf(key: KeyObject, leaf: X509Certificate): void {
  let leafKey: KeyObject;
  try {
    leafKey = leaf.publicKey;
  } catch (cause) {
    throw new SvidError('invalid_certificate', "the leaf certificate's public key cannot be read", { cause });
  }
  if (!createPublicKey(key).equals(leafKey)) {
    throw new SvidError('key_mismatch', "the private key does not match the leaf certificate's public key");
  }
}
