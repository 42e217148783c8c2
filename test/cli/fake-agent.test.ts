import { existsSync, lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCli } from './cli.js';
import { run, runJson } from './in-process.js';

// A short folder: unix socket paths are limited to about 100 bytes.
const dir = mkdtempSync(join(tmpdir(), 'sfa-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const linkExists = (path: string): boolean => {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
};

describe('spiffe fake-agent', () => {
  it('serves the --id identities on --socket, federated bundles, prints the ready event; SIGTERM removes the socket', async () => {
    const socket = join(dir, 'agent.sock');
    const agent = startCli([
      'fake-agent',
      '--socket',
      socket,
      '--id',
      'spiffe://example.org/a',
      '--id',
      'spiffe://example.org/b',
      '--ttl',
      '2s',
      '--federate',
      'other.org',
      '--json',
    ]);
    try {
      const ready = await agent.event((e) => e.event === 'ready', 'the ready event');
      expect(ready).toMatchObject({
        address: `unix://${socket}`,
        trustDomain: 'example.org',
        ids: ['spiffe://example.org/a', 'spiffe://example.org/b'],
        federatedTrustDomains: ['other.org'],
        x509SvidTtlMs: 2000,
      });
      const { code, json } = await runJson(['fetch', 'x509', '--socket', socket]);
      expect(code).toBe(0);
      expect(json.svids.map((s: { spiffeId: string }) => s.spiffeId)).toEqual([
        'spiffe://example.org/a',
        'spiffe://example.org/b',
      ]);
      expect(json.svids[0].secondsLeft).toBeLessThanOrEqual(2);
      expect(
        json.trustDomains.map((b: { trustDomain: string; federated: boolean }) => [
          b.trustDomain,
          b.federated,
        ]),
      ).toEqual([
        ['example.org', false],
        ['other.org', true],
      ]);
      // A second agent on the same socket is refused while the first one listens.
      const second = await run(['fake-agent', '--socket', socket]);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain('something is already listening');
    } finally {
      const result = await agent.stop('SIGTERM');
      expect(result.code).toBe(0);
    }
    expect(linkExists(socket)).toBe(false);
  });

  it('two-terminal quick start: prints `export SPIFFE_ENDPOINT_SOCKET=...`; `spiffe fetch x509` works with it; Ctrl+C stops it', async () => {
    const agent = startCli(['fake-agent']);
    const [, address] = await agent.output(
      /^export SPIFFE_ENDPOINT_SOCKET=(unix:\/\/\/\S+)$/m,
      'the export line',
    );
    expect(agent.stdout).toContain('spiffe://example.org/workload');
    const fetched = await startCli(['fetch', 'x509'], { env: { SPIFFE_ENDPOINT_SOCKET: address! } }).exited;
    expect(fetched.code).toBe(0);
    expect(fetched.stdout).toContain('X509-SVID spiffe://example.org/workload');
    expect((await agent.stop('SIGINT')).code).toBe(0);
    expect(existsSync(new URL(address!).pathname)).toBe(false);
  });

  it.each([
    [['--id', 'spiffe://Example.org/a'], /--id "spiffe:\/\/Example\.org\/a"/],
    [['--ttl', '0s'], /"0s" is not a duration/],
    [['--federate', 'example.org'], /already issues for that trust domain/],
    [['--socket', 'tcp://127.0.0.1:8080'], /give a path/],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const r = await run(['fake-agent', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
