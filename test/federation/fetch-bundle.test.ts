import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SpiffeBundle } from '../../src/bundle/index.js';
import {
  fetchBundle,
  FederationError,
  serveBundleEndpoint,
  type EndpointAuth,
} from '../../src/federation/index.js';
import type { SpiffeIdLike } from '../../src/spiffeid/index.js';
import { createCertificate, FakeBundleEndpoint, FakeCa } from '../../src/testing/index.js';

const TD = 'partner.test';
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

async function endpoint(
  options: Partial<Parameters<typeof FakeBundleEndpoint.start>[0]> = {},
): Promise<FakeBundleEndpoint> {
  const ep = await FakeBundleEndpoint.start({ profile: 'https_spiffe', ...options });
  stops.push(() => ep.stop());
  return ep;
}

function spiffeAuth(
  ep: FakeBundleEndpoint,
  ca: FakeCa,
  endpointId: SpiffeIdLike = ep.endpointId!,
): EndpointAuth {
  return { profile: 'https_spiffe', endpointId, bundle: ca.spiffeBundle() };
}

function webAuth(ep: FakeBundleEndpoint): EndpointAuth {
  return { profile: 'https_web', roots: [...ep.webRoots] };
}

async function failure(promise: Promise<unknown>): Promise<FederationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FederationError);
  return error as FederationError;
}

describe('fetchBundle: profiles', () => {
  it('F-6, F-12: https_web with custom roots fetches the bundle for the configured trust domain', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web' });
    const bundle = await fetchBundle(TD, ep.url, { auth: webAuth(ep) });
    expect(bundle).toBeInstanceOf(SpiffeBundle);
    expect(bundle.trustDomain.name).toBe(TD);
    expect(bundle.equals(ca.spiffeBundle())).toBe(true);
    expect(bundle.sequenceNumber).toBe(1n);
    expect(bundle.refreshHint).toBe(300);
  });

  it('F-12: https_web without custom roots refuses a certificate from an unknown CA (public roots only)', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web' });
    const error = await failure(fetchBundle(TD, ep.url, { auth: { profile: 'https_web' } }));
    expect(error.code).toBe('tls_verification');
  });

  it('F-12: https_web refuses a certificate whose SAN does not match the URL host (RFC 6125)', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const root = createCertificate({
      subject: 'CN=Web Root',
      basicConstraints: { ca: true },
      keyUsage: { usages: ['keyCertSign'] },
    });
    const leaf = createCertificate({
      issuer: { certificate: root.certificate, privateKey: root.keyPair.privateKey },
      subject: 'CN=bundle.example.test',
      dnsNames: ['bundle.example.test'],
      extKeyUsage: { usages: ['serverAuth'] },
    });
    const server = await serveBundleEndpoint({
      trustDomain: TD,
      source: ca.spiffeBundle(),
      profile: 'https_web',
      cert: leaf.pem,
      key: leaf.keyPair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      host: '127.0.0.1',
      port: 0,
    });
    stops.push(() => server.close());
    const error = await failure(
      fetchBundle(TD, server.url, { auth: { profile: 'https_web', roots: [root.certificate] } }),
    );
    expect(error.code).toBe('tls_verification');
    expect(error.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('F-17: https_spiffe verifies the endpoint X509-SVID against the configured bundle and ID', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca });
    const bundle = await fetchBundle(TD, ep.url, { auth: spiffeAuth(ep, ca) });
    expect(bundle.equals(ca.spiffeBundle())).toBe(true);
  });

  it('F-14: https_spiffe accepts the X509Bundle (or any X509BundleSource) of the endpoint trust domain', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca });
    const bundle = await fetchBundle(TD, ep.url, {
      auth: { profile: 'https_spiffe', endpointId: ep.endpointId!.toString(), bundle: ca.x509Bundle() },
    });
    expect(bundle.trustDomain.name).toBe(TD);
  });

  it('F-17: https_spiffe refuses an endpoint whose SPIFFE ID is not the configured one', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca });
    const error = await failure(
      fetchBundle(TD, ep.url, { auth: spiffeAuth(ep, ca, `spiffe://${TD}/other-server`) }),
    );
    expect(error.code).toBe('unauthorized_endpoint');
    expect(error.message).toContain('spiffe://partner.test/spire/server');
  });

  it('F-17, X-14: https_spiffe refuses an endpoint SVID that the configured bundle does not sign', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca });
    const stranger = new FakeCa({ trustDomain: TD });
    const error = await failure(
      fetchBundle(TD, ep.url, {
        auth: { profile: 'https_spiffe', endpointId: ep.endpointId!, bundle: stranger.spiffeBundle() },
      }),
    );
    expect(error.code).toBe('tls_verification');
  });

  it('F-17: https_spiffe verifies with the endpoint trust domain bundle only, not another one of the source', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca });
    const error = await failure(
      fetchBundle(TD, ep.url, {
        auth: {
          profile: 'https_spiffe',
          endpointId: ep.endpointId!,
          bundle: new FakeCa({ trustDomain: 'elsewhere.test' }).spiffeBundle(),
        },
      }),
    );
    expect(error.code).toBe('tls_verification');
    expect(error.message).toContain('no X.509 bundle of "partner.test"');
  });

  it('F-15: https_spiffe refuses a Web PKI certificate (not an X509-SVID)', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web' });
    const error = await failure(
      fetchBundle(TD, ep.url, {
        auth: {
          profile: 'https_spiffe',
          endpointId: `spiffe://${TD}/spire/server`,
          bundle: ca.spiffeBundle(),
        },
      }),
    );
    expect(error.code).toBe('tls_verification');
  });

  it('F-19: https_web does not fall back to SPIFFE authentication for an SVID endpoint', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca });
    const error = await failure(
      fetchBundle(TD, ep.url, { auth: { profile: 'https_web', roots: ca.rootCertificates() } }),
    );
    expect(error.code).toBe('tls_verification');
  });

  it('F-8, F-19: the bundle is bound to the configured trust domain, whatever the URL or served content', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web' });
    const bundle = await fetchBundle('configured.test', ep.url, { auth: webAuth(ep) });
    expect(bundle.trustDomain.name).toBe('configured.test');
  });
});

