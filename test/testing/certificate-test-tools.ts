// Shared by the testing-kit tests: an independent view of the certificates FakeCa and
// createCertificate mint (openssl, @peculiar/x509).
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { X509Certificate } from 'node:crypto';
import * as px from '@peculiar/x509';

/** True when an `openssl` binary is on PATH; tests that spawn it are skipped otherwise. */
export const hasOpenssl = spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;
if (!hasOpenssl) console.warn('openssl is not on PATH: skipping the openssl cross-checks of the testing kit');

export interface OpensslVerifyInput {
  roots: X509Certificate[];
  intermediates?: X509Certificate[];
  /** One certificate, or several checked in one run (each must pass for `ok`). */
  leaf: X509Certificate | X509Certificate[];
  /** Extra arguments, e.g. ['-purpose', 'sslclient'] or ['-attime', '...']. */
  args?: string[];
}

/** Runs `openssl verify -x509_strict -CAfile roots [-untrusted intermediates] leaf...`. */
export function opensslVerify(input: OpensslVerifyInput): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'spiffe-ts-openssl-'));
  try {
    const pem = (certs: X509Certificate[]): string => certs.map((c) => c.toString()).join('');
    writeFileSync(join(dir, 'roots.pem'), pem(input.roots));
    const leaves = Array.isArray(input.leaf) ? input.leaf : [input.leaf];
    leaves.forEach((leaf, i) => writeFileSync(join(dir, `leaf${i}.pem`), leaf.toString()));
    const args = ['verify', '-x509_strict', ...(input.args ?? []), '-CAfile', join(dir, 'roots.pem')];
    if (input.intermediates && input.intermediates.length > 0) {
      writeFileSync(join(dir, 'untrusted.pem'), pem(input.intermediates));
      args.push('-untrusted', join(dir, 'untrusted.pem'));
    }
    args.push(...leaves.map((_, i) => join(dir, `leaf${i}.pem`)));
    const run = spawnSync('openssl', args, { encoding: 'utf8' });
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `openssl x509 -noout -text` of a certificate. */
export function opensslText(certificate: X509Certificate): string {
  const run = spawnSync('openssl', ['x509', '-noout', '-text'], {
    input: certificate.toString(),
    encoding: 'utf8',
  });
  return run.stdout;
}

/** The certificate as parsed by the independent @peculiar/x509. */
export function peculiar(certificate: X509Certificate): px.X509Certificate {
  return new px.X509Certificate(new Uint8Array(certificate.raw));
}

/** The URI SANs as @peculiar/x509 reads them. */
export function peculiarUris(certificate: X509Certificate): string[] {
  const san = peculiar(certificate).getExtension(px.SubjectAlternativeNameExtension);
  return (san?.names.toJSON() ?? []).filter((n) => n.type === 'url').map((n) => n.value);
}

export { px };
