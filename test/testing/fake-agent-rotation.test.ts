import { afterEach, describe, expect, it } from 'vitest';
import { FakeAgent, FakeCa, ManualClock } from '../../src/testing/index.js';
import type { X509SVIDResponse } from '../../src/workloadapi/proto/workload.js';
import {
  checkX509Response,
  jwtBundles,
  plainClient,
  serials,
  StreamReader,
  x509Bundles,
} from './fake-agent-support.js';

const API = 'spiffe://example.org/api';
const MINUTE = 60_000;

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function setup(options: { clock?: ManualClock } = {}) {
  const ca = new FakeCa({ trustDomain: 'example.org', ...(options.clock ? { clock: options.clock } : {}) });
  const agent = await FakeAgent.start({ ca });
  const client = plainClient(agent.address);
  cleanup.push(
    () => agent.stop(),
    () => client.close(),
  );
  return { ca, agent, client };
}

describe('FakeAgent: rotation pushed on open streams (W-4, W-6)', () => {
  it('renews an X509-SVID at half its lifetime on a ManualClock and pushes the full state', async () => {
    const clock = new ManualClock();
    const { agent, client } = await setup({ clock });
    agent.register({ spiffeId: API, x509SvidTtl: 60 * MINUTE });
    const reader = new StreamReader(client.fetchX509Svid({}));
    const first = await reader.next();
    const [before] = serials(first);

    clock.advance(30 * MINUTE - 1000);
    expect(agent.x509Svids()[0]!.certificates[0]!.serialNumber).toBe(before); // not yet
    clock.advance(1000);
    const pushed = await reader.next();
    expect(reader.received).toBe(2);
    const [after] = serials(pushed);
    expect(after).not.toBe(before);
    expect(pushed.svids).toHaveLength(1); // full state, not a diff
    checkX509Response(pushed, clock.now());
    const leaf = checkX509Response(pushed, clock.now())[0]!.leaf;
    expect(new Date(leaf.validTo).getTime() - clock.now().getTime()).toBeGreaterThan(59 * MINUTE);

    clock.advance(30 * MINUTE); // and again, half of the new lifetime later
    expect(serials(await reader.next())[0]).not.toBe(after);
  });

  it('renews a 2 s X509-SVID in real time, about every second', async () => {
    // notAfter has whole seconds, so the lifetime left at issuance is 1..2 s: renewal after 0.5..1 s.
    const { agent, client } = await setup();
    agent.register({ spiffeId: API, x509SvidTtl: 2000 });
    const reader = new StreamReader(client.fetchX509Svid({}));
    const seen = new Set(serials(await reader.next()));
    for (let i = 0; i < 2; i++) {
      const start = Date.now();
      const pushed = await reader.next();
      const elapsed = Date.now() - start;
      const [serial] = serials(pushed);
      expect(seen.has(serial!)).toBe(false);
      seen.add(serial!);
      expect(elapsed).toBeGreaterThan(300);
      expect(elapsed).toBeLessThan(1500);
      checkX509Response(pushed);
    }
  });

  it('CA rotation pushes the new bundles on every stream (F-1: the old root stays published)', async () => {
    const { ca, agent, client } = await setup();
    agent.register({ spiffeId: API });
    const svids = new StreamReader(client.fetchX509Svid({}));
    const x509 = new StreamReader(client.fetchX509Bundles({}));
    const jwt = new StreamReader(client.fetchJwtBundles({}));
    const firstSvids = await svids.next();
    expect(
      x509Bundles(await x509.next())
        .get('example.org')!
        .x509Authorities(),
    ).toHaveLength(1);
    const kids = [
      ...jwtBundles(await jwt.next())
        .get('example.org')!
        .jwtAuthorities()
        .keys(),
    ];

    ca.rotate();
    const roots = ca.rootCertificates().map((c) => c.fingerprint256);
    expect(roots).toHaveLength(2);
    const pushed = await x509.next();
    expect(
      x509Bundles(pushed)
        .get('example.org')!
        .x509Authorities()
        .map((c) => c.fingerprint256),
    ).toEqual(roots);
    const pushedJwt = jwtBundles(await jwt.next()).get('example.org')!;
    expect([...pushedJwt.jwtAuthorities().keys()]).toEqual([...ca.jwtAuthorities().keys()]);
    expect([...pushedJwt.jwtAuthorities().keys()]).not.toEqual(kids);
    const pushedSvids = await svids.next();
    expect(serials(pushedSvids)).toEqual(serials(firstSvids)); // the SVID is still valid: only the bundle moved
    expect(
      x509Bundles({ bundles: new Map([['spiffe://example.org', pushedSvids.svids[0]!.bundle]]), crl: [] })
        .get('example.org')!
        .x509Authorities(),
    ).toHaveLength(2);
    checkX509Response(pushedSvids);
  });

  it('entry changes push: added, updated (re-issued), and changes of other workloads are not pushed', async () => {
    const { agent, client } = await setup();
    const entry = agent.register({ spiffeId: API });
    const reader = new StreamReader(client.fetchX509Svid({}));
    const first = await reader.next();

    const ids = (m: X509SVIDResponse) => m.svids.map((s) => `${s.spiffeId}#${s.hint}`);
    agent.register({ spiffeId: 'spiffe://example.org/elsewhere', selectors: ['unix:uid:1'] }); // another workload's
    agent.register({ spiffeId: 'spiffe://example.org/second' });
    const second = await reader.next();
    expect(ids(second)).toEqual([`${API}#`, 'spiffe://example.org/second#']); // the first push is the second entry
    expect(serials(second)[0]).toBe(serials(first)[0]);

    entry.update({ hint: 'renamed' });
    const third = await reader.next();
    expect(ids(third)).toEqual([`${API}#renamed`, 'spiffe://example.org/second#']);
    expect(serials(third)[0]).not.toBe(serials(first)[0]);
    expect(entry.options.hint).toBe('renamed');

    entry.update({ spiffeId: 'spiffe://example.org/renamed' });
    expect(ids(await reader.next())).toEqual([
      'spiffe://example.org/renamed#renamed',
      'spiffe://example.org/second#',
    ]);
    expect(() => entry.update({ spiffeId: 'spiffe://nowhere.org/x' })).toThrow(/no CA/);
    entry.remove();
    expect(() => entry.update({ hint: 'x' })).toThrow(/removed/);
  });

  it('stop() leaves no timers behind on the clock', async () => {
    const clock = new ManualClock();
    const { agent } = await setup({ clock });
    agent.register({ spiffeId: API, x509SvidTtl: 10 * MINUTE });
    agent.register({ spiffeId: 'spiffe://example.org/b', x509SvidTtl: 10 * MINUTE });
    expect(clock.pendingTimers).toBe(2);
    await agent.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('W-14: of entries sharing a hint, only the first identity is served', async () => {
    const { agent, client } = await setup();
    agent.register({ spiffeId: API, hint: 'same' });
    agent.register({ spiffeId: 'spiffe://example.org/b', hint: 'same' });
    agent.register({ spiffeId: 'spiffe://example.org/c' });
    const response = await new StreamReader(client.fetchX509Svid({})).next();
    expect(response.svids.map((s) => s.spiffeId)).toEqual([API, 'spiffe://example.org/c']);
  });
});
