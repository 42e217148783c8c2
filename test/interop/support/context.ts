/**
 * What every interop test file starts from: the SPIRE deployment of the global set-up (or why
 * there is none), and helpers that read SPIRE's own view of its bundle.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { inject } from 'vitest';
import { SpiffeBundle } from '../../../src/bundle/index.js';
import { spireServer, type SpireInfo } from './spire.js';

const provided = inject('spire');

/** The SPIRE deployment; `undefined` when the binaries are missing (see {@link skipReason}). */
export const spire: SpireInfo | undefined = 'info' in provided ? provided.info : undefined;

/** Why the suite is skipped: the SPIRE and go-spiffe binaries were not built. */
export const skipReason: string | undefined = 'missing' in provided ? provided.missing : undefined;
if (skipReason) console.warn(`interop suite skipped: ${skipReason}`);

/** The deployment, for code that runs only when it exists. */
export function requireSpire(): SpireInfo {
  if (!spire) throw new Error(`no SPIRE deployment: ${skipReason}`);
  return spire;
}

/** `spire-server bundle show` (PEM): the X.509 roots of the server's trust domain, as DER base64. */
export async function spireX509Roots(info: SpireInfo): Promise<string[]> {
  const pem = await spireServer(info, 'bundle', 'show');
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b).raw.toString('base64')).sort();
}

/** `spire-server bundle show -format spiffe`, parsed by the SDK. */
export async function spireSpiffeBundle(info: SpireInfo): Promise<{ json: string; bundle: SpiffeBundle }> {
  const json = await spireServer(info, 'bundle', 'show', '-format', 'spiffe');
  return { json, bundle: SpiffeBundle.parse(info.trustDomain, json) };
}

/** Sorted base64 DER of certificates: bundles compare as sets. */
export function ders(certs: readonly X509Certificate[]): string[] {
  return certs.map((c) => c.raw.toString('base64')).sort();
}

/** JWT authorities as `kid → SPKI DER base64`, for comparison. */
export function jwtKeys(authorities: Map<string, KeyObject>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [kid, key] of [...authorities].sort(([a], [b]) => a.localeCompare(b))) {
    out[kid] = key.export({ type: 'spki', format: 'der' }).toString('base64');
  }
  return out;
}
