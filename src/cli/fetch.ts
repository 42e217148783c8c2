import type { JwtBundleSet, X509BundleSet } from '../bundle/index.js';
import type { JwtSvid, X509Svid } from '../svid/index.js';
import { X509Source, type X509Context } from '../workloadapi/index.js';
import {
  certificateLines,
  expiryText,
  jwtAuthoritiesJson,
  summarizeCertificate,
} from './certificate-summary.js';
import { isoTime } from './duration.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { Output, Style } from './output.js';
import { createClient, currentContext, retryUntil } from './workload.js';

/** Flags shared by the `fetch` commands. */
export interface FetchOptions {
  socket?: string;
  /** How long to wait for the agent, in ms. */
  timeout: number;
  json?: boolean;
}

/** Flags of `spiffe fetch jwt`. */
export interface FetchJwtOptions extends FetchOptions {
  /** The audience; more than one asks for extra audiences. */
  audience: string[];
  /** The SPIFFE ID to get a token for, when the workload has several. */
  spiffeId?: string;
}

/**
 * `spiffe fetch x509`: the workload's X509-SVIDs (ID, hint, expiry and time left, chain) and
 * the trust domains of its bundles. Waits up to `--timeout` for the agent, retrying while it is
 * unreachable or has no identity for the workload yet. Never prints a private key.
 */
export async function fetchX509(options: FetchOptions, out: Output): Promise<ExitCodeValue> {
  const client = createClient(options.socket);
  try {
    const source = await X509Source.create({ client, timeoutMs: options.timeout });
    let context: X509Context;
    try {
      context = await currentContext(source);
    } finally {
      source.close();
    }
    const now = new Date();
    if (options.json) out.json(x509Json(context, now));
    else out.line(...x509Lines(context, now, out.style));
    return ExitCode.ok;
  } finally {
    client.close();
  }
}

/**
 * `spiffe fetch jwt --audience <aud>`: prints the JWT-SVID to stdout, alone on its line, so that
 * `TOKEN=$(spiffe fetch jwt -a api)` works; what it is (ID, audience, expiry) goes to stderr.
 * With `--json`, one JSON document on stdout holds both, token included.
 */
export async function fetchJwt(options: FetchJwtOptions, out: Output): Promise<ExitCodeValue> {
  const client = createClient(options.socket);
  try {
    const [audience, ...extraAudiences] = options.audience;
    const svids = await retryUntil('JWT-SVID', options.timeout, (signal) =>
      client.fetchJwtSvids(
        { audience: audience!, extraAudiences, ...(options.spiffeId ? { subject: options.spiffeId } : {}) },
        { signal },
      ),
    );
    const svid = svids[0]!;
    const now = new Date();
    if (options.json) {
      out.json({ ...jwtJson(svid, now), token: svid.token });
    } else {
      out.line(svid.token);
      const s = out.errStyle;
      out.info(
        `${s.dim('JWT-SVID for')} ${s.cyan(svid.id.toString())}${svid.hint ? ` ${s.dim(`(hint ${svid.hint})`)}` : ''}`,
      );
      out.info(
        `${s.dim('audience')} ${svid.audience.join(', ')}   ${s.dim('expires')} ${expiryText(svid.expiry, now, s)}`,
      );
    }
    return ExitCode.ok;
  } finally {
    client.close();
  }
}

/** `spiffe fetch bundles`: every trust domain's X.509 and JWT authorities. */
export async function fetchBundles(options: FetchOptions, out: Output): Promise<ExitCodeValue> {
  const client = createClient(options.socket);
  try {
    const [x509, jwt] = await Promise.all([
      retryUntil('X.509 bundles', options.timeout, (signal) => client.fetchX509Bundles({ signal })),
      retryUntil('JWT bundles', options.timeout, (signal) => client.fetchJwtBundles({ signal })),
    ]);
    const now = new Date();
    if (options.json) out.json({ trustDomains: bundlesJson(x509, jwt, now) });
    else out.line(...bundlesLines(x509, jwt, now, out.style));
    return ExitCode.ok;
  } finally {
    client.close();
  }
}

/** The JSON of an X.509 context: SVIDs (without keys) and bundles. */
export function x509Json(context: X509Context, now: Date): Record<string, unknown> {
  const own = ownTrustDomains(context);
  return {
    svids: context.svids.map((svid, i) => ({ ...svidJson(svid, now), default: i === 0 })),
    trustDomains: context.bundles.bundles().map((b) => ({
      trustDomain: b.trustDomain.name,
      federated: !own.has(b.trustDomain.name),
      x509Authorities: b.x509Authorities().map((c) => summarizeCertificate(c, now)),
    })),
  };
}

