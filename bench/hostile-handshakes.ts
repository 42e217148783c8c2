/**
 * Hostile handshakes against a guarded mTLS server (issue #13). Not a harness benchmark (it
 * measures latency, not throughput):
 *
 *   node --import tsx bench/hostile-handshakes.ts
 *
 * The server runs in this process; a child process runs the clients. It prints (1) the
 * server's longest event-loop stall while hostile clients handshake one at a time, per hostile
 * chain, and (2) the median latency of a legitimate client's full mTLS handshake + echo when the
 * server is idle and while 8 hostile clients handshake in parallel without pause.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import tls from 'node:tls';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { X509Certificate, type KeyObject } from 'node:crypto';
import { createTlsServer, mtlsServerOptions, authorizeAny } from '../src/tlsconfig/index.js';
import { createCertificate, FakeCa } from '../src/testing/index.js';
import { hugeExponentRing, validRing } from '../test/svid/hostile-chains.js';

interface Credentials {
  cert: string;
  key: string;
}
interface WorkerInput {
  port: number;
  legit: Credentials;
  hostile: Record<string, Credentials[]>;
}

const CLIENT = 'spiffe://example.org/client';
const pem = (ders: Uint8Array[]): string => ders.map((d) => new X509Certificate(d).toString()).join('');
const keyPem = (k: KeyObject): string => k.export({ type: 'pkcs8', format: 'pem' }) as string;

function hostileChains(): Record<string, Credentials[]> {
  const ring = (
    make: () => { leaf: { der: Uint8Array; keyPair: { privateKey: never } }; ring: { der: Uint8Array }[] },
  ) =>
    Array.from({ length: 4 }, () => {
      const { leaf, ring: cas } = make();
      return { cert: pem([leaf.der, ...cas.map((c) => c.der)]), key: keyPem(leaf.keyPair.privateKey) };
    });
  const p521 = Array.from({ length: 4 }, () => {
    const cas = Array.from({ length: 9 }, () =>
      createCertificate({
        keyType: 'ec-p521',
        subject: 'O=Ring',
        basicConstraints: { ca: true },
        subjectKeyId: false,
      }),
    );
    const signer = createCertificate({
      keyType: 'ec-p521',
      subject: 'O=Ring',
      basicConstraints: { ca: true },
    });
    const leaf = createCertificate({
      issuer: { certificate: signer.certificate, privateKey: signer.keyPair.privateKey },
      uris: [CLIENT],
      authorityKeyId: false,
    });
    return { cert: pem([leaf.der, ...cas.map((c) => c.der)]), key: keyPem(leaf.keyPair.privateKey) };
  });
  return {
    'huge-exponent RSA ring (leaf + 9)': ring(() => hugeExponentRing(CLIENT, 9) as never),
    'valid P-256 ring (leaf + 9)': ring(() => validRing(CLIENT, 9) as never),
    'P-521 look-alikes, distinct keys (leaf + 9)': p521,
  };
}

function handshake(port: number, creds: Credentials): Promise<number> {
  const start = performance.now();
  return new Promise((resolve) => {
    const socket = tls.connect({
      port,
      host: '127.0.0.1',
      rejectUnauthorized: false,
      ciphers: 'DEFAULT@SECLEVEL=0',
      ...creds,
    });
    socket.on('secureConnect', () => socket.write('ping'));
    socket.on('data', () => socket.end());
    socket.on('error', () => {});
    socket.on('close', () => resolve(performance.now() - start));
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function clients(input: WorkerInput): Promise<void> {
  const { port, legit, hostile } = input;
  const send = (message: unknown): void => void process.send!(message);
  const ask = (message: unknown): Promise<unknown> =>
    new Promise((resolve) => {
      process.once('message', resolve);
      send(message);
    });
  for (const [name, list] of Object.entries({ 'legitimate SVID (baseline)': [legit], ...hostile })) {
    await ask({ reset: true });
    for (let i = 0; i < 40; i++) await handshake(port, list[i % list.length]!);
    const stall = (await ask({ read: true })) as number;
    send({
      report: `server's longest event-loop stall, hostile ${name} one at a time: ${stall.toFixed(1)} ms`,
    });
  }
  const legitRun = async (): Promise<number> => {
    const xs: number[] = [];
    for (let i = 0; i < 60; i++) xs.push(await handshake(port, legit));
    return median(xs);
  };
  const idle = await legitRun();
  const under = async (peers: Credentials[]): Promise<number> => {
    let stop = false;
    const others = Array.from({ length: 8 }, async (_, a) => {
      for (let i = a; !stop; i++) await handshake(port, peers[i % peers.length]!);
    });
    const latency = await legitRun();
    stop = true;
    await Promise.all(others);
    return latency;
  };
  const busy = await under([legit]);
  const attacked = await under(Object.values(hostile).flat());
  send({
    report:
      `legitimate mTLS handshake + echo, median: idle ${idle.toFixed(1)} ms; ` +
      `with 8 parallel legitimate clients ${busy.toFixed(1)} ms (${(busy / idle).toFixed(2)}x); ` +
      `with 8 parallel hostile clients ${attacked.toFixed(1)} ms (${(attacked / idle).toFixed(2)}x, ${(attacked / busy).toFixed(2)}x the legitimate load)`,
    done: true,
  });
}

async function main(): Promise<void> {
  const ca = new FakeCa({ trustDomain: 'example.org' });
  const server = createTlsServer(
    mtlsServerOptions(
      ca.issueX509Svid({ id: 'spiffe://example.org/server' }).toX509Svid(),
      ca.x509Bundle(),
      authorizeAny(),
    ),
    (socket) => socket.on('data', (d) => socket.end(d)),
  );
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const issued = ca.issueX509Svid({ id: CLIENT });
  const input: WorkerInput = {
    port,
    legit: { cert: issued.certificatesPem, key: issued.privateKeyPem },
    hostile: hostileChains(),
  };
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const child = fork(fileURLToPath(import.meta.url), ['clients'], { execArgv: ['--import', 'tsx'] });
  child.on('message', (m: { reset?: boolean; read?: boolean; report?: string; done?: boolean }) => {
    if (m.reset) {
      histogram.reset();
      child.send('ok');
    } else if (m.read) {
      child.send(histogram.max / 1e6);
    } else if (m.report) {
      console.log(m.report);
      if (m.done) {
        child.kill();
        server.close();
      }
    }
  });
  child.send(input);
}

if (process.argv[2] === 'clients') {
  process.once('message', (input) => void clients(input as WorkerInput));
} else {
  await main();
}