describe('fetchBundle: URL rules and redirects', () => {
  it.each([
    ['http://127.0.0.1:1/', 'not an https URL'],
    ['https://user:pw@127.0.0.1:1/', 'userinfo'],
    ['https://user@127.0.0.1:1/', 'userinfo'],
    ['ftp://example.org/', 'not an https URL'],
    ['not a url', 'not a valid URL'],
  ])('F-9, F-13: refuses the configured URL %s', async (url, why) => {
    const error = await failure(fetchBundle(TD, url, { auth: { profile: 'https_web' } }));
    expect(error.code).toBe('invalid_url');
    expect(error.message).toContain(why);
    expect(error.message).not.toContain('pw');
  });

  it('F-12: a redirect to an http:// URL is refused (go-spiffe follows it, A-20)', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web' });
    ep.respondNext({ redirect: 'http://127.0.0.1:9/bundle' });
    const error = await failure(fetchBundle(TD, ep.url, { auth: webAuth(ep) }));
    expect(error.code).toBe('redirect_refused');
    expect(error.message).toContain('not an https URL');
  });

  it('F-12: a redirect to a URL with userinfo is refused', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web' });
    ep.respondNext({ redirect: 'https://u:secret@127.0.0.1:9/' });
    const error = await failure(fetchBundle(TD, ep.url, { auth: webAuth(ep) }));
    expect(error.code).toBe('redirect_refused');
    expect(error.message).not.toContain('secret');
  });

  it('F-12: a redirect without Location is refused', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web' });
    ep.respondNext({ status: 302 });
    const error = await failure(fetchBundle(TD, ep.url, { auth: webAuth(ep) }));
    expect(error.code).toBe('redirect_refused');
  });

  it('F-16, F-17: a redirect to a host that presents another SPIFFE ID is refused', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca });
    const other = await endpoint({ ca, endpointId: `spiffe://${TD}/imposter` });
    ep.respondNext({ redirect: other.url });
    const error = await failure(fetchBundle(TD, ep.url, { auth: spiffeAuth(ep, ca) }));
    expect(error.code).toBe('unauthorized_endpoint');
    expect(error.message).toContain('redirected to');
    expect(other.requests).toBe(0);
  });

  it('F-12: a redirect to a host whose Web PKI certificate does not verify is refused', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web' });
    const other = await endpoint({ ca, profile: 'https_web' }); // another web CA, not trusted
    ep.respondNext({ redirect: other.url });
    const error = await failure(fetchBundle(TD, ep.url, { auth: webAuth(ep) }));
    expect(error.code).toBe('tls_verification');
    expect(other.requests).toBe(0);
  });

  it('F-12, F-16: a valid redirect is followed, with the same checks, and never persisted', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca });
    const moved = await endpoint({ ca, path: '/moved' }); // same SPIFFE ID, another host:port
    moved.setBundle(
      SpiffeBundle.parse(
        TD,
        ca.spiffeBundle().marshal().replace('"spiffe_sequence":1', '"spiffe_sequence":7'),
      ),
    );
    ep.respondNext({ redirect: moved.url, status: 301 });
    const first = await fetchBundle(TD, ep.url, { auth: spiffeAuth(ep, ca) });
    expect(first.sequenceNumber).toBe(7n);
    expect(moved.requests).toBe(1);
    // A 301 is permanent for browsers, but never remembered here: the next fetch starts at the configured URL.
    const second = await fetchBundle(TD, ep.url, { auth: spiffeAuth(ep, ca) });
    expect(second.sequenceNumber).toBe(1n);
    expect(ep.requests).toBe(2);
    expect(moved.requests).toBe(1);
  });

  it('a relative Location is resolved against the current URL', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web', path: '/b' });
    ep.respondNext({ redirect: '/b?from=redirect', status: 307 });
    const bundle = await fetchBundle(TD, ep.url, { auth: webAuth(ep) });
    expect(bundle.trustDomain.name).toBe(TD);
    expect(ep.requests).toBe(2);
  });

  it('too_many_redirects after maxRedirects (default 5)', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web' });
    ep.respondNext({ redirect: ep.url }, 6);
    const error = await failure(fetchBundle(TD, ep.url, { auth: webAuth(ep) }));
    expect(error.code).toBe('too_many_redirects');
    expect(ep.requests).toBe(6);
  });

  it('maxRedirects: 0 refuses any redirect', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web' });
    ep.respondNext({ redirect: ep.url });
    const error = await failure(fetchBundle(TD, ep.url, { auth: webAuth(ep), maxRedirects: 0 }));
    expect(error.code).toBe('too_many_redirects');
  });
});

