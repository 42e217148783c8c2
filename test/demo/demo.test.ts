/**
 * `npm start`: the demo runs as a subprocess (`node --import tsx src/demo/main.ts`, no build) and
 * its output is checked: the scenario, the rotations, the requests, the refusal, the exit.
 */
import { describe, expect, it } from 'vitest';
import { FakeAgent, FakeCa } from '../../src/testing/index.js';
import { eventsOf, startDemo } from './run-demo.js';

const ID = (name: string, td = 'example.org'): string => `spiffe://${td}/ns/production/sa/${name}`;
const WORKLOADS = ['frontend', 'api-server', 'database'];
const ANSI = '\u001b[';

/** The running tallies `ok N, failed N, refused N` of the request lines, in order. */
function tallies(stdout: string): { ok: number; failed: number; refused: number }[] {
  return [...stdout.matchAll(/\| ok (\d+), failed (\d+), refused (\d+)$/gm)].map((m) => ({
    ok: Number(m[1]),
    failed: Number(m[2]),
    refused: Number(m[3]),
  }));
}

describe.concurrent('the demo (npm start)', () => {
  it('W-6, X-14, J-14: runs the seed scenario through several rotations with every request answered, then exits 0', async () => {
    const { code, stdout, stderr } = await startDemo(['--duration', '5', '--ttl', '4'], {
      NO_COLOR: undefined,
    }).exited;
    expect(stderr).toBe('');
    expect(code, stdout).toBe(0);
    // Not a terminal: no colours, even with NO_COLOR unset.
    expect(stdout).not.toContain(ANSI);

    // The scenario: a ClusterSPIFFEID-style template, one pod and socket per workload, its ID.
    expect(eventsOf(stdout, 'agent').join('\n')).toContain(
      'spiffeIDTemplate spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
    );
    for (const name of WORKLOADS) {
      const events = eventsOf(stdout, name);
      expect(events.some((e) => e.startsWith('pod production/') && e.includes(`k8s:sa:${name}`))).toBe(true);
      expect(events.some((e) => /^its Workload API socket: unix:\/\//.test(e))).toBe(true);
      expect(events.some((e) => e.startsWith(`X509-SVID ${ID(name)}, serial`))).toBe(true);
      // 4 s SVIDs renewed every 1.5 to 2 s (notAfter has whole seconds): two rotations or more in 5 s.
      expect(
        events.filter((e) => /^X509-SVID rotated \(#\d+\): serial …[0-9a-f]{6}/.test(e)).length,
      ).toBeGreaterThanOrEqual(2);
    }
    expect(
      eventsOf(stdout, 'database').some(
        (e) =>
          /^serving mTLS on https:\/\/127\.0\.0\.1:\d+; its policy admits (\S+) only$/.exec(e)?.[1] ===
          ID('api-server'),
      ),
    ).toBe(true);

    // Requests: answered throughout, before and after the rotations; none failed.
    const lines = stdout.split('\n');
    const answered = lines.map((l, i) => (l.includes('GET /orders: 200') ? i : -1)).filter((i) => i >= 0);
    const rotated = lines
      .map((l, i) => (/database\s+X509-SVID rotated/.test(l) ? i : -1))
      .filter((i) => i >= 0);
    expect(answered.length).toBeGreaterThanOrEqual(2);
    for (const r of rotated.slice(0, 1)) expect(answered.some((i) => i > r)).toBe(true);
    const counts = tallies(stdout);
    expect(counts.every((t) => t.failed === 0)).toBe(true);
    expect(counts.at(-1)!.ok).toBe(answered.length);
    // Each request went over certificates the sources had just received: api-server presented its
    // current X509-SVID to the database, and the database its own.
    const serials = (name: string): string[] =>
      eventsOf(stdout, name).flatMap((e) => /^X509-SVID .*serial …([0-9a-f]{6})/.exec(e)?.[1] ?? []);
    for (const line of lines.filter((l) => l.includes('GET /orders: 200'))) {
      const [, client, server] = /mTLS api-server …([0-9a-f]{6}) -> database …([0-9a-f]{6})/.exec(line)!;
      expect(serials('api-server')).toContain(client);
      expect(serials('database')).toContain(server);
    }

    // frontend -> database directly is refused during the handshake, with the authorizer's reason.
    const refusal = eventsOf(stdout, 'database').find((e) => e.startsWith('refused a TLS client: '));
    expect(refusal).toContain(ID('frontend'));
    expect(refusal).toContain(ID('database'));
    expect(
      eventsOf(stdout, 'frontend').some((e) =>
        e.startsWith('GET /orders straight to database: refused as it must be'),
      ),
    ).toBe(true);
    expect(counts.at(-1)!.refused).toBeGreaterThanOrEqual(1);

    // JWT-SVIDs: fetched for api-server's ID as audience.
    expect(
      eventsOf(stdout, 'frontend').some((e) =>
        e.startsWith(`JWT-SVID #1 for audience ${ID('api-server')}, expires`),
      ),
    ).toBe(true);

    expect(stdout).toMatch(/demo\s+stopping \(duration reached\)/);
    expect(stdout).toMatch(
      new RegExp(
        `summary: ${answered.length} requests answered, 0 failed, \\d+ direct calls to database refused; X509-SVID rotations: database \\d+, api-server \\d+, frontend \\d+`,
      ),
    );
    expect(stdout).toMatch(/demo\s+stopped: servers, sources and agent closed\n$/);
  }, 40_000);

  it('Ctrl-C (SIGINT) stops cleanly: everything closed, a summary, exit 0', async () => {
    const demo = startDemo([]);
    await demo.waitFor(/GET \/orders: 200/);
    demo.child.kill('SIGINT');
    const { code, signal, stdout } = await demo.exited;
    expect(signal).toBeNull();
    expect(code).toBe(0);
    expect(stdout).toMatch(/demo\s+stopping \(SIGINT received\)/);
    expect(stdout).toMatch(/summary: \d+ requests answered, 0 failed/);
    expect(stdout).toMatch(/stopped: servers, sources and agent closed\n$/);
  }, 40_000);

  it('W-27: --spire runs the same scenario on the agent at SPIFFE_ENDPOINT_SOCKET, choosing each identity by SPIFFE ID', async () => {
    await using agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'corp.test' }) });
    // A real agent gives the one demo process all three identities (selector unix:uid); here the
    // default workload gets them, plus one that the demo must ignore, first (the default SVID).
    agent.register({ spiffeId: 'spiffe://corp.test/other', x509SvidTtl: 4000 });
    for (const name of WORKLOADS) agent.register({ spiffeId: ID(name, 'corp.test'), x509SvidTtl: 4000 });
    const { code, stdout } = await startDemo(['--spire', '--duration', '4'], {
      SPIFFE_ENDPOINT_SOCKET: agent.address,
    }).exited;
    expect(code, stdout).toBe(0);
    expect(stdout).toContain(
      `real agent at ${agent.address}: this process holds the 3 identities of trust domain corp.test`,
    );
    for (const name of WORKLOADS) {
      expect(
        eventsOf(stdout, name).some((e) => e.startsWith(`X509-SVID ${ID(name, 'corp.test')}, serial`)),
      ).toBe(true);
      expect(eventsOf(stdout, name).some((e) => e.startsWith('X509-SVID rotated (#1)'))).toBe(true);
    }
    expect(stdout).toContain('GET /orders: 200');
    expect(tallies(stdout).every((t) => t.failed === 0)).toBe(true);
    expect(stdout).toMatch(/stopped: servers and sources closed\n$/);
  }, 40_000);

  it('SPIFFE_DEMO_SPIRE=1: missing identities fail with the spire-server entry create commands (exit 2)', async () => {
    await using agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org' }) });
    agent.register({ spiffeId: ID('frontend') });
    const { code, stdout } = await startDemo([], {
      SPIFFE_ENDPOINT_SOCKET: agent.address,
      SPIFFE_DEMO_SPIRE: '1',
    }).exited;
    expect(code).toBe(2);
    expect(stdout).toContain(
      `gives this process ${ID('frontend')}, but not ${ID('database')}, ${ID('api-server')}`,
    );
    const uid = process.getuid?.() ?? '<your uid>';
    for (const name of ['database', 'api-server']) {
      expect(stdout).toContain(
        `-spiffeID ${ID(name)} -selector unix:uid:${uid} -x509SVIDTTL 60 -jwtSVIDTTL 120`,
      );
    }
    expect(stdout.match(/spire-server entry create -parentID <agent SPIFFE ID>/g)).toHaveLength(2);
    expect(stdout).not.toContain('GET /orders');
  }, 40_000);

  it('W-15: --spire with no identity at all lists the three commands; without SPIFFE_ENDPOINT_SOCKET it says what to set', async () => {
    await using agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org' }) });
    const none = await startDemo(['--spire'], { SPIFFE_ENDPOINT_SOCKET: agent.address }).exited;
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('gives this process no identity');
    expect(none.stdout.match(/spire-server entry create/g)).toHaveLength(3);

    const unset = await startDemo(['--spire']).exited;
    expect(unset.code).toBe(2);
    expect(unset.stdout).toContain(
      '--spire needs the Workload API address of the SPIRE agent in SPIFFE_ENDPOINT_SOCKET',
    );
  }, 40_000);

  it('refuses a bad option with exit 2 and the reason on stderr (the rules: output.test.ts)', async () => {
    const bad = await startDemo(['--ttl', '1']).exited;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('error: --ttl must be a number from 4 to 3600, not "1"\n');
    expect(bad.stdout).toBe('');
  }, 40_000);
});
