import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SpiffeBundle, type X509Bundle, type X509BundleSource } from '../../src/bundle/index.js';
import {
  fetchBundle,
  FederationError,
  watchBundle,
  type BundleWatch,
  type WatchBundleOptions,
} from '../../src/federation/index.js';
import type { TrustDomain } from '../../src/spiffeid/index.js';
import { FakeBundleEndpoint, FakeCa, ManualClock } from '../../src/testing/index.js';

const TD = 'partner.test';
const MINUTE = 60_000;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function endpoint(
  options: Partial<Parameters<typeof FakeBundleEndpoint.start>[0]> = {},
): Promise<FakeBundleEndpoint> {
  const ep = await FakeBundleEndpoint.start({ profile: 'https_spiffe', ...options });
  cleanups.push(() => ep.stop());
  return ep;
}

/** A queue of the watch's callbacks, awaited one at a time. */
class Events {
  readonly items: ({ update: SpiffeBundle } | { error: FederationError })[] = [];
  #waiters: (() => void)[] = [];
  #taken = 0;
  readonly onUpdate = (bundle: SpiffeBundle): void => this.#push({ update: bundle });
  readonly onError = (error: FederationError): void => this.#push({ error });

  #push(item: { update: SpiffeBundle } | { error: FederationError }): void {
    this.items.push(item);
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  async next(): Promise<{ update: SpiffeBundle } | { error: FederationError }> {
    while (this.items.length <= this.#taken)
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return this.items[this.#taken++]!;
  }

  async nextUpdate(): Promise<SpiffeBundle> {
    const item = await this.next();
    if (!('update' in item)) throw new Error(`expected an update, got ${item.error.message}`);
    return item.update;
  }

  async nextError(): Promise<FederationError> {
    const item = await this.next();
    if (!('error' in item)) throw new Error('expected an error, got an update');
    return item.error;
  }
}

function watch(
  ep: FakeBundleEndpoint,
  options: Partial<WatchBundleOptions> & Pick<WatchBundleOptions, 'auth'>,
  events = new Events(),
  trustDomain: TrustDomain | string = TD,
): { watch: BundleWatch; events: Events } {
  const w = watchBundle(trustDomain, ep.url, {
    onUpdate: events.onUpdate,
    onError: events.onError,
    ...options,
  });
  cleanups.push(() => w.close());
  return { watch: w, events };
}

/** Waits until the watch finished the fetch the endpoint just served (its next timer is armed). */
async function settled(w: BundleWatch, clock: ManualClock): Promise<void> {
  await vi.waitFor(() => {
    expect(w.status().nextRefreshAt).toBeDefined();
    expect(clock.pendingTimers).toBe(1);
  });
}

function withSequence(bundle: SpiffeBundle, sequence: bigint | undefined): SpiffeBundle {
  const copy = bundle.clone();
  copy.setSequenceNumber(sequence);
  return copy;
}

describe('watchBundle: scheduling (F-2, F-18, B-16)', () => {
  it('F-2: fetches at once, then every spiffe_refresh_hint seconds by the clock (no sleeps)', async () => {
    const clock = new ManualClock();
    const ca = new FakeCa({ trustDomain: TD, refreshHint: 120 });
    const ep = await endpoint({ ca, profile: 'https_web' });
    const { watch: w, events } = watch(ep, {
      auth: { profile: 'https_web', roots: [...ep.webRoots] },
      clock,
    });
    expect((await events.nextUpdate()).refreshHint).toBe(120);
    await settled(w, clock);
    expect(ep.requests).toBe(1);
    expect(w.status().nextRefreshAt?.getTime()).toBe(clock.now().getTime() + 120_000);

    clock.advance(120_000 - 1);
    expect(clock.pendingTimers).toBe(1);
    expect(ep.requests).toBe(1);
    clock.advance(1);
    expect(clock.pendingTimers).toBe(0); // the fetch is under way
    await ep.waitForRequests(2);
    await settled(w, clock);
    expect(events.items).toHaveLength(1); // unchanged: not an update
  });

  it('B-16, F-2: without a refresh hint, polls every 5 minutes', async () => {
    const clock = new ManualClock();
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web' });
    const bundle = ca.spiffeBundle();
    bundle.setRefreshHint(undefined);
    ep.setBundle(bundle);
    const { watch: w, events } = watch(ep, {
      auth: { profile: 'https_web', roots: [...ep.webRoots] },
      clock,
    });
    await events.nextUpdate();
    await settled(w, clock);
    expect(w.status().nextRefreshAt?.getTime()).toBe(clock.now().getTime() + 5 * MINUTE);
  });

  it('defaultRefreshMs replaces the 5-minute default', async () => {
    const clock = new ManualClock();
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web' });
    const bundle = ca.spiffeBundle();
    bundle.setRefreshHint(undefined);
    ep.setBundle(bundle);
    const { watch: w, events } = watch(ep, {
      auth: { profile: 'https_web', roots: [...ep.webRoots] },
      clock,
      defaultRefreshMs: 30_000,
    });
    await events.nextUpdate();
    await settled(w, clock);
    expect(w.status().nextRefreshAt?.getTime()).toBe(clock.now().getTime() + 30_000);
  });

  it.each([
    [0, MINUTE],
    [1, MINUTE],
    [90, 90_000],
    [28 * 24 * 3600, 24 * 60 * MINUTE],
  ])('B-4: a refresh hint of %i s polls after %i ms (clamped to 1 min .. 1 day)', async (hint, expected) => {
    const clock = new ManualClock();
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web' });
    const bundle = ca.spiffeBundle();
    bundle.setRefreshHint(hint);
    ep.setBundle(bundle);
    const { watch: w, events } = watch(ep, {
      auth: { profile: 'https_web', roots: [...ep.webRoots] },
      clock,
    });
    await events.nextUpdate();
    await settled(w, clock);
    expect(w.status().nextRefreshAt?.getTime()).toBe(clock.now().getTime() + expected);
  });

  it('F-18: a failed fetch is reported and retried at the next interval, never sooner; the bundle is kept (F-3)', async () => {
    const clock = new ManualClock();
    const ca = new FakeCa({ trustDomain: TD, refreshHint: 600 });
    const ep = await endpoint({ ca, profile: 'https_web' });
    const { watch: w, events } = watch(ep, {
      auth: { profile: 'https_web', roots: [...ep.webRoots] },
      clock,
    });
    const first = await events.nextUpdate();
    await settled(w, clock);
    ep.respondNext({ status: 503 });
    clock.advance(600_000);
    const error = await events.nextError();
    expect(error.code).toBe('http_status');
    await settled(w, clock);
    expect(w.status()).toMatchObject({ consecutiveFailures: 1, lastError: error });
    expect(w.status().nextRefreshAt?.getTime()).toBe(clock.now().getTime() + 600_000);
    expect(w.latest()?.equals(first)).toBe(true);
    clock.advance(600_000 - 1);
    expect(ep.requests).toBe(2);
    clock.advance(1);
    await ep.waitForRequests(3);
    await settled(w, clock);
    expect(w.status()).toMatchObject({ consecutiveFailures: 0, lastError: undefined });
  });

  it('F-18: with no bundle yet, failures are retried at the default interval', async () => {
    const clock = new ManualClock();
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web' });
    ep.respondNext({ status: 500 });
    const { watch: w, events } = watch(ep, {
      auth: { profile: 'https_web', roots: [...ep.webRoots] },
      clock,
    });
    expect((await events.nextError()).code).toBe('http_status');
    await settled(w, clock);
    expect(w.latest()).toBeUndefined();
    expect(w.status().nextRefreshAt?.getTime()).toBe(clock.now().getTime() + 5 * MINUTE);
    clock.advance(5 * MINUTE);
    expect((await events.nextUpdate()).trustDomain.name).toBe(TD);
  });
});

describe('watchBundle: updates (F-3, F-4)', () => {
  it('reports a bundle only when it changed', async () => {
    const clock = new ManualClock();
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web' });
    const { watch: w, events } = watch(ep, {
      auth: { profile: 'https_web', roots: [...ep.webRoots] },
      clock,
    });
    expect((await events.nextUpdate()).sequenceNumber).toBe(1n);
    await settled(w, clock);
    clock.advance(5 * MINUTE);
    await ep.waitForRequests(2);
    await settled(w, clock);
    expect(events.items).toHaveLength(1);
    ca.prepareRotation(); // a new authority: sequence 2
    clock.advance(5 * MINUTE);
    const update = await events.nextUpdate();
    expect(update.sequenceNumber).toBe(2n);
    expect(update.x509Authorities()).toHaveLength(2);
    expect(w.latest()?.equals(update)).toBe(true);
  });

  it('F-4: a fetched bundle with a lower spiffe_sequence than the held one is not an update', async () => {
    const clock = new ManualClock();
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web' });
    const current = withSequence(ca.spiffeBundle(), 10n);
    ep.setBundle(current);
    const { watch: w, events } = watch(ep, {
      auth: { profile: 'https_web', roots: [...ep.webRoots] },
      clock,
    });
    expect((await events.nextUpdate()).sequenceNumber).toBe(10n);
    await settled(w, clock);
    const stale = withSequence(new FakeCa({ trustDomain: TD }).spiffeBundle(), 9n); // other keys, older
    ep.setBundle(stale);
    clock.advance(5 * MINUTE);
    await ep.waitForRequests(2);
    await settled(w, clock);
    expect(events.items).toHaveLength(1);
    expect(w.latest()?.equals(current)).toBe(true);
    // A higher sequence is an update again.
    const newer = withSequence(stale, 11n);
    ep.setBundle(newer);
    clock.advance(5 * MINUTE);
    expect((await events.nextUpdate()).equals(newer)).toBe(true);
  });

  it('F-4: without sequence numbers the newest fetch wins', async () => {
    const clock = new ManualClock();
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web' });
    ep.setBundle(withSequence(ca.spiffeBundle(), undefined));
    const { watch: w, events } = watch(ep, {
      auth: { profile: 'https_web', roots: [...ep.webRoots] },
      clock,
    });
    await events.nextUpdate();
    await settled(w, clock);
    const other = withSequence(new FakeCa({ trustDomain: TD }).spiffeBundle(), undefined);
    ep.setBundle(other);
    clock.advance(5 * MINUTE);
    expect((await events.nextUpdate()).equals(other)).toBe(true);
  });

  it('F-4, B-3: a changed bundle with the same sequence is taken (newest fetch), with a warning', async () => {
    const clock = new ManualClock();
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web' });
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} };
    const { watch: w, events } = watch(ep, {
      auth: { profile: 'https_web', roots: [...ep.webRoots] },
      clock,
      logger,
    });
    await events.nextUpdate();
    await settled(w, clock);
    const same = withSequence(new FakeCa({ trustDomain: TD }).spiffeBundle(), 1n);
    ep.setBundle(same);
    clock.advance(5 * MINUTE);
    expect((await events.nextUpdate()).equals(same)).toBe(true);
    expect(warnings.some((m) => m.includes('B-3'))).toBe(true);
  });

  it('the async iterator yields the held bundle, then each update, and ends on close', async () => {
    const clock = new ManualClock();
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web' });
    const { watch: w, events } = watch(ep, {
      auth: { profile: 'https_web', roots: [...ep.webRoots] },
      clock,
    });
    await events.nextUpdate();
    const seen: bigint[] = [];
    const done = (async () => {
      for await (const bundle of w) {
        seen.push(bundle.sequenceNumber!);
        if (seen.length === 2) w.close();
      }
    })();
    await settled(w, clock);
    ca.prepareRotation();
    clock.advance(5 * MINUTE);
    await done;
    expect(seen).toEqual([1n, 2n]);
  });

  it('updates() ends when its signal aborts; the watch goes on', async () => {
    const clock = new ManualClock();
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web' });
    const { watch: w, events } = watch(ep, {
      auth: { profile: 'https_web', roots: [...ep.webRoots] },
      clock,
    });
    await events.nextUpdate();
    const controller = new AbortController();
    const iterator = w.updates({ signal: controller.signal });
    expect((await iterator.next()).value?.sequenceNumber).toBe(1n);
    const pending = iterator.next();
    controller.abort();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(w.closed).toBe(false);
  });

  it('callbacks get copies: changing one does not change the held bundle', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web' });
    const { watch: w, events } = watch(ep, {
      auth: { profile: 'https_web', roots: [...ep.webRoots] },
      clock: new ManualClock(),
    });
    const bundle = await events.nextUpdate();
    bundle.setX509Authorities([]);
    expect(w.latest()?.x509Authorities()).toHaveLength(1);
  });

