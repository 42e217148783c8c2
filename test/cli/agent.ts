/** A FakeAgent in the test process for the CLI to talk to over its unix socket. */
import { FakeAgent, FakeCa } from '../../src/testing/index.js';

/** The agent, its CA, and a foreign CA whose bundle the workload gets as federated. */
export interface TestAgent {
  agent: FakeAgent;
  ca: FakeCa;
  other: FakeCa;
  /** `unix:///…` */
  address: string;
  stop(): Promise<void>;
}

/**
 * Starts an agent for `example.org` that issues `spiffe://example.org/<path>` to the default
 * workload (unless `register` is false), federated with `other.org`.
 */
export async function startAgent(
  options: { ttlMs?: number; register?: boolean; hint?: string; path?: string } = {},
): Promise<TestAgent> {
  const ca = new FakeCa({ trustDomain: 'example.org' });
  const other = new FakeCa({ trustDomain: 'other.org' });
  const agent = await FakeAgent.start({ ca });
  agent.setFederatedBundle('other.org', other.spiffeBundle());
  if (options.register !== false) {
    agent.register({
      spiffeId: `spiffe://example.org/${options.path ?? 'api'}`,
      federatesWith: ['other.org'],
      ...(options.ttlMs !== undefined ? { x509SvidTtl: options.ttlMs } : {}),
      ...(options.hint !== undefined ? { hint: options.hint } : {}),
    });
  }
  return { agent, ca, other, address: agent.address, stop: () => agent.stop() };
}
