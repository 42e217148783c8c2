import type { X509Certificate } from 'node:crypto';
import { SpiffeBundle, X509Bundle, type JwtBundleSource, type X509BundleSource } from '../bundle/index.js';
import { SpiffeId, TrustDomain } from '../spiffeid/index.js';
import { JwtSvid, verifyX509Svid } from '../svid/index.js';
import { inspectBundleJson, type BundleReport } from './bundle-rules.js';
import {
  certificateLines,
  expiryText,
  jwtAuthoritiesJson,
  summarizeCertificate,
} from './certificate-summary.js';
import { isoTime } from './duration.js';
import { CliError } from './errors.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import { addSdkVerdict, findingLines, type Finding } from './findings.js';
import { COMPACT_TOKEN, inspectJwt, type JwtReport } from './jwt-rules.js';
import type { Output, Style } from './output.js';
import { inspectDer, inspectPem, type PemReport } from './pem-rules.js';
import { readInput } from './read-input.js';

/** Flags of `spiffe inspect`. */
export interface InspectOptions {
  json?: boolean;
  /** The trust domain of a bundle that does not say (a plain JWKS). */
  trustDomain?: string;
  /** A bundle (PEM or SPIFFE/JWKS JSON) to verify an X509-SVID chain or a JWT-SVID signature with. */
  bundle?: string;
}

type Report =
  | { kind: 'pem'; pem: PemReport }
  | { kind: 'jwt'; jwt: JwtReport }
  | { kind: 'bundle'; bundle: BundleReport };

/**
 * `spiffe inspect <file|->`: says what the input is (PEM certificates and keys, DER, a JWT-SVID,
 * a SPIFFE bundle / JWKS / bundle map) and lists every SPIFFE rule it breaks. Exit 4 when it
 * breaks a MUST, 0 otherwise (SHOULD-level findings are warnings).
 */
export async function inspect(
  file: string,
  options: InspectOptions,
  out: Output,
  stdin: NodeJS.ReadableStream,
  now: Date = new Date(),
): Promise<ExitCodeValue> {
  if (options.trustDomain !== undefined) {
    try {
      TrustDomain.parse(options.trustDomain);
    } catch (cause) {
      throw new CliError('usage', `--trust-domain: ${(cause as Error).message}`, { cause });
    }
  }
  const source = file === '-' ? 'standard input' : file;
  const data = await readInput(file, stdin);
  const report = classify(data, options, now, source);
  const findings = findingsOf(report);
  if (options.bundle !== undefined) await verifyWithBundle(report, options.bundle, stdin, now, findings);
  const valid = !findings.some((f) => f.level === 'error');
  if (options.json) out.json({ source, ...reportJson(report, now), valid, findings });
  else out.line(...humanReport(source, report, findings, now, out.style));
  return valid ? ExitCode.ok : ExitCode.invalid;
}

function classify(data: Buffer, options: InspectOptions, now: Date, source: string): Report {
  const text = data.toString('utf8');
  const trimmed = text.trim();
  if (trimmed.includes('-----BEGIN ')) return { kind: 'pem', pem: inspectPem(text, now) };
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    return { kind: 'bundle', bundle: inspectBundleJson(trimmed, options.trustDomain, now) };
  }
  const token = trimmed.replace(/^Bearer\s+/i, '');
  if (COMPACT_TOKEN.test(token)) return { kind: 'jwt', jwt: inspectJwt(token, now) };
  if (data.length > 0 && data[0] === 0x30) {
    const der = inspectDer(data, now);
    if (der) return { kind: 'pem', pem: der };
  }
  throw new CliError(
    'invalid',
    `${source} is not a PEM certificate or key, a DER certificate, a JWT-SVID, or a SPIFFE bundle / JWKS (JSON)`,
    { hint: 'inspect takes svid.pem, svid_key.pem, bundle.pem, a SPIFFE bundle JSON, or a token' },
  );
}

function findingsOf(report: Report): Finding[] {
  if (report.kind === 'pem') return report.pem.findings;
  if (report.kind === 'jwt') return report.jwt.findings;
  return report.bundle.findings;
}