/** The JSON of one X509-SVID: ID, hint, expiry, chain; never the key. */
function svidJson(svid: X509Svid, now: Date): Record<string, unknown> {
  return {
    spiffeId: svid.id.toString(),
    hint: svid.hint,
    expiresAt: isoTime(svid.expiresAt),
    secondsLeft: Math.floor((svid.expiresAt.getTime() - now.getTime()) / 1000),
    chain: svid.certificates.map((c) => summarizeCertificate(c, now)),
  };
}

function jwtJson(svid: JwtSvid, now: Date): Record<string, unknown> {
  return {
    spiffeId: svid.id.toString(),
    hint: svid.hint,
    audience: svid.audience,
    expiresAt: isoTime(svid.expiry),
    secondsLeft: Math.floor((svid.expiry.getTime() - now.getTime()) / 1000),
  };
}

function ownTrustDomains(context: X509Context): Set<string> {
  return new Set(context.svids.map((s) => s.id.trustDomain.name));
}

function x509Lines(context: X509Context, now: Date, style: Style): string[] {
  const lines: string[] = [];
  context.svids.forEach((svid, i) => {
    if (i > 0) lines.push('');
    const tag = context.svids.length > 1 && i === 0 ? style.dim(' (default)') : '';
    lines.push(`${style.bold('X509-SVID')} ${style.cyan(svid.id.toString())}${tag}`);
    if (svid.hint) lines.push(`  hint     ${svid.hint}`);
    lines.push(`  expires  ${expiryText(svid.expiresAt, now, style)}`);
    const n = svid.certificates.length;
    lines.push(`  chain    ${n} certificate${n === 1 ? '' : 's'} (leaf first; the private key is not shown)`);
    svid.certificates.forEach((cert, j) =>
      lines.push(...certificateLines(`[${j + 1}]`, cert, now, style, '    ', j === 0)),
    );
  });
  const own = ownTrustDomains(context);
  lines.push('', style.bold('Trust domains'));
  const bundles = context.bundles.bundles();
  const width = Math.max(...bundles.map((b) => b.trustDomain.name.length));
  for (const bundle of bundles) {
    const name = bundle.trustDomain.name;
    const count = bundle.x509Authorities().length;
    const kind = own.has(name) ? 'own      ' : 'federated';
    lines.push(
      `  ${style.cyan(name.padEnd(width))}  ${kind}  ${count} X.509 authorit${count === 1 ? 'y' : 'ies'}`,
    );
  }
  return lines;
}

function bundlesJson(x509: X509BundleSet, jwt: JwtBundleSet, now: Date): Record<string, unknown>[] {
  return trustDomainNames(x509, jwt).map((name) => ({
    trustDomain: name,
    x509Authorities: (x509.get(name)?.x509Authorities() ?? []).map((c) => summarizeCertificate(c, now)),
    jwtAuthorities: jwtAuthoritiesJson(jwt.get(name)?.jwtAuthorities() ?? new Map()),
  }));
}

function bundlesLines(x509: X509BundleSet, jwt: JwtBundleSet, now: Date, style: Style): string[] {
  const lines: string[] = [];
  for (const name of trustDomainNames(x509, jwt)) {
    if (lines.length > 0) lines.push('');
    lines.push(`${style.bold('trust domain')} ${style.cyan(name)}`);
    const certs = x509.get(name)?.x509Authorities() ?? [];
    lines.push(`  X.509 authorities (${certs.length})`);
    certs.forEach((c, i) => lines.push(...certificateLines(`[${i + 1}]`, c, now, style, '    ')));
    const keys = jwtAuthoritiesJson(jwt.get(name)?.jwtAuthorities() ?? new Map());
    lines.push(`  JWT authorities (${keys.length})`);
    for (const { kid, keyType } of keys) lines.push(`    kid ${kid}  ${keyType}`);
  }
  return lines;
}

function trustDomainNames(x509: X509BundleSet, jwt: JwtBundleSet): string[] {
  const names = new Set([...x509.bundles(), ...jwt.bundles()].map((b) => b.trustDomain.name));
  return [...names].sort();
}
