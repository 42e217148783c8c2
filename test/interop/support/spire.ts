/**
 * A one-host SPIRE v1.15.3 deployment for the interop suite: spire-server (sqlite datastore,
 * join_token node attestation, its own self-signed CA, the https_spiffe bundle endpoint) and
 * spire-agent (unix workload attestor), on loopback ports and sockets in a temporary folder.
 * Configuration after ../shared/spec/SPIRE-NOTES.md §2; what changed is in docs/interop.md.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Binaries } from './paths.js';
import { pollUntil, run, type Processes, type RunResult } from './processes.js';

/** What the test files need to know about the deployment (plain data: it crosses to the workers). */
export interface SpireInfo {
  dir: string;
  binaries: Binaries;
  trustDomain: string;
  serverSocket: string;
  /** The agent's Workload API socket, as a path and as an address. */
  agentSocket: string;
  agentAddress: string;
  /** SPIRE's bundle endpoint (https_spiffe, presenting `serverId`). */
  bundleEndpointUrl: string;
  serverId: string;
  /** The test process's identity: selector `unix:uid:<uid>`, short X509-SVID TTL. */
  workloadId: string;
  /** The go-spiffe program's identity: selector `unix:path:<spiffe-interop>`. */
  goPeerId: string;
  /** X509-SVID TTL of both entries, in seconds (rotation at half of it, within the agent's 5 s sync). */
  x509SvidTtl: number;
  uid: number;
}

export const TRUST_DOMAIN = 'td-a.test';
const X509_SVID_TTL = 20;

/** A free loopback TCP port (for SPIRE's own listeners, which take a fixed port). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Runs `spire-server <args> -socketPath <server socket>`; rejects on a non-zero exit. */
export async function spireServer(
  info: Pick<SpireInfo, 'binaries' | 'serverSocket'>,
  ...args: string[]
): Promise<string> {
  // The subcommand path comes first and only flags follow, so -socketPath can go last.
  const result = await run(info.binaries.spireServer, [...args, '-socketPath', info.serverSocket]);
  return check(`spire-server ${args.join(' ')}`, result);
}

/** Runs `spire-agent <args>` (give `-socketPath` yourself); answers the whole result. */
export function spireAgent(info: Pick<SpireInfo, 'binaries'>, ...args: string[]): Promise<RunResult> {
  return run(info.binaries.spireAgent, args);
}

