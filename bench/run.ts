/**
 * Runs every `bench/*.bench.ts` (or those whose file or benchmark name contains the first CLI
 * argument), prints a table, and on a full run writes `docs/benchmarks.md`.
 *
 *   node --import tsx bench/run.ts            # all benchmarks, writes the report
 *   node --import tsx bench/run.ts spiffeid   # only matching ones, prints only
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { DEFAULT_OPTIONS, environment, renderTable, runBenchmark, writeReport } from './harness.js';
import type { Benchmark, BenchResult } from './harness.js';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const reportPath = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
const filter = process.argv[2];

const files = (await readdir(benchDir)).filter((f) => f.endsWith('.bench.ts')).sort();
const results: BenchResult[] = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(join(benchDir, file)).href)) as { benchmarks?: Benchmark[] };
  if (!Array.isArray(mod.benchmarks)) throw new Error(`${file} does not export "benchmarks: Benchmark[]"`);
  for (const b of mod.benchmarks) {
    if (filter && !file.includes(filter) && !b.name.includes(filter)) continue;
    process.stdout.write(`running ${b.name} ...\n`);
    results.push(await runBenchmark(b));
  }
}

if (results.length === 0) {
  console.error(filter ? `no benchmark matches "${filter}"` : 'no benchmarks found');
  process.exit(1);
}
console.log(`\n${renderTable(results)}\n`);
const missed = results.filter((r) => r.target && !r.target.met);
if (missed.length > 0) console.log(`target missed: ${missed.map((r) => r.name).join(', ')}`);
if (filter) {
  console.log('filtered run: docs/benchmarks.md not updated');
} else {
  await writeReport(reportPath, results, environment(), DEFAULT_OPTIONS);
  console.log(`wrote ${reportPath}`);
}
