/** Scratch folders and a signal-recording process for the `spiffe helper` tests. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * A temporary root removed after the file's tests: `folder()` names a new folder in it (not
 * created), `unique()` gives a new number for other file names, and `recorder` is a script that appends every SIGHUP, SIGUSR1 and SIGTERM it gets to
 * the log file named by its first argument (and writes its pid to the second, if given).
 */
export function helperScratch(prefix: string): {
  root: string;
  folder: () => string;
  unique: () => number;
  recorder: string;
} {
  const root = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  const recorder = join(root, 'recorder.mjs');
  writeFileSync(
    recorder,
    `import { appendFileSync, writeFileSync } from 'node:fs';
const [log, pidFile] = process.argv.slice(2);
appendFileSync(log, 'started\\n');
for (const s of ['SIGHUP', 'SIGUSR1']) process.on(s, () => appendFileSync(log, s + '\\n'));
process.on('SIGTERM', () => { appendFileSync(log, 'SIGTERM\\n'); process.exit(0); });
if (pidFile) writeFileSync(pidFile, String(process.pid));
setInterval(() => {}, 1000);
`,
  );
  return { root, folder: () => join(root, `d${++n}`), unique: () => ++n, recorder };
}
