import http2 from 'node:http2';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import {
  authorizeId,
  createHttp2SecureServer,
  mtlsClientOptions,
  mtlsServerOptions,
  peerIdFrom,
  TlsConfigError,
} from '../../src/tlsconfig/index.js';
import { close, closed, listen, pemOf, svidOf, trustDomains } from './support.js';

const SERVER = 'spiffe://example.org/server';
const CLIENT = 'spiffe://example.org/client';

const servers: http2.Http2SecureServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => close(s)));
});

async function server() {
  const { caA, caB, bundles } = trustDomains();
  const seen: string[] = [];
  const refused: Error[] = [];
  const srv = createHttp2SecureServer(
    mtlsServerOptions(svidOf(caA, SERVER), bundles, authorizeId(CLIENT)),
    (req, res) => {
      seen.push(`${peerIdFrom(req).toString()} ${req.url}`);
      res.end('ok');
    },
  );
  srv.on('tlsClientError', (e) => refused.push(e));
  srv.on('stream', (stream) => seen.push(`stream from ${peerIdFrom(stream).toString()}`));
  servers.push(srv);
  const port = await listen(srv);
  return { caA, caB, bundles, seen, refused, port };
}

/** One GET over a client session; resolves with status and body. */
function request(session: http2.ClientHttp2Session, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': path });
    let status = 0;
    let body = '';
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => resolve({ status, body }));
    req.on('error', reject);
    session.on('error', reject);
  });
}

/** An HTTP/2 GET / (preface, SETTINGS, HEADERS :method GET :scheme https :path /) as raw bytes. */
function h2Request(): Buffer {
  const frame = (type: number, flags: number, stream: number, payload: Buffer): Buffer => {
    const head = Buffer.alloc(9);
    head.writeUIntBE(payload.length, 0, 3);
    head[3] = type;
    head[4] = flags;
    head.writeUInt32BE(stream, 5);
    return Buffer.concat([head, payload]);
  };
  const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
  // HPACK: static table 0x82 :method GET, 0x87 :scheme https, 0x84 :path /, then :authority
  // (static index 1) as a literal without indexing: 0x01, length, "localhost".
  const headers = frame(
    0x1,
    0x5,
    1,
    Buffer.concat([Buffer.from([0x82, 0x87, 0x84, 0x01, 9]), Buffer.from('localhost')]),
  );
  return Buffer.concat([preface, frame(0x4, 0, 0, Buffer.alloc(0)), headers]);
}

describe('http2', () => {
  it('http2.connect with the client options: the handler sees the client ID, the client the server ID', async () => {
    const s = await server();
    const session = http2.connect(
      `https://127.0.0.1:${s.port}`,
      mtlsClientOptions(svidOf(s.caA, CLIENT), s.bundles, authorizeId(SERVER)),
    );
    const r = await request(session, '/hello');
    session.close();
    expect(r).toEqual({ status: 200, body: 'ok' });
    expect(peerIdFrom(session).toString()).toBe(SERVER);
    expect(s.seen.sort()).toEqual([`${CLIENT} /hello`, `stream from ${CLIENT}`]);
  });

  it('a refused client stream never reaches the handler, even sent in the same flight as the handshake', async () => {
    const s = await server();
    const send = async (cert: { cert: string; key: string }): Promise<number> => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port: s.port,
        rejectUnauthorized: false,
        ALPNProtocols: ['h2'],
        ...cert,
      });
      socket.write(h2Request());
      let bytes = 0;
      socket.on('data', (d: Buffer) => {
        bytes += d.length;
        if (s.seen.length > 0) socket.destroy();
      });
      socket.on('error', () => {});
      await closed(socket);
      return bytes;
    };
    expect(await send(pemOf(s.caA.issueX509Svid({ id: CLIENT })))).toBeGreaterThan(0);
    expect(await send(pemOf(s.caA.issueX509Svid({ id: 'spiffe://example.org/intruder' })))).toBe(0);
    expect(await send(pemOf(s.caB.issueX509Svid({ id: CLIENT })))).toBe(0); // trust-domain confusion
    expect(s.seen.sort()).toEqual([`${CLIENT} /`, `stream from ${CLIENT}`]);
    expect(s.refused.map((e) => (e as TlsConfigError).code)).toEqual(['unauthorized', 'untrusted_peer']);
  });

  it('a refused server: the session fails with the reason and no stream is sent', async () => {
    const s = await server();
    const session = http2.connect(
      `https://127.0.0.1:${s.port}`,
      mtlsClientOptions(svidOf(s.caA, CLIENT), s.bundles, authorizeId('spiffe://example.org/db')),
    );
    const error = await request(session, '/x').then(
      () => undefined,
      (e: Error) => e,
    );
    // the stream is cancelled because the session failed: the cause is the SDK's refusal
    expect(error?.cause ?? error).toMatchObject({ code: 'unauthorized' });
    expect(s.seen).toEqual([]);
  });
});
