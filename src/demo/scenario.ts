import { SpiffeId, type TrustDomain } from '../spiffeid/index.js';
import type { AuthorizationPolicy } from '../tlsconfig/index.js';

/** The three workloads of the scenario, in start order. */
export const WORKLOADS = ['database', 'api-server', 'frontend'] as const;

/** A workload of the scenario. */
export type WorkloadName = (typeof WORKLOADS)[number];

/** The Kubernetes namespace the workloads run in. */
export const NAMESPACE = 'production';

/**
 * The SPIFFE ID template of the registration, as a `ClusterSPIFFEID` of the SPIRE controller
 * manager would have it: one ID per service account.
 */
export const ID_TEMPLATE =
  'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}';

/** `spiffe://<td>/ns/production/sa/<name>`: what the template renders for a workload. */
export function workloadId(trustDomain: TrustDomain, name: WorkloadName): SpiffeId {
  return SpiffeId.fromSegments(trustDomain, 'ns', NAMESPACE, 'sa', name);
}

/**
 * Who may call whom, keyed by the callee: database admits api-server, api-server admits
 * frontend. The same rules as the OPA policy of docs/authorization.md.
 */
export function accessPolicy(trustDomain: TrustDomain): AuthorizationPolicy {
  const id = (name: WorkloadName): string => workloadId(trustDomain, name).toString();
  return {
    [id('database')]: [id('api-server')],
    [id('api-server')]: [id('frontend')],
  };
}
