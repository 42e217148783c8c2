// Watches (W-3, A-15): reconnects, backoff, the codes that stop a watch, cancellation, the
// callback and iterator forms, and the Backoff itself. Scripted transport: every step is awaited.
import { describe, expect, it } from 'vitest';
import { FakeCa } from '../../src/testing/index.js';
import {
  Backoff,
  WorkloadApiClient,
  WorkloadApiError,
  type X509Context,
} from '../../src/workloadapi/index.js';
import { CODE, FAST, Inbox, ScriptedTransport, grpcError, svidEntry, x509Response } from './helpers.js';

const ca = new FakeCa({ trustDomain: 'example.org' });
const message = (path = '/api') => x509Response([svidEntry(ca, { id: `spiffe://example.org${path}` })]);

function setup(backoff = FAST) {
  const transport = new ScriptedTransport();
  const client = new WorkloadApiClient({ transport, backoff });
  const updates = new Inbox<X509Context>();
  const errors = new Inbox<WorkloadApiError>();
  return { transport, client, updates, errors };
}

describe('Backoff', () => {
  it('grows by the multiplier up to the cap, and reset() starts over', () => {
    const b = new Backoff({ initialDelayMs: 100, maxDelayMs: 1000, multiplier: 3, jitter: 0 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 300, 900, 1000, 1000]);
    b.reset();
    expect(b.next()).toBe(100);
  });

  it('defaults: 1 s, doubling, capped at 30 s (go-spiffe cap), 20 % jitter', () => {
    const b = new Backoff({}, () => 0.5);
    expect(b.options).toEqual({ initialDelayMs: 1000, maxDelayMs: 30_000, multiplier: 2, jitter: 0.2 });
    const delays = Array.from({ length: 8 }, () => b.next());
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('jitter spreads each delay within ±jitter and never beyond the cap', () => {
    const low = new Backoff({ initialDelayMs: 100, maxDelayMs: 150, jitter: 0.5 }, () => 0);
    const high = new Backoff({ initialDelayMs: 100, maxDelayMs: 150, jitter: 0.5 }, () => 0.999999);
    expect([low.next(), low.next()]).toEqual([50, 75]);
    expect([high.next(), high.next()]).toEqual([150, 150]);
  });

  it.each([
    [{ initialDelayMs: 0 }, /initialDelayMs must be at least 1/],
    [{ initialDelayMs: 10, maxDelayMs: 5 }, /maxDelayMs must be at least initialDelayMs/],
    [{ multiplier: 0.5 }, /multiplier must be at least 1/],
    [{ jitter: 1.5 }, /jitter must be from 0 to 1/],
    [{ jitter: Number.NaN }, /must be a finite number/],
    [{ initialDelayMs: '5' }, /must be a finite number/],
  ])('refuses %j: never a tight loop', (options, message) => {
    expect(() => new Backoff(options as never)).toThrow(message);
    expect(
      () => new WorkloadApiClient({ transport: new ScriptedTransport(), backoff: options as never }),
    ).toThrow(expect.objectContaining({ code: 'invalid_argument_local' }));
  });
});

describe('watch: reconnects and retries (W-3, A-15)', () => {
  it.each([
    ['Unavailable', 'unavailable', CODE.UNAVAILABLE],
    ['PermissionDenied (W-15: eventual consistency)', 'permission_denied', CODE.PERMISSION_DENIED],
    ['Unknown', 'rpc_failed', CODE.UNKNOWN],
    ['Internal (e.g. an undecodable message)', 'rpc_failed', CODE.INTERNAL],
    ['Cancelled by the server', 'aborted', CODE.CANCELLED],
  ] as const)('%s is reported and retried with backoff', async (_name, code, grpcCode) => {
    const { transport, client, updates, errors } = setup();
    transport.x509.script = (s, n) => (n === 1 ? s.fail(grpcError(code, grpcCode)) : s.push(message()));
    const watch = client.watchX509Context({ onUpdate: updates.push, onError: errors.push });
    expect(await errors.take()).toMatchObject({ code, grpcCode });
    expect((await updates.take()).defaultSvid.id.path).toBe('/api');
    expect(transport.x509.streams).toHaveLength(2);
    watch.close();
    client.close();
  });

  it.each([
    ['InvalidArgument', 'invalid_argument', CODE.INVALID_ARGUMENT],
    ['Unimplemented', 'unimplemented', CODE.UNIMPLEMENTED],
  ] as const)('A-15: %s stops the watch with the error: no retry storm', async (_name, code, grpcCode) => {
    const { transport, client, updates, errors } = setup();
    transport.x509.script = (s, n) => {
      if (n === 1) {
        s.push(message());
        s.end();
      } else s.fail(grpcError(code, grpcCode));
    };
    const watch = client.watchX509Context({ onUpdate: updates.push, onError: errors.push });
    const stopped = await watch.stopped;
    expect(stopped).toMatchObject({ code, grpcCode });
    expect(await errors.take()).toBe(stopped);
    // One call after the good stream ended (W-3), and none after the fatal answer.
    expect(transport.x509.streams).toHaveLength(2);
    const it = watch[Symbol.asyncIterator]();
    expect((await it.next()).value?.defaultSvid.id.path).toBe('/api');
    await expect(it.next()).rejects.toBe(stopped);
    client.close();
  });

  it('W-3: a stream that ends after a good message is reopened at once', async () => {
    const { transport, client, updates } = setup({ initialDelayMs: 60_000, maxDelayMs: 60_000, jitter: 0 });
    transport.x509.script = (s, n) => {
      s.push(message(`/n${n}`));
      if (n === 1) s.end();
    };
    const watch = client.watchX509Context({ onUpdate: updates.push });
    expect((await updates.take()).defaultSvid.id.path).toBe('/n1');
    // With a one-minute backoff, only an immediate reconnect gets here within the test timeout.
    expect((await updates.take()).defaultSvid.id.path).toBe('/n2');
    watch.close();
    client.close();
  });

  it('a stream that ends without a usable message is retried after backoff, reported as unavailable', async () => {
    const { transport, client, updates, errors } = setup();
    transport.x509.script = (s, n) => (n === 1 ? s.end() : s.push(message()));
    const watch = client.watchX509Context({ onUpdate: updates.push, onError: errors.push });
    expect((await errors.take()).message).toMatch(/stream ended without a usable message/);
    await updates.take();
    watch.close();
    client.close();
  });

  it('backoff grows between failed attempts and never spins: delays of 20, 40, 80 ms', async () => {
    const { transport, client } = setup({ initialDelayMs: 20, maxDelayMs: 1000, multiplier: 2, jitter: 0 });
    transport.x509.script = (s) => s.fail(grpcError('unavailable', CODE.UNAVAILABLE));
    const watch = client.watchX509Context({});
    await transport.x509.opened(4);
    watch.close();
    const t = transport.x509.openedAt;
    const gaps = [t[1]! - t[0]!, t[2]! - t[1]!, t[3]! - t[2]!];
    // Timers may fire up to ~1 ms early on some platforms.
    expect(gaps[0]).toBeGreaterThanOrEqual(19);
    expect(gaps[1]).toBeGreaterThanOrEqual(39);
    expect(gaps[2]).toBeGreaterThanOrEqual(79);
    client.close();
  });

  it('backoff is reset by a good message', async () => {
    const { transport, client, updates } = setup({
      initialDelayMs: 20,
      maxDelayMs: 10_000,
      multiplier: 10,
      jitter: 0,
    });
    // Attempts: fail, fail (waits 20, then 200), good message then failure (reset: waits 20 again).
    transport.x509.script = (s, n) => {
      if (n === 3) {
        s.push(message());
        s.fail(grpcError('unavailable', CODE.UNAVAILABLE));
      } else if (n < 3) s.fail(grpcError('unavailable', CODE.UNAVAILABLE));
      else s.push(message('/again'));
    };
    const watch = client.watchX509Context({ onUpdate: updates.push });
    await updates.take();
    await updates.take();
    const t = transport.x509.openedAt;
    expect(t[1]! - t[0]!).toBeGreaterThanOrEqual(19);
    expect(t[2]! - t[1]!).toBeGreaterThanOrEqual(199);
    expect(t[3]! - t[2]!).toBeLessThan(150);
    watch.close();
    client.close();
  });
});

describe('watch: cancellation and closing', () => {
  it('close() cancels the open stream; stopped resolves undefined; iterators end', async () => {
    const { transport, client } = setup();
    const watch = client.watchX509Context();
    await transport.x509.opened(1);
    const it = watch[Symbol.asyncIterator]();
    const pending = it.next();
    watch.close();
    watch.close();
    expect(await watch.stopped).toBeUndefined();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(transport.x509.current.cancelled).toBe(true);
    client.close();
  });

  it('an aborted signal stops the watch, also while it waits to retry', async () => {
    const { transport, client, errors } = setup({ initialDelayMs: 60_000, maxDelayMs: 60_000, jitter: 0 });
    transport.x509.script = (s) => s.fail(grpcError('unavailable', CODE.UNAVAILABLE));
    const controller = new AbortController();
    const watch = client.watchX509Context({ signal: controller.signal, onError: errors.push });
    await errors.take();
    controller.abort();
    expect(await watch.stopped).toBeUndefined();
    expect(transport.x509.streams).toHaveLength(1);
    client.close();
  });

  it('a signal that is already aborted: the watch never calls the agent', async () => {
    const { transport, client } = setup();
    const watch = client.watchX509Context({ signal: AbortSignal.abort() });
    expect(await watch.stopped).toBeUndefined();
    expect(transport.x509.streams).toHaveLength(0);
    client.close();
  });

  it('leaving a for-await loop closes the watch and its stream', async () => {
    const { transport, client } = setup();
    transport.x509.script = (s) => s.push(message());
    const watch = client.watchX509Context();
    for await (const ctx of watch) {
      expect(ctx.defaultSvid.id.path).toBe('/api');
      break;
    }
    expect(await watch.stopped).toBeUndefined();
    expect(transport.x509.current.cancelled).toBe(true);
    client.close();
  });

  it('await using closes the watch', async () => {
    const { transport, client } = setup();
    let stopped: Promise<unknown>;
    {
      await using watch = client.watchX509Context();
      stopped = watch.stopped;
      await transport.x509.opened(1);
    }
    expect(await stopped).toBeUndefined();
    expect(transport.x509.current.cancelled).toBe(true);
    client.close();
  });

  it('closing the client stops its watches with "closed" and closes the transport', async () => {
    const { transport, client, errors } = setup();
    const watch = client.watchX509Context({ onError: errors.push });
    await transport.x509.opened(1);
    const it = watch[Symbol.asyncIterator]();
    client.close();
    expect(await watch.stopped).toMatchObject({ code: 'closed' });
    expect(await errors.take()).toMatchObject({ code: 'closed' });
    await expect(it.next()).rejects.toMatchObject({ code: 'closed' });
    expect(transport.closed).toBe(true);
    expect(() => client.watchX509Context()).toThrow(expect.objectContaining({ code: 'closed' }));
    await expect(client.fetchX509Svid()).rejects.toMatchObject({ code: 'closed' });
  });

  it('a throwing onUpdate or onError is logged and the watch goes on', async () => {
    const transport = new ScriptedTransport();
    const lines: string[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (m: string) => void lines.push(m) };
    const client = new WorkloadApiClient({ transport, backoff: FAST, logger });
    transport.x509.script = (s, n) =>
      n === 1 ? s.fail(grpcError('unavailable', CODE.UNAVAILABLE)) : s.push(message());
    const watch = client.watchX509Context({
      onUpdate: () => {
        throw new Error('update boom');
      },
      onError: () => {
        throw new Error('error boom');
      },
    });
    for await (const _ of watch) break;
    expect(lines).toEqual([
      expect.stringMatching(/onError threw: error boom/),
      expect.stringMatching(/onUpdate threw: update boom/),
    ]);
    client.close();
  });

  it('an iterator that falls behind gets only the newest snapshot', async () => {
    const { transport, client, updates } = setup();
    const watch = client.watchX509Context({ onUpdate: updates.push });
    const it = watch[Symbol.asyncIterator]();
    await transport.x509.opened(1);
    transport.x509.current.push(message('/one'));
    transport.x509.current.push(message('/two'));
    await updates.take();
    await updates.take();
    expect((await it.next()).value?.defaultSvid.id.path).toBe('/two');
    watch.close();
    expect((await it.next()).done).toBe(true);
    client.close();
  });

  it('refuses bad watch options', () => {
    const { client } = setup();
    expect(() => client.watchX509Context({ onUpdate: 'x' as never })).toThrow(/onUpdate must be a function/);
    expect(() => client.watchX509Bundles({ signal: {} as never })).toThrow(/signal must be an AbortSignal/);
    client.close();
  });
});

describe('watch: a message identical to the last one delivered is not an update', () => {
  it('10,000 identical messages give one update and 9,999 onUnchanged', async () => {
    const { transport, client, updates, errors } = setup();
    const same = message();
    let unchanged = 0;
    const done = new Inbox<void>();
    const N = 10_000;
    const watch = client.watchX509Context({
      onUpdate: updates.push,
      onError: errors.push,
      onUnchanged: () => {
        if (++unchanged === N - 1) done.push();
      },
    });
    await transport.x509.opened(1);
    // Each message is a fresh object with fresh byte arrays, as a decoder produces them.
    const copy = (): typeof same => ({
      svids: same.svids.map((s) => ({
        ...s,
        x509Svid: s.x509Svid.slice(),
        x509SvidKey: s.x509SvidKey.slice(),
        bundle: s.bundle.slice(),
      })),
      crl: [],
      federatedBundles: new Map(),
    });
    for (let i = 0; i < N; i++) transport.x509.current.push(copy());
    await done.take();
    expect(updates.all).toHaveLength(1);
    expect(unchanged).toBe(N - 1);
    expect(errors.all).toEqual([]);
    watch.close();
    client.close();
  });

  it('a change after identical messages is delivered; so is the old state coming back', async () => {
    const { transport, client, updates } = setup();
    const watch = client.watchX509Context({ onUpdate: updates.push });
    await transport.x509.opened(1);
    const a = message('/a');
    const b = message('/b');
    for (const m of [a, a, b, b, a]) transport.x509.current.push(m);
    const ids = async () => (await updates.take()).defaultSvid.id.path;
    expect([await ids(), await ids(), await ids()]).toEqual(['/a', '/b', '/a']);
    watch.close();
    client.close();
  });

  it('W-10: after a discarded message, the last good one repeated is no update, but the stream is healthy', async () => {
    const { transport, client, updates, errors } = setup();
    const unchanged = new Inbox<void>();
    const watch = client.watchX509Context({
      onUpdate: updates.push,
      onError: errors.push,
      onUnchanged: () => unchanged.push(),
    });
    await transport.x509.opened(1);
    const good = message();
    transport.x509.current.push(good);
    await updates.take();
    transport.x509.current.push(x509Response([]));
    expect((await errors.take()).code).toBe('invalid_response');
    transport.x509.current.push(good);
    await unchanged.take();
    expect(updates.all).toHaveLength(1);
    watch.close();
    client.close();
  });

  it('a new stream (reconnect) delivers its first message even when it repeats the state', async () => {
    const { transport, client, updates } = setup();
    const good = message();
    transport.x509.script = (stream) => stream.push(good);
    const watch = client.watchX509Context({ onUpdate: updates.push });
    await updates.take();
    transport.x509.current.end();
    await transport.x509.opened(2);
    await updates.take();
    expect(updates.all).toHaveLength(2);
    watch.close();
    client.close();
  });

  it('onUnchanged must be a function', () => {
    const { client } = setup();
    expect(() => client.watchX509Context({ onUnchanged: 1 as unknown as () => void })).toThrow(
      expect.objectContaining({ code: 'invalid_argument_local' }),
    );
    client.close();
  });
});
