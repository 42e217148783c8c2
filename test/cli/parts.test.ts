/** The CLI's small building blocks: durations, cmd_args splitting, atomic writes, colour. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/cli/atomic-write.js';
import { formatDuration, parseDuration } from '../../src/cli/duration.js';
import { CliError } from '../../src/cli/errors.js';
import { useColour } from '../../src/cli/output.js';
import { splitShellWords } from '../../src/cli/shell-words.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['30', 30_000],
    ['1.5s', 1500],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
  ])('%s = %d ms', (text, ms) => expect(parseDuration(text, '--t')).toBe(ms));

  it.each(['', 'soon', '5 m', '-1s', '0', '0s', '1x', 's', '1h 30m'])(
    '%j is refused with a usage error',
    (text) => {
      expect(() => parseDuration(text, '--t')).toThrow(CliError);
      try {
        parseDuration(text, '--t');
      } catch (error) {
        expect((error as CliError).exitCode).toBe(2);
      }
    },
  );
});

describe('formatDuration', () => {
  it.each([
    [800, '0.8s'],
    [9_950, '9.9s'],
    [42_000, '42s'],
    [303_000, '5m 3s'],
    [7_500_000, '2h 5m'],
    [277_200_000, '3d 5h'],
    [-3_000, '3.0s'],
  ])('%d ms → %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('splitShellWords (cmd_args)', () => {
  it.each([
    ['server --listen localhost:8002', ['server', '--listen', 'localhost:8002']],
    [`  a   b  `, ['a', 'b']],
    [`'single quoted' "double \\"quoted\\""`, ['single quoted', 'double "quoted"']],
    [`a\\ b c`, ['a b', 'c']],
    [`--x='' y`, ['--x=', 'y']],
    [`"$HOME" '$HOME'`, ['$HOME', '$HOME']],
    ['', []],
  ])('%j', (text, words) => expect(splitShellWords(text)).toEqual(words));

  it.each([`"open`, `'open`, `trailing\\`])('%j is a usage error', (text) => {
    expect(() => splitShellWords(text)).toThrow(CliError);
  });
});

describe('writeFileAtomic', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spiffe-atomic-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces the file with the exact mode, whatever the umask, and leaves no temporary file', async () => {
    const path = join(dir, 'svid_key.pem');
    writeFileSync(path, 'old', { mode: 0o644 });
    const old = process.umask(0o077);
    try {
      await writeFileAtomic(path, 'new key', 0o640);
    } finally {
      process.umask(old);
    }
    expect(readFileSync(path, 'utf8')).toBe('new key');
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(['svid_key.pem']);
  });

  it('a reader never sees a partly written file', async () => {
    const path = join(dir, 'svid.pem');
    const a = 'A'.repeat(256 * 1024);
    const b = 'B'.repeat(256 * 1024);
    await writeFileAtomic(path, a, 0o644);
    let seen = 0;
    let writing = true;
    const reader = (async () => {
      while (writing) {
        const text = readFileSync(path, 'utf8');
        expect(text === a || text === b).toBe(true);
        seen++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 0; i < 20; i++) await writeFileAtomic(path, i % 2 ? a : b, 0o644);
    writing = false;
    await reader;
    expect(seen).toBeGreaterThan(0);
  });

  it('fails without leaving a temporary file when the folder does not exist', async () => {
    await expect(writeFileAtomic(join(dir, 'missing', 'x.pem'), 'x', 0o644)).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('colour', () => {
  it('only on a terminal, never with NO_COLOR set', () => {
    expect(useColour({ write: () => true, isTTY: true }, {})).toBe(true);
    expect(useColour({ write: () => true, isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(useColour({ write: () => true, isTTY: false }, {})).toBe(false);
    expect(useColour({ write: () => true }, {})).toBe(false);
  });
});
