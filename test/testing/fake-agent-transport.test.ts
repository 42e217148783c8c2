import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeAgent, FakeCa, ManualClock } from '../../src/testing/index.js';
import { WorkloadApiClient, WorkloadApiError } from '../../src/workloadapi/index.js';
import { X509SVIDResponse } from '../../src/workloadapi/proto/workload.js';
import { checkX509Response, plainClient, serials, StreamReader } from './fake-agent-support.js';

const API = 'spiffe://example.org/api';
const MINUTE = 60_000;

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function setup(options: { clock?: ManualClock } = {}) {
  const ca = new FakeCa({ trustDomain: 'example.org', ...(options.clock ? { clock: options.clock } : {}) });
  const agent = await FakeAgent.start({ ca });
  cleanup.push(() => agent.stop());
  return { ca, agent };
}

const signal = () => new AbortController().signal;

async function first<T>(stream: AsyncIterable<T>): Promise<T> {
  for await (const message of stream) return message;
  throw new Error('the stream ended without a message');
}

async function rejection(promise: Promise<unknown>): Promise<WorkloadApiError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(WorkloadApiError);
    return err as WorkloadApiError;
  }
  throw new Error('expected a rejection');
}

describe('FakeAgent.transport (in-process)', () => {
  it('serves the same messages as the socket', async () => {
    const { agent } = await setup();
    agent.register({ spiffeId: API, hint: 'h', federatesWith: [] });
    const transport = agent.transport();
    const inProcess = await first(transport.fetchX509Svid(signal()));
    const client = plainClient(agent.address);
    cleanup.push(() => client.close());
    const overSocket = await new StreamReader(client.fetchX509Svid({})).next();
    expect(Buffer.from(X509SVIDResponse.encode(inProcess).finish())).toEqual(
      Buffer.from(X509SVIDResponse.encode(overSocket).finish()),
    );
    expect(inProcess.svids[0]!.x509Svid).toBeInstanceOf(Uint8Array);
    checkX509Response(inProcess);
    expect(agent.calls.map((c) => c.via)).toEqual(['in-process', 'socket']);
    const jwt = await transport.fetchJwtSvid({ audience: ['a'], spiffeId: '' }, signal());
    const validated = await transport.validateJwtSvid({ audience: 'a', svid: jwt.svids[0]!.svid }, signal());
    expect(validated.spiffeId).toBe(API);
    expect((await first(transport.fetchX509Bundles(signal()))).bundles.has('spiffe://example.org')).toBe(
      true,
    );
    expect((await first(transport.fetchJwtBundles(signal()))).bundles.has('spiffe://example.org')).toBe(true);
  });

  it('pushes renewals like the socket (ManualClock)', async () => {
    const clock = new ManualClock();
    const { agent } = await setup({ clock });
    agent.register({ spiffeId: API, x509SvidTtl: 10 * MINUTE });
    const iterator = agent.transport().fetchX509Svid(signal())[Symbol.asyncIterator]();
    const before = serials((await iterator.next()).value as X509SVIDResponse);
    clock.advance(5 * MINUTE);
    expect(serials((await iterator.next()).value as X509SVIDResponse)).not.toEqual(before);
    await iterator.return?.();
  });

  it('fails the way the gRPC transport does: errorFromStatus codes, aborted on cancel', async () => {
    const { agent } = await setup();
    const transport = agent.transport();
    const denied = await rejection(first(transport.fetchX509Svid(signal())));
    expect(denied).toMatchObject({ code: 'permission_denied', grpcCode: status.PERMISSION_DENIED });
    expect(denied.message).toMatch(/no identity issued/);

    agent.register({ spiffeId: API });
    agent.failNext('FetchJWTSVID', status.UNAVAILABLE);
    expect(
      await rejection(transport.fetchJwtSvid({ audience: ['a'], spiffeId: '' }, signal())),
    ).toMatchObject({
      code: 'unavailable',
    });
    expect(await rejection(transport.fetchJwtSvid({ audience: [], spiffeId: '' }, signal()))).toMatchObject({
      code: 'invalid_argument',
    });
    agent.malformNext('FetchX509SVID', 'garbage-bytes');
    expect(await rejection(first(transport.fetchX509Svid(signal())))).toMatchObject({
      code: 'rpc_failed',
      grpcCode: status.INTERNAL,
    });

    const stream = transport.fetchX509Svid(signal());
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    const pending = rejection(iterator.next());
    stream.cancel();
    expect(await pending).toMatchObject({ code: 'aborted' });

    const controller = new AbortController();
    controller.abort();
    expect(
      await rejection(transport.fetchJwtSvid({ audience: ['a'], spiffeId: '' }, controller.signal)),
    ).toMatchObject({
      code: 'aborted',
    });
    agent.endStreams(status.UNAVAILABLE);
  });

  it('close() cancels its open streams; stop() ends them with Unavailable', async () => {
    const { agent } = await setup();
    agent.register({ spiffeId: API });
    const transport = agent.transport();
    const iterator = transport.fetchX509Bundles(signal())[Symbol.asyncIterator]();
    await iterator.next();
    const pending = rejection(iterator.next());
    transport.close();
    expect(await pending).toMatchObject({ code: 'aborted' });
    expect(() => transport.fetchX509Svid(signal())).toThrow(expect.objectContaining({ code: 'closed' }));

    const other = agent.transport().fetchJwtBundles(signal())[Symbol.asyncIterator]();
    await other.next();
    const ending = rejection(other.next());
    await agent.stop();
    expect(await ending).toMatchObject({ code: 'unavailable' });
  });

  it("drives the SDK's WorkloadApiClient", async () => {
    const { agent } = await setup();
    agent.register({ spiffeId: API });
    await using client = new WorkloadApiClient({ transport: agent.transport() });
    const svid = await client.fetchX509Svid();
    expect(svid.id.toString()).toBe(API);
  });
});

