import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import {
  authorizeAny,
  authorizeId,
  createHttpsAgent,
  createHttpsServer,
  mtlsClientOptions,
  mtlsServerOptions,
  mtlsWebClientOptions,
  mtlsWebServerOptions,
  peerIdFrom,
  TlsConfigError,
  tlsClientOptions,
  type Authorizer,
} from '../../src/tlsconfig/index.js';
import { createCertificate, generateKeyPair } from '../../src/testing/index.js';
import { close, closed, listen, pemOf, svidOf, trustDomains } from './support.js';

const SERVER = 'spiffe://example.org/server';
const CLIENT = 'spiffe://example.org/client';

const servers: (https.Server | tls.Server)[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => close(s)));
});

/** GET `path` and resolve with status and body. */
function get(
  url: string,
  options: https.RequestOptions,
): Promise<{
  status: number;
  body: string;
  res: IncomingMessage;
  server: string | undefined;
  reused: boolean;
}> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, options, (res) => {
      let body = '';
      const socket = res.socket as tls.TLSSocket;
      const server = (() => {
        try {
          return peerIdFrom(res).toString();
        } catch {
          return undefined;
        }
      })();
      const reused = socket.isSessionReused();
      res.on('data', (d) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, res, server, reused }));
    });
    req.on('error', reject);
  });
}

/** An mTLS HTTPS server counting the requests its handler saw. */
async function server(authorizer: Authorizer = authorizeId(CLIENT)) {
  const { caA, caB, bundles } = trustDomains();
  const seen: string[] = [];
  const refused: Error[] = [];
  const srv = createHttpsServer(mtlsServerOptions(svidOf(caA, SERVER), bundles, authorizer), (req, res) => {
    seen.push(
      `${peerIdFrom(req).toString()} ${req.url} authorized=${String((req.socket as tls.TLSSocket).authorized)}`,
    );
    res.end('ok');
  });
  srv.on('tlsClientError', (e) => refused.push(e));
  servers.push(srv);
  const port = await listen(srv);
  return { caA, caB, bundles, seen, refused, port, url: `https://127.0.0.1:${port}` };
}

