import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { X509Svid } from '../svid/index.js';
import type { X509Context } from '../workloadapi/index.js';
import { writeFileAtomic } from './atomic-write.js';
import type { HelperConfig } from './helper-config.js';

/** The text of the three X.509 files. */
export interface X509Files {
  svid: string;
  key: string;
  bundle: string;
}

/**
 * The files for `svid` from `context`, as spiffe-helper writes them:
 * - svid.pem: the leaf, then its intermediates (only the leaf with `--intermediates-in-bundle`);
 * - svid_key.pem: the leaf's private key, PKCS#8 PEM;
 * - bundle.pem: the X.509 authorities of the SVID's trust domain (after the intermediates with
 *   `--intermediates-in-bundle`), then those of every federated trust domain with
 *   `--include-federated`; with spiffe-helper's `omit_expired`, without the expired ones.
 */
export function renderX509Files(context: X509Context, svid: X509Svid, config: HelperConfig): X509Files {
  const pem = (certs: readonly X509Certificate[]): string => certs.map((c) => c.toString()).join('');
  const own = svid.id.trustDomain;
  let authorities: X509Certificate[] = [...(context.bundles.get(own)?.x509Authorities() ?? [])];
  if (config.includeFederated) {
    for (const bundle of context.bundles.bundles()) {
      if (!bundle.trustDomain.equals(own)) authorities.push(...bundle.x509Authorities());
    }
  }
  if (config.omitExpired) {
    const now = Date.now();
    authorities = authorities.filter((c) => new Date(c.validTo).getTime() > now);
  }
  const intermediates = svid.certificates.slice(1);
  const { certificates, privateKey } = svid.marshal();
  return {
    svid: config.intermediatesInBundle ? pem([svid.leaf]) : certificates,
    key: privateKey,
    bundle: pem(config.intermediatesInBundle ? [...intermediates, ...authorities] : authorities),
  };
}

/**
 * Writes the three files, each atomically, in the order bundle, key, certificate: a reader that
 * watches the certificate file sees it change last, when the key already matches it.
 */
export async function writeX509Files(files: X509Files, config: HelperConfig): Promise<void> {
  await writeFileAtomic(join(config.outDir, config.bundleFile), files.bundle, config.certMode);
  await writeFileAtomic(join(config.outDir, config.keyFile), files.key, config.keyMode);
  await writeFileAtomic(join(config.outDir, config.svidFile), files.svid, config.certMode);
}

/**
 * The leaf certificate now in the SVID file on disk (the first CERTIFICATE block).
 * @throws {Error} when the file cannot be read or holds no certificate.
 */
export async function leafOnDisk(config: HelperConfig): Promise<X509Certificate> {
  const text = await readFile(join(config.outDir, config.svidFile), 'utf8');
  const m = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(text);
  if (m === null) throw new Error(`${config.svidFile} holds no certificate`);
  return new X509Certificate(m[0]);
}
