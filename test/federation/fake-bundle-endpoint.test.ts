import { afterEach, describe, expect, it } from 'vitest';
import { SpiffeBundle } from '../../src/bundle/index.js';
import { fetchBundle, type FederationError } from '../../src/federation/index.js';
import { FakeBundleEndpoint, FakeCa, TestingError } from '../../src/testing/index.js';

/** What `promise` rejects with (a resolved promise fails the test). */
async function rejected(promise: Promise<unknown>): Promise<FederationError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as FederationError,
  );
}

const TD = 'example.test';
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: Parameters<typeof FakeBundleEndpoint.start>[0]): Promise<FakeBundleEndpoint> {
  const endpoint = await FakeBundleEndpoint.start(options);
  cleanups.push(() => endpoint.stop());
  return endpoint;
}

describe('FakeBundleEndpoint', () => {
  it('https_web: listens on 127.0.0.1 with a certificate from its own web CA (webRoots)', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const endpoint = await start({ ca, profile: 'https_web', path: '/bundle.json' });
    expect(endpoint.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/bundle\.json$/);
    expect(endpoint.webRoots).toHaveLength(1);
    expect(endpoint.endpointId).toBeUndefined();
    expect(endpoint.svid).toBeUndefined();
    const bundle = await fetchBundle(TD, endpoint.url, {
      auth: { profile: 'https_web', roots: [...endpoint.webRoots] },
    });
    expect(bundle.equals(ca.spiffeBundle())).toBe(true);
    expect(endpoint.requests).toBe(1);
  });

  it('https_spiffe: presents an SVID of the CA for spiffe://<td>/spire/server by default, or endpointId', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const endpoint = await start({ ca, profile: 'https_spiffe' });
    expect(endpoint.endpointId?.toString()).toBe(`spiffe://${TD}/spire/server`);
    expect(endpoint.svid?.id.toString()).toBe(`spiffe://${TD}/spire/server`);
    expect(endpoint.webRoots).toEqual([]);
    const custom = await start({ ca, profile: 'https_spiffe', endpointId: `spiffe://${TD}/bundle` });
    expect(custom.svid?.id.toString()).toBe(`spiffe://${TD}/bundle`);
  });

  it('serves the CA bundle live, a set bundle, and the CA bundle again after setBundle(undefined)', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const endpoint = await start({ ca, profile: 'https_web' });
    const auth = { profile: 'https_web', roots: [...endpoint.webRoots] } as const;
    ca.prepareRotation();
    expect((await fetchBundle(TD, endpoint.url, { auth })).sequenceNumber).toBe(2n);
    const fixed = SpiffeBundle.empty(TD);
    fixed.setSequenceNumber(42);
    endpoint.setBundle(fixed);
    expect((await fetchBundle(TD, endpoint.url, { auth })).sequenceNumber).toBe(42n);
    endpoint.setBundle(undefined);
    expect((await fetchBundle(TD, endpoint.url, { auth })).sequenceNumber).toBe(2n);
  });

  it('F-14: serves a bundle of another trust domain than its CA (not self-serving)', async () => {
    const hub = new FakeCa({ trustDomain: 'hub.test' });
    const partner = new FakeCa({ trustDomain: TD });
    const endpoint = await start({ ca: hub, bundle: partner.spiffeBundle(), profile: 'https_spiffe' });
    expect(endpoint.trustDomain.name).toBe(TD);
    expect(endpoint.endpointId?.toString()).toBe('spiffe://hub.test/spire/server');
    const bundle = await fetchBundle(TD, endpoint.url, {
      auth: { profile: 'https_spiffe', endpointId: endpoint.endpointId!, bundle: hub.x509Bundle() },
    });
    expect(bundle.equals(partner.spiffeBundle())).toBe(true);
    expect(() => endpoint.setBundle(undefined)).toThrow(TestingError);
    expect(() => endpoint.setBundle(hub.spiffeBundle())).toThrow(TestingError);
  });

  it('respondNext scripts answers in order, each `count` times, then serves the bundle again', async () => {
    const endpoint = await start({ ca: new FakeCa({ trustDomain: TD }), profile: 'https_web' });
    const auth = { profile: 'https_web', roots: [...endpoint.webRoots] } as const;
    endpoint.respondNext({ status: 404 }, 2);
    endpoint.respondNext({ status: 500 });
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) {
      codes.push(
        await fetchBundle(TD, endpoint.url, { auth }).then(
          () => 'ok',
          (e: FederationError) => e.message.match(/answered (\d+)/)?.[1] ?? e.code,
        ),
      );
    }
    expect(codes).toEqual(['404', '404', '500', 'ok']);
    await endpoint.waitForRequests(4);
    expect(endpoint.requests).toBe(4);
  });

  it('answers 404 outside its path', async () => {
    const endpoint = await start({ ca: new FakeCa({ trustDomain: TD }), profile: 'https_web', path: '/b' });
    const error = await rejected(
      fetchBundle(TD, endpoint.url.replace('/b', '/c'), {
        auth: { profile: 'https_web', roots: [...endpoint.webRoots] },
      }),
    );
    expect(error.message).toContain('answered 404');
  });

  it('stop() is idempotent and closes the port', async () => {
    const endpoint = await start({ ca: new FakeCa({ trustDomain: TD }), profile: 'https_web' });
    await Promise.all([endpoint.stop(), endpoint.stop()]);
    const error = await rejected(
      fetchBundle(TD, endpoint.url, { auth: { profile: 'https_web', roots: [...endpoint.webRoots] } }),
    );
    expect(error.code).toBe('network');
  });

  it.each([
    ['no options', undefined],
    ['neither ca nor bundle', { profile: 'https_web' }],
    ['https_spiffe without ca', { profile: 'https_spiffe', bundle: SpiffeBundle.empty(TD) }],
    [
      'https_web with endpointId',
      { profile: 'https_web', bundle: SpiffeBundle.empty(TD), endpointId: 'spiffe://x.test/y' },
    ],
    ['an unknown profile', { profile: 'http', bundle: SpiffeBundle.empty(TD) }],
    ['a ca that is not a FakeCa', { profile: 'https_web', ca: {} }],
    ['a bundle that is not a SpiffeBundle', { profile: 'https_web', bundle: {} }],
    ['a path without a slash', { profile: 'https_web', bundle: SpiffeBundle.empty(TD), path: 'x' }],
  ])('%s is invalid_option', async (_name, options) => {
    await expect(FakeBundleEndpoint.start(options as never)).rejects.toMatchObject({
      code: 'invalid_option',
    });
  });

  it('respondNext and rotateSvid refuse misuse', async () => {
    const endpoint = await start({ bundle: SpiffeBundle.empty(TD), profile: 'https_web' });
    expect(() => endpoint.respondNext({}, 0)).toThrow(TestingError);
    expect(() => endpoint.respondNext(null as never)).toThrow(TestingError);
    expect(() => endpoint.rotateSvid()).toThrow(TestingError);
    expect(() => endpoint.setBundle(undefined)).toThrow(TestingError);
  });
});