  it('a throwing onUpdate callback is logged and does not stop the watch', async () => {
    const clock = new ManualClock();
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web' });
    const errors: string[] = [];
    const w = watchBundle(TD, ep.url, {
      auth: { profile: 'https_web', roots: [...ep.webRoots] },
      clock,
      onUpdate: () => {
        throw new Error('boom');
      },
      logger: { debug() {}, info() {}, warn() {}, error: (m: string) => errors.push(m) },
    });
    cleanups.push(() => w.close());
    await settled(w, clock);
    expect(errors.some((m) => m.includes('boom'))).toBe(true);
    expect(w.latest()).toBeDefined();
  });
});

describe('watchBundle: https_spiffe self-serving (F-14, F-17)', () => {
  it('F-17: the first fetch uses the configured bundle, later fetches the latest fetched bundle', async () => {
    const clock = new ManualClock();
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca });
    const initial = ca.spiffeBundle();
    let configuredAsked = 0;
    const configured: X509BundleSource = {
      getX509BundleForTrustDomain(td): X509Bundle {
        configuredAsked++;
        return initial.getX509BundleForTrustDomain(td);
      },
    };
    const { watch: w, events } = watch(ep, {
      auth: { profile: 'https_spiffe', endpointId: ep.endpointId!, bundle: configured },
      clock,
    });
    expect((await events.nextUpdate()).sequenceNumber).toBe(1n);
    await settled(w, clock);

    // F-1: the endpoint's CA publishes its next key before using it; the watch picks it up.
    ca.prepareRotation();
    clock.advance(5 * MINUTE);
    expect((await events.nextUpdate()).x509Authorities()).toHaveLength(2);
    await settled(w, clock);

    // The endpoint now presents an SVID from the new key, which the configured bundle does not know.
    ca.rotate();
    ep.rotateSvid();
    const refused = await fetchBundle(TD, ep.url, {
      auth: { profile: 'https_spiffe', endpointId: ep.endpointId!, bundle: initial },
    }).catch((e: unknown) => e as FederationError);
    expect((refused as FederationError).code).toBe('tls_verification');

    clock.advance(5 * MINUTE);
    // Verified with the latest fetched bundle (which holds the new key): a success, sequence 3
    // (the rotation also dropped the unused old JWT key).
    expect((await events.nextUpdate()).sequenceNumber).toBe(3n);
    expect(ep.requests).toBe(3); // the refused handshake above never reached HTTP
    expect(configuredAsked).toBe(1);
  });

  it('F-17: a non-self-serving endpoint is verified with the configured source on every fetch', async () => {
    const clock = new ManualClock();
    const serverCa = new FakeCa({ trustDomain: 'hub.test' });
    const partnerCa = new FakeCa({ trustDomain: TD });
    // The hub's endpoint serves partner.test's bundle with a hub.test SVID.
    const ep = await endpoint({ ca: serverCa, bundle: partnerCa.spiffeBundle().clone() });
    let asked = 0;
    const hubBundle = serverCa.spiffeBundle();
    const { watch: w, events } = watch(ep, {
      auth: {
        profile: 'https_spiffe',
        endpointId: ep.endpointId!,
        bundle: { getX509BundleForTrustDomain: (td) => (asked++, hubBundle.getX509BundleForTrustDomain(td)) },
      },
      clock,
    });
    expect((await events.nextUpdate()).equals(partnerCa.spiffeBundle())).toBe(true);
    await settled(w, clock);
    clock.advance(5 * MINUTE);
    await ep.waitForRequests(2);
    await settled(w, clock);
    expect(asked).toBe(2);
  });

  it('F-16: a redirect to an endpoint with another SPIFFE ID fails the poll, and the next poll starts at the configured URL', async () => {
    const clock = new ManualClock();
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca });
    const imposter = await endpoint({ ca, endpointId: `spiffe://${TD}/imposter` });
    ep.respondNext({ redirect: imposter.url, status: 308 });
    const { watch: w, events } = watch(ep, {
      auth: { profile: 'https_spiffe', endpointId: ep.endpointId!, bundle: ca.spiffeBundle() },
      clock,
    });
    expect((await events.nextError()).code).toBe('unauthorized_endpoint');
    await settled(w, clock);
    clock.advance(5 * MINUTE);
    await events.nextUpdate();
    expect(ep.requests).toBe(2);
    expect(imposter.requests).toBe(0);
  });
});

