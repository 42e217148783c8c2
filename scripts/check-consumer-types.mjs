#!/usr/bin/env node
// Type-checks a consumer program against the built package, as users get it: the package is
// packed (`npm pack`) and installed into a temporary project, once with @types/node 20 (the
// oldest Node the package supports) and once with the newest @types/node, each checked by the
// repository's TypeScript with `strict`, `skipLibCheck: false` and `module: nodenext`, from an
// ES module and a CommonJS module (the package's `.d.ts` and `.d.cts`). The consumer imports every
// subpath and passes `createDispatcher(...)` to the global `fetch` without a cast.
//
// Needs `dist/` (run `npm run build` first) and the npm registry (not GitHub).
//
// Usage: node scripts/check-consumer-types.mjs [--types-node <range>]... [--keep]
//   default ranges: 20 and latest.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const keep = args.includes('--keep');
const ranges = args.flatMap((a, i) => (args[i - 1] === '--types-node' ? [a] : []));
if (ranges.length === 0) ranges.push('20', 'latest');

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const started = Date.now();

if (!existsSync(join(root, 'dist', 'index.d.ts'))) {
  console.error('check-consumer-types: dist/ is missing: run `npm run build` first');
  process.exit(2);
}

/** The consumer, written once as ESM (`.mts`) and once as CommonJS (`.cts`). */
const CONSUMER = `
import * as sdk from '@spiffe-ts/sdk';
import { SpiffeId, TrustDomain, matchId, matchIdPrefix, type Matcher } from '@spiffe-ts/sdk/spiffeid';
import { X509BundleSet, type X509BundleSource } from '@spiffe-ts/sdk/bundle';
import { X509Svid, type X509SvidSource } from '@spiffe-ts/sdk/svid';
import { BundleSource, JwtSource, WorkloadApiClient, X509Source } from '@spiffe-ts/sdk/workloadapi';
import {
  authorizeAllOf,
  authorizeAny,
  authorizeAnyOf,
  authorizeId,
  authorizeIdPrefix,
  authorizeMemberOf,
  authorizeNot,
  createDispatcher,
  createHttpsAgent,
  mtlsClientOptions,
  type Authorizer,
} from '@spiffe-ts/sdk/tlsconfig';
import { fetchBundle, type FetchBundleOptions } from '@spiffe-ts/sdk/federation';
import { FakeAgent, FakeCa, ManualClock } from '@spiffe-ts/sdk/testing';
import { once } from 'node:events';

export async function consume(): Promise<void> {
  const td: TrustDomain = TrustDomain.from('example.org');
  const id: SpiffeId = SpiffeId.fromSegments(td, 'api');
  const matcher: Matcher = matchIdPrefix(SpiffeId.from('spiffe://example.org/ns'));
  matcher(id);
  matchId(id)(id);

  const x509 = await X509Source.create({ timeoutMs: 5000, clientOptions: { logger: console } });
  const jwt = await JwtSource.create({ signal: AbortSignal.timeout(5000) });
  const bundles = await BundleSource.create({ client: new WorkloadApiClient({ address: 'unix:///tmp/agent.sock' }) });
  x509.on('update', (context) => context.defaultSvid.id.toString());
  x509.once('error', (error) => error.code);
  const [context] = await once(x509, 'update');
  void context;
  const svidSource: X509SvidSource = x509;
  const bundleSource: X509BundleSource = bundles;
  void svidSource, bundleSource, jwt;

  const authorizer: Authorizer = authorizeAllOf(
    authorizeMemberOf(td),
    authorizeAnyOf(authorizeId(id), authorizeIdPrefix('spiffe://example.org/ns/prod')),
    authorizeNot(authorizeId('spiffe://example.org/ns/prod/sa/batch')),
  );
  const options = mtlsClientOptions(x509, x509, authorizer);
  const dispatcher = createDispatcher(options, { allowH2: true });
  const res: Response = await fetch('https://10.0.0.7:8443/', { dispatcher });
  await res.text();
  await dispatcher.close();
  createHttpsAgent(options).destroy();
  void authorizeAny;

  const fetchOptions: FetchBundleOptions | undefined = undefined;
  void fetchOptions, fetchBundle, X509BundleSet, X509Svid;
  const agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org', clock: new ManualClock() }) });
  await agent.stop();
  void sdk.SpiffeError;
}
`;

const TSCONFIG = {
  compilerOptions: {
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    target: 'es2022',
    lib: ['es2023'],
    module: 'nodenext',
    moduleResolution: 'nodenext',
    types: ['node'],
  },
  files: ['consumer.mts', 'consumer.cts'],
};

function run(cmd, argv, cwd) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}

const work = mkdtempSync(join(tmpdir(), 'spiffe-ts-consumer-'));
let failed = false;
try {
  const packed = JSON.parse(
    execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const tarball = join(work, packed[0].filename);
  const tsVersion = JSON.parse(
    readFileSync(join(root, 'node_modules/typescript/package.json'), 'utf8'),
  ).version;

  // `latest` is asked of the registry (one request), so that --prefer-offline below cannot pick a
  // stale cached answer; exact versions install from the npm cache when present.
  const resolved = ranges.map((range) =>
    range === 'latest'
      ? execFileSync(npm, ['view', '@types/node@latest', 'version'], { encoding: 'utf8' }).trim()
      : range,
  );
  const results = await Promise.all(
    ranges.map(async (range, i) => {
      const dir = join(work, `types-node-${range.replace(/[^\w.-]/g, '_')}`);
      mkdirSync(dir);
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({
          name: 'consumer',
          private: true,
          type: 'module',
          dependencies: { '@spiffe-ts/sdk': `file:${tarball}`, '@types/node': resolved[i] },
        }),
      );
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
      writeFileSync(join(dir, 'consumer.mts'), CONSUMER);
      writeFileSync(join(dir, 'consumer.cts'), CONSUMER);
      const install = await run(
        npm,
        ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', '--prefer-offline'],
        dir,
      );
      if (install.code !== 0) return { range, ok: false, out: `npm install failed:\n${install.out}` };
      const installed = JSON.parse(
        readFileSync(join(dir, 'node_modules/@types/node/package.json'), 'utf8'),
      ).version;
      const check = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], dir);
      return { range, installed, ok: check.code === 0, out: check.out };
    }),
  );
  for (const r of results) {
    const what = `@types/node ${r.range}${r.installed ? ` (${r.installed})` : ''}, typescript ${tsVersion}`;
    if (r.ok) console.log(`ok: consumer type-checks with ${what}`);
    else {
      failed = true;
      console.error(`FAIL: consumer does not type-check with ${what}:\n${r.out}`);
    }
  }
} finally {
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
console.log(`check-consumer-types: ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
