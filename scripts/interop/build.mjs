#!/usr/bin/env node
/**
 * Builds what the interop suite (test/interop) and the go-spiffe benchmarks (bench/go) run:
 *
 * - spire-server and spire-agent of SPIRE v1.15.3, from the Go module proxy, through a wrapper
 *   module generated in the cache folder (`go install …@v1.15.3` cannot work here: the proxy refuses
 *   SPIRE's version list, which `go install` reads for deprecation notices);
 * - this repository's own Go programs under test/interop/go (go-spiffe v2 clients and servers);
 * - the go-spiffe benchmark program under bench/go.
 *
 * Everything lands in `${SPIFFE_TS_INTEROP_CACHE:-$HOME/.cache/spiffe-ts-interop}/bin`. Each part is
 * rebuilt only when its inputs (sources, pinned versions, Go version) changed, so later runs take
 * well under a second. Usage: `node scripts/interop/build.mjs [--quiet] [--only spire|programs|bench]`.
 * Exits 1 with a message when Go (or gcc, which SPIRE's sqlite datastore needs through cgo) is missing.
 */
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The pinned SPIRE release. Bump here (and in docs/interop.md). */
export const SPIRE_VERSION = 'v1.15.3';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const cacheDir = resolve(
  process.env.SPIFFE_TS_INTEROP_CACHE || join(homedir(), '.cache', 'spiffe-ts-interop'),
);
const binDir = join(cacheDir, 'bin');
const args = process.argv.slice(2);
const quiet = args.includes('--quiet');
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;

function log(message) {
  if (!quiet) process.stderr.write(`[interop build] ${message}\n`);
}

function fail(message) {
  process.stderr.write(`[interop build] ERROR: ${message}\n`);
  process.exit(1);
}

/** GOFLAGS with -buildvcs=false added: the cache folder and test/interop/go are not VCS roots of their own. */
function goFlags() {
  const flags = process.env.GOFLAGS ?? '';
  return flags.includes('-buildvcs') ? flags : `${flags} -buildvcs=false`.trim();
}

/** Runs a command at low priority (other work shares the machine), inheriting output unless quiet. */
function run(command, commandArgs, cwd, env = {}) {
  const useNice = spawnSync('nice', ['-n', '0', 'true']).status === 0;
  const [cmd, cmdArgs] = useNice ? ['nice', ['-n', '10', command, ...commandArgs]] : [command, commandArgs];
  const where = cwd.startsWith(repoRoot) ? relative(repoRoot, cwd) || '.' : cwd;
  log(`$ (cd ${where} && ${command} ${commandArgs.join(' ')})`);
  const started = Date.now();
  const result = spawnSync(cmd, cmdArgs, {
    cwd,
    env: { ...process.env, GOFLAGS: goFlags(), ...env },
    stdio: quiet ? ['ignore', 'ignore', 'pipe'] : 'inherit',
  });
  if (result.status !== 0) {
    if (quiet && result.stderr) process.stderr.write(result.stderr);
    fail(`${command} ${commandArgs.join(' ')} failed in ${cwd} (exit ${result.status ?? result.signal})`);
  }
  log(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function goVersion() {
  const result = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    fail('Go is not installed (or not on PATH); the interop suite needs Go 1.26 or newer and gcc (cgo).');
  }
  return result.stdout.trim();
}

/** All regular files under `dir`, sorted, as paths relative to it. */
function listFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(path).map((p) => join(entry.name, p)));
    else if (entry.isFile()) out.push(entry.name);
  }
  return out.sort();
}

/** A digest of the inputs of one build part: the given strings and every file under the given folders. */
function digest(strings, dirs) {
  const hash = createHash('sha256');
  for (const s of strings) hash.update(`${s}\0`);
  for (const dir of dirs) {
    for (const file of listFiles(dir)) {
      hash.update(`${relative(repoRoot, join(dir, file))}\0`);
      hash.update(readFileSync(join(dir, file)));
    }
  }
  return hash.digest('hex');
}

function upToDate(stampName, key, binaries) {
  const stamp = join(binDir, stampName);
  return (
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8') === key &&
    binaries.every((b) => existsSync(join(binDir, b)))
  );
}

function writeStamp(stampName, key) {
  writeFileSync(join(binDir, stampName), key);
}

