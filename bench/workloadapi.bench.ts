/**
 * The Workload API layer. The harness times synchronous functions, so each benchmark pits the
 * client's full processing of a FetchX509SVID message (`parseX509SvidResponse`: every X509-SVID
 * parsed AND its chain verified against the bundle sent with it, spiffe_id checked, bundles
 * parsed) against what go-spiffe does with the same bytes (decode, `X509Svid.parseRaw` of each
 * SVID, `X509Bundle.parseRaw` of each bundle, no verification). The ratio is the price of the
 * defence-in-depth checks. (Against the protobuf decode alone the ratio is ~0.001: the wire
 * format is never the cost.)
 * The end-to-end figures asked for by the issue are the extra rows:
 * - rotation latency: agent push (ManualClock renewal) → X509Source `update` over a real unix
 *   socket, median and p99 over many rotations (shown as ops/s = 1 / median);
 * - an X509Source holding 1,000 federated bundles: its heap, and its rotation latency.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { X509Bundle } from '../src/bundle/index.js';
import { SpiffeId, TrustDomain } from '../src/spiffeid/index.js';
import { X509Svid } from '../src/svid/index.js';
import { FakeAgent, FakeCa, ManualClock } from '../src/testing/index.js';
import { X509Source } from '../src/workloadapi/index.js';
import { X509SVIDResponse } from '../src/workloadapi/proto/workload.js';
import { parseX509SvidResponse } from '../src/workloadapi/x509-context.js';
import type { Benchmark, ExtraRow } from './harness.js';

const ROTATIONS = 300;
/** Federated bundles of the memory figure. */
const FEDERATED = 1000;
/**
 * Federated bundles of the timed message. The harness runs at least one call per millisecond of
 * a round, so a timed function must stay in the low milliseconds (1,000 bundles take 0.2-0.7 s).
 */
const TIMED_FEDERATED = 10;
const TTL = 60_000;

const der = (certs: readonly { raw: Uint8Array }[]): Uint8Array => Buffer.concat(certs.map((c) => c.raw));

/** A SPIRE-shaped message: one SVID (leaf + intermediate), its bundle, and federated bundles. */
function message(federated: readonly FakeCa[]): Uint8Array {
  const ca = new FakeCa({ trustDomain: 'example.org' });
  const issued = ca.intermediate().issueX509Svid({ id: 'spiffe://example.org/ns/prod/sa/api' });
  return X509SVIDResponse.encode({
    svids: [
      {
        spiffeId: issued.id.toString(),
        x509Svid: issued.chainDer,
        x509SvidKey: issued.privateKeyDer,
        bundle: der(ca.rootCertificates()),
        hint: '',
      },
    ],
    crl: [],
    federatedBundles: new Map(federated.map((f) => [f.trustDomain.idString(), der(f.rootCertificates())])),
  }).finish();
}

