import { lstat, mkdir, readlink, symlink, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, resolve } from 'node:path';
import { SpiffeId, TrustDomain } from '../spiffeid/index.js';
import { FakeAgent, FakeCa } from '../testing/index.js';
import { formatDuration } from './duration.js';
import { CliError } from './errors.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { Output } from './output.js';
import type { StopSignal } from './signals.js';

/** Flags of `spiffe fake-agent`. */
export interface FakeAgentOptions {
  trustDomain?: string;
  /** Where clients connect: an absolute path or `unix:///path`; default a fresh temporary folder. */
  socket?: string;
  /** The SPIFFE IDs the workload gets; default `spiffe://<trust domain>/workload`. */
  id: string[];
  /** X509-SVID lifetime in ms (renewed at half of it). */
  ttl: number;
  /** JWT-SVID lifetime in ms. */
  jwtTtl: number;
  /** Foreign trust domains whose bundles the workload also gets (each from a CA of its own). */
  federate: string[];
  json?: boolean;
}

/**
 * `spiffe fake-agent`: the SDK's FakeAgent and FakeCa as a local Workload API for development in
 * any language. Every connecting process gets the `--id` identities (X509-SVIDs renewed at
 * half-life, JWT-SVIDs on request) and the bundles; prints the `SPIFFE_ENDPOINT_SOCKET` to
 * export, runs until SIGINT or SIGTERM, then removes its socket. Never for production: anyone who
 * can reach the socket gets the identities.
 */
export async function fakeAgent(
  options: FakeAgentOptions,
  out: Output,
  stop: StopSignal,
): Promise<ExitCodeValue> {
  const ids = options.id.map((id) => parseId(id));
  const td = TrustDomain.from(options.trustDomain ?? ids[0]?.trustDomain.name ?? 'example.org');
  if (ids.length === 0) ids.push(SpiffeId.fromPath(td, '/workload'));
  const cas = new Map<string, FakeCa>([[td.name, new FakeCa({ trustDomain: td })]]);
  for (const id of ids) {
    const name = id.trustDomain.name;
    if (!cas.has(name)) cas.set(name, new FakeCa({ trustDomain: name }));
  }
  const federated = options.federate.map((name) => parseTrustDomain(name));
  for (const f of federated) {
    if (cas.has(f.name))
      throw new CliError('usage', `--federate ${f.name}: the agent already issues for that trust domain`);
  }
  const link = options.socket === undefined ? undefined : socketPath(options.socket);
  if (link !== undefined) await clearStaleSocket(link);

  const agent = await FakeAgent.start({
    ca: cas.get(td.name)!,
    cas: [...cas.values()].filter((ca) => ca.trustDomain.name !== td.name),
    ...(link !== undefined ? { socketDir: dirname(link) } : {}),
  });
  let address = agent.address;
  try {
    if (link !== undefined) {
      // FakeAgent makes its socket in a fresh folder; the requested path links to it.
      await symlink(new URL(agent.address).pathname, link);
      address = `unix://${link}`;
    }
    for (const f of federated) agent.setFederatedBundle(f, new FakeCa({ trustDomain: f }).spiffeBundle());
    for (const id of ids) {
      agent.register({
        spiffeId: id,
        x509SvidTtl: options.ttl,
        jwtSvidTtl: options.jwtTtl,
        federatesWith: federated,
      });
    }
    announce(out, options, address, td, ids, federated);
    await stop.stopped;
    if (!options.json) out.info('stopping the fake agent');
  } finally {
    if (link !== undefined) await removeLink(link, new URL(agent.address).pathname);
    await agent.stop();
  }
  return ExitCode.ok;
}

function announce(
  out: Output,
  options: FakeAgentOptions,
  address: string,
  td: TrustDomain,
  ids: SpiffeId[],
  federated: TrustDomain[],
): void {
  if (options.json) {
    out.event({
      event: 'ready',
      address,
      trustDomain: td.name,
      ids: ids.map((id) => id.toString()),
      federatedTrustDomains: federated.map((f) => f.name),
      x509SvidTtlMs: options.ttl,
      jwtSvidTtlMs: options.jwtTtl,
    });
    return;
  }
  const s = out.style;
  out.line(
    `${s.bold('Fake SPIFFE Workload API')} for trust domain ${s.cyan(td.name)} (for development only: every caller gets these identities)`,
    ...ids.map(
      (id) =>
        `  ${s.cyan(id.toString())}  X509-SVID TTL ${formatDuration(options.ttl)} (renewed at half-life), JWT-SVID TTL ${formatDuration(options.jwtTtl)}`,
    ),
    ...(federated.length > 0 ? [`  federated with ${federated.map((f) => f.name).join(', ')}`] : []),
    '',
    'In another terminal:',
    `export SPIFFE_ENDPOINT_SOCKET=${address}`,
    '',
    'Press Ctrl+C to stop.',
  );
}

function parseId(text: string): SpiffeId {
  try {
    return SpiffeId.parse(text);
  } catch (cause) {
    throw new CliError('usage', `--id ${JSON.stringify(text)}: ${(cause as Error).message}`, { cause });
  }
}

function parseTrustDomain(text: string): TrustDomain {
  try {
    return TrustDomain.parse(text);
  } catch (cause) {
    throw new CliError('usage', `--federate ${JSON.stringify(text)}: ${(cause as Error).message}`, { cause });
  }
}

/** `--socket`: an absolute path, or `unix://` + path. */
function socketPath(socket: string): string {
  const path = socket.startsWith('unix://')
    ? socket.slice('unix://'.length)
    : socket.startsWith('unix:')
      ? socket.slice(5)
      : socket;
  if (!path.startsWith('/') && socket.includes(':')) {
    throw new CliError(
      'usage',
      `--socket ${JSON.stringify(socket)}: the fake agent listens on a unix socket; give a path`,
    );
  }
  return resolve(path);
}

/**
 * Makes room for the socket: a leftover socket or link nobody listens on is removed; anything
 * else is an error.
 */
async function clearStaleSocket(path: string): Promise<void> {
  let stat;
  try {
    stat = await lstat(path);
  } catch {
    await mkdir(dirname(path), { recursive: true });
    return;
  }
  if (!stat.isSocket() && !stat.isSymbolicLink()) {
    throw new CliError('usage', `--socket ${JSON.stringify(path)} exists and is not a socket`);
  }
  if (await listening(path)) {
    throw new CliError('failed', `something is already listening on ${JSON.stringify(path)}`, {
      hint: 'stop the other agent, or pass another --socket',
    });
  }
  await unlink(path);
}

function listening(path: string): Promise<boolean> {
  return new Promise((resolveListening) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolveListening(true);
    });
    socket.once('error', () => resolveListening(false));
  });
}

async function removeLink(link: string, target: string): Promise<void> {
  try {
    if ((await readlink(link)) === target) await unlink(link);
  } catch {
    // Already gone, or replaced by someone else: leave it.
  }
}
