/**
 * Waiting for the agent, and waiting for events. X509Source.create waits for its first X.509
 * context with no limit by default (as go-spiffe does), but never silently: after 5 s, then every
 * 30 s, it logs why it is still waiting. Sources also work with Node's events.once. A FakeAgent on
 * a ManualClock stands in for the SPIRE agent, so the 5 seconds pass at once.
 *
 * Run: npx tsx examples/workloadapi-waiting.ts
 */
import { once } from 'node:events';
import { FakeAgent, FakeCa, ManualClock } from '@spiffe-ts/sdk/testing';
import { X509Source, type Logger, type X509Context } from '@spiffe-ts/sdk/workloadapi';

const clock = new ManualClock();
const agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org', clock }) });
// Resolves at the first warning: the agent has answered (PermissionDenied: no entry yet).
let answered!: () => void;
const agentAnswered = new Promise<void>((resolve) => (answered = resolve));
const logger: Logger = {
  debug() {},
  info: (message) => console.log(`info: ${message}`),
  warn: (message) => {
    console.log(`warn: ${message}`);
    answered();
  },
  error: (message) => console.log(`error: ${message}`),
};

try {
  // #region waiting
  // No timeoutMs: create() waits until the agent issues an identity, logging why meanwhile.
  // Pass { timeoutMs } (or { signal }) to give up instead, with the same explanation.
  // (clock: this example's ManualClock; leave it out in production.)
  const creating = X509Source.create({ clientOptions: { address: agent.address, logger, clock } });
  // #endregion waiting
  await agentAnswered;
  clock.advance(5_000); // "X509Source.create: still waiting for the first X.509 context from …"
  agent.register({ spiffeId: 'spiffe://example.org/billing', x509SvidTtl: 60_000 });
  const source = await creating;
  try {
    console.log(`I am ${source.getX509Svid().id.toString()}`);

    // #region once
    // The next update only: a listener with once(), or a promise with Node's events.once.
    source.once('update', (context) => console.log(`once: ${context.defaultSvid.leaf.serialNumber}`));
    const next = once(source, 'update'); // rejects on an 'error' event, as for any EventEmitter
    // #endregion once
    clock.advance(30_001); // past half-life: the agent renews the SVID
    const [context] = (await next) as [X509Context];
    console.log(`events.once: rotated to serial ${context.defaultSvid.leaf.serialNumber}`);
  } finally {
    source.close();
  }
} finally {
  await agent.stop();
}
