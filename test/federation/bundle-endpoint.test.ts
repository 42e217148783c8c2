import http from 'node:http';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { SpiffeBundle, type SpiffeBundleSource } from '../../src/bundle/index.js';
import {
  createBundleEndpointHandler,
  fetchBundle,
  FederationError,
  serveBundleEndpoint,
  type BundleEndpointServer,
} from '../../src/federation/index.js';
import type { X509Svid } from '../../src/svid/index.js';
import { createCertificate, FakeCa } from '../../src/testing/index.js';

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

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

async function plainServer(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

function request(url: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function webCertificate(names: { dnsNames?: string[]; ipAddresses?: string[] }) {
  const root = createCertificate({
    subject: 'CN=Web Root',
    basicConstraints: { ca: true },
    keyUsage: { usages: ['keyCertSign'] },
  });
  const leaf = createCertificate({
    issuer: { certificate: root.certificate, privateKey: root.keyPair.privateKey },
    subject: 'CN=bundle endpoint',
    ...names,
    extKeyUsage: { usages: ['serverAuth'] },
  });
  return {
    root: root.certificate,
    cert: leaf.pem,
    key: leaf.keyPair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}

async function serve(options: Parameters<typeof serveBundleEndpoint>[0]): Promise<BundleEndpointServer> {
  const server = await serveBundleEndpoint(options);
  cleanups.push(() => server.close());
  return server;
}

describe('createBundleEndpointHandler', () => {
  it('F-11: GET answers 200 application/json with the marshalled bundle of the trust domain', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const url = await plainServer(createBundleEndpointHandler(TD, ca.spiffeBundle()));
    const answer = await request(url);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.body).toBe(ca.spiffeBundle().marshal());
    expect(SpiffeBundle.parse(TD, answer.body).equals(ca.spiffeBundle())).toBe(true);
    expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
  });

  it('F-11: serves the newest bundle of the source on every request', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const source: SpiffeBundleSource = { getBundleForTrustDomain: () => ca.spiffeBundle() };
    const url = await plainServer(createBundleEndpointHandler(TD, source));
    expect(SpiffeBundle.parse(TD, (await request(url)).body).sequenceNumber).toBe(1n);
    ca.prepareRotation();
    expect(SpiffeBundle.parse(TD, (await request(url)).body).sequenceNumber).toBe(2n);
  });

  it('HEAD answers the headers of GET without a body', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const url = await plainServer(createBundleEndpointHandler(TD, ca.spiffeBundle()));
    const answer = await request(url, 'HEAD');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(ca.spiffeBundle().marshal()));
    expect(answer.body).toBe('');
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])(
    '%s answers 405 with Allow: GET, HEAD',
    async (method) => {
      const url = await plainServer(
        createBundleEndpointHandler(TD, new FakeCa({ trustDomain: TD }).spiffeBundle()),
      );
      const answer = await request(url, method);
      expect(answer.status).toBe(405);
      expect(answer.headers.allow).toBe('GET, HEAD');
    },
  );

  it('answers 500 "unable to serve bundle" when the source fails, and logs why (not to the client)', async () => {
    const errors: string[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (m: string) => errors.push(m) };
    const source: SpiffeBundleSource = {
      getBundleForTrustDomain: () => {
        throw new Error('agent unavailable: secret detail');
      },
    };
    const url = await plainServer(createBundleEndpointHandler(TD, source, { logger }));
    const answer = await request(url);
    expect(answer.status).toBe(500);
    expect(answer.body).toBe('unable to serve bundle for "example.test"');
    expect(errors.join()).toContain('secret detail');
  });

  it('F-8: answers 500 when the source gives the bundle of another trust domain', async () => {
    const other = new FakeCa({ trustDomain: 'other.test' }).spiffeBundle();
    const url = await plainServer(createBundleEndpointHandler(TD, { getBundleForTrustDomain: () => other }));
    expect((await request(url)).status).toBe(500);
  });

  it('answers 500 when the bundle cannot be marshalled', async () => {
    const bundle = SpiffeBundle.empty(TD);
    const url = await plainServer(
      createBundleEndpointHandler(TD, {
        getBundleForTrustDomain: () =>
          Object.assign(bundle.clone(), {
            marshal: () => {
              throw new Error('x');
            },
          }),
      }),
    );
    expect((await request(url)).status).toBe(500);
  });

  it.each([
    ['a bad trust domain', 'Not A TD', SpiffeBundle.empty(TD)],
    ['a source without getBundleForTrustDomain', TD, {}],
    ['no source', TD, undefined],
  ])('%s is invalid_argument', (_name, td, source) => {
    expect(() => createBundleEndpointHandler(td, source as never)).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
  });
});