/** go-spiffe's processing of a FetchX509SVID message: parse, no verification. */
function goSpiffeEquivalent(bytes: Uint8Array): unknown {
  const m = X509SVIDResponse.decode(bytes);
  const svids = m.svids.map((s) => X509Svid.parseRaw(s.x509Svid, s.x509SvidKey, { hint: s.hint }));
  const bundles = m.svids.map((s) => X509Bundle.parseRaw(SpiffeId.parse(s.spiffeId).trustDomain, s.bundle));
  for (const [key, value] of m.federatedBundles)
    bundles.push(X509Bundle.parseRaw(TrustDomain.parse(key), value));
  return { svids, bundles };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** `global.gc`, enabled at run time (the bench runner does not pass --expose-gc). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

interface Latency {
  median: number;
  p99: number;
  /**
   * JS heap growth from creating the X509Source (after a full GC), in bytes. The OpenSSL side of
   * each X509Certificate is native memory and not included (RSS is too noisy to isolate it).
   */
  heap: number;
}

/**
 * A FakeAgent on a ManualClock serving one workload that federates with `federated`, an
 * X509Source on its unix socket, and `rotations` renewals: the time from `clock.advance` (the
 * agent renews the SVID and pushes the full state) to the source's `update` event.
 */
async function rotationLatency(federated: readonly FakeCa[], rotations: number): Promise<Latency> {
  const clock = new ManualClock();
  const agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org', clock }) });
  try {
    agent.register({
      spiffeId: 'spiffe://example.org/api',
      x509SvidTtl: TTL,
      federatesWith: federated.map((f) => f.trustDomain),
    });
    for (const f of federated) agent.setFederatedBundle(f.trustDomain, f.spiffeBundle());
    const gc = collector();
    gc();
    const before = process.memoryUsage().heapUsed;
    const source = await X509Source.create({
      clientOptions: { address: agent.address, clock },
      timeoutMs: 60_000,
    });
    gc();
    const heap = process.memoryUsage().heapUsed - before;
    try {
      const times: number[] = [];
      for (let i = 0; i < rotations; i++) {
        const updated = new Promise<void>((resolve) => {
          const once = (): void => {
            source.off('update', once);
            resolve();
          };
          source.on('update', once);
        });
        const start = performance.now();
        clock.advance(TTL / 2 + 1);
        await updated;
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      return {
        median: percentile(times, 50),
        p99: percentile(times, 99),
        heap,
      };
    } finally {
      source.close();
    }
  } finally {
    await agent.stop();
  }
}

const MIB = 2 ** 20;
let small: Uint8Array;
let timed: Uint8Array;
let federatedCas: FakeCa[];

export const benchmarks: Benchmark[] = [
  {
    name: 'workloadapi: X.509 context (1 SVID + intermediate)',
    setup: async () => {
      small = message([]);
    },
    subject: {
      name: 'decode + parseX509SvidResponse (parse, chain verify)',
      fn: () => parseX509SvidResponse(X509SVIDResponse.decode(small), new Date()),
    },
    baseline: {
      name: 'go-spiffe equivalent: decode + parseRaw, no verification',
      fn: () => goSpiffeEquivalent(small),
    },
    target: { ratio: 0.5, description: 'defence in depth costs at most as much as parsing' },
    extra: async (): Promise<ExtraRow> => {
      const { median, p99 } = await rotationLatency([], ROTATIONS);
      return {
        name: `rotation: agent push → X509Source update (unix socket, ${ROTATIONS} rotations)`,
        opsPerSec: 1000 / median,
        note: `median ${median.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms (ops/s = 1 / median)`,
      };
    },
  },
  {
    name: `workloadapi: X.509 context with ${TIMED_FEDERATED} federated bundles`,
    setup: async () => {
      federatedCas = Array.from(
        { length: FEDERATED },
        (_, i) => new FakeCa({ trustDomain: `federated-${i}.org` }),
      );
      timed = message(federatedCas.slice(0, TIMED_FEDERATED));
    },
    subject: {
      name: 'decode + parseX509SvidResponse',
      fn: () => parseX509SvidResponse(X509SVIDResponse.decode(timed), new Date()),
    },
    baseline: {
      name: 'go-spiffe equivalent: decode + parseRaw, no verification',
      fn: () => goSpiffeEquivalent(timed),
    },
    target: { ratio: 0.5, description: 'defence in depth costs at most as much as parsing' },
    extra: async (): Promise<ExtraRow> => {
      const { median, p99, heap } = await rotationLatency(federatedCas, 30);
      return {
        name: `X509Source holding ${FEDERATED.toLocaleString('en-US')} federated bundles: rotations`,
        opsPerSec: 1000 / median,
        note:
          `JS heap +${(heap / MIB).toFixed(1)} MiB (${(heap / FEDERATED / 1024).toFixed(1)} KiB per bundle); ` +
          `push → update median ${median.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms over 30 rotations`,
      };
    },
  },
];
