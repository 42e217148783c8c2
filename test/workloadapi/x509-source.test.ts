// X509Source against the fake agent over a real socket, with a ManualClock so that rotation and
// expiry happen without sleeping: first fetch, rotation, CA rotation, federated bundles, agent
// restart, each gRPC code (W-15, A-15), malformed messages (W-10), timeout (#207), abort, close,
// many sources on one client, health and the expiring warning.
import { afterEach, describe, expect, it } from 'vitest';
import { BundleError } from '../../src/bundle/index.js';
import { FakeAgent, FakeCa, ManualClock } from '../../src/testing/index.js';
import {
  WorkloadApiClient,
  WorkloadApiError,
  X509Source,
  type ExpiringSvid,
  type X509Context,
} from '../../src/workloadapi/index.js';
import { CODE, FAST, Inbox, ScriptedTransport, agentCalls, der, svidEntry, x509Response } from './helpers.js';

const ID = 'spiffe://example.org/api';
const TTL = 60_000;
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** An agent on a ManualClock with one entry (60 s SVIDs, renewed every 30 s) and an X509Source on it. */
async function setup(
  options: { register?: boolean; sourceOptions?: Parameters<typeof X509Source.create>[0] } = {},
) {
  const clock = new ManualClock();
  const ca = new FakeCa({ trustDomain: 'example.org', clock });
  const agent = await FakeAgent.start({ ca });
  cleanup.push(() => agent.stop());
  const entry = options.register === false ? undefined : agent.register({ spiffeId: ID, x509SvidTtl: TTL });
  const clientOptions = { address: agent.address, clock, backoff: FAST };
  return { clock, ca, agent, entry, clientOptions };
}

async function source(clientOptions: object, extra: Parameters<typeof X509Source.create>[0] = {}) {
  const s = await X509Source.create({ clientOptions, ...extra });
  cleanup.push(() => s.close());
  const updates = new Inbox<X509Context>();
  const errors = new Inbox<WorkloadApiError>();
  s.on('update', updates.push).on('error', errors.push);
  return { source: s, updates, errors };
}

const serial = (s: X509Source): string => s.getX509Svid().leaf.serialNumber;