/** `--bundle`: verifies the chain (X-14) or the token's signature (J-17) as a peer would. */
async function verifyWithBundle(
  report: Report,
  file: string,
  stdin: NodeJS.ReadableStream,
  now: Date,
  findings: Finding[],
): Promise<void> {
  if (report.kind === 'bundle') {
    throw new CliError('usage', '--bundle verifies an X509-SVID or a JWT-SVID, not a bundle');
  }
  const text = (await readInput(file, stdin)).toString('utf8');
  if (report.kind === 'pem') {
    if (report.pem.kind !== 'x509-svid' || report.pem.spiffeId === undefined) {
      throw new CliError('usage', '--bundle needs an X509-SVID (a leaf with a SPIFFE ID) to verify');
    }
    const td = SpiffeId.parse(report.pem.spiffeId).trustDomain;
    const bundle = loadBundle(text, td.name, file, 'x509');
    try {
      verifyX509Svid(report.pem.certificates, bundle, { time: now });
    } catch (error) {
      addSdkVerdict(findings, error, 'chain');
    }
    return;
  }
  const sub = report.jwt.claims.sub;
  const aud = report.jwt.claims.aud;
  const audience = typeof aud === 'string' ? aud : Array.isArray(aud) ? aud[0] : undefined;
  if (typeof sub !== 'string' || typeof audience !== 'string' || audience === '') return;
  let td: string;
  try {
    td = SpiffeId.parse(sub).trustDomain.name;
  } catch {
    return;
  }
  const bundle = loadBundle(text, td, file, 'jwt');
  const token = report.jwt.token;
  try {
    JwtSvid.parseAndValidate(token, bundle, audience, { time: now, leewaySeconds: 0 });
  } catch (error) {
    addSdkVerdict(findings, error, 'token');
  }
}

function loadBundle(text: string, td: string, file: string, kind: 'x509'): X509BundleSource;
function loadBundle(text: string, td: string, file: string, kind: 'jwt'): JwtBundleSource;
function loadBundle(
  text: string,
  td: string,
  file: string,
  kind: 'x509' | 'jwt',
): X509BundleSource | JwtBundleSource {
  try {
    if (text.trim().startsWith('{')) return SpiffeBundle.parse(td, text);
    if (kind === 'jwt') throw new Error('a JWT-SVID is verified with a JSON bundle (SPIFFE bundle or JWKS)');
    return X509Bundle.parse(td, text);
  } catch (cause) {
    throw new CliError('usage', `--bundle ${JSON.stringify(file)}: ${(cause as Error).message}`, { cause });
  }
}

function reportJson(report: Report, now: Date): Record<string, unknown> {
  if (report.kind === 'pem') {
    const p = report.pem;
    return {
      kind: p.kind,
      ...(p.spiffeId !== undefined ? { spiffeId: p.spiffeId } : {}),
      certificates: p.certificates.map((c) => summarizeCertificate(c, now)),
      keys: p.keys,
      ...(p.otherBlocks.length > 0 ? { otherBlocks: p.otherBlocks } : {}),
    };
  }
  if (report.kind === 'jwt') {
    const { header, claims } = report.jwt;
    return { kind: 'jwt-svid', header, claims };
  }
  return {
    kind: report.bundle.kind,
    bundles: report.bundle.bundles.map((b) => ({
      trustDomain: b.trustDomain ?? null,
      sequenceNumber: b.sequenceNumber ?? null,
      refreshHint: b.refreshHint ?? null,
      x509Authorities: b.x509Authorities.map((c) => summarizeCertificate(c, now)),
      jwtAuthorities: jwtAuthoritiesJson(b.jwtAuthorities),
    })),
  };
}

function humanReport(source: string, report: Report, findings: Finding[], now: Date, style: Style): string[] {
  const lines: string[] = [];
  if (report.kind === 'pem') lines.push(...pemLines(source, report.pem, now, style));
  else if (report.kind === 'jwt') lines.push(...jwtLines(source, report.jwt, now, style));
  else lines.push(...bundleLines(source, report.bundle, now, style));
  lines.push(...findingLines(findings, style));
  return lines;
}

