// The listener API of the three sources: `once`, Node's `events.once` and `events.on` (which need
// `on`/`once`/`removeListener`), `off` of a `once` listener, prepending, and `emit` refused.
// Updates come from a scripted transport, each different from the last.
import { on, once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeCa, ManualClock } from '../../src/testing/index.js';
import {
  BundleSource,
  JwtSource,
  WorkloadApiClient,
  WorkloadApiError,
  X509Source,
} from '../../src/workloadapi/index.js';
import {
  CODE,
  der,
  grpcError,
  Inbox,
  jwks,
  ScriptedStream,
  ScriptedTransport,
  svidEntry,
  x509Response,
} from './helpers.js';

const ID = 'spiffe://example.org/api';
const clock = new ManualClock();
const ca = new FakeCa({ trustDomain: 'example.org', clock });
const federated = ['a', 'b', 'c', 'd'].map((n) => new FakeCa({ trustDomain: `${n}.example`, clock }));

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

interface Harness {
  /**
   * The source under test. The three share one listener API (their base class); it is typed as
   * an X509Source only because TypeScript cannot call a method on a union of them.
   */
  source: X509Source;
  /** Makes the agent send an update that differs from every earlier one. */
  push(): void;
  /** Fails the current stream with Unavailable (the source retries and emits "error"). */
  fail(): void;
}
const unavailable = (): WorkloadApiError => grpcError('unavailable', CODE.UNAVAILABLE);

/** Bundles of example.org plus the first `n` federated trust domains (n from 0). */
function x509Bundles(n: number): Map<string, Uint8Array> {
  return new Map(
    [ca, ...federated.slice(0, n)].map((c) => [c.trustDomain.idString(), der(c.rootCertificates())]),
  );
}
function jwtBundles(n: number): Map<string, Uint8Array> {
  return new Map([ca, ...federated.slice(0, n)].map((c) => [c.trustDomain.idString(), jwks(c)]));
}

const harnesses: [string, () => Promise<Harness>][] = [
  [
    'X509Source',
    async () => {
      const transport = new ScriptedTransport();
      transport.x509.script = (s) => s.push(x509Response([svidEntry(ca, { id: ID })]));
      const source = await X509Source.create({ client: client(transport) });
      return {
        source,
        push: () => transport.x509.current.push(x509Response([svidEntry(ca, { id: ID })])),
        fail: () => transport.x509.current.fail(unavailable()),
      };
    },
  ],
  [
    'JwtSource',
    async () => {
      const transport = new ScriptedTransport();
      let n = 0;
      transport.jwtBundles.script = (s) => s.push({ bundles: jwtBundles(n) });
      const source = await JwtSource.create({ client: client(transport) });
      return {
        source: source as unknown as X509Source,
        push: () => transport.jwtBundles.current.push({ bundles: jwtBundles(++n) }),
        fail: () => transport.jwtBundles.current.fail(unavailable()),
      };
    },
  ],
  [
    'BundleSource',
    async () => {
      const transport = new ScriptedTransport();
      let n = 0;
      transport.x509Bundles.script = (s) => s.push({ crl: [], bundles: x509Bundles(n) });
      transport.jwtBundles.script = (s) => s.push({ bundles: jwtBundles(0) });
      const source = (await BundleSource.create({ client: client(transport) })) as unknown as X509Source;
      const stream: () => ScriptedStream<{ crl: Uint8Array[]; bundles: Map<string, Uint8Array> }> = () =>
        transport.x509Bundles.current;
      return {
        source,
        push: () => stream().push({ crl: [], bundles: x509Bundles(++n) }),
        fail: () => stream().fail(unavailable()),
      };
    },
  ],
];

function client(transport: ScriptedTransport): WorkloadApiClient {
  const c = new WorkloadApiClient({ transport, clock });
  cleanup.push(() => c.close());
  return c;
}

async function start(make: () => Promise<Harness>): Promise<Harness> {
  const h = await make();
  cleanup.push(() => h.source.close());
  return h;
}