describe('X509Source: first fetch', () => {
  it('create() resolves with the SVID and bundles; getters hand out copies', async () => {
    const { clientOptions, agent, ca } = await setup();
    const { source: s } = await source(clientOptions);
    expect(s.getX509Svid().id.toString()).toBe(ID);
    expect(serial(s)).toBe(agent.x509Svids()[0]!.certificates[0]!.serialNumber);
    const bundle = s.getX509BundleForTrustDomain('example.org');
    expect(bundle.x509Authorities().map((c) => c.fingerprint256)).toEqual(
      ca.rootCertificates().map((c) => c.fingerprint256),
    );
    bundle.removeX509Authority(bundle.x509Authorities()[0]!);
    expect(s.getX509BundleForTrustDomain('example.org').x509Authorities()).toHaveLength(1);
    expect(s.bundles().size).toBe(1);
    expect(() => s.getX509BundleForTrustDomain('other.org')).toThrow(BundleError);
    expect(() => s.getX509BundleForTrustDomain('other.org')).toThrow(
      expect.objectContaining({ code: 'bundle_not_found' }),
    );
    expect(s.status()).toMatchObject({
      state: 'ready',
      consecutiveErrors: 0,
      svidExpiresAt: s.getX509Svid().expiresAt,
    });
  });

  it('picker: chooses among several identities (go-spiffe WithDefaultX509SVIDPicker)', async () => {
    const { clientOptions, agent } = await setup();
    agent.register({ spiffeId: 'spiffe://example.org/admin', hint: 'admin' });
    const { source: s } = await source(clientOptions, {
      picker: (svids) => svids.find((x) => x.hint === 'admin'),
    });
    expect(s.getX509Svid().id.path).toBe('/admin');
  });

  it('picker choosing none: no identity is served, bundles are', async () => {
    const { clientOptions } = await setup();
    const { source: s } = await source(clientOptions, { picker: () => undefined });
    expect(() => s.getX509Svid()).toThrow(
      expect.objectContaining({ code: 'no_identity', message: expect.stringMatching(/picker chose none/) }),
    );
    expect(s.status().state).toBe('withdrawn');
    expect(s.bundles().has('example.org')).toBe(true);
  });

  it('#207: create() times out saying why: no identity issued, PermissionDenied, N attempts', async () => {
    const { clientOptions } = await setup({ register: false });
    const baseline = handles();
    const err = await X509Source.create({ clientOptions, timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkloadApiError);
    expect((err as WorkloadApiError).code).toBe('timeout');
    expect((err as Error).message).toMatch(
      /^X\.509 context not received within 300 ms: FetchX509SVID: no identity issued: PermissionDenied, \d+ failed attempts? \(last error: .*PERMISSION_DENIED/,
    );
    // The source it made is closed with its client: its socket and retry timer go away.
    while (handles() > baseline) await new Promise((r) => setImmediate(r));
  });

  it('#207: an unreachable agent reads as such', async () => {
    const err = await X509Source.create({
      clientOptions: { address: 'unix:///nonexistent/agent.sock', backoff: FAST },
      timeoutMs: 100,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'timeout',
      message: expect.stringMatching(/agent unreachable: Unavailable, \d+ failed attempt/),
    });
  });

  it('create() rejects with aborted, saying why, when its signal aborts', async () => {
    const { clientOptions } = await setup({ register: false });
    const controller = new AbortController();
    const errors = new Inbox<WorkloadApiError>();
    const pending = X509Source.create({ clientOptions, signal: controller.signal }).catch((e: unknown) => e);
    // Let at least one attempt fail first.
    const client = new WorkloadApiClient(clientOptions);
    client.watchX509Context({ onError: errors.push });
    await errors.take();
    client.close();
    controller.abort();
    expect(await pending).toMatchObject({
      code: 'aborted',
      message: expect.stringMatching(/not received before the signal aborted: FetchX509SVID: /),
    });
  });

  it('A-15: InvalidArgument at start fails create() at once with the reason', async () => {
    const { clientOptions, agent } = await setup();
    agent.failNext('FetchX509SVID', CODE.INVALID_ARGUMENT, { details: 'security header missing' });
    await expect(X509Source.create({ clientOptions })).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringMatching(
        /X509Source cannot start: FetchX509SVID: the agent refused the request: InvalidArgument, 1 failed attempt/,
      ),
    });
  });

  it('refuses bad options', async () => {
    await expect(X509Source.create(null as never)).rejects.toMatchObject({ code: 'invalid_argument_local' });
    const shared = new WorkloadApiClient({ transport: new ScriptedTransport() });
    await expect(X509Source.create({ client: shared, clientOptions: {} })).rejects.toMatchObject({
      code: 'invalid_argument_local',
      message: expect.stringMatching(/either client or clientOptions/),
    });
    shared.close();
    await expect(X509Source.create({ timeoutMs: -1 })).rejects.toMatchObject({
      code: 'invalid_argument_local',
    });
    await expect(
      X509Source.create({ expiryWarning: 2, clientOptions: { address: 'unix:///x' } }),
    ).rejects.toMatchObject({ code: 'invalid_argument_local' });
    await expect(
      X509Source.create({ picker: 'first' as never, clientOptions: { address: 'unix:///x' } }),
    ).rejects.toMatchObject({ code: 'invalid_argument_local' });
    await expect(X509Source.create({ client: {} as never })).rejects.toMatchObject({
      code: 'invalid_argument_local',
    });
    await expect(
      X509Source.create({ clientOptions: { address: 'tcp://localhost:1' } }),
    ).rejects.toMatchObject({ code: 'invalid_address' });
  });
});

