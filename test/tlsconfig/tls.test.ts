import { once } from 'node:events';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { X509BundleSet } from '../../src/bundle/index.js';
import {
  authorizeAny,
  authorizeId,
  connect,
  createTlsServer,
  mtlsClientOptions,
  mtlsServerOptions,
  peerIdFrom,
  TlsConfigError,
  tlsClientOptions,
  tlsServerOptions,
  type Authorizer,
} from '../../src/tlsconfig/index.js';
import { close, closed, listen, pemOf, svidOf, SwitchableSvidSource, trustDomains } from './support.js';

const SERVER = 'spiffe://example.org/server';
const CLIENT = 'spiffe://example.org/client';

const servers: tls.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => close(s)));
});

interface Harness {
  port: number;
  handled: string[];
  refused: Error[];
}

/** An mTLS echo server that records the peers it served and the refusals. */
async function mtlsServer(svid: tls.TlsOptions & Parameters<typeof createTlsServer>[0]): Promise<Harness> {
  const h: Harness = { port: 0, handled: [], refused: [] };
  const server = createTlsServer(svid, (socket) => {
    h.handled.push(peerIdFrom(socket).toString());
    socket.on('data', (d) => socket.end(`echo ${d.toString()}`));
  });
  server.on('tlsClientError', (error) => h.refused.push(error));
  servers.push(server);
  h.port = await listen(server);
  return h;
}

/** Connects with plain Node TLS (not the SDK), writing `data` at once, and returns what came back. */
async function rawClient(port: number, options: tls.ConnectionOptions, data = 'ping'): Promise<string> {
  const socket = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ...options });
  socket.write(data); // queued: leaves in the same flight as the client's Finished
  let received = '';
  socket.on('data', (d) => (received += d.toString()));
  socket.on('error', () => {});
  await closed(socket);
  return received;
}