describe.each(harnesses)('%s listeners', (_name, make) => {
  it('once: the listener gets the next update only', async () => {
    const { source, push } = await start(make);
    const all = new Inbox<unknown>();
    const first: unknown[] = [];
    source.on('update', all.push);
    source.once('update', (u: unknown) => void first.push(u));
    expect(source.listenerCount('update')).toBe(2);
    push();
    const u1 = await all.take();
    expect(first).toEqual([u1]);
    expect(source.listenerCount('update')).toBe(1);
    push();
    await all.take();
    expect(first).toEqual([u1]);
  });

  it('off removes a once listener before it runs', async () => {
    const { source, push } = await start(make);
    const all = new Inbox<unknown>();
    const never = (): void => expect.unreachable('removed once listener ran');
    source.once('update', never).on('update', all.push);
    source.off('update', never);
    push();
    await all.take();
    expect(source.listeners('update')).toEqual([all.push]);
  });

  it('events.once(source, "update") resolves with the next update and leaves no listener', async () => {
    const { source, push } = await start(make);
    const next = once(source, 'update');
    expect(source.listenerCount('update')).toBe(1);
    expect(source.listenerCount('error')).toBe(1); // events.once also listens for "error"
    push();
    const [update] = await next;
    expect(update).toBeDefined();
    expect(source.eventNames()).toEqual([]);
  });

  it('events.once rejects on an "error" event (Node semantics) and honours its signal', async () => {
    const { source, fail } = await start(make);
    const next = once(source, 'update');
    fail();
    await expect(next).rejects.toMatchObject({ code: 'unavailable' });
    expect(source.eventNames()).toEqual([]);
    const controller = new AbortController();
    const aborted = once(source, 'update', { signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    expect(source.eventNames()).toEqual([]);
  });

  it('events.on(source, "update") iterates updates', async () => {
    const { source, push } = await start(make);
    const controller = new AbortController();
    const iterator = on(source, 'update', { signal: controller.signal });
    push();
    const { value } = await iterator.next();
    expect(value as unknown[]).toHaveLength(1);
    controller.abort();
    await expect(iterator.next()).rejects.toMatchObject({ name: 'AbortError' });
    expect(source.listenerCount('update')).toBe(0);
  });

  it('prependListener and prependOnceListener run first; removeAllListeners clears', async () => {
    const { source, push } = await start(make);
    const order: string[] = [];
    const last = new Inbox<unknown>();
    source.on('update', () => void order.push('on'));
    source.prependListener('update', () => void order.push('prepended'));
    source.prependOnceListener('update', () => void order.push('prepended once'));
    source.on('update', last.push);
    push();
    await last.take();
    expect(order).toEqual(['prepended once', 'prepended', 'on']);
    source.removeAllListeners('update');
    expect(source.listenerCount('update')).toBe(0);
    source.on('error', () => {}).on('update', () => {});
    source.removeAllListeners();
    expect(source.eventNames()).toEqual([]);
  });

  it('emit is refused: listeners only see what the agent sent', async () => {
    const { source } = await start(make);
    const seen: unknown[] = [];
    source.on('update', (u: unknown) => void seen.push(u));
    expect(() => source.emit('update')).toThrow(WorkloadApiError);
    expect(() => source.emit('update')).toThrow(/emits its own events only/);
    expect(seen).toEqual([]);
  });

  it('a listener must be a function', async () => {
    const { source } = await start(make);
    expect(() => source.once('update', 'x' as never)).toThrow(
      expect.objectContaining({ code: 'invalid_argument_local' }),
    );
  });
});

describe('once and on together', () => {
  it('a listener registered with on stays when also registered with once', async () => {
    const [, make] = harnesses[0]!;
    const { source, push } = await start(make);
    const all = new Inbox<unknown>();
    source.on('update', all.push).once('update', all.push);
    push();
    await all.take();
    push();
    await all.take();
    expect(all.all).toHaveLength(2);
    expect(source.listenerCount('update', all.push)).toBe(1);
  });
});

describe('changes during an emit', () => {
  it('a listener removed or prepended by an earlier one is seen at once; a once listener runs once', async () => {
    const [, make] = harnesses[0]!;
    const { source, push } = await start(make);
    const calls: string[] = [];
    const last = new Inbox<unknown>();
    const removed = (): void => void calls.push('removed');
    const onceOnly = (): void => void calls.push('once');
    source.on('update', () => {
      calls.push('first');
      source.off('update', removed);
      source.prependListener('update', () => void calls.push('prepended'));
    });
    source.on('update', removed).once('update', onceOnly).on('update', last.push);
    push();
    await last.take();
    expect(calls).toEqual(['first', 'once']);
    calls.length = 0;
    push();
    await last.take();
    expect(calls).toEqual(['prepended', 'first']);
    source.on('update', () => source.removeAllListeners('update'));
    calls.length = 0;
    push();
    await new Promise<void>((resolve) => source.prependOnceListener('update', () => resolve()));
    expect(source.listenerCount('update')).toBe(0);
  });
});
