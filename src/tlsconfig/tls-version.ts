import type { SecureVersion } from 'node:tls';
import { TlsConfigError } from './errors.js';

/** The lowest protocol version the SDK speaks (GO-SPIFFE §2.7: TLS 1.2 minimum). */
export const MIN_TLS_VERSION: SecureVersion = 'TLSv1.2';

const ORDER: readonly string[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/**
 * Checks a caller's `minVersion`: TLS 1.2 or later only.
 * @throws {TlsConfigError} `invalid_argument`.
 */
export function checkMinVersion(version: unknown, where: string): void {
  if (version === undefined) return;
  if (typeof version !== 'string' || ORDER.indexOf(version) < ORDER.indexOf(MIN_TLS_VERSION)) {
    throw new TlsConfigError(
      'invalid_argument',
      `${where}: minVersion ${String(version)} is below the minimum TLSv1.2`,
    );
  }
}
