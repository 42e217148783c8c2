import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type TestAgent } from './agent.js';
import { run } from './in-process.js';

const dir = mkdtempSync(join(tmpdir(), 'spiffe-helper-config-'));
let t: TestAgent;
beforeAll(async () => {
  t = await startAgent();
  t.agent.register({ spiffeId: 'spiffe://example.org/batch', hint: 'batch' });
});
afterAll(async () => {
  await t.stop();
  rmSync(dir, { recursive: true, force: true });
});
let n = 0;
function config(doc: unknown): string {
  const path = join(dir, `helper-${++n}.json`);
  writeFileSync(path, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return path;
}

describe('spiffe helper --config (spiffe-helper key names, JSON)', () => {
  it('agent_address (a bare path), cert_dir, the file names, key_file_mode, jwt_svids and daemon_mode = false', async () => {
    const out = join(dir, 'certs');
    const file = config({
      agent_address: new URL(t.address).pathname,
      cert_dir: out,
      svid_file_name: 'tls.crt',
      svid_key_file_name: 'tls.key',
      svid_bundle_file_name: 'ca.crt',
      key_file_mode: '0640',
      daemon_mode: false,
      jwt_svids: [{ jwt_audience: 'api', jwt_extra_audiences: ['extra'], jwt_svid_file_name: 'api.jwt' }],
    });
    const r = await run(['helper', '--config', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['api.jwt', 'ca.crt', 'tls.crt', 'tls.key']);
    expect((statSync(join(out, 'tls.key')).mode & 0o777).toString(8)).toBe('640');
    const payload = JSON.parse(
      Buffer.from(readFileSync(join(out, 'api.jwt'), 'utf8').split('.')[1]!, 'base64url').toString(),
    );
    expect(payload.aud).toEqual(['api', 'extra']);
  });

  it('--hint writes the SVID with that hint; an unknown hint is exit 3 naming the hints there are', async () => {
    const out = join(dir, 'hinted');
    const r = await run(['helper', '--once', '--socket', t.address, '--out', out, '--hint', 'batch']);
    expect(r.code, r.stderr).toBe(0);
    const pem = readFileSync(join(out, 'svid.pem'), 'utf8');
    const { X509Certificate } = await import('node:crypto');
    expect(new X509Certificate(pem).subjectAltName).toBe('URI:spiffe://example.org/batch');
    const missing = await run(['helper', '--once', '--socket', t.address, '--out', out, '--hint', 'nope']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/no X509-SVID has the hint "nope".*hints \(none\), "batch"/);
  });

  it('--intermediates-in-bundle moves the intermediates from svid.pem to bundle.pem', async () => {
    const { FakeAgent, FakeCa } = await import('../../src/testing/index.js');
    const root = new FakeCa({ trustDomain: 'example.org' });
    const agent = await FakeAgent.start({ ca: root.intermediate() });
    agent.register({ spiffeId: 'spiffe://example.org/api' });
    const count = (path: string): number =>
      (readFileSync(path, 'utf8').match(/BEGIN CERTIFICATE/g) ?? []).length;
    try {
      const plain = join(dir, 'plain');
      expect((await run(['helper', '--once', '--socket', agent.address, '--out', plain])).code).toBe(0);
      expect([count(join(plain, 'svid.pem')), count(join(plain, 'bundle.pem'))]).toEqual([2, 1]);
      const moved = join(dir, 'moved');
      const r = await run([
        'helper',
        '--once',
        '--socket',
        agent.address,
        '--out',
        moved,
        '--intermediates-in-bundle',
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect([count(join(moved, 'svid.pem')), count(join(moved, 'bundle.pem'))]).toEqual([1, 2]);
    } finally {
      await agent.stop();
    }
  });

  it('flags override the file', async () => {
    const out = join(dir, 'override');
    const file = config({ agent_address: t.address, cert_dir: join(dir, 'not-used'), daemon_mode: false });
    const r = await run(['helper', '--config', file, '--out', out, '--svid-file', 'cert.pem']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['bundle.pem', 'cert.pem', 'svid_key.pem']);
  });

  it.each([
    [
      'an unknown key',
      { cert_dir: '/tmp/x', agent_addres: 'unix:///x' },
      /unknown key "agent_addres"[\s\S]*hint: known keys: agent_address/,
    ],
    [
      'a wrong type',
      { cert_dir: '/tmp/x', include_federated_domains: 'yes' },
      /include_federated_domains must be true or false/,
    ],
    [
      'a file mode written in decimal',
      { cert_dir: '/tmp/x', key_file_mode: 600 },
      /key_file_mode is 600 \(01130 in octal\), not a file mode/,
    ],
    [
      'a bad jwt_svids entry',
      { cert_dir: '/tmp/x', jwt_svids: [{ jwt_audience: 'a' }] },
      /jwt_svids\[0\]\.jwt_svid_file_name must be a string/,
    ],
    [
      'two health_checks blocks',
      { cert_dir: '/tmp/x', health_checks: [{ listener_enabled: true }, { listener_enabled: true }] },
      /give one health_checks block/,
    ],
    [
      'bad JSON',
      '{"cert_dir": "x",}',
      /is not valid JSON[\s\S]*hint: a config file that starts with "\{" is JSON/,
    ],
    [
      'bad HCL',
      '# HCL\ncert_dir = "x\n',
      /is not valid HCL: At 2:\d+: [\s\S]*hint: the config file is spiffe-helper's HCL/,
    ],
    ['an unknown HCL key', 'cert_dir = "x"\nagent_adress = "/x"\n', /unknown key "agent_adress"/],
    [
      'pid_file_name in one-shot mode',
      'cert_dir = "x"\ndaemon_mode = false\nrenew_signal = "SIGHUP"\npid_file_name = "/tmp/p.pid"\n',
      /pid_file_name is only supported in daemon mode/,
    ],
  ])('%s is a usage error (exit 2)', async (_name, doc, message) => {
    const r = await run(['helper', '--config', config(doc)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('a config file that does not exist: exit 1', async () => {
    const r = await run(['helper', '--config', join(dir, 'missing.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot read the config file');
  });
});

describe('spiffe helper: flags that do not fit together (exit 2)', () => {
  it.each([
    [['--socket', 'unix:///x'], /no output folder: pass --out DIR/],
    [['--out', '/tmp/x', '--pid-file', '/tmp/p'], /--pid-file needs --signal/],
    [['--out', '/tmp/x', '--signal', 'SIGHUP'], /--signal needs a process to signal/],
    [['--out', '/tmp/x', '--signal', 'SIGNOPE', '--pid', '1'], /"SIGNOPE" is not a signal name/],
    [
      ['--out', '/tmp/x', '--pid', '12', '--pid-file', '/tmp/p', '--signal', 'HUP'],
      /--pid or --pid-file, not both/,
    ],
    [['--out', '/tmp/x', '--once', '--cmd', 'x', '--signal', 'HUP'], /not with --once/],
    [['--out', '/tmp/x', '--once', '--health-port', '8081'], /daemon mode/],
    [['--out', '/tmp/x', '--jwt-audience', 'a'], /one --jwt-file per --jwt-audience/],
    [['--out', '/tmp/x', '--key-mode', '600x'], /not an octal file mode/],
    [['--out', '/tmp/x', '--svid-file', '../svid.pem'], /must be a plain file name/],
    [['--out', '/tmp/x', '--key-file', 'svid.pem'], /same file "svid.pem"/],
    [['--out', '/tmp/x', '--cmd-args', '-v'], /--cmd-args needs --cmd/],
    [['--out', '/tmp/x', '--cmd', 'x', '--cmd-args', '"unterminated'], /unterminated quote/],
    [['--out', '/tmp/x', '--timeout', 'later'], /"later" is not a duration/],
  ])('%j', async (args, message) => {
    const r = await run(['helper', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
