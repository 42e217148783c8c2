import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { X509Bundle } from '../../src/bundle/index.js';
import { JwtSvid, X509Svid } from '../../src/svid/index.js';
import { startAgent, type TestAgent } from './agent.js';
import { runCli, startCli } from './cli.js';
import { helperScratch } from './scratch.js';

const { root, folder, unique, recorder: RECORDER } = helperScratch('spiffe-helper-');

let t: TestAgent | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version']);
    return true;
  } catch {
    return false;
  }
})();

function opensslVerify(dir: string): string {
  return execFileSync('openssl', [
    'verify',
    '-CAfile',
    join(dir, 'bundle.pem'),
    join(dir, 'svid.pem'),
  ]).toString();
}

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

async function until<T>(
  check: () => T | undefined | Promise<T | undefined>,
  what: string,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('spiffe helper --once', () => {
  it('writes svid.pem, svid_key.pem (0600), bundle.pem and a JWT-SVID, runs --cmd after, exits 0', async () => {
    t = await startAgent();
    const out = folder();
    const marker = join(root, `hook-${unique()}.txt`);
    const hook = `require('fs').writeFileSync(${JSON.stringify(marker)}, require('fs').readdirSync(${JSON.stringify(out)}).sort().join(','))`;
    const r = await runCli([
      'helper',
      '--once',
      '--out',
      out,
      '--socket',
      t.address,
      '--include-federated',
      '--jwt-audience',
      'spiffe://example.org/db',
      '--jwt-file',
      'db.token',
      '--cmd',
      process.execPath,
      '--cmd-args',
      `-e "${hook.replace(/"/g, '\\"')}"`,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['bundle.pem', 'db.token', 'svid.pem', 'svid_key.pem']);
    expect(mode(join(out, 'svid_key.pem'))).toBe('600');
    expect(mode(join(out, 'svid.pem'))).toBe('644');
    expect(mode(join(out, 'db.token'))).toBe('600');
    const svid = await X509Svid.load(join(out, 'svid.pem'), join(out, 'svid_key.pem'));
    expect(svid.id.toString()).toBe('spiffe://example.org/api');
    // --include-federated: the bundle holds example.org's and other.org's roots.
    const bundle = X509Bundle.parse('example.org', readFileSync(join(out, 'bundle.pem')));
    expect(bundle.x509Authorities()).toHaveLength(2);
    const token = readFileSync(join(out, 'db.token'), 'utf8');
    expect(JwtSvid.parseAndValidate(token, t.ca.jwtBundle(), 'spiffe://example.org/db').id.toString()).toBe(
      'spiffe://example.org/api',
    );
    expect(readFileSync(marker, 'utf8')).toBe('bundle.pem,db.token,svid.pem,svid_key.pem');
    const wrote = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((e) => e.event === 'wrote');
    expect(wrote).toMatchObject({
      spiffeId: 'spiffe://example.org/api',
      files: ['svid.pem', 'svid_key.pem', 'bundle.pem'],
    });
    expect(r.stdout + r.stderr).not.toContain(token);
    if (hasOpenssl) expect(opensslVerify(out)).toMatch(/svid\.pem: OK/);
  });

  it('exits 3 when no identity arrives within --timeout, and writes nothing', async () => {
    t = await startAgent({ register: false });
    const out = folder();
    const started = Date.now();
    const r = await runCli(['helper', '--once', '--out', out, '--socket', t.address, '--timeout', '800ms']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/not received within 800 ms.*PermissionDenied/);
    expect(r.stderr).toContain('hint: the agent has no registration entry');
    expect(readdirSync(out)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('spiffe helper --out folder mode', () => {
  it('creates a missing --out folder (and its missing parents) 0700 under umask 000', async () => {
    t = await startAgent();
    const parent = folder();
    const out = join(parent, 'certs');
    const r = await runCli(['helper', '--once', '--out', out, '--socket', t.address], { umask: 0 });
    expect(r.code, r.stderr).toBe(0);
    expect(mode(parent)).toBe('700');
    expect(mode(out)).toBe('700');
    // The files keep their own modes, also under umask 000.
    expect(mode(join(out, 'svid_key.pem'))).toBe('600');
    expect(mode(join(out, 'svid.pem'))).toBe('644');
  });

  it('--dir-mode 0755 creates it readable by others, even under umask 077', async () => {
    t = await startAgent();
    const out = folder();
    const r = await runCli(['helper', '--once', '--out', out, '--dir-mode', '0755', '--socket', t.address], {
      umask: 0o077,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(mode(out)).toBe('755');
  });

  it('leaves an existing --out folder’s mode as it is', async () => {
    t = await startAgent();
    const out = folder();
    mkdirSync(out);
    chmodSync(out, 0o750);
    const r = await runCli(['helper', '--once', '--out', out, '--socket', t.address], { umask: 0 });
    expect(r.code, r.stderr).toBe(0);
    expect(mode(out)).toBe('750');
  });

  it.each(['0777', '0775', '0757', '0500', 'rwx'])('refuses --dir-mode %s', async (dirMode) => {
    const out = folder();
    const r = await runCli(['helper', '--once', '--out', out, '--dir-mode', dirMode]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--dir-mode "${dirMode}"`);
    expect(existsSync(out)).toBe(false);
  });
});

describe('spiffe helper (daemon)', () => {
  it('rewrites the files on every rotation and signals its child; health says fresh, then expired; SIGTERM stops both', async () => {
    t = await startAgent({ ttlMs: 2000 });
    const out = folder();
    const log = join(root, `child-${unique()}.log`);
    const cli = startCli([
      'helper',
      '--out',
      out,
      '--socket',
      t.address,
      '--json',
      '--cmd',
      process.execPath,
      '--cmd-args',
      `${RECORDER} ${log}`,
      '--signal',
      'SIGHUP',
      '--health-port',
      '0',
      '--health-addr',
      '127.0.0.1',
    ]);
    const health = await cli.event((e) => e.event === 'health', 'the health endpoint');
    const first = await cli.event((e) => e.event === 'wrote', 'the first write');
    await cli.event((e) => e.event === 'reload' && e.action === 'start', 'the child start');
    const second = await cli.event((e) => e.event === 'wrote' && e.change === 'rotated', 'a rotation');
    expect(second.serialNumber).not.toBe(first.serialNumber);
    await cli.event((e) => e.event === 'reload' && e.signal === 'SIGHUP', 'the SIGHUP');
    // A child still booting when a rotation comes dies of the SIGHUP (as with spiffe-helper) and is
    // started again at the next one: wait for a SIGHUP the child recorded.
    await until(
      () => (existsSync(log) && readFileSync(log, 'utf8').includes('SIGHUP') ? true : undefined),
      'the child to record SIGHUP',
      15_000,
    );
    expect(readFileSync(log, 'utf8').split('\n')[0]).toBe('started');

    // The files on disk are a valid, current X509-SVID.
    const onDisk = await X509Svid.load(join(out, 'svid.pem'), join(out, 'svid_key.pem'));
    expect(onDisk.id.toString()).toBe('spiffe://example.org/api');
    if (hasOpenssl) expect(opensslVerify(out)).toMatch(/OK/);

    const url = health.url as string;
    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'fresh', spiffeId: 'spiffe://example.org/api' });
    expect((await fetch(`${url}/live`)).status).toBe(200);
    expect((await fetch(`${url}/nope`)).status).toBe(404);

    // The agent goes away: no rotation, the SVID on disk expires, readiness fails.
    await t.stop();
    t = undefined;
    const expired = await until(async () => {
      const res = await fetch(`${url}/ready`);
      return res.status === 503 ? ((await res.json()) as Record<string, unknown>) : undefined;
    }, 'readiness to fail');
    expect(expired).toMatchObject({ status: 'expired' });

    const result = await cli.stop('SIGTERM');
    expect(result.code).toBe(0);
    expect(readFileSync(log, 'utf8')).toMatch(/SIGTERM\n$/);
  });

  it('signals the process of --pid-file after a write; /ready is 503 "missing" when svid.pem is gone', async () => {
    t = await startAgent();
    const out = folder();
    const log = join(root, `ext-${unique()}.log`);
    const pidFile = join(root, `ext-${unique()}.pid`);
    const external = spawn(process.execPath, [RECORDER, log, pidFile], { stdio: 'ignore' });
    try {
      await until(() => (existsSync(pidFile) ? true : undefined), 'the pid file');
      const cli = startCli([
        'helper',
        '--out',
        out,
        '--socket',
        t.address,
        '--json',
        '--signal',
        'USR1',
        '--pid-file',
        pidFile,
        '--health-port',
        '0',
        '--health-addr',
        '127.0.0.1',
      ]);
      const health = await cli.event((e) => e.event === 'health', 'the health endpoint');
      const reload = await cli.event((e) => e.event === 'reload', 'the signal');
      expect(reload).toMatchObject({ action: 'signal', signal: 'SIGUSR1', pid: external.pid });
      await until(() => (readFileSync(log, 'utf8').includes('SIGUSR1') ? true : undefined), 'SIGUSR1');
      expect((await fetch(`${health.url as string}/ready`)).status).toBe(200);
      unlinkSync(join(out, 'svid.pem'));
      const res = await fetch(`${health.url as string}/ready`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'missing' });
      expect((await cli.stop('SIGINT')).code).toBe(0);
    } finally {
      external.kill('SIGTERM');
    }
  });
});