describe('fetchBundle: answers', () => {
  async function webEndpoint(): Promise<FakeBundleEndpoint> {
    return endpoint({ ca: new FakeCa({ trustDomain: TD }), profile: 'https_web' });
  }

  it.each([404, 500, 204, 304])('A-20: HTTP status %i is an http_status error', async (status) => {
    const ep = await webEndpoint();
    ep.respondNext({ status, body: status === 204 || status === 304 ? '' : 'nope' });
    const error = await failure(fetchBundle(TD, ep.url, { auth: webAuth(ep) }));
    expect(error.code).toBe('http_status');
    expect(error.message).toContain(`answered ${status}`);
  });

  it('a garbage body is an invalid_bundle error with the BundleError as cause', async () => {
    const ep = await webEndpoint();
    ep.respondNext({ body: '<html>hello</html>' });
    const error = await failure(fetchBundle(TD, ep.url, { auth: webAuth(ep) }));
    expect(error.code).toBe('invalid_bundle');
    expect((error.cause as { code?: string }).code).toBe('invalid_jwks');
  });

  it('B-5: a JSON body without keys is invalid_bundle', async () => {
    const ep = await webEndpoint();
    ep.respondNext({ body: '{"spiffe_sequence":1}' });
    const error = await failure(fetchBundle(TD, ep.url, { auth: webAuth(ep) }));
    expect(error.code).toBe('invalid_bundle');
    expect((error.cause as { code?: string }).code).toBe('missing_keys');
  });

  it('F-11: a body that is not UTF-8 is invalid_bundle', async () => {
    const ep = await webEndpoint();
    ep.respondNext({ body: Uint8Array.of(0x7b, 0x22, 0xff, 0x22, 0x7d) });
    const error = await failure(fetchBundle(TD, ep.url, { auth: webAuth(ep) }));
    expect(error.code).toBe('invalid_bundle');
  });

  it('an oversized body (Content-Length) is body_too_large before it is read', async () => {
    const ep = await webEndpoint();
    ep.respondNext({ body: ' '.repeat(2 * 1024 * 1024) });
    const error = await failure(fetchBundle(TD, ep.url, { auth: webAuth(ep) }));
    expect(error.code).toBe('body_too_large');
    expect(error.message).toContain('1048576 bytes');
  });

  it('an oversized chunked body is cut off at maxBodyBytes', async () => {
    const ep = await webEndpoint();
    ep.respondNext({ body: ' '.repeat(64 * 1024), chunked: true });
    const error = await failure(fetchBundle(TD, ep.url, { auth: webAuth(ep), maxBodyBytes: 1000 }));
    expect(error.code).toBe('body_too_large');
  });

  it('a body of exactly maxBodyBytes is accepted', async () => {
    const ep = await webEndpoint();
    const body = new FakeCa({ trustDomain: TD }).spiffeBundle().marshal();
    ep.respondNext({ body, chunked: true }, 2);
    const maxBodyBytes = Buffer.byteLength(body);
    await expect(fetchBundle(TD, ep.url, { auth: webAuth(ep), maxBodyBytes })).resolves.toBeInstanceOf(
      SpiffeBundle,
    );
    const error = await failure(
      fetchBundle(TD, ep.url, { auth: webAuth(ep), maxBodyBytes: maxBodyBytes - 1 }),
    );
    expect(error.code).toBe('body_too_large');
  });

  it.each(['text/html', 'application/octet-stream', 'application/json; charset=iso-8859-1', 'text/json'])(
    'F-11: Content-Type %s is refused',
    async (contentType) => {
      const ep = await webEndpoint();
      ep.respondNext({ contentType });
      const error = await failure(fetchBundle(TD, ep.url, { auth: webAuth(ep) }));
      expect(error.code).toBe('content_type');
    },
  );

  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON;charset="UTF-8"',
    'application/jwk-set+json',
    null,
  ])('F-11: Content-Type %s is accepted (absent too)', async (contentType) => {
    const ep = await webEndpoint();
    ep.respondNext({ contentType });
    await expect(fetchBundle(TD, ep.url, { auth: webAuth(ep) })).resolves.toBeInstanceOf(SpiffeBundle);
  });

  it('a Content-Encoding other than identity is refused', async () => {
    const ep = await webEndpoint();
    ep.respondNext({ headers: { 'content-encoding': 'gzip' } });
    const error = await failure(fetchBundle(TD, ep.url, { auth: webAuth(ep) }));
    expect(error.code).toBe('content_type');
  });

  it('a refused connection is a network error', async () => {
    const ep = await webEndpoint();
    const url = ep.url;
    await ep.stop();
    const error = await failure(fetchBundle(TD, url, { auth: webAuth(ep) }));
    expect(error.code).toBe('network');
  });

  it('timeoutMs bounds the whole fetch', async () => {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => void sockets.add(socket)); // never answers the TLS handshake
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stops.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    });
    const port = (server.address() as AddressInfo).port;
    const error = await failure(
      fetchBundle(TD, `https://127.0.0.1:${port}/`, { auth: { profile: 'https_web' }, timeoutMs: 200 }),
    );
    expect(error.code).toBe('timeout');
    expect(error.message).toContain('200 ms');
  });

  it('signal aborts the fetch', async () => {
    const ep = await webEndpoint();
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    const error = await failure(fetchBundle(TD, ep.url, { auth: webAuth(ep), signal: controller.signal }));
    expect(error.code).toBe('aborted');
    expect(ep.requests).toBe(0);
  });
});

