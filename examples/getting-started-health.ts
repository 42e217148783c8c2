/**
 * Monitoring rotation (docs/kubernetes.md, "Production notes"): a readiness endpoint from
 * `X509Source.status()`, and an alert from the `expiring` event when no rotation comes. The
 * agent goes away; the service keeps serving its SVID while it is valid (stale), warns when a
 * quarter of its lifetime is left, and turns unready when it has expired.
 *
 * A FakeAgent plays the SPIRE agent and a ManualClock moves time, so that an hour passes in a
 * moment.
 *
 * Run: npx tsx examples/getting-started-health.ts
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeAgent, FakeCa, ManualClock } from '@spiffe-ts/sdk/testing';
import { X509Source } from '@spiffe-ts/sdk/workloadapi';

const clock = new ManualClock();
const agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org', clock }) });
agent.register({ spiffeId: 'spiffe://example.org/ns/production/sa/api-server', x509SvidTtl: 60 * 60_000 });
process.env.SPIFFE_ENDPOINT_SOCKET = agent.address;
process.env.HEALTH_PORT = '0'; // any free port, so that the example runs anywhere
const source = await X509Source.create({
  clientOptions: { clock, backoff: { initialDelayMs: 10 } },
  timeoutMs: 10_000,
});

// #region health
// An alert when the SVID nears its expiry and no rotation came (default: a quarter of its lifetime left).
source.on('expiring', ({ svid, remainingMs }) =>
  console.error(`ALERT: ${svid.id} expires in ${Math.round(remainingMs / 60_000)} min and no rotation came`),
);

// Readiness: 200 while a valid SVID is served ('ready', or 'stale' while the agent is away).
const health = http.createServer((req, res) => {
  const { state, svidExpiresAt, consecutiveErrors, lastError } = source.status();
  res.statusCode = state === 'ready' || state === 'stale' ? 200 : 503;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ state, svidExpiresAt, consecutiveErrors, lastError: lastError?.message }));
});
health.listen(Number(process.env.HEALTH_PORT ?? 8081));
// #endregion health

try {
  await new Promise((resolve) => health.once('listening', resolve));
  const ready = async (when: string): Promise<void> => {
    const res = await fetch(`http://127.0.0.1:${(health.address() as AddressInfo).port}/ready`);
    const { state, consecutiveErrors } = (await res.json()) as { state: string; consecutiveErrors: number };
    console.log(`${when}: GET /ready -> ${res.status} (${state}, ${consecutiveErrors} errors)`);
  };
  await ready('agent up');

  const failed = new Promise((resolve) => source.on('error', resolve));
  await agent.stop(); // the agent goes away (a node drain, a crash)
  await failed;
  await ready('agent gone');

  clock.advance(46 * 60_000); // 46 minutes later: less than a quarter of the hour is left
  await ready('46 min later');
  clock.advance(15 * 60_000); // and now it has expired
  await ready('61 min later');
} finally {
  source.close();
  health.close();
  await agent.stop();
}