describe('serveBundleEndpoint', () => {
  it('F-6, F-11: https_web serves the bundle at its path, 404 elsewhere', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const web = webCertificate({ ipAddresses: ['127.0.0.1'] });
    const server = await serve({
      trustDomain: TD,
      source: ca.spiffeBundle(),
      profile: 'https_web',
      cert: web.cert,
      key: web.key,
      host: '127.0.0.1',
      port: 0,
      path: '/bundle',
    });
    expect(server.url).toBe(`https://127.0.0.1:${server.port}/bundle`);
    const auth = { profile: 'https_web', roots: [web.root] } as const;
    expect((await fetchBundle(TD, server.url, { auth })).equals(ca.spiffeBundle())).toBe(true);
    const error = await rejected(fetchBundle(TD, `https://127.0.0.1:${server.port}/other`, { auth }));
    expect((error as FederationError).code).toBe('http_status');
  });

  it('F-15: https_spiffe presents the X509-SVID of the source and follows its rotation', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const id = `spiffe://${TD}/bundle-endpoint`;
    let svid: X509Svid = ca.issueX509Svid({ id }).toX509Svid();
    const server = await serve({
      trustDomain: TD,
      source: { getBundleForTrustDomain: () => ca.spiffeBundle() },
      profile: 'https_spiffe',
      svidSource: { getX509Svid: () => svid },
      host: '127.0.0.1',
      port: 0,
    });
    const oldRoots = ca.spiffeBundle();
    await expect(
      fetchBundle(TD, server.url, { auth: { profile: 'https_spiffe', endpointId: id, bundle: oldRoots } }),
    ).resolves.toBeInstanceOf(SpiffeBundle);

    ca.rotate();
    svid = ca.issueX509Svid({ id }).toX509Svid();
    const newRootOnly = SpiffeBundle.fromX509Authorities(TD, [ca.certificate]);
    // New handshakes see the new SVID: only the new root verifies it.
    await expect(
      fetchBundle(TD, server.url, { auth: { profile: 'https_spiffe', endpointId: id, bundle: newRootOnly } }),
    ).resolves.toBeInstanceOf(SpiffeBundle);
    const refused = await rejected(
      fetchBundle(TD, server.url, {
        auth: {
          profile: 'https_spiffe',
          endpointId: id,
          bundle: SpiffeBundle.fromX509Authorities(TD, [oldRoots.x509Authorities()[0]!]),
        },
      }),
    );
    expect(refused.code).toBe('tls_verification');
  });

  it('F-7: refuses TLS 1.1 and TLS 1.2 CBC suites (Mozilla intermediate)', async () => {
    const web = webCertificate({ ipAddresses: ['127.0.0.1'] });
    const server = await serve({
      trustDomain: TD,
      source: SpiffeBundle.empty(TD),
      profile: 'https_web',
      cert: web.cert,
      key: web.key,
      host: '127.0.0.1',
      port: 0,
    });
    const handshake = (options: tls.ConnectionOptions): Promise<string> =>
      new Promise((resolve) => {
        const socket = tls.connect({
          host: '127.0.0.1',
          port: server.port,
          ca: [web.root.toString()],
          ...options,
        });
        socket.once('secureConnect', () => {
          resolve(`${socket.getProtocol()} ${socket.getCipher().name}`);
          socket.destroy();
        });
        socket.once('error', (e) => resolve(`error ${(e as { code?: string }).code ?? e.message}`));
      });
    expect(await handshake({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA256' })).toMatch(
      /^error/,
    );
    expect(
      await handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }),
    ).toMatch(/^error/);
    expect(await handshake({ maxVersion: 'TLSv1.2' })).toMatch(/^TLSv1\.2 ECDHE-ECDSA-AES(128|256)-GCM/);
    expect(await handshake({})).toMatch(/^TLSv1\.3/);
  });

  it.each([
    ['an unknown profile', { profile: 'https' }],
    ['https_web without cert', { profile: 'https_web', key: 'k' }],
    ['https_web with an unusable cert', { profile: 'https_web', cert: 'not pem', key: 'not pem' }],
    ['https_spiffe without svidSource', { profile: 'https_spiffe' }],
    [
      'https_spiffe whose source has no SVID',
      {
        profile: 'https_spiffe',
        svidSource: {
          getX509Svid: () => {
            throw new Error('none');
          },
        },
      },
    ],
    ['a path without a leading slash', { profile: 'https_web', cert: 'c', key: 'k', path: 'bundle' }],
    ['a negative port', { profile: 'https_web', cert: 'c', key: 'k', port: -1 }],
  ])('%s is invalid_argument', async (_name, options) => {
    const error = await rejected(
      serveBundleEndpoint({
        trustDomain: TD,
        source: SpiffeBundle.empty(TD),
        ...(options as object),
      } as never),
    );
    expect(error).toBeInstanceOf(FederationError);
    expect(error.code).toBe('invalid_argument');
  });

  it('a port in use is a network error', async () => {
    const web = webCertificate({ ipAddresses: ['127.0.0.1'] });
    const options = {
      trustDomain: TD,
      source: SpiffeBundle.empty(TD),
      profile: 'https_web',
      cert: web.cert,
      key: web.key,
      host: '127.0.0.1',
    } as const;
    const first = await serve({ ...options, port: 0 });
    const error = await rejected(serveBundleEndpoint({ ...options, port: first.port }));
    expect(error.code).toBe('network');
  });
});
