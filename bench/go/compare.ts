/**
 * Runs go-spiffe on the same inputs as the TypeScript benchmarks (bench/go.bench.ts) through the
 * Go program in bench/go/cmd/go-spiffe-bench, built into the interop cache by
 * scripts/interop/build.mjs. Every function here answers `undefined` (with a note on stderr)
 * when Go is not installed or the build fails: the comparison is optional.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The inputs both sides measure (the program's `fixture`). */
export interface GoBenchFixture {
  id: string;
  trustDomain: string;
  /** Leaf then intermediate, DER. */
  chain: Uint8Array[];
  root: Uint8Array;
  token: string;
  audience: string;
  jwtKeyId: string;
  /** DER SubjectPublicKeyInfo of the JWT key. */
  jwtKeySpki: Uint8Array;
  /** The SVIDs and roots of an mTLS handshake (adds go-spiffe's `mtls-handshake`). */
  handshake?: {
    server: GoBenchSvid;
    client: GoBenchSvid;
    roots: Uint8Array[];
  };
}

/** One side's X509-SVID: chain (leaf first, DER) and PKCS#8 DER private key. */
export interface GoBenchSvid {
  chain: Uint8Array[];
  key: Uint8Array;
}

/** What the Go program prints. */
export interface GoBenchResult {
  go: string;
  goSpiffe: string;
  opsPerSec: Record<string, number>;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cacheDir = process.env.SPIFFE_TS_INTEROP_CACHE || join(homedir(), '.cache', 'spiffe-ts-interop');
const binary = join(cacheDir, 'bin', 'go-spiffe-bench');

/** Builds the Go program (a no-op when up to date); false with a note when that is impossible. */
export function buildGoBench(): boolean {
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    process.stderr.write('go-spiffe comparison skipped: Go is not installed\n');
    return false;
  }
  const build = spawnSync(
    process.execPath,
    [join(repoRoot, 'scripts', 'interop', 'build.mjs'), '--only', 'bench', '--quiet'],
    { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] },
  );
  if (build.status !== 0 || !existsSync(binary)) {
    process.stderr.write(`go-spiffe comparison skipped: the Go build failed\n${build.stderr}\n`);
    return false;
  }
  return true;
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const svid64 = (svid: GoBenchSvid) => ({ chain: svid.chain.map(base64), key: base64(svid.key) });

/** Runs go-spiffe benchmarks on `fixture`: `only` one of them, each measured for `ms`. */
export function runGoBench(fixture: GoBenchFixture, only?: string, ms = 1000): GoBenchResult | undefined {
  const input = JSON.stringify({
    ...fixture,
    chain: fixture.chain.map(base64),
    root: base64(fixture.root),
    jwtKeySpki: base64(fixture.jwtKeySpki),
    handshake: fixture.handshake && {
      server: svid64(fixture.handshake.server),
      client: svid64(fixture.handshake.client),
      roots: fixture.handshake.roots.map(base64),
    },
  });
  const args = ['-ms', String(ms), ...(only === undefined ? [] : ['-only', only])];
  try {
    return JSON.parse(execFileSync(binary, args, { input, encoding: 'utf8' })) as GoBenchResult;
  } catch (error) {
    process.stderr.write(`go-spiffe comparison skipped: ${String(error)}\n`);
    return undefined;
  }
}

/** go-spiffe's figure and the SDK's against it. */
export interface Comparison {
  go: string;
  goSpiffe: string;
  /** Median of go-spiffe's ops/s over the rounds. */
  goOpsPerSec: number;
  /** Median over the rounds of SDK ops/s ÷ go-spiffe ops/s. */
  ratio: number;
}

/**
 * Measures `key` in go-spiffe and `fn` in the SDK taking turns, `rounds` times for `ms` each,
 * so that both see the same machine load; reports medians, as the harness does.
 */
export function compareWithGo(
  fixture: GoBenchFixture,
  key: string,
  fn: () => unknown,
  rounds = 5,
  ms = 300,
): Comparison | undefined {
  const goOps: number[] = [];
  const ratios: number[] = [];
  let versions: GoBenchResult | undefined;
  for (let i = 0; i < rounds; i++) {
    const result = runGoBench(fixture, key, ms);
    const go = result?.opsPerSec[key];
    if (result === undefined || go === undefined) return undefined;
    versions = result;
    const ours = measureOps(fn, ms);
    goOps.push(go);
    ratios.push(ours / go);
  }
  return {
    go: versions!.go,
    goSpiffe: versions!.goSpiffe,
    goOpsPerSec: median(goOps),
    ratio: median(ratios),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Ops/s of `fn`, measured as the Go program measures go-spiffe: grow the batch until one batch
 * takes `ms` milliseconds, report that batch's rate.
 */
export function measureOps(fn: () => unknown, ms = 1000): number {
  let n = 1;
  let sink: unknown;
  for (;;) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) sink = fn();
    const ns = Number(process.hrtime.bigint() - start);
    if (ns >= ms * 1e6 || n >= 1e9) {
      void sink;
      return (n * 1e9) / ns;
    }
    n = Math.max(n + 1, Math.min(n * 100, Math.ceil((n * ms * 1.2e6) / Math.max(ns, 1))));
  }
}
