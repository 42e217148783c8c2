/**
 * Where an mTLS handshake's time goes: runs sequential full handshakes between the SDK's guarded
 * server and its client (both in this process, as in tlsconfig.bench.ts) under the V8 CPU profiler
 * (node:inspector, started after a warm-up so that module loading is not counted), and splits the
 * busy time into:
 *
 * - SDK: samples whose innermost frame of the SDK (a file under src/) has nothing of Node's TLS or
 *   stream machinery below it: the SDK's parsing, path validation and authorization, and the
 *   signature checks it asks node:crypto for (OpenSSL would make the same checks in plain TLS);
 * - of which signature checks: the `verify` calls below SDK frames;
 * - Node: Node's TLS, net, stream and event code, with the OpenSSL handshake work it drives (the
 *   profiler counts native work to the JavaScript frame that called it), the loop included;
 * - other: V8's "(program)" (native work with no JavaScript frame: libuv, the profiler) and
 *   garbage collection.
 *
 * Run: `node --import tsx bench/profile-handshake.ts [handshakes]` (default 600). Prints a table;
 * docs/benchmarks.md records a run.
 */
import { once } from 'node:events';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { X509BundleSet } from '../src/bundle/index.js';
import { FakeCa } from '../src/testing/index.js';
import {
  authorizeId,
  connect,
  createTlsServer,
  mtlsClientOptions,
  mtlsServerOptions,
} from '../src/tlsconfig/index.js';

interface CallFrame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const SERVER = 'spiffe://example.org/ns/prod/sa/database';
const CLIENT = 'spiffe://example.org/ns/prod/sa/api-server';
const count = Number(process.argv[2] ?? 600);

const ca = new FakeCa({ trustDomain: 'example.org' });
const bundles = new X509BundleSet(ca.x509Bundle(), new FakeCa({ trustDomain: 'other.org' }).x509Bundle());
const serverSvid = ca.issueX509Svid({ id: SERVER }).toX509Svid();
const clientSvid = ca.issueX509Svid({ id: CLIENT }).toX509Svid();
const server = createTlsServer(mtlsServerOptions(serverSvid, bundles, authorizeId(CLIENT)), (s) => {
  s.on('error', () => {});
  s.write('x');
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const port = (server.address() as AddressInfo).port;
const client = mtlsClientOptions(clientSvid, bundles, authorizeId(SERVER));

/** One full handshake: done when the client has the byte the server writes after verifying it. */
function handshake(): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket: tls.TLSSocket = connect({ ...client, host: '127.0.0.1', port });
    socket.once('data', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

for (let i = 0; i < 100; i++) await handshake();
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 500 });
await session.post('Profiler.start');
const started = performance.now();
for (let i = 0; i < count; i++) await handshake();
const elapsed = performance.now() - started;
const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
session.disconnect();
server.close();

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
/** Node's TLS, socket and stream machinery: below an SDK frame, it is not the SDK's own work. */
const NODE_MACHINERY =
  /^(emit|connect|TLSSocket|TLSSocket\._start|Socket|_start|setSecureContext|createSecureContext|write|end|destroy|onceWrapper)$/;

const totals = { idle: 0, busy: 0, sdk: 0, signatures: 0, gc: 0, native: 0 };
const sdkFunctions = new Map<string, number>();
profile.samples.forEach((id, i) => {
  const t = profile.timeDeltas[i] ?? 0;
  const stack: CallFrame[] = [];
  for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) stack.push(byId.get(n)!.callFrame);
  const leaf = stack[0]!;
  if (leaf.functionName === '(idle)') {
    totals.idle += t;
    return;
  }
  totals.busy += t;
  if (leaf.functionName === '(garbage collector)') totals.gc += t;
  else if (leaf.functionName === '(program)') totals.native += t;
  const k = stack.findIndex((f) => f.url.includes('/src/'));
  if (k < 0 || stack.slice(0, k).some((f) => NODE_MACHINERY.test(f.functionName))) return;
  totals.sdk += t;
  const frames = stack.slice(0, k + 1).map((f) => f.functionName);
  if (frames.includes('verify') || frames.includes('checkSignature')) totals.signatures += t;
  const name = `${stack[k]!.url.split('/src/')[1]}: ${stack[k]!.functionName || '(anonymous)'}`;
  sdkFunctions.set(name, (sdkFunctions.get(name) ?? 0) + t);
});

const pct = (t: number): string => `${((t / totals.busy) * 100).toFixed(1)}%`;
const perHandshake = (t: number): string => `${(t / count).toFixed(0)} µs`;
console.log(
  `${count} full mTLS handshakes (SDK server + SDK client, one process): ${((count / elapsed) * 1000).toFixed(0)}/s`,
);
console.log(`busy ${(totals.busy / 1000).toFixed(0)} ms, idle ${(totals.idle / 1000).toFixed(0)} ms`);
console.log('share of busy time                          share   per handshake');
const row = (what: string, t: number): void =>
  console.log(`${what.padEnd(44)}${pct(t).padStart(6)}   ${perHandshake(t).padStart(8)}`);
row('SDK (its own JS, and the crypto it calls)', totals.sdk);
row('  of which signature checks (node:crypto)', totals.signatures);
row('  of which the rest (parsing, rules, authz)', totals.sdk - totals.signatures);
row('Node (TLS and net, with the OpenSSL work)', totals.busy - totals.sdk - totals.native - totals.gc);
row('native, no JS frame (libuv, profiler)', totals.native);
row('garbage collection', totals.gc);
console.log('\nthe SDK functions (innermost SDK frame) taking the most time:');
for (const [name, t] of [...sdkFunctions].sort((a, b) => b[1] - a[1]).slice(0, 25)) row(`  ${name}`, t);