describe('X509Source: rotation', () => {
  it('follows SVID rotation at half-life (events and getX509Svid)', async () => {
    const { clientOptions, clock } = await setup();
    const { source: s, updates } = await source(clientOptions);
    const first = serial(s);
    clock.advance(TTL / 2 + 1);
    const ctx = await updates.take();
    expect(ctx.defaultSvid.leaf.serialNumber).not.toBe(first);
    expect(serial(s)).toBe(ctx.defaultSvid.leaf.serialNumber);
    expect(s.status().lastUpdate?.getTime()).toBe(clock.now().getTime());
    // Several rotations in a row.
    for (let i = 0; i < 3; i++) {
      const before = serial(s);
      clock.advance(TTL / 2 + 1);
      await updates.until((c) => c.defaultSvid.leaf.serialNumber !== before);
    }
  });

  it('follows CA rotation: new root published, SVIDs re-issued, old root retired (F-1)', async () => {
    const { clientOptions, clock, ca } = await setup();
    const { source: s, updates } = await source(clientOptions);
    const oldRoot = ca.rootCertificates()[0]!.fingerprint256;
    ca.prepareRotation();
    const both = await updates.until((c) => c.bundles.get('example.org')!.x509Authorities().length === 2);
    expect(both.defaultSvid.certificates.at(-1)).toBeDefined();
    const [oldCa, newCa] = both.bundles.get('example.org')!.x509Authorities();
    expect(both.defaultSvid.leaf.verify(oldCa!.publicKey)).toBe(true);
    ca.rotate();
    clock.advance(TTL / 2 + 1);
    const rotated = await updates.until((c) => c.defaultSvid.leaf.verify(newCa!.publicKey));
    expect(rotated.defaultSvid.leaf.verify(oldCa!.publicKey)).toBe(false);
    // Once everything the old key signed has expired, its root leaves the bundle.
    clock.advance(TTL * 2);
    const retired = await updates.until((c) => c.bundles.get('example.org')!.x509Authorities().length === 1);
    expect(retired.bundles.get('example.org')!.x509Authorities()[0]!.fingerprint256).not.toBe(oldRoot);
    expect(s.getX509Svid().leaf.verify(newCa!.publicKey)).toBe(true);
  });

  it('W-8: federated bundles are added and removed', async () => {
    const { clientOptions, agent, entry } = await setup();
    const other = new FakeCa({ trustDomain: 'federated.org' });
    const { source: s, updates } = await source(clientOptions);
    entry!.update({ federatesWith: ['federated.org'] });
    agent.setFederatedBundle('federated.org', other.spiffeBundle());
    await updates.until((c) => c.bundles.has('federated.org'));
    expect(s.getX509BundleForTrustDomain('federated.org').x509Authorities()[0]!.fingerprint256).toBe(
      other.rootCertificates()[0]!.fingerprint256,
    );
    agent.setFederatedBundle('federated.org', undefined);
    await updates.until((c) => !c.bundles.has('federated.org'));
    expect(() => s.getX509BundleForTrustDomain('federated.org')).toThrow(
      expect.objectContaining({ code: 'bundle_not_found' }),
    );
  });

  it('updates(): an async iterator of contexts, starting with the current one', async () => {
    const { clientOptions, clock } = await setup();
    const { source: s } = await source(clientOptions);
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const ctx of s.updates({ signal: controller.signal })) {
      seen.push(ctx.defaultSvid.leaf.serialNumber);
      if (seen.length === 1) clock.advance(TTL / 2 + 1);
      else controller.abort();
    }
    expect(seen).toHaveLength(2);
    expect(seen[0]).not.toBe(seen[1]);
  });
});

