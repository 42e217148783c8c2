import { randomBytes } from 'node:crypto';
import { FakeAgent, FakeCa } from '../testing/index.js';
import type { DemoEnvironment } from './environment.js';
import type { EventLog } from './log.js';
import { ID_TEMPLATE, NAMESPACE, WORKLOADS, type WorkloadName } from './scenario.js';

/** The trust domain of the embedded agent. */
export const FAKE_TRUST_DOMAIN = 'example.org';

/**
 * Starts the embedded default: a `FakeCa` and a `FakeAgent` (a real gRPC Workload API on unix
 * sockets), one registration entry made from the `ClusterSPIFFEID`-style template for the
 * namespace, and one workload socket per pod with the selectors SPIRE's Kubernetes workload
 * attestor would give it. SVIDs live `ttlS` seconds and are renewed at half-life.
 */
export async function startFakeEnvironment(ttlS: number, log: EventLog): Promise<DemoEnvironment> {
  const ca = new FakeCa({ trustDomain: FAKE_TRUST_DOMAIN });
  const agent = await FakeAgent.start({ ca });
  try {
    log.event(
      'agent',
      `fake SPIRE agent started (FakeAgent + FakeCa of trust domain ${FAKE_TRUST_DOMAIN}): no cluster, no SPIRE`,
    );
    agent.register({
      spiffeId: ID_TEMPLATE,
      selectors: [`k8s:ns:${NAMESPACE}`],
      x509SvidTtl: ttlS * 1000,
      jwtSvidTtl: ttlS * 2000,
    });
    log.event(
      'agent',
      `registered, as a ClusterSPIFFEID would: spiffeIDTemplate ${ID_TEMPLATE} for pods in namespace ${NAMESPACE} ` +
        `(X509-SVIDs live ${ttlS} s, JWT-SVIDs ${ttlS * 2} s)`,
    );
    const addresses = new Map<WorkloadName, string>();
    for (const name of WORKLOADS) {
      const podName = `${name}-${randomBytes(3).toString('hex')}`;
      const workload = await agent.workload({
        k8s: {
          namespace: NAMESPACE,
          serviceAccount: name,
          podName,
          labels: { app: name },
          nodeName: 'node-1',
        },
      });
      addresses.set(name, workload.address);
      log.event(name, `pod ${NAMESPACE}/${podName} attested: ${workload.selectors.join(' ')}`, 'dim');
      log.event(name, `its Workload API socket: ${workload.address}`, 'dim');
    }
    return {
      trustDomain: ca.trustDomain,
      // Renewal leaves at least (ttl − 1) / 2 s (notAfter has whole seconds): warn at ttl / 5
      // left, of a lifetime of ttl + 10 s (notBefore backdated 10 s).
      expiryWarning: ttlS / 5 / (ttlS + 10),
      address: (name) => addresses.get(name)!,
      close: () => agent.stop(),
    };
  } catch (error) {
    await agent.stop();
    throw error;
  }
}
