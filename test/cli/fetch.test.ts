import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JwtSvid } from '../../src/svid/index.js';
import { startAgent, type TestAgent } from './agent.js';
import { runCli } from './cli.js';
import { run, runJson } from './in-process.js';

let t: TestAgent;
beforeAll(async () => {
  t = await startAgent({ hint: 'internal' });
  t.agent.register({ spiffeId: 'spiffe://example.org/batch', hint: 'batch' });
});
afterAll(() => t.stop());

describe('spiffe fetch x509', () => {
  it('prints the ID, hint, expiry with time left, the chain and the trust domains (subprocess, SPIFFE_ENDPOINT_SOCKET)', async () => {
    const r = await runCli(['fetch', 'x509'], { env: { SPIFFE_ENDPOINT_SOCKET: t.address } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/X509-SVID spiffe:\/\/example\.org\/api \(default\)/);
    expect(r.stdout).toMatch(/hint +internal/);
    expect(r.stdout).toMatch(/expires +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in \d+m \d+s\)/);
    expect(r.stdout).toMatch(/subject C=US, O=SPIRE +issuer C=US, O=SPIFFE/);
    expect(r.stdout).toContain('key EC P-256');
    expect(r.stdout).toMatch(/example\.org +own +1 X\.509 authority/);
    expect(r.stdout).toMatch(/other\.org +federated +1 X\.509 authority/);
    expect(r.stdout + r.stderr).not.toContain('PRIVATE KEY');
  });

  it('--json: every SVID with chain summaries, bundles marked own or federated, never a key', async () => {
    const { code, json, stdout } = await runJson(['fetch', 'x509', '--socket', t.address]);
    expect(code).toBe(0);
    expect(json.svids.map((s: { spiffeId: string }) => s.spiffeId).sort()).toEqual([
      'spiffe://example.org/api',
      'spiffe://example.org/batch',
    ]);
    const first = json.svids[0];
    expect(first.default).toBe(true);
    expect(first.secondsLeft).toBeGreaterThan(3500);
    expect(first.chain[0]).toMatchObject({
      ca: false,
      keyType: 'EC P-256',
      extKeyUsage: ['serverAuth', 'clientAuth'],
    });
    expect(json.trustDomains).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ trustDomain: 'example.org', federated: false }),
        expect.objectContaining({ trustDomain: 'other.org', federated: true }),
      ]),
    );
    expect(stdout).not.toMatch(/PRIVATE KEY|privateKey/);
  });

  it('W-15: a workload without identity gets exit 3 after --timeout, with the reason and a hint', async () => {
    const lonely = await t.agent.workload({ selectors: ['unix:uid:4242'] });
    const r = await run(['fetch', 'x509', '--socket', lonely.address, '--timeout', '700ms']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/not received within 700 ms.*no identity issued: PermissionDenied/);
    expect(r.stderr).toContain('hint: the agent has no registration entry');
    await lonely.close();
  });
});

describe('spiffe fetch jwt', () => {
  it('prints the token alone on stdout and what it is on stderr (subprocess)', async () => {
    const r = await runCli(['fetch', 'jwt', '--audience', 'spiffe://example.org/db', '--socket', t.address]);
    expect(r.code).toBe(0);
    const token = r.stdout.trim();
    expect(r.stdout).toBe(`${token}\n`);
    const svid = JwtSvid.parseAndValidate(token, t.ca.jwtBundle(), 'spiffe://example.org/db');
    expect(svid.id.toString()).toBe('spiffe://example.org/api');
    expect(r.stderr).toMatch(/JWT-SVID for spiffe:\/\/example\.org\/api/);
    expect(r.stderr).toMatch(/audience spiffe:\/\/example\.org\/db +expires .*\(in 4m \d+s\)/);
    expect(r.stderr).not.toContain(token);
  });

  it('--spiffe-id picks the identity; extra --audience values are extra audiences; --json holds token and metadata', async () => {
    const { code, json } = await runJson([
      'fetch',
      'jwt',
      '-a',
      'api',
      '-a',
      'extra',
      '--spiffe-id',
      'spiffe://example.org/batch',
      '--socket',
      t.address,
    ]);
    expect(code).toBe(0);
    expect(json).toMatchObject({
      spiffeId: 'spiffe://example.org/batch',
      hint: 'batch',
      audience: ['api', 'extra'],
    });
    expect(JwtSvid.parseAndValidate(json.token, t.ca.jwtBundle(), 'extra').id.toString()).toBe(
      'spiffe://example.org/batch',
    );
  });

  it('an identity the workload does not have: exit 3', async () => {
    const r = await run([
      'fetch',
      'jwt',
      '-a',
      'api',
      '--spiffe-id',
      'spiffe://example.org/nobody',
      '--socket',
      t.address,
      '-t',
      '600ms',
    ]);
    expect(r.code).toBe(3);
  });
});

describe('spiffe fetch bundles', () => {
  it('lists X.509 and JWT authorities per trust domain (subprocess)', async () => {
    const r = await runCli(['fetch', 'bundles', '--socket', t.address]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /trust domain example\.org\n {2}X\.509 authorities \(1\)\n {4}\[1\] root CA {2}spiffe:\/\/example\.org/,
    );
    expect(r.stdout).toMatch(/trust domain other\.org/);
    const kid = [...t.ca.jwtAuthorities().keys()][0]!;
    expect(r.stdout).toContain(`kid ${kid}  EC P-256`);
  });

  it('--json', async () => {
    const { code, json } = await runJson(['fetch', 'bundles', '--socket', t.address]);
    expect(code).toBe(0);
    const own = json.trustDomains.find((b: { trustDomain: string }) => b.trustDomain === 'example.org');
    expect(own.x509Authorities[0]).toMatchObject({
      ca: true,
      selfSigned: true,
      uris: ['spiffe://example.org'],
    });
    expect(own.jwtAuthorities[0]).toEqual({ kid: [...t.ca.jwtAuthorities().keys()][0], keyType: 'EC P-256' });
  });
});
