import type { CertificateOptions, CustomExtension } from './certificate-builder.js';

/**
 * Changes to the certificates a {@link FakeCa} mints, for negative tests. An absent member keeps
 * the default; `null` removes a default extension. Each member means what it means in
 * {@link CertificateOptions}.
 */
export interface CertificateOverrides {
  subject?: string;
  serialNumber?: Uint8Array;
  /** Exact start of validity (not clamped). */
  notBefore?: Date;
  /** Exact end of validity (not clamped to the issuer's). */
  notAfter?: Date;
  /** Replaces the URI SANs (default: the one SPIFFE ID); `[]` mints a certificate without one. */
  uris?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  sanCritical?: boolean;
  basicConstraints?: CertificateOptions['basicConstraints'] | null;
  keyUsage?: CertificateOptions['keyUsage'] | null;
  extKeyUsage?: CertificateOptions['extKeyUsage'] | null;
  nameConstraints?: CertificateOptions['nameConstraints'] | null;
  subjectKeyId?: boolean | Uint8Array;
  authorityKeyId?: boolean | Uint8Array;
  extensions?: CustomExtension[];
}

const OVERRIDE_KEYS = [
  'subject',
  'serialNumber',
  'notBefore',
  'notAfter',
  'uris',
  'dnsNames',
  'ipAddresses',
  'sanCritical',
  'basicConstraints',
  'keyUsage',
  'extKeyUsage',
  'nameConstraints',
  'subjectKeyId',
  'authorityKeyId',
  'extensions',
] as const satisfies readonly (keyof CertificateOverrides & keyof CertificateOptions)[];

/** `defaults` with every member that `overrides` sets replaced (`null` → removed). */
export function applyOverrides(
  defaults: CertificateOptions,
  overrides: CertificateOverrides,
): CertificateOptions {
  const result: Record<string, unknown> = { ...defaults };
  for (const key of OVERRIDE_KEYS) {
    const value = overrides[key];
    if (value === null) delete result[key];
    else if (value !== undefined) result[key] = value;
  }
  return result as CertificateOptions;
}
