/**
 * A small benchmark harness: each benchmark pits a subject against a baseline measured in the same
 * process, interleaved round by round, so that the ratio (subject ops/s ÷ baseline ops/s) is stable
 * across machines even when the absolute figures are not.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, arch, platform } from 'node:os';
import { dirname } from 'node:path';

/** One measured function. It must be synchronous; its result is kept so it cannot be optimised away. */
export interface BenchFn {
  name: string;
  fn: () => unknown;
}

/** A row measured elsewhere (e.g. go-spiffe's figure), shown next to a benchmark for comparison. */
export interface ExtraRow {
  name: string;
  opsPerSec: number;
  /** Where the figure comes from. */
  note?: string;
}

/** What a `bench/*.bench.ts` file exports, as `benchmarks: Benchmark[]`. */
export interface Benchmark {
  name: string;
  baseline: BenchFn;
  subject: BenchFn;
  /** The goal: subject ops/s ÷ baseline ops/s must be at least `ratio`. */
  target?: { ratio: number; description: string };
  /** Runs once before the benchmark is measured. */
  setup?: () => Promise<void>;
  /** Extra rows for the report; `undefined` when the figure is not available. */
  extra?: () => Promise<ExtraRow | undefined>;
}

/** How long to measure. The defaults take about 3 s per benchmark. */
export interface MeasureOptions {
  /** Warm-up time per function before measuring, in ms. */
  warmupMs: number;
  /** Measuring time per function, in ms. */
  measureMs: number;
  /** The two functions take turns in slices of this many ms; figures are medians over slices. */
  sliceMs: number;
}

/** The default measuring time. */
export const DEFAULT_OPTIONS: MeasureOptions = { warmupMs: 300, measureMs: 1200, sliceMs: 0.5 };

/** The outcome of one benchmark. */
export interface BenchResult {
  name: string;
  baseline: { name: string; opsPerSec: number };
  subject: { name: string; opsPerSec: number };
  /** Median over the slice pairs of subject ops/s ÷ baseline ops/s. */
  ratio: number;
  target?: { ratio: number; description: string; met: boolean };
  extra?: ExtraRow;
}

/** The machine a report was measured on. */
export interface Environment {
  date: string;
  node: string;
  openssl: string;
  cpu: string;
  cores: number;
  platform: string;
}

let sink: unknown;

/** Runs `fn` `iterations` times; returns the elapsed time in nanoseconds. */
function timeBatch(fn: () => unknown, iterations: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink = fn();
  return Number(process.hrtime.bigint() - start);
}

/** Runs `fn` for about `ms` milliseconds and returns how many calls fit in one millisecond. */
function warmUp(fn: () => unknown, ms: number): number {
  const first = fn();
  if (typeof (first as { then?: unknown } | null)?.then === 'function') {
    throw new TypeError('benchmark functions must be synchronous');
  }
  let iterations = 1;
  let calls = 0;
  let ns = 0;
  do {
    const t = timeBatch(fn, iterations);
    calls += iterations;
    ns += t;
    if (t < 1e6) iterations *= 2;
  } while (ns < ms * 1e6);
  return calls / (Math.max(ns, 1) / 1e6);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Measures one benchmark: warms both functions up, then lets them take turns in short slices
 * (alternating which goes first) and reports the medians over the slices. Short interleaved
 * slices and medians keep the ratio steady on a busy machine: a slice that was preempted or hit
 * a GC pause is an outlier on one side of one pair only.
 */
export async function runBenchmark(
  b: Benchmark,
  options: MeasureOptions = DEFAULT_OPTIONS,
): Promise<BenchResult> {
  await b.setup?.();
  const nBase = Math.max(1, Math.round(warmUp(b.baseline.fn, options.warmupMs) * options.sliceMs));
  const nSubject = Math.max(1, Math.round(warmUp(b.subject.fn, options.warmupMs) * options.sliceMs));
  const pairs = Math.max(1, Math.round(options.measureMs / options.sliceMs));
  const base: number[] = [];
  const subject: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < pairs; i++) {
    let tBase: number;
    let tSubject: number;
    if (i % 2 === 0) {
      tBase = timeBatch(b.baseline.fn, nBase);
      tSubject = timeBatch(b.subject.fn, nSubject);
    } else {
      tSubject = timeBatch(b.subject.fn, nSubject);
      tBase = timeBatch(b.baseline.fn, nBase);
    }
    const opsBase = (nBase * 1e9) / tBase;
    const opsSubject = (nSubject * 1e9) / tSubject;
    base.push(opsBase);
    subject.push(opsSubject);
    ratios.push(opsSubject / opsBase);
  }
  const ratio = median(ratios);
  const result: BenchResult = {
    name: b.name,
    baseline: { name: b.baseline.name, opsPerSec: median(base) },
    subject: { name: b.subject.name, opsPerSec: median(subject) },
    ratio,
  };
  if (b.target) result.target = { ...b.target, met: ratio >= b.target.ratio };
  const extra = await b.extra?.();
  if (extra) result.extra = extra;
  return result;
}