/** Connects with the SDK client and resolves with the echo, or rejects with the socket error. */
async function sdkClient(port: number, options: Parameters<typeof connect>[0]): Promise<string> {
  const socket = connect({ ...options, host: '127.0.0.1', port });
  socket.write('ping');
  let received = '';
  socket.on('data', (d) => (received += d.toString()));
  return await new Promise((resolve, reject) => {
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

describe('peer EKU is not enforced (X-13, A-11; go-spiffe parity)', () => {
  // The SDK's own SVIDs must have both purposes (X-13, checked when parsed), so the odd peer is
  // plain Node TLS with the PEM files.
  const ekuPem = (ca: ReturnType<typeof trustDomains>['caA'], id: string, usage: string) =>
    pemOf(ca.issueX509Svid({ id, extKeyUsage: { usages: [usage] } }));

  it.each(['serverAuth', 'codeSigning'])(
    'an mTLS server accepts a client whose SVID has EKU %s only',
    async (usage) => {
      const { caA, bundles } = trustDomains();
      const h = await mtlsServer(mtlsServerOptions(svidOf(caA, SERVER), bundles, authorizeId(CLIENT)));
      expect(await rawClient(h.port, ekuPem(caA, CLIENT, usage))).toBe('echo ping');
      expect(h.handled).toEqual([CLIENT]);
      expect(h.refused).toEqual([]);
    },
  );

  it.each(['clientAuth', 'codeSigning'])(
    'a client accepts a server whose SVID has EKU %s only',
    async (usage) => {
      const { caA, bundles } = trustDomains();
      const server = tls.createServer(ekuPem(caA, SERVER, usage), (socket) =>
        socket.on('data', (d) => socket.end(`echo ${d.toString()}`)),
      );
      servers.push(server);
      const port = await listen(server);
      expect(await sdkClient(port, tlsClientOptions(bundles, authorizeId(SERVER)))).toBe('echo ping');
    },
  );
});

describe('raw TLS: mTLS server', () => {
  it('X-14, W-11: serves an authorized client and exposes its SPIFFE ID', async () => {
    const { caA, bundles } = trustDomains();
    const h = await mtlsServer(mtlsServerOptions(svidOf(caA, SERVER), bundles, authorizeId(CLIENT)));
    const echo = await sdkClient(
      h.port,
      mtlsClientOptions(svidOf(caA, CLIENT), bundles, authorizeId(SERVER)),
    );
    expect(echo).toBe('echo ping');
    expect(h.handled).toEqual([CLIENT]);
  });

  it('refuses an unauthorized client before the listener runs, even with data in the same flight', async () => {
    const { caA, bundles } = trustDomains();
    const h = await mtlsServer(mtlsServerOptions(svidOf(caA, SERVER), bundles, authorizeId(CLIENT)));
    const other = caA.issueX509Svid({ id: 'spiffe://example.org/intruder' });
    expect(await rawClient(h.port, pemOf(other))).toBe('');
    expect(h.handled).toEqual([]);
    expect(h.refused).toHaveLength(1);
    expect(h.refused[0]).toBeInstanceOf(TlsConfigError);
    expect((h.refused[0] as TlsConfigError).code).toBe('unauthorized');
    expect(h.refused[0]!.message).toContain('spiffe://example.org/intruder');
  });

  it('W-11: refuses trust-domain confusion: an example.org ID signed by the other.org CA, both CAs in the bundle set', async () => {
    const { caA, caB, bundles } = trustDomains();
    const h = await mtlsServer(mtlsServerOptions(svidOf(caA, SERVER), bundles, authorizeAny()));
    const evil = caB.issueX509Svid({ id: CLIENT });
    expect(await rawClient(h.port, pemOf(evil))).toBe('');
    // the same CA serves its own trust domain fine
    expect(await rawClient(h.port, pemOf(caB.issueX509Svid({ id: 'spiffe://other.org/b' })))).toBe(
      'echo ping',
    );
    expect(h.handled).toEqual(['spiffe://other.org/b']);
    expect((h.refused[0] as TlsConfigError).code).toBe('untrusted_peer');
  });

  it('refuses a client without a certificate', async () => {
    const { caA, bundles } = trustDomains();
    const h = await mtlsServer(mtlsServerOptions(svidOf(caA, SERVER), bundles, authorizeAny()));
    expect(await rawClient(h.port, {})).toBe('');
    expect(h.handled).toEqual([]);
    expect((h.refused[0] as TlsConfigError).code).toBe('untrusted_peer');
  });

  it('X-15: refuses a client whose leaf is a CA', async () => {
    const { caA, bundles } = trustDomains();
    const h = await mtlsServer(mtlsServerOptions(svidOf(caA, SERVER), bundles, authorizeAny()));
    const bad = caA.issueX509Svid({ id: CLIENT, basicConstraints: { ca: true } });
    expect(await rawClient(h.port, pemOf(bad))).toBe('');
    expect(h.refused[0]!.message).toContain('X-15');
  });

  it('accepts a client whose SVID chains through an intermediate', async () => {
    const { caA, bundles } = trustDomains();
    const h = await mtlsServer(mtlsServerOptions(svidOf(caA, SERVER), bundles, authorizeAny()));
    const chained = caA.intermediate().issueX509Svid({ id: CLIENT });
    expect(await rawClient(h.port, pemOf(chained))).toBe('echo ping');
    expect(h.handled).toEqual([CLIENT]);
  });

  it('an authorizer that throws a plain Error, returns false or returns a Promise refuses (fail closed)', async () => {
    const { caA, bundles } = trustDomains();
    const authorizers: Authorizer[] = [
      () => {
        throw new Error('nope');
      },
      (() => false) as unknown as Authorizer,
      (async () => {}) as unknown as Authorizer,
    ];
    for (const authorizer of authorizers) {
      const h = await mtlsServer(mtlsServerOptions(svidOf(caA, SERVER), bundles, authorizer));
      expect(await rawClient(h.port, pemOf(caA.issueX509Svid({ id: CLIENT })))).toBe('');
      expect((h.refused[0] as TlsConfigError).code).toBe('unauthorized');
    }
  });

  it('options used without the guard fail closed: plain tls.createServer refuses every client', async () => {
    const { caA, bundles } = trustDomains();
    let handled = 0;
    const server = tls.createServer(
      mtlsServerOptions(svidOf(caA, SERVER), bundles, authorizeAny()),
      () => handled++,
    );
    servers.push(server);
    const port = await listen(server);
    expect(await rawClient(port, pemOf(caA.issueX509Svid({ id: CLIENT })))).toBe('');
    expect(handled).toBe(0);
  });
});

describe('raw TLS: SDK client', () => {
  it('verifies the server, with no hostname check, and exposes its SPIFFE ID', async () => {
    const { caA, bundles } = trustDomains();
    const h = await mtlsServer(mtlsServerOptions(svidOf(caA, SERVER), bundles, authorizeAny()));
    const socket = connect({
      ...mtlsClientOptions(svidOf(caA, CLIENT), bundles, authorizeId(SERVER)),
      host: '127.0.0.1',
      port: h.port,
      servername: 'not-the-server.example',
    });
    await once(socket, 'secureConnect');
    expect(peerIdFrom(socket).toString()).toBe(SERVER);
    expect(socket.authorized).toBe(true);
    socket.destroy();
  });

  it('refuses an unauthorized server: no secureConnect, the data written early is never sent', async () => {
    const { caA, bundles } = trustDomains();
    let received = '';
    let serverSocketClosed!: Promise<unknown>;
    const server = tls.createServer(
      { ...pemOf(caA.issueX509Svid({ id: 'spiffe://example.org/impostor' })) },
      (s) => {
        s.on('data', (d) => (received += d.toString()));
        s.on('error', () => {});
        serverSocketClosed = closed(s);
      },
    );
    servers.push(server);
    const port = await listen(server);
    const socket = connect({ ...tlsClientOptions(bundles, authorizeId(SERVER)), host: '127.0.0.1', port });
    let secure = false;
    socket.on('secureConnect', () => (secure = true));
    socket.write('secret request');
    const [error] = (await once(socket, 'error')) as [TlsConfigError];
    expect(error.code).toBe('unauthorized');
    await closed(socket);
    await serverSocketClosed; // everything the client sent has arrived by now
    expect(secure).toBe(false);
    expect(received).toBe('');
  });

  it('W-11: refuses a server from another trust domain CA claiming our ID', async () => {
    const { caA, caB, bundles } = trustDomains();
    const server = tls.createServer({ ...pemOf(caB.issueX509Svid({ id: SERVER })) }, (s) => s.end());
    servers.push(server);
    const port = await listen(server);
    const socket = connect({ ...tlsClientOptions(bundles, authorizeAny()), host: '127.0.0.1', port });
    const [error] = (await once(socket, 'error')) as [TlsConfigError];
    expect(error.code).toBe('untrusted_peer');
    void caA;
  });

  it('TLS server options serve the SVID without asking for a client certificate', async () => {
    const { caA, bundles } = trustDomains();
    const server = createTlsServer(tlsServerOptions(svidOf(caA, SERVER)), (s) => {
      expect(() => peerIdFrom(s)).toThrow(TlsConfigError);
      s.on('data', () => s.end('hi'));
    });
    servers.push(server);
    const port = await listen(server);
    expect(await sdkClient(port, tlsClientOptions(bundles, authorizeId(SERVER)))).toBe('hi');
  });

  it('the client presents the current SVID on each new connection', async () => {
    const { caA, bundles } = trustDomains();
    const h = await mtlsServer(mtlsServerOptions(svidOf(caA, SERVER), bundles, authorizeAny()));
    const source = new SwitchableSvidSource(svidOf(caA, 'spiffe://example.org/client-1'));
    const options = mtlsClientOptions(source, bundles, authorizeAny());
    await sdkClient(h.port, options);
    source.svid = svidOf(caA, 'spiffe://example.org/client-2');
    await sdkClient(h.port, options);
    expect(h.handled).toEqual(['spiffe://example.org/client-1', 'spiffe://example.org/client-2']);
  });

  it('the server presents the current SVID on each new handshake (rotation without restart)', async () => {
    const { caA, bundles } = trustDomains();
    const source = new SwitchableSvidSource(svidOf(caA, 'spiffe://example.org/server-1'));
    await mtlsServer(mtlsServerOptions(source, bundles, authorizeAny())).then(async (h) => {
      const client = mtlsClientOptions(svidOf(caA, CLIENT), bundles, authorizeAny());
      const serverIds: string[] = [];
      for (const next of ['spiffe://example.org/server-2', undefined]) {
        const socket = connect({ ...client, host: '127.0.0.1', port: h.port });
        await once(socket, 'secureConnect');
        serverIds.push(peerIdFrom(socket).toString());
        socket.destroy();
        if (next) source.svid = svidOf(caA, next);
      }
      expect(serverIds).toEqual(['spiffe://example.org/server-1', 'spiffe://example.org/server-2']);
    });
  });

  it('while the source has no SVID, new connections are dropped (svid_unavailable); service resumes when it has one', async () => {
    const { caA, bundles } = trustDomains();
    const svid = svidOf(caA, SERVER);
    let current: typeof svid | undefined = svid;
    const source = {
      getX509Svid() {
        if (current === undefined) throw new Error('X509Source is closed');
        return current;
      },
    };
    const h = await mtlsServer(mtlsServerOptions(source, bundles, authorizeAny()));
    const client = pemOf(caA.issueX509Svid({ id: CLIENT }));
    current = undefined;
    expect(await rawClient(h.port, client)).toBe('');
    expect((h.refused[0] as TlsConfigError).code).toBe('svid_unavailable');
    current = svidOf(caA, SERVER);
    expect(await rawClient(h.port, client)).toBe('echo ping');
  });

  it('refusals are logged with the peer and the reason, never with key material', async () => {
    const { caA, bundles } = trustDomains();
    const lines: string[] = [];
    const log = (line: string): void => void lines.push(line);
    const logger = { debug: log, info: log, warn: log, error: log };
    const h = await mtlsServer(
      mtlsServerOptions(svidOf(caA, SERVER), bundles, authorizeId(CLIENT), { logger }),
    );
    await rawClient(h.port, pemOf(caA.issueX509Svid({ id: 'spiffe://example.org/intruder' })));
    expect(lines.join('\n')).toContain('spiffe://example.org/intruder');
    expect(lines.join('\n')).not.toContain('PRIVATE KEY');
  });

  it('a bundle change takes effect on the next handshake', async () => {
    const { caA, caB } = trustDomains();
    const bundles = new X509BundleSet(caA.x509Bundle(), caB.x509Bundle());
    const h = await mtlsServer(mtlsServerOptions(svidOf(caA, SERVER), bundles, authorizeAny()));
    const client = mtlsClientOptions(svidOf(caB, 'spiffe://other.org/b'), bundles, authorizeAny());
    expect(await sdkClient(h.port, client)).toBe('echo ping');
    bundles.remove('other.org');
    expect(await rawClient(h.port, pemOf(caB.issueX509Svid({ id: 'spiffe://other.org/b' })))).toBe('');
    expect((h.refused[0] as TlsConfigError).code).toBe('untrusted_peer');
  });
});

describe('raw TLS: session resumption never skips authorization (go-spiffe #378)', () => {
  /** Connects with a plain client offering `session`; resolves with the outcome. */
  async function attempt(
    port: number,
    cert: { cert: string; key: string },
    maxVersion: tls.SecureVersion,
    session?: Buffer,
  ) {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      rejectUnauthorized: false,
      maxVersion,
      ...cert,
      ...(session ? { session } : {}),
    });
    let newSession: Buffer | undefined;
    socket.on('session', (s: Buffer) => (newSession = s));
    socket.on('error', () => {});
    let echo = '';
    socket.on('data', (d) => (echo += d.toString()));
    let reused: boolean | undefined;
    socket.on('secureConnect', () => {
      reused = socket.isSessionReused();
      socket.write('ping');
    });
    await closed(socket);
    return { reused, echo, session: newSession };
  }

  for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
    it(`${maxVersion}: the SDK server does not resume a session, and re-authorizes the client`, async () => {
      const { caA, bundles } = trustDomains();
      let allow = true;
      const h = await mtlsServer(
        mtlsServerOptions(svidOf(caA, SERVER), bundles, () => {
          if (!allow) throw new TlsConfigError('unauthorized', 'revoked');
        }),
      );
      const cert = pemOf(caA.intermediate().issueX509Svid({ id: CLIENT }));
      const first = await attempt(h.port, cert, maxVersion);
      expect(first.echo).toBe('echo ping');
      const again = await attempt(h.port, cert, maxVersion, first.session);
      expect(again).toMatchObject({ reused: false, echo: 'echo ping' }); // full handshake, chain intact
      allow = false;
      const refused = await attempt(h.port, cert, maxVersion, again.session ?? first.session);
      expect(refused.echo).toBe('');
      expect(refused.reused).not.toBe(true);
      expect((h.refused[0] as TlsConfigError).code).toBe('unauthorized');
    });
  }

  it('a server whose owner enabled session-ID resumption still verifies and authorizes each resumed session', async () => {
    const { caA, bundles } = trustDomains();
    let allow = true;
    const h = await mtlsServer(
      mtlsServerOptions(svidOf(caA, SERVER), bundles, () => {
        if (!allow) throw new TlsConfigError('unauthorized', 'revoked');
      }),
    );
    const server = servers.at(-1)!;
    const cache = new Map<string, Buffer>();
    server.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
      cache.set(id.toString('hex'), data);
      done();
    });
    server.on('resumeSession', (id: Buffer, done: (err: Error | null, data: Buffer | null) => void) =>
      done(null, cache.get(id.toString('hex')) ?? null),
    );
    const cert = pemOf(caA.issueX509Svid({ id: CLIENT }));
    const first = await attempt(h.port, cert, 'TLSv1.2');
    const resumed = await attempt(h.port, cert, 'TLSv1.2', first.session);
    expect(resumed).toMatchObject({ reused: true, echo: 'echo ping' });
    expect(h.handled).toEqual([CLIENT, CLIENT]);
    allow = false;
    const refused = await attempt(h.port, cert, 'TLSv1.2', first.session);
    expect(refused).toMatchObject({ reused: true, echo: '' });
    expect((h.refused[0] as TlsConfigError).code).toBe('unauthorized');
  });
});