function check(what: string, result: RunResult): string {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}: ${result.stderr || result.stdout}`);
  return result.stdout;
}

const hcl = (value: string): string => JSON.stringify(value);

/** Starts server and agent, registers the two workload entries, waits until both are served. */
export async function startSpire(binaries: Binaries, procs: Processes, dir: string): Promise<SpireInfo> {
  const serverDir = join(dir, 'server');
  const agentDir = join(dir, 'agent');
  await mkdir(serverDir, { recursive: true });
  await mkdir(join(agentDir, 'public'), { recursive: true });
  // The public socket must be reachable by another user: one check runs an unattested workload.
  for (const d of [dir, agentDir, join(agentDir, 'public')]) await chmod(d, 0o755);
  const serverPort = await freePort();
  const bundlePort = await freePort();
  const info: SpireInfo = {
    dir,
    binaries,
    trustDomain: TRUST_DOMAIN,
    serverSocket: join(serverDir, 'api.sock'),
    agentSocket: join(agentDir, 'public', 'api.sock'),
    agentAddress: `unix://${join(agentDir, 'public', 'api.sock')}`,
    bundleEndpointUrl: `https://127.0.0.1:${bundlePort}`,
    serverId: `spiffe://${TRUST_DOMAIN}/spire/server`,
    workloadId: `spiffe://${TRUST_DOMAIN}/ts-sdk`,
    goPeerId: `spiffe://${TRUST_DOMAIN}/go-peer`,
    x509SvidTtl: X509_SVID_TTL,
    uid: process.getuid?.() ?? 0,
  };

  const serverConf = join(dir, 'server.conf');
  await writeFile(
    serverConf,
    `server {
  bind_address = "127.0.0.1"
  bind_port = "${serverPort}"
  socket_path = ${hcl(info.serverSocket)}
  trust_domain = "${TRUST_DOMAIN}"
  data_dir = ${hcl(serverDir)}
  log_level = "DEBUG"
  ca_key_type = "ec-p256"
  ca_ttl = "1h"
  default_x509_svid_ttl = "5m"
  default_jwt_svid_ttl = "2m"
  federation {
    bundle_endpoint {
      address = "127.0.0.1"
      port = ${bundlePort}
      refresh_hint = "1m"
      profile "https_spiffe" {}
    }
  }
}
plugins {
  DataStore "sql" {
    plugin_data {
      database_type = "sqlite3"
      connection_string = ${hcl(join(serverDir, 'datastore.sqlite3'))}
    }
  }
  KeyManager "disk" {
    plugin_data {
      keys_path = ${hcl(join(serverDir, 'keys.json'))}
    }
  }
  NodeAttestor "join_token" {
    plugin_data {}
  }
}
`,
  );
  const server = procs.start('spire-server', binaries.spireServer, ['run', '-config', serverConf], {
    logFile: join(dir, 'server.log'),
  });
  await pollUntil(
    'spire-server healthy',
    async () => {
      if (server.child.exitCode !== null) throw new Error(`spire-server exited (see ${dir}/server.log)`);
      const r = await run(binaries.spireServer, ['healthcheck', '-socketPath', info.serverSocket]);
      return r.code === 0 ? true : undefined;
    },
    60_000,
  );

  const bootstrap = join(dir, 'bootstrap.pem');
  await writeFile(bootstrap, await spireServer(info, 'bundle', 'show'));
  const tokenOut = await spireServer(
    info,
    'token',
    'generate',
    '-spiffeID',
    `spiffe://${TRUST_DOMAIN}/node`,
    '-ttl',
    '600',
  );
  const token = /Token: (\S+)/.exec(tokenOut)?.[1];
  if (!token) throw new Error(`spire-server token generate printed no token: ${tokenOut}`);

  const agentConf = join(dir, 'agent.conf');
  await writeFile(
    agentConf,
    `agent {
  trust_domain = "${TRUST_DOMAIN}"
  server_address = "127.0.0.1"
  server_port = "${serverPort}"
  socket_path = ${hcl(info.agentSocket)}
  data_dir = ${hcl(agentDir)}
  log_level = "DEBUG"
  trust_bundle_path = ${hcl(bootstrap)}
}
plugins {
  NodeAttestor "join_token" {
    plugin_data {}
  }
  KeyManager "memory" {
    plugin_data {}
  }
  WorkloadAttestor "unix" {
    plugin_data {
      discover_workload_path = true
    }
  }
}
`,
  );
  const agent = procs.start(
    'spire-agent',
    binaries.spireAgent,
    ['run', '-config', agentConf, '-joinToken', token],
    {
      logFile: join(dir, 'agent.log'),
    },
  );
  await pollUntil(
    'spire-agent healthy',
    async () => {
      if (agent.child.exitCode !== null) throw new Error(`spire-agent exited (see ${dir}/agent.log)`);
      const r = await run(binaries.spireAgent, ['healthcheck', '-socketPath', info.agentSocket]);
      return r.code === 0 ? true : undefined;
    },
    60_000,
  );

  const node = `spiffe://${TRUST_DOMAIN}/node`;
  const ttl = String(X509_SVID_TTL);
  await spireServer(
    info,
    'entry',
    'create',
    '-parentID',
    node,
    '-spiffeID',
    info.workloadId,
    '-selector',
    `unix:uid:${info.uid}`,
    '-x509SVIDTTL',
    ttl,
    '-jwtSVIDTTL',
    '120',
  );
  await spireServer(
    info,
    'entry',
    'create',
    '-parentID',
    node,
    '-spiffeID',
    info.goPeerId,
    '-selector',
    `unix:path:${binaries.interop}`,
    '-x509SVIDTTL',
    ttl,
    '-jwtSVIDTTL',
    '120',
  );
  // The agent syncs entries about every 5 s: wait until it serves both identities.
  await pollUntil(
    'the agent serves the registered identities',
    async () => {
      const r = await run(binaries.interop, ['x509', '-addr', info.agentAddress], {
        env: { ...process.env, INTEROP_TIMEOUT: '3s' },
      });
      if (r.code !== 0) return undefined;
      const ids = (JSON.parse(r.stdout) as { svids: { id: string }[] }).svids.map((s) => s.id);
      return ids.includes(info.workloadId) && ids.includes(info.goPeerId) ? true : undefined;
    },
    60_000,
    500,
  );
  return info;
}