describe('X509Source: failures (W-10, W-15, A-15)', () => {
  it('agent restart mid-watch: the last good SVID is served throughout, then the source recovers', async () => {
    const { clientOptions, agent } = await setup();
    const { source: s, updates, errors } = await source(clientOptions);
    const before = serial(s);
    const restarted = agent.restart();
    const error = await errors.take();
    expect(error.code).toBe('unavailable');
    expect(serial(s)).toBe(before);
    expect(s.status()).toMatchObject({ state: 'stale', consecutiveErrors: 1, lastError: error });
    await restarted;
    await updates.take();
    expect(s.status()).toMatchObject({ state: 'ready', consecutiveErrors: 0 });
    expect(serial(s)).toBe(before);
  });

  it('Unavailable: the last good SVID is served until it expires, then no_identity with the reason; then recovery', async () => {
    const { clientOptions, agent, clock } = await setup();
    const { source: s, updates, errors } = await source(clientOptions);
    const svid = s.getX509Svid();
    agent.delay('FetchX509SVID', 10 * TTL); // the reconnected stream will not answer for a while
    const calls = agent.calls.filter((c) => c.method === 'FetchX509SVID').length;
    agent.endStreams(CODE.UNAVAILABLE, 'agent going away');
    await errors.take();
    await agentCalls(agent, 'FetchX509SVID', calls + 1);
    clock.advance(TTL / 2);
    expect(s.getX509Svid()).toBe(svid);
    clock.advance(TTL);
    expect(() => s.getX509Svid()).toThrow(
      expect.objectContaining({
        code: 'no_identity',
        message: expect.stringMatching(
          /expired at .*; the agent's last answer: .*UNAVAILABLE: agent going away/,
        ),
      }),
    );
    expect(s.status().state).toBe('expired');
    clock.advance(10 * TTL);
    await updates.take();
    expect(s.getX509Svid().id.toString()).toBe(ID);
    expect(s.status().state).toBe('ready');
  });

  it('W-15: PermissionDenied on an established stream withdraws the SVID at once; it comes back with the next message', async () => {
    const { clientOptions, agent } = await setup();
    const { source: s, updates, errors } = await source(clientOptions);
    agent.failNext('FetchX509SVID', CODE.PERMISSION_DENIED, { details: 'no identity issued', count: 2 });
    let thrown: unknown;
    s.on('error', () => {
      try {
        s.getX509Svid();
      } catch (e) {
        thrown ??= e;
      }
    });
    agent.endStreams(CODE.PERMISSION_DENIED, 'no identity issued');
    expect((await errors.take()).code).toBe('permission_denied');
    expect(thrown).toMatchObject({
      code: 'no_identity',
      message: expect.stringMatching(/PERMISSION_DENIED: no identity issued/),
    });
    expect(s.status().state).toBe('withdrawn');
    expect(s.getX509BundleForTrustDomain('example.org')).toBeDefined();
    await updates.take();
    expect(s.getX509Svid().id.toString()).toBe(ID);
    expect(s.status().state).toBe('ready');
  });

  it('W-15: an entry removed by the operator stops the SVID being served', async () => {
    const { clientOptions, entry } = await setup();
    const { source: s, errors } = await source(clientOptions);
    entry!.remove();
    await errors.until((e) => e.code === 'permission_denied');
    expect(() => s.getX509Svid()).toThrow(expect.objectContaining({ code: 'no_identity' }));
    expect(s.status().state).toBe('withdrawn');
  });

  it.each([
    ['Unavailable', CODE.UNAVAILABLE, 'unavailable'],
    ['Unknown', CODE.UNKNOWN, 'rpc_failed'],
    ['Internal', CODE.INTERNAL, 'rpc_failed'],
  ] as const)('%s on the stream: reported, retried, SVID kept', async (_name, code, expected) => {
    const { clientOptions, agent } = await setup();
    const { source: s, updates, errors } = await source(clientOptions);
    const before = serial(s);
    agent.failNext('FetchX509SVID', code, { count: 2 });
    agent.endStreams(code);
    expect((await errors.take()).code).toBe(expected);
    expect(serial(s)).toBe(before);
    expect((await errors.take()).code).toBe(expected);
    expect((await errors.take()).code).toBe(expected);
    expect(s.status().consecutiveErrors).toBe(3);
    await updates.take();
    expect(s.status()).toMatchObject({ state: 'ready', consecutiveErrors: 0 });
  });

  it.each([
    ['InvalidArgument', CODE.INVALID_ARGUMENT, 'invalid_argument'],
    ['Unimplemented', CODE.UNIMPLEMENTED, 'unimplemented'],
  ] as const)(
    'A-15: %s stops the watch: state failed, one call, last SVID served until it expires',
    async (_name, code, expected) => {
      const { clientOptions, agent, clock } = await setup();
      const { source: s, errors } = await source(clientOptions);
      const svid = s.getX509Svid();
      const calls = () => agent.calls.filter((c) => c.method === 'FetchX509SVID').length;
      const before = calls();
      agent.failNext('FetchX509SVID', code, { count: 5 });
      agent.endStreams(CODE.UNAVAILABLE);
      expect((await errors.take()).code).toBe('unavailable');
      expect((await errors.take()).code).toBe(expected);
      expect(s.status().state).toBe('failed');
      expect(calls()).toBe(before + 1);
      expect(s.getX509Svid()).toBe(svid);
      clock.advance(TTL);
      expect(() => s.getX509Svid()).toThrow(expect.objectContaining({ code: 'no_identity' }));
    },
  );

  it.each([
    'empty-svids',
    'empty-spiffe-id',
    'empty-certificate',
    'empty-key',
    'empty-bundle',
    'bad-certificate',
    'wrong-bundle',
    'key-mismatch',
    'spiffe-id-mismatch',
    'garbage-bytes',
  ] as const)('W-10: a malformed message (%s) is reported and the last good state kept', async (kind) => {
    const { clientOptions, agent, clock } = await setup();
    const { source: s, updates, errors } = await source(clientOptions);
    const before = serial(s);
    agent.malformNext('FetchX509SVID', kind);
    clock.advance(TTL / 2 + 1); // the renewal push carries the defect
    const error = await errors.take();
    expect(['invalid_response', 'rpc_failed']).toContain(error.code);
    expect(serial(s)).toBe(before);
    expect(s.status()).toMatchObject({ state: 'stale', consecutiveErrors: 1 });
    // The next good message (the next renewal, or a reconnect after a decode failure) is taken.
    clock.advance(TTL / 2 + 1);
    const next = await updates.take();
    expect(next.defaultSvid.leaf.serialNumber).not.toBe(before);
    expect(s.status().state).toBe('ready');
  });

  it('W-14: a duplicate hint drops the later SVID and reports it', async () => {
    const { clientOptions, agent } = await setup();
    agent.register({ spiffeId: 'spiffe://example.org/b' });
    const { source: s, errors, updates } = await source(clientOptions);
    agent.malformNext('FetchX509SVID', 'duplicate-hint');
    agent.endStreams();
    const error = await errors.until((e) => /W-14/.test(e.message));
    expect(error.code).toBe('invalid_response');
    const ctx = await updates.take();
    expect(new Set(ctx.svids.map((x) => x.hint)).size).toBe(ctx.svids.length);
    expect(s.getX509Svid()).toBeDefined();
  });
});

