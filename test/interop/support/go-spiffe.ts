/**
 * The suite's go-spiffe program (test/interop/go/cmd/spiffe-interop) and SPIRE's own Workload
 * API client (`spire-agent api …`), as independent clients of an agent, with typed answers.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { X509Svid } from '../../../src/svid/index.js';
import type { Processes, Started } from './processes.js';
import { run } from './processes.js';

/** An X509-SVID as the go-spiffe program prints it. */
export interface GoX509Svid {
  id: string;
  hint: string;
  /** Base64 DER, leaf first. */
  chain: string[];
  publicKeySha256: string;
  expiry: string;
}

/** An X.509 context as the go-spiffe program prints it (bundles: trust domain name → base64 DER roots). */
export interface GoX509Context {
  svids: GoX509Svid[];
  bundles: Record<string, string[]>;
}

/** A JWT-SVID as the go-spiffe program prints it. */
export interface GoJwtSvid {
  id: string;
  hint: string;
  token: string;
  audience: string[];
  expiry: string;
  claims: Record<string, unknown>;
}

/** A failure as the go-spiffe program prints it: the message and the gRPC code name, if any. */
export interface GoFailure {
  error: string;
  code?: string;
}

/** The program's answer: exit 0 and its JSON, or exit 1 and a {@link GoFailure}. */
export type GoOutcome<T> = { ok: true; value: T } | { ok: false; failure: GoFailure };

/** Runs one subcommand of the go-spiffe program. */
export async function goSpiffe<T>(
  binary: string,
  args: string[],
  options: { uid?: number; timeoutMs?: number } = {},
): Promise<GoOutcome<T>> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const r = await run(binary, args, {
    timeoutMs: timeoutMs + 5000,
    env: { ...process.env, INTEROP_TIMEOUT: `${timeoutMs}ms` },
    ...(options.uid === undefined ? {} : { uid: options.uid }),
  });
  const first = r.stdout.split('\n')[0] ?? '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(first);
  } catch {
    throw new Error(`spiffe-interop ${args[0]} exited ${r.code} without JSON: ${r.stdout}${r.stderr}`);
  }
  return r.code === 0 ? { ok: true, value: parsed as T } : { ok: false, failure: parsed as GoFailure };
}

/** Runs a subcommand that must succeed, and answers its JSON. */
export async function goSpiffeOk<T>(
  binary: string,
  args: string[],
  options?: { uid?: number; timeoutMs?: number },
): Promise<T> {
  const outcome = await goSpiffe<T>(binary, args, options);
  if (!outcome.ok)
    throw new Error(`spiffe-interop ${args.join(' ')} failed: ${JSON.stringify(outcome.failure)}`);
  return outcome.value;
}

/** A running `spiffe-interop mtls-server`. */
export interface GoServer {
  /** `127.0.0.1:port`. */
  address: string;
  /** The server's own SPIFFE ID. */
  id: string;
  process: Started;
  /** The next connection outcome it reports: `{ accepted: id }` or `{ refused: reason }`. */
  nextEvent(ms?: number): Promise<{ accepted?: string; refused?: string }>;
}

/** Starts a go-spiffe mTLS server (stopped with `procs`, or by closing its stdin). */
export async function startGoServer(
  procs: Processes,
  binary: string,
  args: string[],
  logFile: string,
): Promise<GoServer> {
  const started = procs.start('spiffe-interop mtls-server', binary, ['mtls-server', ...args], {
    lines: true,
    stdin: true,
    logFile,
  });
  const first = JSON.parse(await started.nextLine(30_000)) as {
    listening?: string;
    id?: string;
    error?: string;
  };
  if (!first.listening || !first.id) throw new Error(`mtls-server did not start: ${JSON.stringify(first)}`);
  return {
    address: first.listening,
    id: first.id,
    process: started,
    nextEvent: async (ms = 10_000) =>
      JSON.parse(await started.nextLine(ms)) as { accepted?: string; refused?: string },
  };
}

/** SHA-256 (hex) of the DER SubjectPublicKeyInfo of an SVID's key: what the Go program prints. */
export function publicKeyDigest(svid: X509Svid): string {
  const spki = svid.leaf.publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex');
}

/** Base64 DER of certificates, for comparison with the Go program's output. */
export function base64Ders(certs: readonly X509Certificate[]): string[] {
  return certs.map((c) => c.raw.toString('base64'));
}

/** What `spire-agent api fetch x509 -write DIR` wrote, as base64 DER. */
export interface SpireAgentX509 {
  svids: { chain: string[]; bundle: string[] }[];
  federated: Record<string, string[]>;
  stdout: string;
}

function pemToBase64Ders(pem: string): string[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b).raw.toString('base64'));
}

/**
 * `spire-agent api fetch x509 -socketPath <socket> -write <tmp>`: SPIRE's own Workload API
 * client. Answers `undefined` with the output when it fails.
 */
export async function spireAgentFetchX509(
  spireAgent: string,
  socketPath: string,
): Promise<{ ok: true; value: SpireAgentX509 } | { ok: false; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'spire-fetch-'));
  try {
    const r = await run(spireAgent, [
      'api',
      'fetch',
      'x509',
      '-socketPath',
      socketPath,
      '-write',
      dir,
      '-timeout',
      '10s',
    ]);
    if (r.code !== 0) return { ok: false, output: r.stdout + r.stderr };
    const files = await readdir(dir);
    const svids: SpireAgentX509['svids'] = [];
    for (let i = 0; files.includes(`svid.${i}.pem`); i++) {
      svids.push({
        chain: pemToBase64Ders(await readFile(join(dir, `svid.${i}.pem`), 'utf8')),
        bundle: pemToBase64Ders(await readFile(join(dir, `bundle.${i}.pem`), 'utf8')),
      });
    }
    const federated: Record<string, string[]> = {};
    for (const f of files.filter((n) => n.startsWith('federated_bundle.'))) {
      federated[f] = pemToBase64Ders(await readFile(join(dir, f), 'utf8'));
    }
    return { ok: true, value: { svids, federated, stdout: r.stdout } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What `spire-agent api fetch jwt` printed: tokens by SPIFFE ID, JWKS by trust domain ID. */
export interface SpireAgentJwt {
  tokens: Record<string, string>;
  bundles: Record<string, string>;
}

/**
 * Parses the pretty output of `spire-agent api fetch jwt`: sections `token(<id>):`,
 * `hint(<id>):` and `bundle(<td id>):`, each followed by a tab and its value, which for a JWKS
 * may run over several lines (SPIRE indents it; the FakeAgent does not).
 */
export function parseSpireAgentJwt(stdout: string): SpireAgentJwt {
  const out: SpireAgentJwt = { tokens: {}, bundles: {} };
  const sections = stdout.split(/^(?=(?:token|hint|bundle)\()/m);
  for (const section of sections) {
    const match = /^(token|hint|bundle)\(([^)]*)\):\n\t([\s\S]*)$/.exec(section);
    if (!match) continue;
    const [, kind, key, value] = match;
    if (kind === 'token') out.tokens[key!] = value!.trim();
    if (kind === 'bundle') out.bundles[key!] = value!.trim();
  }
  return out;
}
