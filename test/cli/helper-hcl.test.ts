/**
 * `spiffe helper -config helper.conf` with spiffe-helper's own HCL configurations, laid out as
 * its README shows them (only the paths, the command and the audiences changed to fit the test),
 * against the fake agent, with the command run as a subprocess.
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JwtBundle, X509Bundle, X509BundleSet } from '../../src/bundle/index.js';
import { helperConfig } from '../../src/cli/helper-config.js';
import { renderX509Files } from '../../src/cli/x509-files.js';
import { JwtSvid, X509Svid } from '../../src/svid/index.js';
import { createCertificate, FakeCa } from '../../src/testing/index.js';
import type { X509Context } from '../../src/workloadapi/index.js';
import { startAgent, type TestAgent } from './agent.js';
import { runCli, startCli } from './cli.js';
import { helperScratch } from './scratch.js';

const { root, folder, unique, recorder: RECORDER } = helperScratch('spiffe-helper-hcl-');

let t: TestAgent | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);
const socketPath = (agent: TestAgent): string => new URL(agent.address).pathname;

function writeConfig(text: string): string {
  const path = join(root, `helper-${unique()}.conf`);
  writeFileSync(path, text);
  return path;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until<T>(check: () => T | undefined, what: string, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const logged = (log: string, line: string) => () =>
  existsSync(log) && readFileSync(log, 'utf8').split('\n').includes(line) ? true : undefined;

describe('spiffe helper -config (spiffe-helper HCL)', () => {
  it("one-shot (daemon_mode = false): the README's configuration example writes every file once and exits 0", async () => {
    t = await startAgent();
    const certs = folder();
    // spiffe-helper's README "Configuration example", with daemon_mode = false added. cmd and
    // renew_signal are ignored in one-shot mode, with a warning, as spiffe-helper does.
    const conf = writeConfig(`agent_address = "${socketPath(t)}"
cmd = "ghostunnel"
cmd_args = "server --listen localhost:8002 --target localhost:8001 --keystore certs/svid_key.pem --cacert certs/svid_bundle.pem --allow-uri-san spiffe://example.org/Database"
cert_dir = "${certs}"
renew_signal = "SIGUSR1"
svid_file_name = "svid.pem"
svid_key_file_name = "svid_key.pem"
svid_bundle_file_name = "svid_bundle.pem"
jwt_svids = [{jwt_audience="your-audience",jwt_extra_audiences=["your-extra-audience-1", "your-extra-audience-2"], jwt_svid_file_name="jwt_svid.token"}]
jwt_bundle_file_name = "bundle.json"
cert_file_mode = 0444
key_file_mode = 0444
jwt_bundle_file_mode = 0444
jwt_svid_file_mode = 0444
daemon_mode = false
`);
    const r = await runCli(['helper', '-config', conf]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/cmd is set but daemon_mode is false: cmd is ignored/);
    expect(r.stderr).toMatch(/renew_signal is set but daemon_mode is false/);
    expect(readdirSync(certs).sort()).toEqual([
      'bundle.json',
      'jwt_svid.token',
      'svid.pem',
      'svid_bundle.pem',
      'svid_key.pem',
    ]);
    for (const file of readdirSync(certs)) expect(mode(join(certs, file)), file).toBe('444');

    const svid = await X509Svid.load(join(certs, 'svid.pem'), join(certs, 'svid_key.pem'));
    expect(svid.id.toString()).toBe('spiffe://example.org/api');

    // bundle.json: spiffe-helper's format, trust domain name to the base64 of its JWKS.
    const bundles = JSON.parse(readFileSync(join(certs, 'bundle.json'), 'utf8')) as Record<string, string>;
    expect(Object.keys(bundles)).toContain('example.org');
    const jwks = JwtBundle.parse('example.org', Buffer.from(bundles['example.org']!, 'base64'));
    const token = readFileSync(join(certs, 'jwt_svid.token'), 'utf8');
    const jwt = JwtSvid.parseAndValidate(token, jwks, 'your-audience');
    expect(jwt.id.toString()).toBe('spiffe://example.org/api');
    expect(jwt.audience).toEqual(['your-audience', 'your-extra-audience-1', 'your-extra-audience-2']);
  });

  it("--config and -daemon-mode=false; the multi-line jwt_svids of spiffe-helper's test config; decimal modes as Go reads them", async () => {
    t = await startAgent();
    const certs = folder();
    const conf = writeConfig(`agent_address = "${socketPath(t)}"
cert_dir = "${certs}"
cert_file_mode = 0640
jwt_svid_file_mode = 416
svid_file_name = "svid.pem"
svid_key_file_name = "svid_key.pem"
svid_bundle_file_name = "svid_bundle.pem"
jwt_bundle_file_name = "jwt_bundle.json"
jwt_svids = [
  {
    jwt_svid_file_name = "jwt_svid.token"
    jwt_audience = "your-audience"
    jwt_extra_audiences = ["your-extra-audience-1", "your-extra-audience-2"]

  }
]
add_intermediates_to_bundle = true
`);
    const r = await runCli(['helper', '--config', conf, '-daemon-mode=false']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(certs).sort()).toEqual([
      'jwt_bundle.json',
      'jwt_svid.token',
      'svid.pem',
      'svid_bundle.pem',
      'svid_key.pem',
    ]);
    expect(mode(join(certs, 'svid.pem'))).toBe('640');
    expect(mode(join(certs, 'svid_key.pem'))).toBe('600');
    expect(mode(join(certs, 'jwt_bundle.json'))).toBe('600');
    // 416 without a leading 0 is decimal, as Go reads it: 0640.
    expect(mode(join(certs, 'jwt_svid.token'))).toBe('640');
  });

  it('daemon mode: cmd is started, gets renew_signal on rotation; health_checks answer on their paths', async () => {
    t = await startAgent({ ttlMs: 2000 });
    const certs = folder();
    const log = join(root, `child-${unique()}.log`);
    const port = await freePort();
    const conf = writeConfig(`agent_address = "${socketPath(t)}"
cmd = "${process.execPath}"
cmd_args = "${RECORDER} ${log}"
cert_dir = "${certs}"
renew_signal = "SIGUSR1"
svid_file_name = "svid.pem"
svid_key_file_name = "svid_key.pem"
svid_bundle_file_name = "svid_bundle.pem"
jwt_bundle_file_name = "bundle.json"
health_checks {
  listener_enabled = true
  bind_port = ${port}
  liveness_path = "/healthz"
  readiness_path = "/readyz"
}
`);
    const cli = startCli(['helper', '-config', conf]);
    try {
      await until(logged(log, 'started'), 'the child to start');
      await until(logged(log, 'SIGUSR1'), 'the child to get SIGUSR1 on a rotation');
      expect(existsSync(join(certs, 'bundle.json'))).toBe(true);
      const live = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(live.status).toBe(200);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'fresh', spiffeId: 'spiffe://example.org/api' });
      expect((await fetch(`http://127.0.0.1:${port}/live`)).status).toBe(404);
    } finally {
      const result = await cli.stop('SIGTERM');
      expect(result.code, result.stderr).toBe(0);
    }
    await until(logged(log, 'SIGTERM'), 'the child to be stopped');
  });

  it('daemon mode: pid_file_name gets renew_signal (spiffe-helper\'s "signal an externally-managed process")', async () => {
    t = await startAgent({ ttlMs: 2000 });
    const certs = folder();
    const log = join(root, `ext-${unique()}.log`);
    const pidFile = join(root, `ext-${unique()}.pid`);
    const external = spawn(process.execPath, [RECORDER, log, pidFile], { stdio: 'ignore' });
    try {
      await until(() => (existsSync(pidFile) ? true : undefined), 'the pid file');
      const conf = writeConfig(`agent_address = "${socketPath(t)}"
cert_dir = "${certs}"
pid_file_name = "${pidFile}"
renew_signal = "SIGHUP"
svid_file_name = "svid.pem"
svid_key_file_name = "svid_key.pem"
svid_bundle_file_name = "svid_bundle.pem"
`);
      const cli = startCli(['helper', '-config', conf]);
      try {
        await until(logged(log, 'SIGHUP'), 'the external process to get SIGHUP');
        expect(existsSync(join(certs, 'svid.pem'))).toBe(true);
      } finally {
        expect((await cli.stop('SIGTERM')).code).toBe(0);
      }
    } finally {
      external.kill('SIGTERM');
    }
  });

  it('reads helper.conf from the working folder when neither -config nor --out is given', async () => {
    const cwd = folder();
    mkdirSync(cwd);
    writeFileSync(join(cwd, 'helper.conf'), 'cert_dir = "certs"\ndaemon_mode = false\n');
    const before = process.cwd();
    const env = process.env.SPIFFE_ENDPOINT_SOCKET;
    delete process.env.SPIFFE_ENDPOINT_SOCKET;
    try {
      process.chdir(cwd);
      const config = await helperConfig({});
      expect(config.outDir).toBe(join(realpathSync(cwd), 'certs'));
      expect(config.once).toBe(true);
      // spiffe-helper's default agent address, without agent_address or SPIFFE_ENDPOINT_SOCKET.
      expect(config.socket).toBe('/tmp/spire-agent/public/api.sock');
      // ... and none without a config file (then SPIFFE_ENDPOINT_SOCKET or an error, as before).
      expect((await helperConfig({ out: 'x' })).socket).toBeUndefined();
    } finally {
      process.chdir(before);
      if (env !== undefined) process.env.SPIFFE_ENDPOINT_SOCKET = env;
    }
  });
});

describe('omit_expired', () => {
  it('leaves expired CA certificates out of the bundle file, and only with omit_expired', async () => {
    const ca = new FakeCa({ trustDomain: 'example.org' });
    const svid = ca.issueX509Svid({ id: 'spiffe://example.org/api' }).toX509Svid();
    const expired = createCertificate({
      subject: 'O=expired root',
      basicConstraints: { ca: true },
      notBefore: new Date(Date.now() - 2 * 3_600_000),
      notAfter: new Date(Date.now() - 3_600_000),
    });
    const pem = [expired.pem, ...ca.rootCertificates().map((c) => c.toString())].join('');
    const context = {
      svids: [svid],
      bundles: new X509BundleSet(X509Bundle.parse('example.org', pem)),
    } as unknown as X509Context;
    const dir = folder();
    mkdirSync(dir);
    writeFileSync(join(dir, 'keep.conf'), `cert_dir = "${dir}"\n`);
    writeFileSync(join(dir, 'omit.conf'), `cert_dir = "${dir}"\nomit_expired = true\n`);
    const count = (text: string): number => text.split('BEGIN CERTIFICATE').length - 1;
    const keep = renderX509Files(context, svid, await helperConfig({ config: join(dir, 'keep.conf') }));
    expect(count(keep.bundle)).toBe(2);
    const omit = renderX509Files(context, svid, await helperConfig({ config: join(dir, 'omit.conf') }));
    expect(count(omit.bundle)).toBe(1);
    expect(omit.bundle).toBe(ca.rootCertificates()[0]!.toString());
  });
});