describe('FakeAgent sources (X509Source, JwtSource, BundleSource over the in-process transport)', () => {
  it('x509Source follows renewals on the agent clock', async () => {
    const clock = new ManualClock();
    const { agent } = await setup({ clock });
    agent.register({ spiffeId: API, x509SvidTtl: 10 * MINUTE });
    const source = await agent.x509Source();
    const before = source.getX509Svid().leaf.serialNumber;
    const updated = new Promise((resolve) => source.on('update', resolve));
    clock.advance(5 * MINUTE);
    await updated;
    expect(source.getX509Svid().leaf.serialNumber).not.toBe(before);
    expect(source.getX509Svid().id.toString()).toBe(API);
    expect(source.getX509BundleForTrustDomain('example.org').x509Authorities()).toHaveLength(1);
  });

  it('jwtSource and bundleSource of a workload with its own selectors', async () => {
    const { agent } = await setup();
    const web = await agent.workload({ k8s: { namespace: 'prod', serviceAccount: 'web' } });
    agent.register({ spiffeId: 'spiffe://example.org/web', selectors: ['k8s:sa:web'] });
    const jwt = await agent.jwtSource(web);
    const token = await jwt.fetchJwtSvid({ audience: 'db' });
    expect(token.id.toString()).toBe('spiffe://example.org/web');
    const bundles = await agent.bundleSource(web);
    expect(bundles.getJwtBundleForTrustDomain('example.org').jwtAuthorities().size).toBeGreaterThan(0);
    await agent.stop();
    expect(jwt.closed && bundles.closed).toBe(true);
  });

  it('stop() ends a source still waiting for its first update', async () => {
    const { agent } = await setup();
    const pending = rejection(agent.x509Source());
    await vi.waitFor(() => expect(agent.calls.length).toBeGreaterThan(0));
    await agent.stop();
    expect((await pending).code).toBe('aborted');
  });

  it('a source of a workload without identity times out with the reason', async () => {
    const { agent } = await setup();
    const err = await rejection(agent.x509Source(undefined, { timeoutMs: 200 }));
    expect(err.code).toBe('timeout');
    expect(err.message).toMatch(/no identity issued/);
  });
});
