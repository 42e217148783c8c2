import { SpiffeIdError, TrustDomain } from '../spiffeid/index.js';
import {
  getDefaultAddress,
  SOCKET_ENV,
  WorkloadApiClient,
  WorkloadApiError,
  type X509Context,
} from '../workloadapi/index.js';
import type { DemoEnvironment } from './environment.js';
import { DemoError } from './errors.js';
import type { EventLog } from './log.js';
import { WORKLOADS, workloadId, type WorkloadName } from './scenario.js';

/** How long the first answer of the real agent may take. */
const CHECK_TIMEOUT_MS = 10_000;

/**
 * The `spire-server entry create` commands that give this process the identities of `names`:
 * the demo is one process, so every identity selects it by its Unix user id.
 */
export function entryCommands(
  trustDomain: TrustDomain,
  names: readonly WorkloadName[],
  uid: number | undefined,
): string {
  const selector = `unix:uid:${uid ?? '<your uid>'}`;
  const lines = names.map(
    (name) =>
      `  spire-server entry create -parentID <agent SPIFFE ID> \\\n` +
      `    -spiffeID ${workloadId(trustDomain, name).toString()} -selector ${selector} -x509SVIDTTL 60 -jwtSVIDTTL 120`,
  );
  return [
    'Register them with the SPIRE server (add -socketPath <server socket> if needed):',
    '',
    ...lines,
    '',
    '<agent SPIFFE ID> is the agent this process talks to: see `spire-server agent list`. The agent',
    'needs the "unix" workload attestor. It picks new entries up within seconds; then run',
    '`npm start -- --spire` again.',
  ].join('\n');
}

/**
 * Connects the demo to a real agent (SPIRE) at `SPIFFE_ENDPOINT_SOCKET`: checks that it gives
 * this process the three identities of the scenario, in `trustDomainName` or else the trust
 * domain of the agent's first SVID.
 *
 * @throws {DemoError} `agent_unreachable` without an address or an answer; `identities_missing`
 *   (with the `spire-server entry create` commands) when an identity is not there;
 *   `usage` for a bad trust domain name.
 */
export async function connectSpireEnvironment(
  trustDomainName: string | undefined,
  env: NodeJS.ProcessEnv,
  log: EventLog,
): Promise<DemoEnvironment> {
  let wanted: TrustDomain | undefined;
  try {
    wanted = trustDomainName === undefined ? undefined : TrustDomain.from(trustDomainName);
  } catch (error) {
    if (!(error instanceof SpiffeIdError)) throw error;
    throw new DemoError('usage', `--trust-domain: ${error.message}`, { cause: error });
  }
  const address = getDefaultAddress(env);
  if (address === undefined) {
    throw new DemoError(
      'agent_unreachable',
      `--spire needs the Workload API address of the SPIRE agent in ${SOCKET_ENV}, ` +
        `e.g. ${SOCKET_ENV}=unix:///run/spire/agent-sockets/spire-agent.sock npm start -- --spire`,
    );
  }
  const uid = process.getuid?.();
  const context = await firstContext(address, wanted ?? TrustDomain.from('example.org'), uid);
  const trustDomain = wanted ?? context.defaultSvid.id.trustDomain;
  const held = context.svids.map((s) => s.id.toString());
  const missing = WORKLOADS.filter((name) => !held.includes(workloadId(trustDomain, name).toString()));
  if (missing.length > 0) {
    throw new DemoError(
      'identities_missing',
      `the agent at ${address} gives this process ${held.join(', ')}, but not ${missing
        .map((name) => workloadId(trustDomain, name).toString())
        .join(', ')}.\n\n${entryCommands(trustDomain, missing, uid)}`,
    );
  }
  log.event(
    'agent',
    `real agent at ${address}: this process holds the ${WORKLOADS.length} identities of trust domain ${trustDomain.name}`,
  );
  // SPIRE renews at half-life; for the 60 s SVIDs of the printed entries, 7 s before expiry.
  return { trustDomain, expiryWarning: 0.1, address: () => address, close: async () => {} };
}

/** The agent's first X.509 context for this process. @throws {DemoError} */
async function firstContext(
  address: string,
  trustDomain: TrustDomain,
  uid: number | undefined,
): Promise<X509Context> {
  let client: WorkloadApiClient;
  try {
    client = new WorkloadApiClient({ address });
  } catch (error) {
    throw new DemoError('agent_unreachable', `${SOCKET_ENV}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return await client.fetchX509Context({ signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
  } catch (error) {
    if (error instanceof WorkloadApiError && error.code === 'permission_denied') {
      throw new DemoError(
        'identities_missing',
        `the agent at ${address} gives this process no identity (${error.message}).\n\n${entryCommands(trustDomain, WORKLOADS, uid)}`,
        { cause: error },
      );
    }
    throw new DemoError(
      'agent_unreachable',
      `no X509-SVID from the agent at ${address}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  } finally {
    client.close();
  }
}