/** Describes the current machine and runtime. */
export function environment(): Environment {
  const cpu = cpus()[0]?.model.trim() || 'unknown CPU';
  return {
    date: new Date().toISOString(),
    node: process.version,
    openssl: process.versions.openssl ?? 'none',
    cpu,
    cores: availableParallelism(),
    platform: `${platform()} ${arch()}`,
  };
}

function ops(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function verdict(r: BenchResult): string {
  if (!r.target) return '—';
  return `≥ ${r.target.ratio}x: ${r.target.met ? 'met' : 'MISSED'}`;
}

/** A plain-text table of results for the terminal. */
export function renderTable(results: BenchResult[]): string {
  const rows = [['benchmark', 'subject ops/s', 'baseline ops/s', 'ratio', 'target']];
  for (const r of results) {
    rows.push([
      r.name,
      ops(r.subject.opsPerSec),
      ops(r.baseline.opsPerSec),
      `${r.ratio.toFixed(2)}x`,
      verdict(r),
    ]);
    if (r.extra) rows.push([`  ${r.extra.name}`, ops(r.extra.opsPerSec), '', '', r.extra.note ?? '']);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The Markdown report written to `docs/benchmarks.md`. */
export function renderMarkdown(results: BenchResult[], env: Environment, options: MeasureOptions): string {
  const lines = [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench\` on ${env.date}.`,
    '',
    `- Node ${env.node}, OpenSSL ${env.openssl}, ${env.platform}`,
    `- CPU: ${env.cpu}, ${env.cores} cores`,
    `- Method: each benchmark measures a subject against a baseline in the same process: ${options.warmupMs} ms`,
    `  warm-up each, then ${options.measureMs} ms each, taking turns in ${options.sliceMs} ms slices; figures are`,
    '  medians over the slices. The ratio (subject ops/s ÷ baseline ops/s, median over slice pairs) is',
    '  what the targets are set on, since it varies far less between machines than the absolute figures.',
    '',
    '| benchmark | subject | ops/s | baseline | ops/s | ratio | target | met |',
    '|---|---|---:|---|---:|---:|---|---|',
  ];
  for (const r of results) {
    const target = r.target ? `≥ ${r.target.ratio}x: ${r.target.description}` : '—';
    const met = r.target ? (r.target.met ? 'yes' : '**no**') : '—';
    lines.push(
      `| ${r.name} | ${r.subject.name} | ${ops(r.subject.opsPerSec)} | ${r.baseline.name} | ${ops(r.baseline.opsPerSec)} | ${r.ratio.toFixed(2)}x | ${target} | ${met} |`,
    );
  }
  const extras = results.filter((r) => r.extra);
  if (extras.length > 0) {
    lines.push(
      '',
      '## Figures from elsewhere',
      '',
      '| benchmark | name | ops/s | note |',
      '|---|---|---:|---|',
    );
    for (const r of extras) {
      lines.push(`| ${r.name} | ${r.extra!.name} | ${ops(r.extra!.opsPerSec)} | ${r.extra!.note ?? ''} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Marks the start of what a report keeps from the file it replaces: sections of figures measured
 * by hand (`bench/hostile-handshakes.ts`, `bench/profile-handshake.ts`), which `npm run bench` does
 * not measure.
 */
export const KEPT_SECTIONS = '<!-- Sections below are measured by hand and kept by npm run bench. -->';

/** Writes the Markdown report to `path`, creating its folder, keeping the hand-measured sections. */
export async function writeReport(
  path: string,
  results: BenchResult[],
  env: Environment = environment(),
  options: MeasureOptions = DEFAULT_OPTIONS,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const previous = await readFile(path, 'utf8').catch(() => '');
  const at = previous.indexOf(KEPT_SECTIONS);
  const kept = at < 0 ? '' : `\n${previous.slice(at)}`;
  await writeFile(path, renderMarkdown(results, env, options) + kept);
}

/** Keeps the results of measured calls observable (and so not optimised away). */
export function lastResult(): unknown {
  return sink;
}

/**
 * A quick end-to-end check of the harness for unit tests: measures a function against itself
 * with short timings and writes the report to `reportPath`.
 */
export async function selfCheck(reportPath: string): Promise<BenchResult> {
  const work = (): number => {
    let x = 0;
    for (let i = 0; i < 100; i++) x = (x * 31 + i) | 0;
    return x;
  };
  const benchmark: Benchmark = {
    name: 'self-check',
    baseline: { name: 'work', fn: work },
    subject: { name: 'work again', fn: work },
    target: { ratio: 0.5, description: 'a function against itself' },
  };
  const options: MeasureOptions = { warmupMs: 30, measureMs: 60, sliceMs: 0.2 };
  const result = await runBenchmark(benchmark, options);
  await writeReport(reportPath, [result], environment(), options);
  return result;
}