function pemLines(source: string, p: PemReport, now: Date, style: Style): string[] {
  const n = p.certificates.length;
  const certs = `${n} certificate${n === 1 ? '' : 's'}`;
  const what =
    p.kind === 'x509-svid'
      ? `X509-SVID chain (${certs}, leaf first)`
      : p.kind === 'x509-bundle'
        ? `X.509 trust bundle (${certs}, CA certificates)`
        : p.keys.length > 0
          ? `${p.keys.length === 1 ? 'a key' : `${p.keys.length} keys`}`
          : 'PEM without certificates or keys';
  const withKey = p.kind !== 'keys' && p.keys.length > 0 ? ' and a key' : '';
  const lines = [`${style.bold(source)}: ${what}${withKey}`];
  if (p.spiffeId !== undefined) lines.push(`SPIFFE ID  ${style.cyan(p.spiffeId)}`);
  p.certificates.forEach((cert, i) =>
    lines.push(...certificateLines(`[${i + 1}]`, cert, now, style, '  ', p.kind === 'x509-svid' && i === 0)),
  );
  for (const key of p.keys) {
    const match =
      key.matchesLeaf === undefined ? '' : key.matchesLeaf ? ', belongs to the leaf' : ', NOT the leaf’s key';
    lines.push(
      `  ${style.bold(key.label)}  ${key.kind} key ${key.keyType ?? '(unreadable)'}${match} (not shown)`,
    );
  }
  if (p.otherBlocks.length > 0) lines.push(`  other PEM blocks: ${p.otherBlocks.join(', ')}`);
  return lines;
}

function jwtLines(source: string, j: JwtReport, now: Date, style: Style): string[] {
  const { header, claims } = j;
  const lines = [`${style.bold(source)}: JWT-SVID (compact JWS; the token itself is not shown)`];
  lines.push(`  header  ${JSON.stringify(header)}`);
  if (typeof claims.sub === 'string') lines.push(`  sub     ${style.cyan(claims.sub)}`);
  if (claims.aud !== undefined) lines.push(`  aud     ${JSON.stringify(claims.aud)}`);
  for (const name of ['exp', 'iat', 'nbf'] as const) {
    const value = claims[name];
    if (typeof value === 'number' && Number.isFinite(value)) {
      const at = new Date(value * 1000);
      lines.push(`  ${name.padEnd(7)} ${name === 'exp' ? expiryText(at, now, style) : isoTime(at)}`);
    }
  }
  const others = Object.keys(claims).filter((k) => !['sub', 'aud', 'exp', 'iat', 'nbf'].includes(k));
  for (const k of others) lines.push(`  ${k.padEnd(7)} ${truncate(JSON.stringify(claims[k]) ?? '', 100)}`);
  return lines;
}

function bundleLines(source: string, b: BundleReport, now: Date, style: Style): string[] {
  const what =
    b.kind === 'bundle-map' ? `bundle map (${b.bundles.length} trust domains)` : 'SPIFFE bundle / JWKS';
  const lines = [`${style.bold(source)}: ${what}`];
  for (const bundle of b.bundles) {
    const td = bundle.trustDomain ?? '(not stated: pass --trust-domain)';
    lines.push(`trust domain ${style.cyan(td)}`);
    const meta = [
      `spiffe_sequence ${bundle.sequenceNumber?.toString() ?? '(none)'}`,
      `spiffe_refresh_hint ${bundle.refreshHint === undefined ? '(none)' : `${bundle.refreshHint}s`}`,
    ];
    lines.push(`  ${meta.join('   ')}`);
    lines.push(`  X.509 authorities (${bundle.x509Authorities.length})`);
    bundle.x509Authorities.forEach((c: X509Certificate, i) =>
      lines.push(...certificateLines(`[${i + 1}]`, c, now, style, '    ')),
    );
    lines.push(`  JWT authorities (${bundle.jwtAuthorities.size})`);
    for (const { kid, keyType } of jwtAuthoritiesJson(bundle.jwtAuthorities))
      lines.push(`    kid ${kid}  ${keyType}`);
  }
  return lines;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
