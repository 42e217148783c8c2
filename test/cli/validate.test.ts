import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type TestAgent } from './agent.js';
import { runCli } from './cli.js';
import { run, runJson } from './in-process.js';

let t: TestAgent;
beforeAll(async () => {
  t = await startAgent();
});
afterAll(() => t.stop());

const token = (audience = 'spiffe://example.org/db', claims?: Record<string, unknown>) =>
  t.ca.issueJwtSvid({ id: 'spiffe://example.org/caller', audience, ...(claims ? { claims } : {}) }).token;

describe('spiffe validate jwt', () => {
  it('W-24: a valid token from stdin (the default) is valid: exit 0, for whom, never the token (subprocess)', async () => {
    const jwt = token();
    const r = await runCli(
      ['validate', 'jwt', '--audience', 'spiffe://example.org/db', '--socket', t.address],
      {
        input: `${jwt}\n`,
      },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/valid JWT-SVID for spiffe:\/\/example\.org\/caller/);
    expect(r.stdout).toMatch(/expires .*\(in 4m \d+s\)/);
    expect(r.stdout + r.stderr).not.toContain(jwt);
  });

  it('the token may be an argument, with or without "Bearer "', async () => {
    const r = await run([
      'validate',
      'jwt',
      '-a',
      'spiffe://example.org/db',
      '--socket',
      t.address,
      `Bearer ${token()}`,
    ]);
    expect(r.code).toBe(0);
  });

  it('J-10: another audience is refused with exit 4 and the reason', async () => {
    const r = await run(
      ['validate', 'jwt', '-a', 'spiffe://example.org/other', '--socket', t.address],
      token(),
    );
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/not valid for audience "spiffe:\/\/example\.org\/other".*J-10/);
  });

  it('J-12: an expired token is refused with exit 4; --json says valid: false', async () => {
    const expired = token('api', { exp: Math.floor(Date.now() / 1000) - 3600 });
    const r = await runJson(['validate', 'jwt', '-a', 'api', '--socket', t.address], expired);
    expect(r.code).toBe(4);
    expect(r.json.valid).toBe(false);
    expect(r.json.error).toMatch(/expired/);
  });

  it('--json for a valid token: ID, audience, expiry and claims', async () => {
    const r = await runJson(['validate', 'jwt', '-a', 'api', '--socket', t.address], token('api'));
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ valid: true, spiffeId: 'spiffe://example.org/caller', audience: ['api'] });
    expect(r.json.claims.sub).toBe('spiffe://example.org/caller');
  });

  it('an empty token is a usage error (exit 2)', async () => {
    const r = await run(['validate', 'jwt', '-a', 'api', '--socket', t.address], '  \n');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the token is empty');
  });
});