describe('X509Source: health and the expiring warning', () => {
  it('emits expiring once when the SVID nears expiry with no rotation (default: a quarter of its life left)', async () => {
    const clock = new ManualClock();
    const ca = new FakeCa({ trustDomain: 'example.org', clock });
    const transport = new ScriptedTransport();
    const entry = svidEntry(ca, { id: ID, ttl: TTL });
    transport.x509.script = (st) => st.push(x509Response([entry]));
    const client = new WorkloadApiClient({ transport, clock });
    cleanup.push(() => client.close());
    const s = await X509Source.create({ client });
    cleanup.push(() => s.close());
    const warnings = new Inbox<ExpiringSvid>();
    s.on('expiring', warnings.push);
    const { svidExpiresAt } = s.status();
    const lifetime = svidExpiresAt!.getTime() - Date.parse(s.getX509Svid().leaf.validFrom);
    const warnAt = svidExpiresAt!.getTime() - lifetime / 4;
    clock.set(warnAt - 1);
    expect(warnings.all).toHaveLength(0);
    clock.advance(1);
    const warning = await warnings.take();
    expect(warning.remainingMs).toBe(lifetime / 4);
    expect(warning.svid.id.toString()).toBe(ID);
    // A bundle-only change with the same SVID does not repeat the warning.
    const other = new FakeCa({ trustDomain: 'other.org', clock });
    transport.x509.current.push(
      x509Response([entry], { 'spiffe://other.org': der(other.rootCertificates()) }),
    );
    await new Promise<void>((resolve) => s.on('update', () => resolve()));
    clock.advance(1000);
    await Promise.resolve();
    expect(warnings.all).toHaveLength(1);
  });

  it('expiryWarning: a custom fraction, or false', async () => {
    const clock = new ManualClock();
    const ca = new FakeCa({ trustDomain: 'example.org', clock });
    const transport = new ScriptedTransport();
    transport.x509.script = (st) => st.push(x509Response([svidEntry(ca, { id: ID, ttl: TTL })]));
    const client = new WorkloadApiClient({ transport, clock });
    cleanup.push(() => client.close());
    const half = await X509Source.create({ client, expiryWarning: 0.5 });
    const off = await X509Source.create({ client, expiryWarning: false });
    cleanup.push(
      () => half.close(),
      () => off.close(),
    );
    const seen: string[] = [];
    half.on('expiring', () => seen.push('half'));
    off.on('expiring', () => seen.push('off'));
    const expiresAt = half.status().svidExpiresAt!.getTime();
    const lifetime = expiresAt - Date.parse(half.getX509Svid().leaf.validFrom);
    clock.set(expiresAt - lifetime / 2);
    expect(seen).toEqual(['half']);
    clock.set(expiresAt - 1);
    expect(seen).toEqual(['half']);
  });

  it('a throwing listener is logged, the source goes on', async () => {
    const { clientOptions, clock } = await setup();
    const lines: string[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (m: string) => void lines.push(m) };
    const { source: s, updates } = await source({ ...clientOptions, logger });
    s.on('update', () => {
      throw new Error('listener boom');
    });
    clock.advance(TTL / 2 + 1);
    await updates.take();
    expect(lines).toContainEqual(expect.stringMatching(/"update" listener threw: listener boom/));
    s.off('update', updates.push);
  });
});

