import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  environment,
  lastResult,
  renderMarkdown,
  renderTable,
  runBenchmark,
  KEPT_SECTIONS,
  writeReport,
  selfCheck,
  type BenchResult,
} from '../../bench/harness.js';

describe('benchmark harness', () => {
  it('measures a function against itself at a ratio near 1 and writes the report', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-'));
    try {
      const path = join(dir, 'nested', 'benchmarks.md');
      const result = await selfCheck(path);
      expect(result.ratio).toBeGreaterThan(0.5);
      expect(result.ratio).toBeLessThan(2);
      expect(result.baseline.opsPerSec).toBeGreaterThan(1000);
      expect(result.subject.opsPerSec).toBeGreaterThan(1000);
      expect(result.target?.met).toBe(true);
      expect(typeof lastResult()).toBe('number');
      const md = await readFile(path, 'utf8');
      expect(md).toContain('# Benchmarks');
      expect(md).toContain(process.version);
      expect(md).toContain(`OpenSSL ${process.versions.openssl}`);
      expect(md).toContain(`${environment().cores} cores`);
      expect(md).toMatch(
        /\| self-check \| work again \| [\d,]+ \| work \| [\d,]+ \| \d+\.\d\dx \| ≥ 0\.5x: a function against itself \| yes \|/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('finds a slower subject slower, reports a missed target, and shows extra rows', async () => {
    const work = (n: number): number => {
      let x = 0;
      for (let i = 0; i < n; i++) x = (x * 31 + i) | 0;
      return x;
    };
    let setUp = false;
    const result = await runBenchmark(
      {
        name: 'slow',
        baseline: { name: 'fast', fn: () => work(50) },
        subject: { name: 'ten times the work', fn: () => work(500) },
        target: { ratio: 1, description: 'as fast as the baseline' },
        setup: async () => {
          setUp = true;
        },
        extra: async () => ({ name: 'elsewhere', opsPerSec: 1234.4, note: 'from another tool' }),
      },
      { warmupMs: 20, measureMs: 40, sliceMs: 0.2 },
    );
    expect(setUp).toBe(true);
    expect(result.ratio).toBeLessThan(0.5);
    expect(result.target).toEqual({ ratio: 1, description: 'as fast as the baseline', met: false });
    expect(result.extra).toEqual({ name: 'elsewhere', opsPerSec: 1234.4, note: 'from another tool' });
    const table = renderTable([result]);
    expect(table).toContain('MISSED');
    expect(table).toContain('elsewhere');
    const md = renderMarkdown([result], environment(), { warmupMs: 20, measureMs: 40, sliceMs: 0.2 });
    expect(md).toContain('| **no** |');
    expect(md).toContain('| slow | elsewhere | 1,234 | from another tool |');
  });

  it('refuses asynchronous benchmark functions', async () => {
    const bench = {
      name: 'async',
      baseline: { name: 'a', fn: () => 1 },
      subject: { name: 'b', fn: async () => 1 },
    };
    await expect(runBenchmark(bench, { warmupMs: 1, measureMs: 1, sliceMs: 0.5 })).rejects.toThrow(
      /synchronous/,
    );
  });

  it('renders a report without targets or extras', () => {
    const result: BenchResult = {
      name: 'plain',
      baseline: { name: 'a', opsPerSec: 1000 },
      subject: { name: 'b', opsPerSec: 2000 },
      ratio: 2,
    };
    const md = renderMarkdown([result], environment(), { warmupMs: 1, measureMs: 1, sliceMs: 0.5 });
    expect(md).toContain('| plain | b | 2,000 | a | 1,000 | 2.00x | — | — |');
    expect(md).not.toContain('Figures from elsewhere');
  });

  it('a new report keeps the hand-measured sections of the file it replaces, and only those', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-'));
    try {
      const path = join(dir, 'benchmarks.md');
      const kept = `${KEPT_SECTIONS}\n\n## Hostile handshakes\n\nmeasured by hand\n`;
      await writeFile(path, `# Benchmarks\n\nold table\n\n${kept}`);
      const result: BenchResult = {
        name: 'plain',
        baseline: { name: 'a', opsPerSec: 1000 },
        subject: { name: 'b', opsPerSec: 2000 },
        ratio: 2,
      };
      await writeReport(path, [result], environment(), { warmupMs: 1, measureMs: 1, sliceMs: 0.5 });
      const md = await readFile(path, 'utf8');
      expect(md).not.toContain('old table');
      expect(md).toContain('| plain | b | 2,000 |');
      expect(md.endsWith(kept)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
