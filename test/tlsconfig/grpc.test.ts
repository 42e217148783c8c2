import * as grpc from '@grpc/grpc-js';
import type tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import {
  authorizeAny,
  authorizeId,
  createGrpcTlsServer,
  grpcChannelCredentials,
  mtlsClientOptions,
  mtlsServerOptions,
  peerIdFromCall,
  TlsConfigError,
} from '../../src/tlsconfig/index.js';
import type { X509BundleSource } from '../../src/bundle/index.js';
import type { X509SvidSource } from '../../src/svid/index.js';
import { TestClient, testService, whoAmI } from './grpc-support.js';
import { close, listen, pemOf, svidOf, SwitchableSvidSource, trustDomains } from './support.js';

const SERVER = 'spiffe://example.org/server';
const CLIENT = 'spiffe://example.org/client';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function grpcServer(
  svidSource: X509SvidSource,
  bundles: X509BundleSource,
  authorizer = authorizeId(CLIENT),
) {
  const server = new grpc.Server();
  const handled: string[] = [];
  server.addService(testService, {
    whoAmI: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const id = peerIdFromCall(call).toString();
      handled.push(id);
      callback(null, Buffer.from(id));
    },
  });
  const refused: Error[] = [];
  const tlsServer = createGrpcTlsServer(server, mtlsServerOptions(svidSource, bundles, authorizer));
  tlsServer.on('tlsClientError', (e) => refused.push(e));
  const port = await listen(tlsServer);
  cleanup.push(
    () => close(tlsServer as tls.Server),
    () => new Promise<void>((r) => server.tryShutdown(() => r())),
  );
  return { port, handled, refused };
}

function client(port: number, credentials: grpc.ChannelCredentials): grpc.Client {
  const c = new TestClient(`127.0.0.1:${port}`, credentials);
  cleanup.push(() => c.close());
  return c;
}

describe('gRPC', () => {
  it('an mTLS call reaches the handler, which reads the client ID with peerIdFromCall', async () => {
    const { caA, bundles } = trustDomains();
    const s = await grpcServer(svidOf(caA, SERVER), bundles);
    const c = client(
      s.port,
      grpcChannelCredentials(mtlsClientOptions(svidOf(caA, CLIENT), bundles, authorizeId(SERVER))),
    );
    expect(await whoAmI(c)).toBe(CLIENT);
    expect(await whoAmI(c)).toBe(CLIENT);
    expect(s.handled).toEqual([CLIENT, CLIENT]);
  });

  it('refuses an unauthorized client and a trust-domain-confused one at the handshake: the handler never runs', async () => {
    const { caA, caB, bundles } = trustDomains();
    const s = await grpcServer(svidOf(caA, SERVER), bundles);
    for (const svid of [svidOf(caA, 'spiffe://example.org/intruder'), svidOf(caB, CLIENT)]) {
      const c = client(s.port, grpcChannelCredentials(mtlsClientOptions(svid, bundles, authorizeAny())));
      await expect(whoAmI(c)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    }
    expect(s.handled).toEqual([]);
    expect(s.refused.map((e) => (e as TlsConfigError).code)).toEqual(['unauthorized', 'untrusted_peer']);
  });

  it('the client refuses an unauthorized server: the call fails UNAVAILABLE with the reason, nothing is sent', async () => {
    const { caA, bundles } = trustDomains();
    const s = await grpcServer(svidOf(caA, SERVER), bundles, authorizeAny());
    const c = client(
      s.port,
      grpcChannelCredentials(
        mtlsClientOptions(svidOf(caA, CLIENT), bundles, authorizeId('spiffe://example.org/db')),
      ),
    );
    const error = (await whoAmI(c).catch((e: unknown) => e)) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    expect(error.details).toContain('spiffe://example.org/server');
    expect(s.handled).toEqual([]);
  });

  it('rotation: a new channel sees the server’s new SVID, the existing channel keeps working', async () => {
    const { caA, bundles } = trustDomains();
    const source = new SwitchableSvidSource(svidOf(caA, 'spiffe://example.org/server-1'));
    const s = await grpcServer(source, bundles);
    const servers: string[] = [];
    const options = mtlsClientOptions(svidOf(caA, CLIENT), bundles, (id) => void servers.push(id.toString()));
    const first = client(s.port, grpcChannelCredentials(options));
    expect(await whoAmI(first)).toBe(CLIENT);
    source.svid = svidOf(caA, 'spiffe://example.org/server-2');
    const second = client(s.port, grpcChannelCredentials(options));
    expect(await whoAmI(second)).toBe(CLIENT);
    expect(await whoAmI(first)).toBe(CLIENT);
    expect(servers).toEqual(['spiffe://example.org/server-1', 'spiffe://example.org/server-2']);
  });

  it('peerIdFromCall refuses a peer that grpc-js’s own TLS accepted: an example.org ID signed by the other.org CA (X-16, W-11)', async () => {
    const { caA, caB } = trustDomains();
    const server = new grpc.Server();
    const outcomes: string[] = [];
    server.addService(testService, {
      whoAmI: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        // grpc-js did authenticate a TLS peer: the hole was that its ID was returned as verified.
        const ssl = call.getAuthContext()?.sslPeerCertificate !== undefined;
        try {
          outcomes.push(`id ${peerIdFromCall(call).toString()} ssl=${ssl}`);
        } catch (error) {
          outcomes.push(`${(error as TlsConfigError).code} ssl=${ssl}`);
        }
        callback(null, Buffer.alloc(0));
      },
    });
    const roots = Buffer.from(
      [...caA.rootCertificates(), ...caB.rootCertificates()].map((c) => c.toString()).join(''),
    );
    const serverSvid = pemOf(caA.issueX509Svid({ id: SERVER }));
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(
        '127.0.0.1:0',
        grpc.ServerCredentials.createSsl(
          roots,
          [{ cert_chain: Buffer.from(serverSvid.cert), private_key: Buffer.from(serverSvid.key) }],
          true,
        ),
        (error, p) => (error ? reject(error) : resolve(p)),
      ),
    );
    cleanup.push(() => new Promise<void>((r) => server.tryShutdown(() => r())));
    const evil = pemOf(caB.issueX509Svid({ id: CLIENT }));
    const c = new TestClient(
      `127.0.0.1:${port}`,
      grpc.credentials.createSsl(roots, Buffer.from(evil.key), Buffer.from(evil.cert), {
        checkServerIdentity: () => undefined,
      }),
      { 'grpc.ssl_target_name_override': 'server.example.org' },
    );
    cleanup.push(() => c.close());
    await whoAmI(c);
    expect(outcomes).toEqual(['no_peer_id ssl=true']);
  });

  it('peerIdFromCall refuses a call without an authenticated peer', () => {
    expect(() => peerIdFromCall({ getAuthContext: () => ({}) })).toThrow(
      expect.objectContaining({ code: 'no_peer_id' }),
    );
  });

  it('peerIdFromCall refuses a peer certificate that no SDK-verified socket returned', () => {
    const { caA } = trustDomains();
    const leaf = caA.issueX509Svid({ id: CLIENT }).certificates[0]!;
    const sslPeerCertificate = { raw: leaf.raw } as unknown as import('node:tls').PeerCertificate;
    expect(() =>
      peerIdFromCall({ getAuthContext: () => ({ transportSecurityType: 'ssl', sslPeerCertificate }) }),
    ).toThrow(expect.objectContaining({ code: 'no_peer_id' }));
  });
});
