#!/usr/bin/env node
/**
 * The package as a user gets it: build, `npm pack`, then in a new
 * directory outside the repository `npm install <tarball>` and
 * - the README's quick start (examples/quick-start.mjs) with plain `node`: it must print the
 *   workload's identity and a rotation;
 * - every subpath of the `exports` map through `import` and through `require`;
 * - the tarball holds the LICENSE, the README and no source maps or test files.
 *
 * Run: `npm run test:packed`. Needs the npm registry (the package's dependencies are installed).
 * Exit codes: 0 all passed; 1 a check failed (the reason is printed).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'spiffe-ts-packed-'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Runs a command, returns its stdout; a failure throws with its output. */
function run(cmd, args, cwd, timeout = 120_000) {
  return execFileSync(cmd, args, { cwd, timeout, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function check(ok, what) {
  if (!ok) throw new Error(what);
  console.log(`ok   ${what}`);
}

try {
  run(npm, ['run', 'build'], root, 300_000);
  const [packed] = JSON.parse(
    run(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], root, 300_000),
  );
  const files = packed.files.map((f) => f.path);
  check(files.includes('LICENSE') && files.includes('README.md'), 'the tarball holds LICENSE and README.md');
  check(!files.some((f) => f.endsWith('.map')), 'the tarball holds no source maps');
  check(
    files.every((f) => /^(dist\/|LICENSE$|README\.md$|package\.json$)/.test(f)),
    'the tarball holds dist/ only, besides the metadata',
  );
  console.log(
    `     ${packed.filename}: ${files.length} files, ${(packed.unpackedSize / 1024).toFixed(0)} KiB unpacked`,
  );

  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  run(npm, ['install', '--no-audit', '--no-fund', join(dir, packed.filename)], dir, 300_000);

  copyFileSync(join(root, 'examples', 'quick-start.mjs'), join(dir, 'quick-start.mjs'));
  const out = run(process.execPath, ['quick-start.mjs'], dir, 60_000);
  process.stdout.write(out.trimEnd().replace(/^/gm, '     ') + '\n');
  check(/^I am spiffe:\/\/example\.org\/\S+, valid until /m.test(out), 'the quick start prints the identity');
  check(/^rotated: now valid until /m.test(out), 'the quick start sees a rotation');

  const subpaths = Object.keys(pkg.exports).filter((p) => p !== './package.json');
  for (const sub of subpaths) {
    const name = sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`;
    const esm = run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(name)}); console.log(Object.keys(m).length);`,
      ],
      dir,
    );
    const cjs = run(
      process.execPath,
      ['-e', `console.log(Object.keys(require(${JSON.stringify(name)})).length)`],
      dir,
    );
    check(
      Number(esm) > 0 && Number(esm) === Number(cjs),
      `${name}: import and require give the same ${Number(esm)} exports`,
    );
  }
  const version = run(join(dir, 'node_modules', '.bin', 'spiffe'), ['--version'], dir).trim();
  check(version === pkg.version, `npx spiffe --version prints ${pkg.version}`);
} catch (error) {
  console.error(`FAIL ${error.message}`);
  if (error.stderr) console.error(String(error.stderr));
  if (error.stdout) console.error(String(error.stdout));
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