describe('fetchBundle: arguments', () => {
  it.each([
    ['no options', undefined],
    ['no auth', {}],
    ['unknown profile', { auth: { profile: 'https' } }],
    [
      'mixed profiles (web with endpointId)',
      { auth: { profile: 'https_web', endpointId: 'spiffe://x.test/s' } },
    ],
    [
      'mixed profiles (spiffe with roots)',
      {
        auth: {
          profile: 'https_spiffe',
          endpointId: 'spiffe://x.test/s',
          bundle: SpiffeBundle.empty('x.test'),
          roots: [],
        },
      },
    ],
    [
      'spiffe without endpointId',
      { auth: { profile: 'https_spiffe', bundle: SpiffeBundle.empty('x.test') } },
    ],
    [
      'spiffe with a bad endpointId',
      {
        auth: {
          profile: 'https_spiffe',
          endpointId: 'https://x.test/s',
          bundle: SpiffeBundle.empty('x.test'),
        },
      },
    ],
    ['spiffe without bundle', { auth: { profile: 'https_spiffe', endpointId: 'spiffe://x.test/s' } }],
    ['empty roots', { auth: { profile: 'https_web', roots: [] } }],
    ['garbage roots', { auth: { profile: 'https_web', roots: ['not pem'] } }],
    [
      'corrupt PEM root',
      {
        auth: {
          profile: 'https_web',
          roots: ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'],
        },
      },
    ],
    ['bad maxBodyBytes', { auth: { profile: 'https_web' }, maxBodyBytes: 0 }],
    ['bad timeoutMs', { auth: { profile: 'https_web' }, timeoutMs: -1 }],
    ['bad maxRedirects', { auth: { profile: 'https_web' }, maxRedirects: 1.5 }],
    ['bad logger', { auth: { profile: 'https_web' }, logger: {} }],
    ['bad signal', { auth: { profile: 'https_web' }, signal: 'stop' }],
  ])('F-19: %s is invalid_argument', async (_name, options) => {
    const error = await failure(fetchBundle(TD, 'https://127.0.0.1:1/', options as never));
    expect(error.code).toBe('invalid_argument');
  });

  it('F-8: a bad trust domain is invalid_argument', async () => {
    const error = await failure(
      fetchBundle('Bad TD', 'https://127.0.0.1:1/', { auth: { profile: 'https_web' } }),
    );
    expect(error.code).toBe('invalid_argument');
  });
});