describe('https', () => {
  it('an mTLS request through createHttpsAgent reaches the handler with the client ID; the client sees the server ID', async () => {
    const s = await server();
    const agent = createHttpsAgent(mtlsClientOptions(svidOf(s.caA, CLIENT), s.bundles, authorizeId(SERVER)), {
      keepAlive: true,
    });
    const r1 = await get(`${s.url}/a`, { agent });
    const r2 = await get(`${s.url}/b`, { agent });
    expect([r1.status, r1.body, r2.status]).toEqual([200, 'ok', 200]);
    expect(r1.server).toBe(SERVER);
    expect(s.seen).toEqual([`${CLIENT} /a authorized=true`, `${CLIENT} /b authorized=true`]);
    agent.destroy();
  });

  it('https.get with the client options (createConnection, no agent) works', async () => {
    const s = await server();
    const r = await get(
      `${s.url}/x`,
      mtlsClientOptions(svidOf(s.caA, CLIENT), s.bundles, authorizeId(SERVER)),
    );
    expect(r.status).toBe(200);
  });

  it('a refused client request never reaches the handler, even sent in the same flight as the handshake', async () => {
    const s = await server();
    const send = async (cert: { cert: string; key: string }): Promise<string> => {
      const socket = tls.connect({ host: '127.0.0.1', port: s.port, rejectUnauthorized: false, ...cert });
      socket.write('GET /secret HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      let received = '';
      socket.on('data', (d) => (received += d.toString()));
      socket.on('error', () => {});
      await closed(socket);
      return received;
    };
    expect(await send(pemOf(s.caA.issueX509Svid({ id: CLIENT })))).toMatch(/^HTTP\/1.1 200/);
    expect(await send(pemOf(s.caA.issueX509Svid({ id: 'spiffe://example.org/intruder' })))).toBe('');
    expect(await send(pemOf(s.caB.issueX509Svid({ id: CLIENT })))).toBe(''); // trust-domain confusion
    expect(s.seen).toEqual([`${CLIENT} /secret authorized=true`]);
    expect(s.refused.map((e) => (e as TlsConfigError).code)).toEqual(['unauthorized', 'untrusted_peer']);
  });

  it('a refused server gets no request: the request fails with the reason', async () => {
    const s = await server(authorizeAny());
    const agent = createHttpsAgent(
      mtlsClientOptions(svidOf(s.caA, CLIENT), s.bundles, authorizeId('spiffe://example.org/other')),
    );
    await expect(get(`${s.url}/x`, { agent })).rejects.toMatchObject({ code: 'unauthorized' });
    expect(s.seen).toEqual([]);
  });

  it('go-spiffe #378: a client never resumes a session, so an authorizer that starts refusing refuses', async () => {
    const { caA, bundles } = trustDomains();
    // A plain Node server that issues session tickets.
    const plain = https.createServer(
      { ...pemOf(caA.issueX509Svid({ id: SERVER })), requestCert: true, rejectUnauthorized: false },
      (_q, r) => r.end('ok'),
    );
    servers.push(plain);
    const url = `https://127.0.0.1:${await listen(plain)}/`;

    // Control: a plain agent resumes the session on the second request.
    const control = new https.Agent({
      ca: caA.rootCertificates().map((c) => c.toString()),
      checkServerIdentity: () => undefined,
    });
    await get(url, { agent: control });
    const second = await get(url, { agent: control });
    expect(second.reused).toBe(true);

    let allow = true;
    const agent = createHttpsAgent(
      mtlsClientOptions(svidOf(caA, CLIENT), bundles, (id) => {
        if (!allow) throw new TlsConfigError('unauthorized', `${id.toString()} is no longer allowed`);
      }),
    );
    const first = await get(url, { agent });
    expect(first.status).toBe(200);
    allow = false;
    await expect(get(url, { agent })).rejects.toMatchObject({ code: 'unauthorized' });
    // and a reused TLS session is never offered even when the authorizer allows
    allow = true;
    const third = await get(url, { agent });
    expect(third.reused).toBe(false);
  });

  it('mTLS web client: SVID to a Web PKI server checked by roots and hostname', async () => {
    const { caA, bundles } = trustDomains();
    const root = createCertificate({
      subject: 'CN=Web Root',
      basicConstraints: { ca: true },
      keyUsage: { usages: ['keyCertSign'] },
    });
    const keyPair = generateKeyPair('ec-p256');
    const web = createCertificate({
      keyPair,
      issuer: { certificate: root.certificate, privateKey: root.keyPair.privateKey },
      subject: 'CN=localhost',
      dnsNames: ['localhost'],
      extKeyUsage: { usages: ['serverAuth'] },
    });
    const webPem = {
      cert: web.certificate.toString(),
      key: keyPair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    };
    const seen: string[] = [];
    const srv = createHttpsServer(mtlsWebServerOptions(webPem, bundles, authorizeId(CLIENT)), (req, res) => {
      seen.push(peerIdFrom(req).toString());
      res.end('web');
    });
    servers.push(srv);
    const port = await listen(srv);
    const agent = createHttpsAgent(mtlsWebClientOptions(svidOf(caA, CLIENT), [root.certificate]));
    const r = await get(`https://localhost:${port}/`, { agent });
    expect(r.body).toBe('web');
    expect(seen).toEqual([CLIENT]);
    // a hostname that the certificate does not name is refused by the Web PKI check
    await expect(get(`https://127.0.0.1:${port}/`, { agent })).rejects.toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
  });

  it('a TLS client (no client certificate) is refused by an mTLS server', async () => {
    const s = await server(authorizeAny());
    const agent = createHttpsAgent(tlsClientOptions(s.bundles, authorizeId(SERVER)));
    await expect(get(`${s.url}/x`, { agent })).rejects.toThrow();
    expect(s.seen).toEqual([]);
    expect((s.refused[0] as TlsConfigError).code).toBe('untrusted_peer');
  });
});
