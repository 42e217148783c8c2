import type { TrustDomain } from '../spiffeid/index.js';
import type { WorkloadName } from './scenario.js';

/**
 * Where the workloads get their identities: the embedded fake agent (one Workload API socket per
 * workload, as pods on a node each see the agent) or a real SPIRE agent (one socket, three
 * identities for this process).
 */
export interface DemoEnvironment {
  /** The trust domain of the three identities. */
  readonly trustDomain: TrustDomain;
  /**
   * The sources' `expiryWarning`: the fraction of an X509-SVID's lifetime (notAfter − notBefore)
   * left when a missing rotation is reported. It must come after the agent's renewal at half of
   * the time left at issuance, which the 10 s backdating of notBefore skews for short SVIDs.
   */
  readonly expiryWarning: number;
  /** The Workload API address a workload connects to. */
  address(name: WorkloadName): string;
  /** Stops what the environment started (the fake agent); nothing for a real agent. */
  close(): Promise<void>;
}