describe('fetchBundle: logging (F-20)', () => {
  it('F-20: logs every fetch with sizes and sequence, never the bundle contents or the URL query', async () => {
    const ca = new FakeCa({ trustDomain: TD });
    const ep = await endpoint({ ca, profile: 'https_web' });
    const lines: string[] = [];
    const logger = {
      debug: (m: string) => lines.push(`debug ${m}`),
      info: (m: string) => lines.push(`info ${m}`),
      warn: (m: string) => lines.push(`warn ${m}`),
      error: (m: string) => lines.push(`error ${m}`),
    };
    await fetchBundle(TD, `${ep.url}?token=s3cr3t`, { auth: webAuth(ep), logger });
    ep.respondNext({ status: 500 });
    await fetchBundle(TD, ep.url, { auth: webAuth(ep), logger }).catch(() => {});
    const text = lines.join('\n');
    expect(
      lines.some(
        (l) =>
          l.startsWith('info') &&
          l.includes('fetched the bundle of "partner.test"') &&
          l.includes('sequence 1'),
      ),
    ).toBe(true);
    expect(lines.some((l) => l.startsWith('warn') && l.includes('answered 500'))).toBe(true);
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain(ca.rootCertificates()[0]!.raw.toString('base64').slice(0, 40));
  });
});