/**
 * `go build -o` into a scratch folder, then a rename per binary: a run that is interrupted never
 * leaves a half-written binary under bin/.
 */
function goBuild(cwd, packages, binaries, env = {}) {
  const scratch = join(cacheDir, `.out-${process.pid}`);
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  run('go', ['build', '-trimpath', '-o', `${scratch}/`, ...packages], cwd, env);
  for (const b of binaries) renameSync(join(scratch, b), join(binDir, b));
  rmSync(scratch, { recursive: true, force: true });
}

/** SPIRE v1.15.3 through a wrapper module; see scripts/interop/spire/ejbca-stub/ejbca.go for the stub. */
function buildSpire(go) {
  const source = join(here, 'spire');
  const binaries = ['spire-server', 'spire-agent'];
  const key = digest([SPIRE_VERSION, go], [source]);
  if (upToDate('.spire.stamp', key, binaries)) {
    log(`SPIRE ${SPIRE_VERSION}: up to date`);
    return;
  }
  const cc = spawnSync(process.env.CC || 'gcc', ['--version']);
  if (cc.error || cc.status !== 0) fail("gcc is needed: SPIRE's sqlite datastore is built with cgo.");
  const wrapper = join(cacheDir, `spire-${SPIRE_VERSION}`);
  rmSync(wrapper, { recursive: true, force: true });
  for (const file of listFiles(source)) {
    mkdirSync(dirname(join(wrapper, file)), { recursive: true });
    copyFileSync(join(source, file), join(wrapper, file));
  }
  writeFileSync(
    join(wrapper, 'go.mod'),
    [
      'module local/spirebuild',
      '',
      'go 1.26.6',
      '',
      `require github.com/spiffe/spire ${SPIRE_VERSION}`,
      '',
      "// The proxy refuses this module's zip (403); only SPIRE's unused EJBCA plugin imports it.",
      'replace github.com/Keyfactor/ejbca-go-client-sdk => ./ejbca-stub',
      '',
    ].join('\n'),
  );
  log(`SPIRE ${SPIRE_VERSION}: building (the first build downloads ~1 GB of modules and takes minutes)`);
  run('go', ['mod', 'tidy'], wrapper);
  goBuild(
    wrapper,
    ['github.com/spiffe/spire/cmd/spire-server', 'github.com/spiffe/spire/cmd/spire-agent'],
    binaries,
    { CGO_ENABLED: '1' },
  );
  writeStamp('.spire.stamp', key);
}

/** A Go module of this repository: builds every `cmd/*` main package into bin/. */
function buildModule(go, name, moduleDir) {
  const cmdDir = join(moduleDir, 'cmd');
  const binaries = readdirSync(cmdDir).filter((d) => statSync(join(cmdDir, d)).isDirectory());
  const key = digest([go], [moduleDir]);
  if (upToDate(`.${name}.stamp`, key, binaries)) {
    log(`${name}: up to date`);
    return;
  }
  log(`${name}: building ${binaries.join(', ')}`);
  goBuild(moduleDir, ['./cmd/...'], binaries);
  writeStamp(`.${name}.stamp`, key);
}

/** One build at a time per cache folder: later callers wait for the first (bounded). */
function withLock(fn) {
  const lock = join(cacheDir, '.build.lock');
  const deadline = Date.now() + 60 * 60 * 1000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        // The owner has not written its pid yet.
      }
      let alive = false;
      if (Number.isInteger(owner) && owner > 0) {
        try {
          process.kill(owner, 0);
          alive = true;
        } catch {
          alive = false;
        }
      } else {
        alive = Date.now() - statSync(lock).mtimeMs < 10_000;
      }
      if (!alive) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) fail(`another build (pid ${owner}) holds ${lock} for over an hour`);
      log(`waiting for the build in pid ${owner} to finish`);
      spawnSync('sleep', ['2']);
    }
  }
  try {
    fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function main() {
  const started = Date.now();
  const go = goVersion();
  mkdirSync(binDir, { recursive: true });
  withLock(() => {
    if (!only || only === 'spire') buildSpire(go);
    if (!only || only === 'programs')
      buildModule(go, 'interop-programs', join(repoRoot, 'test', 'interop', 'go'));
    if (!only || only === 'bench') buildModule(go, 'bench-go', join(repoRoot, 'bench', 'go'));
  });
  log(`ready in ${binDir} (${go}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

main();
