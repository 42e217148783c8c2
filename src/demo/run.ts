import { startApiServer } from './api-server.js';
import { startDatabase } from './database.js';
import type { DemoEnvironment } from './environment.js';
import { DemoError } from './errors.js';
import { startFakeEnvironment } from './fake-environment.js';
import { Frontend } from './frontend.js';
import { WorkloadIdentity } from './identity.js';
import type { EventLog } from './log.js';
import type { DemoOptions } from './options.js';
import { accessPolicy, WORKLOADS, type WorkloadName } from './scenario.js';
import { connectSpireEnvironment } from './spire-environment.js';
import { Traffic } from './traffic.js';

/** Exit codes of the demo. */
export const EXIT = { ok: 0, requestsFailed: 1, notStarted: 2 } as const;

/**
 * Runs the scenario until `stop` is aborted (Ctrl-C) or for `--duration` seconds from the first
 * request, then closes everything it opened (traffic, servers, sources, the fake agent) and
 * prints a summary. Resolves with the exit code; never throws.
 */
export async function runDemo(
  options: DemoOptions,
  log: EventLog,
  env: NodeJS.ProcessEnv,
  stop: AbortSignal,
): Promise<number> {
  let environment: DemoEnvironment;
  try {
    environment = options.spire
      ? await connectSpireEnvironment(options.trustDomain, env, log)
      : await startFakeEnvironment(options.ttlS, log);
  } catch (error) {
    log.event('demo', `cannot start: ${(error as Error).message}`, 'error');
    return EXIT.notStarted;
  }

  const cleanup: (() => unknown)[] = [];
  const identities = new Map<WorkloadName, WorkloadIdentity>();
  let traffic: Traffic | undefined;
  let frontend: Frontend | undefined;
  let code: number = EXIT.ok;
  try {
    for (const name of WORKLOADS) {
      const identity = await WorkloadIdentity.open(name, environment, name !== 'database', log);
      identities.set(name, identity);
      cleanup.push(() => identity.close());
    }
    const policy = accessPolicy(environment.trustDomain);
    const database = await startDatabase(identities.get('database')!, policy, log);
    cleanup.push(() => database.close());
    const api = await startApiServer(identities.get('api-server')!, policy, database.url, log);
    cleanup.push(() => api.close());
    const client = new Frontend(identities.get('frontend')!, api.url, database.url, log);
    frontend = client;
    cleanup.push(() => client.close());

    traffic = new Traffic(client, log, options.intervalMs);
    log.event(
      'demo',
      `running: frontend calls api-server every ${options.intervalMs} ms` +
        (options.durationS === undefined ? '; Ctrl-C to stop' : `, for ${options.durationS} s`),
      'info',
    );
    traffic.start();
    const reason = await stopped(stop, options.durationS);
    log.event('demo', `stopping (${reason})`);
    await traffic.stop();
  } catch (error) {
    const why =
      error instanceof DemoError ? error.message : `${(error as Error).name}: ${(error as Error).message}`;
    log.event('demo', `failed: ${why}`, 'error');
    code = EXIT.notStarted;
    await traffic?.stop();
  } finally {
    for (const close of cleanup.reverse()) {
      try {
        await close();
      } catch (error) {
        log.event('demo', `while closing: ${(error as Error).message}`, 'warn');
      }
    }
    await environment.close();
  }

  if (traffic !== undefined) {
    const { ok, failed, refused } = traffic.counts;
    const rotations = [...identities.values()].map((i) => `${i.name} ${i.rotations}`).join(', ');
    log.event(
      'demo',
      `summary: ${ok} requests answered, ${failed} failed, ${refused} direct calls to database refused; ` +
        `X509-SVID rotations: ${rotations}; JWT-SVIDs used: ${frontend?.tokensFetched ?? 0}`,
      failed === 0 ? 'ok' : 'error',
    );
    if (code === EXIT.ok && failed > 0) code = EXIT.requestsFailed;
  }
  log.event(
    'demo',
    options.spire ? 'stopped: servers and sources closed' : 'stopped: servers, sources and agent closed',
  );
  return code;
}

/** Waits for `signal`, or `durationS` seconds when given; resolves with why it stopped. */
function stopped(signal: AbortSignal, durationS: number | undefined): Promise<string> {
  if (signal.aborted) return Promise.resolve(String(signal.reason));
  return new Promise((resolve) => {
    const timer =
      durationS === undefined ? undefined : setTimeout(() => finish('duration reached'), durationS * 1000);
    const onAbort = (): void => finish(String(signal.reason));
    function finish(reason: string): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(reason);
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