describe('X509Source: close and sharing a client', () => {
  it('close() is idempotent, ends iterators, closes its own client; getters throw closed', async () => {
    const { clientOptions } = await setup();
    const s = await X509Source.create({ clientOptions });
    const it = s.updates();
    await it.next();
    s.close();
    s.close();
    expect(await it.next()).toEqual({ value: undefined, done: true });
    expect(() => s.getX509Svid()).toThrow(expect.objectContaining({ code: 'closed' }));
    expect(() => s.getX509BundleForTrustDomain('example.org')).toThrow(
      expect.objectContaining({ code: 'closed' }),
    );
    expect(s.status().state).toBe('closed');
  });

  it('await using closes; the signal option closes a created source', async () => {
    const { clientOptions } = await setup();
    let kept: X509Source;
    {
      await using s = await X509Source.create({ clientOptions });
      kept = s;
    }
    expect(kept.closed).toBe(true);
    const controller = new AbortController();
    const s = await X509Source.create({ clientOptions, signal: controller.signal });
    controller.abort();
    expect(s.closed).toBe(true);
  });

  it('#318: many sources share one client; each sees rotation; closing them leaves the client open', async () => {
    const { clientOptions, clock, agent } = await setup();
    const client = new WorkloadApiClient(clientOptions);
    cleanup.push(() => client.close());
    const sources = await Promise.all(Array.from({ length: 20 }, () => X509Source.create({ client })));
    const serials = new Set(sources.map(serial));
    expect(serials.size).toBe(1);
    const rotated = sources.map((s) => new Promise<void>((resolve) => s.on('update', () => resolve())));
    clock.advance(TTL / 2 + 1);
    await Promise.all(rotated);
    expect(new Set(sources.map(serial)).size).toBe(1);
    expect(sources.map(serial)[0]).not.toBe([...serials][0]);
    for (const s of sources) s.close();
    expect(client.closed).toBe(false);
    expect((await client.fetchX509Svid()).id.toString()).toBe(ID);
    expect(agent.calls.filter((c) => c.method === 'FetchX509SVID').length).toBeGreaterThanOrEqual(21);
  });

  it('closing a shared client fails its sources (state failed, error closed)', async () => {
    const { clientOptions } = await setup();
    const client = new WorkloadApiClient(clientOptions);
    const { source: s, errors } = await source({}, { client } as never).catch(async () => {
      const created = await X509Source.create({ client });
      cleanup.push(() => created.close());
      const errs = new Inbox<WorkloadApiError>();
      created.on('error', errs.push);
      return { source: created, errors: errs };
    });
    client.close();
    expect((await errors.take()).code).toBe('closed');
    expect(s.status().state).toBe('failed');
  });

  it('leaves no sockets or timers behind after close()', async () => {
    const { clientOptions, agent, clock } = await setup();
    const baseline = handles();
    const sources = await Promise.all(Array.from({ length: 5 }, () => X509Source.create({ clientOptions })));
    clock.advance(TTL / 2 + 1);
    for (const s of sources) s.close();
    // Streams and sockets close asynchronously: wait for the handles to go, event by event.
    while (handles() > baseline) await new Promise((r) => setImmediate(r));
    expect(handles()).toBeLessThanOrEqual(baseline);
    expect(agent.calls.length).toBeGreaterThan(0);
  });
});

/** Open sockets and pending timers of this process. */
function handles(): number {
  return process
    .getActiveResourcesInfo()
    .filter((r) => r === 'PipeWrap' || r === 'TCPWrap' || r === 'Timeout').length;
}
