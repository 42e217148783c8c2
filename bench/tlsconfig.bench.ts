/**
 * New mTLS handshakes per second with SPIFFE verification (the SDK's guarded server and client:
 * X509-SVIDs verified in JS against the peer's own trust domain bundle, then authorized) versus
 * plain Node TLS with `ca` only (OpenSSL verifies, no SPIFFE checks), same keys, same run.
 *
 * The harness times synchronous functions, and a handshake is asynchronous: both sides of every
 * handshake run in a worker thread (one event loop, as a client and a server on one machine), and
 * each measured call posts one handshake to it and blocks on an `Atomics.wait` until it is done.
 * A handshake is counted once the client has verified the server and received the server's first
 * byte, which the server writes only after verifying the client.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { FakeCa } from '../src/testing/index.js';
import {
  authorizeId,
  connect,
  createTlsServer,
  mtlsClientOptions,
  mtlsServerOptions,
} from '../src/tlsconfig/index.js';
import { goAvailable, goFixture, goSpiffe } from './go.bench.js';
import type { GoBenchFixture } from './go/compare.js';
import type { Benchmark } from './harness.js';

const ROLE = 'tlsconfig-handshakes';
const SERVER = 'spiffe://example.org/ns/prod/sa/database';
const CLIENT = 'spiffe://example.org/ns/prod/sa/api-server';
type Kind = 'plain' | 'spiffe' | 'plain-chain' | 'spiffe-chain';

/** Worker side: the four servers, and one handshake per message. */
async function serve(flag: Int32Array): Promise<void> {
  const root = new FakeCa({ trustDomain: 'example.org' });
  const other = new FakeCa({ trustDomain: 'other.org' }); // a federated bundle, as in real deployments
  const bundles = new (await import('../src/bundle/index.js')).X509BundleSet(
    root.x509Bundle(),
    other.x509Bundle(),
  );
  const ca = [...root.rootCertificates(), ...other.rootCertificates()].map((c) => c.toString());
  const handshakes = new Map<Kind, () => Promise<void>>();
  let goSvids: GoBenchFixture['handshake'];
  for (const chained of [false, true]) {
    const issuer = chained ? root.intermediate() : root;
    const serverSvid = issuer.issueX509Svid({ id: SERVER });
    const clientSvid = issuer.issueX509Svid({ id: CLIENT });
    const pem = (s: typeof serverSvid) => ({ cert: s.certificatesPem, key: s.privateKeyPem });
    const der = (s: typeof serverSvid) => ({ chain: s.certificates.map((c) => c.raw), key: s.privateKeyDer });
    if (!chained) {
      goSvids = {
        server: der(serverSvid),
        client: der(clientSvid),
        roots: root.rootCertificates().map((c) => c.raw),
      };
    }

    const plainServer = tls.createServer(
      { ...pem(serverSvid), ca, requestCert: true, rejectUnauthorized: true },
      (s) => {
        s.on('error', () => {});
        s.write('x');
      },
    );
    const plainContext = tls.createSecureContext({ ...pem(clientSvid), ca });
    const plainPort = await listen(plainServer);
    handshakes.set(chained ? 'plain-chain' : 'plain', () =>
      handshake(
        tls.connect({
          host: '127.0.0.1',
          port: plainPort,
          secureContext: plainContext,
          checkServerIdentity: () => undefined,
        }),
      ),
    );

    const spiffeServer = createTlsServer(
      mtlsServerOptions(serverSvid.toX509Svid(), bundles, authorizeId(CLIENT)),
      (s) => {
        s.on('error', () => {});
        s.write('x');
      },
    );
    const spiffePort = await listen(spiffeServer);
    const client = mtlsClientOptions(clientSvid.toX509Svid(), bundles, authorizeId(SERVER));
    handshakes.set(chained ? 'spiffe-chain' : 'spiffe', () =>
      handshake(connect({ ...client, host: '127.0.0.1', port: spiffePort })),
    );
  }
  parentPort!.on('message', (kind: Kind) => {
    handshakes.get(kind)!().then(
      () => signal(flag, 1),
      () => signal(flag, 2),
    );
  });
  parentPort!.postMessage({ ready: true, goSvids });
}

async function listen(server: tls.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

function handshake(socket: tls.TLSSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('data', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed before the first byte')));
  });
}

function signal(flag: Int32Array, value: number): void {
  Atomics.store(flag, 0, value);
  Atomics.notify(flag, 0);
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === ROLE) {
  void serve((workerData as { flag: Int32Array }).flag);
}

/** Main side: a synchronous "one handshake" function per kind, backed by the worker. */
let worker: Worker | undefined;
/** The leaf SVIDs and roots of the 'spiffe' handshakes, for go-spiffe's side of the comparison. */
let handshakeSvids: GoBenchFixture['handshake'];
const flag = new Int32Array(new SharedArrayBuffer(4));

async function start(): Promise<void> {
  if (worker !== undefined) return;
  // A TypeScript worker needs tsx's loader registered in its own thread first.
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(import.meta.url)}); });`;
  worker = new Worker(code, { eval: true, workerData: { role: ROLE, flag } });
  const [message] = (await once(worker, 'message')) as [
    { ready?: boolean; goSvids: GoBenchFixture['handshake'] },
  ];
  if (message.ready !== true) throw new Error(`tlsconfig bench worker: ${String(message)}`);
  handshakeSvids = message.goSvids;
  worker.unref();
}

function run(kind: Kind): () => number {
  return () => {
    Atomics.store(flag, 0, 0);
    worker!.postMessage(kind);
    Atomics.wait(flag, 0, 0);
    if (Atomics.load(flag, 0) !== 1) throw new Error(`tlsconfig bench: a ${kind} handshake failed`);
    return 1;
  };
}

const spiffeHandshake = {
  name: 'SDK guarded server + connect(): SPIFFE verification and authorization on both sides',
  fn: run('spiffe'),
};

export const benchmarks: Benchmark[] = [
  {
    name: 'tlsconfig: mTLS handshakes (leaf SVIDs)',
    setup: start,
    subject: spiffeHandshake,
    baseline: { name: 'plain Node TLS, ca = both roots, OpenSSL verification only', fn: run('plain') },
    target: { ratio: 0.8, description: 'at least 0.8x the handshake rate of plain Node TLS' },
    // go-spiffe's tlsconfig server and client in one Go process on one core (GOMAXPROCS=1).
    extra: goAvailable
      ? goSpiffe(
          'mtls-handshake',
          'tlsconfig.MTLSServerConfig + MTLSClientConfig, GOMAXPROCS=1',
          spiffeHandshake,
          () => ({
            ...goFixture,
            handshake: handshakeSvids,
          }),
        )
      : undefined,
  },
  {
    name: 'tlsconfig: mTLS handshakes (leaf + intermediate)',
    setup: start,
    subject: {
      name: 'SDK guarded server + connect(), SVIDs chained through an intermediate',
      fn: run('spiffe-chain'),
    },
    baseline: { name: 'plain Node TLS, same chains', fn: run('plain-chain') },
    target: { ratio: 0.8, description: 'at least 0.8x the handshake rate of plain Node TLS' },
  },
];