describe('watchBundle: lifecycle', () => {
  it('stops on abort: no more timers, no callbacks, iterators end', async () => {
    const clock = new ManualClock();
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web' });
    const controller = new AbortController();
    const { watch: w, events } = watch(ep, {
      auth: { profile: 'https_web', roots: [...ep.webRoots] },
      clock,
      signal: controller.signal,
    });
    await events.nextUpdate();
    await settled(w, clock);
    const iterator = w.updates();
    await iterator.next();
    const pending = iterator.next();
    controller.abort();
    expect(w.closed).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(w.status().nextRefreshAt).toBeUndefined();
  });

  it('close() during a fetch cancels it (the connection is closed) without reporting an error', async () => {
    const clock = new ManualClock();
    let connection: (socket: Socket) => void = () => {};
    const connected = new Promise<Socket>((resolve) => (connection = resolve));
    const server = createServer((socket) => connection(socket)); // accepts, never answers the TLS handshake
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((done) => server.close(done)));
    const port = (server.address() as AddressInfo).port;
    const events = new Events();
    const w = watchBundle(TD, `https://127.0.0.1:${port}/`, {
      auth: { profile: 'https_web' },
      clock,
      onUpdate: events.onUpdate,
      onError: events.onError,
    });
    const socket = await connected;
    const closed = new Promise((resolve) => socket.once('close', resolve));
    w.close();
    await closed;
    expect(events.items).toHaveLength(0);
    expect(clock.pendingTimers).toBe(0);
    expect(w.status().lastFetch).toBeUndefined();
  });

  it('an already aborted signal makes a closed watch that never fetches', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web' });
    const w = watchBundle(TD, ep.url, { auth: { profile: 'https_web' }, signal: AbortSignal.abort() });
    expect(w.closed).toBe(true);
    expect(await w.updates().next()).toEqual({ value: undefined, done: true });
    expect(ep.requests).toBe(0);
  });

  it.each([
    ['defaultRefreshMs below 1 s', { defaultRefreshMs: 10 }],
    ['defaultRefreshMs above a day', { defaultRefreshMs: 2 * 24 * 3600_000 }],
    ['a clock without timers', { clock: { now: () => new Date() } }],
    ['onUpdate not a function', { onUpdate: 'x' }],
    ['onError not a function', { onError: 1 }],
  ])('%s is invalid_argument, thrown at once', (_name, extra) => {
    expect(() =>
      watchBundle(TD, 'https://127.0.0.1:1/', { auth: { profile: 'https_web' }, ...(extra as object) }),
    ).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });

  it('F-9: an http URL is invalid_url, thrown at once', () => {
    expect(() => watchBundle(TD, 'http://127.0.0.1:1/', { auth: { profile: 'https_web' } })).toThrow(
      expect.objectContaining({ code: 'invalid_url' }),
    );
  });
});
