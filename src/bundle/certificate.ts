import { X509Certificate } from 'node:crypto';
import { splitDer } from '../internal/split-der.js';
import { BundleError } from './errors.js';

/** An X.509 authority as the bundle API accepts it: a parsed certificate or its DER bytes. */
export type X509AuthorityInput = X509Certificate | Uint8Array;

/**
 * Returns `input` as an `X509Certificate`, parsing DER bytes with node:crypto. The bytes must
 * be exactly one DER certificate: PEM text or trailing bytes are refused.
 *
 * @throws {BundleError} `invalid_certificate`, the message starting with `where`.
 */
export function toCertificate(input: X509AuthorityInput, where: string): X509Certificate {
  if (input instanceof X509Certificate) return input;
  if (!(input instanceof Uint8Array)) {
    throw new BundleError(
      'invalid_certificate',
      `${where}: expected an X509Certificate or DER bytes, got ${describe(input)}`,
    );
  }
  const parts = splitDer(input);
  if (typeof parts === 'string') throw new BundleError('invalid_certificate', `${where}: not DER: ${parts}`);
  if (parts.length !== 1) {
    throw new BundleError(
      'invalid_certificate',
      `${where}: expected one DER certificate, found ${parts.length}`,
    );
  }
  return parseDer(parts[0] as Uint8Array, where);
}

/**
 * Parses concatenated DER certificates; empty input gives no certificates.
 *
 * @throws {BundleError} `invalid_certificate` naming the certificate that failed.
 */
export function parseDerCertificates(der: Uint8Array, where: string): X509Certificate[] {
  if (!(der instanceof Uint8Array)) {
    throw new BundleError('invalid_certificate', `${where}: expected DER bytes, got ${describe(der)}`);
  }
  const parts = splitDer(der);
  if (typeof parts === 'string') throw new BundleError('invalid_certificate', `${where}: not DER: ${parts}`);
  return parts.map((part, i) => parseDer(part, `${where}: certificate ${i}`));
}

/**
 * The identity of a certificate inside a bundle: its raw DER bytes (as go-spiffe compares), as
 * base64 so that it can key a Map. Bytes are not parsed, so unknown bytes simply match nothing.
 *
 * @throws {BundleError} `invalid_certificate` for a value that is neither a certificate nor bytes.
 */
export function certificateKey(input: X509AuthorityInput): string {
  if (input instanceof X509Certificate) return input.raw.toString('base64');
  if (input instanceof Uint8Array) {
    return Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('base64');
  }
  throw new BundleError(
    'invalid_certificate',
    `invalid X.509 authority: expected an X509Certificate or DER bytes, got ${describe(input)}`,
  );
}

function parseDer(der: Uint8Array, where: string): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch (err) {
    throw new BundleError(
      'invalid_certificate',
      `${where}: cannot parse certificate: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

/** Names the type of an unexpected argument for an error message. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
