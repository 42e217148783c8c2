import { chmod, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../internal/logger.js';
import type { X509Svid } from '../svid/index.js';
import { WorkloadApiError, X509Source, type X509Context } from '../workloadapi/index.js';
import { validity } from './certificate-summary.js';
import { formatDuration, isoTime, relative } from './duration.js';
import { CliError } from './errors.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import { helperConfig, type HelperConfig, type HelperFlags } from './helper-config.js';
import { HelperLog } from './helper-log.js';
import { HealthServer, type HealthAnswer } from './health.js';
import { JwtBundleFile } from './jwt-bundle-file.js';
import { JwtFiles } from './jwt-files.js';
import type { Output } from './output.js';
import { Reloader } from './reload.js';
import type { StopSignal } from './signals.js';
import { agentAddress, createClient, currentContext } from './workload.js';
import { leafOnDisk, renderX509Files, writeX509Files, type X509Files } from './x509-files.js';

/** What the helper last did, for the health endpoint and the change check. */
interface HelperState {
  /** The SVID of the latest update from the agent. */
  latest: X509Svid | undefined;
  lastUpdate: Date | undefined;
  /** The files as last written. */
  written: X509Files | undefined;
  lastWrite: Date | undefined;
  lastWriteError: string | undefined;
  failure: WorkloadApiError | undefined;
}

/**
 * Creates the output folder (and missing parents) with exactly `mode`, whatever the umask: mkdir
 * applies the umask, which only removes bits, so the folder is never more open than `mode`, and
 * chmod then sets the bits the umask removed. A folder that exists is left as it is.
 *
 * @throws {CliError} `write_failed` when it cannot be created.
 */
async function createOutDir(outDir: string, mode: number): Promise<void> {
  try {
    const first = await mkdir(outDir, { recursive: true, mode });
    if (first === undefined) return;
    const created: string[] = [];
    for (let dir = outDir; dir.length >= first.length; dir = dirname(dir)) {
      created.push(dir);
      if (dir === first) break;
    }
    for (const dir of created.reverse()) await chmod(dir, mode);
  } catch (cause) {
    throw new CliError(
      'write_failed',
      `cannot create the output folder ${outDir}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

/**
 * `spiffe helper`: the spiffe-helper equivalent. Writes the X509-SVID, its key and the bundle
 * (and JWT-SVIDs) into `--out`, atomically, on every rotation, then reloads the workload (see
 * {@link Reloader}). `--once` writes and exits (init containers): exit 3 when no identity
 * arrives within `--timeout`. Otherwise runs until SIGINT or SIGTERM (exit 0), with an optional
 * health endpoint.
 */
export async function helper(flags: HelperFlags, out: Output, stop: StopSignal): Promise<ExitCodeValue> {
  const config = await helperConfig(flags);
  await createOutDir(config.outDir, config.outDirMode);
  const log = new HelperLog(out, config.json);
  for (const warning of config.warnings) log.warn(warning);
  let starting = true;
  const logger: Logger = {
    debug() {},
    info() {},
    warn: (message) => starting && log.warn(message),
    error: (message) => starting && log.error(message),
  };
  const client = createClient(config.socket, logger);
  const state: HelperState = {
    latest: undefined,
    lastUpdate: undefined,
    written: undefined,
    lastWrite: undefined,
    lastWriteError: undefined,
    failure: undefined,
  };
  const jwt = new JwtFiles(client, config, log);
  const jwtBundle = config.jwtBundleFile === undefined ? undefined : new JwtBundleFile(client, config, log);
  const reloader = new Reloader(config, log);
  let health: HealthServer | undefined;
  let source: X509Source | undefined;
  try {
    if (config.health) {
      health = await startHealth(config, state, jwt);
      log.event(
        'health',
        `health endpoint on ${health.url}${config.health.livePath} and ${config.health.readyPath}`,
        {
          url: health.url,
          livePath: config.health.livePath,
          readyPath: config.health.readyPath,
        },
      );
    }
    const address = agentAddress(config.socket) ?? process.env.SPIFFE_ENDPOINT_SOCKET ?? '';
    log.event('start', `waiting for an identity from ${address} (files go to ${config.outDir})`, {
      address,
      outDir: config.outDir,
    });
    try {
      source = await X509Source.create({
        client,
        picker: (svids) => pick(svids, config),
        signal: stop.signal,
        ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
      });
    } catch (error) {
      if (stop.signal.aborted) {
        if (config.once) throw new CliError('no_identity', 'stopped before an identity arrived');
        return ExitCode.ok;
      }
      throw error;
    } finally {
      starting = false;
    }
    return config.once
      ? await runOnce(source, config, state, jwt, jwtBundle, reloader, log)
      : await runDaemon(source, config, state, jwt, jwtBundle, reloader, log, stop);
  } finally {
    jwt.stop();
    jwtBundle?.stop();
    source?.close();
    client.close();
    await health?.close();
    await reloader.stop(stop.signal.aborted ? (stop.signal.reason as NodeJS.Signals) : 'SIGTERM');
  }
}

async function runOnce(
  source: X509Source,
  config: HelperConfig,
  state: HelperState,
  jwt: JwtFiles,
  jwtBundle: JwtBundleFile | undefined,
  reloader: Reloader,
  log: HelperLog,
): Promise<ExitCodeValue> {
  const context = await currentContext(source);
  const svid = requireSvid(context, config);
  const started = Date.now();
  await writeContext(context, svid, config, state, log, true);
  const left = (): number =>
    config.timeoutMs === undefined ? 30_000 : Math.max(1000, config.timeoutMs - (Date.now() - started));
  if (config.jwt.length > 0) await jwt.writeAll(left());
  if (jwtBundle !== undefined) {
    try {
      await jwtBundle.writeOnce(left());
    } catch (cause) {
      if (cause instanceof CliError) throw cause;
      throw new CliError(
        'write_failed',
        `cannot write ${config.jwtBundleFile!}: ${(cause as Error).message}`,
        { cause },
      );
    }
  }
  const ok = await reloader.afterWrite();
  return ok ? ExitCode.ok : ExitCode.failure;
}

async function runDaemon(
  source: X509Source,
  config: HelperConfig,
  state: HelperState,
  jwt: JwtFiles,
  jwtBundle: JwtBundleFile | undefined,
  reloader: Reloader,
  log: HelperLog,
  stop: StopSignal,
): Promise<ExitCodeValue> {
  source.on('expiring', (info) =>
    log.warn(
      `the X509-SVID ${info.svid.id.toString()} expires in ${formatDuration(info.remainingMs)} and no rotation came: rotation is stalled`,
      { spiffeId: info.svid.id.toString(), expiresAt: isoTime(info.expiresAt) },
    ),
  );
  source.on('error', (error) => {
    log.warn(error.message);
    if (source.status().state === 'failed') {
      state.failure = error;
      source.close();
    }
  });
  if (config.jwt.length > 0) jwt.start();
  jwtBundle?.start();
  for await (const context of source.updates({ signal: stop.signal })) {
    const svid = pick(context.svids, config);
    if (svid === undefined) {
      log.error(noSvidMessage(context, config));
      continue;
    }
    let changed: boolean;
    try {
      changed = await writeContext(context, svid, config, state, log, false);
    } catch (error) {
      state.lastWriteError = (error as Error).message;
      log.error(`cannot write the files: ${(error as Error).message}`);
      continue;
    }
    if (changed) await reloader.afterWrite();
  }
  if (state.failure) {
    log.error(`stopped: ${state.failure.message}`);
    return ExitCode.failure;
  }
  log.event('stop', `stopping (${String(stop.signal.reason ?? 'closed')})`, {
    signal: stop.signal.reason ?? null,
  });
  return ExitCode.ok;
}

/** Writes the files when they differ from what is on disk; returns whether it wrote. */
async function writeContext(
  context: X509Context,
  svid: X509Svid,
  config: HelperConfig,
  state: HelperState,
  log: HelperLog,
  once: boolean,
): Promise<boolean> {
  const rotated = state.latest !== undefined && state.latest.leaf.fingerprint256 !== svid.leaf.fingerprint256;
  state.latest = svid;
  state.lastUpdate = new Date();
  const files = renderX509Files(context, svid, config);
  const w = state.written;
  if (w && w.svid === files.svid && w.key === files.key && w.bundle === files.bundle) return false;
  try {
    await writeX509Files(files, config);
  } catch (cause) {
    if (once)
      throw new CliError('write_failed', `cannot write into ${config.outDir}: ${(cause as Error).message}`, {
        cause,
      });
    throw cause;
  }
  state.written = files;
  state.lastWrite = new Date();
  state.lastWriteError = undefined;
  const names = [config.svidFile, config.keyFile, config.bundleFile];
  const what = rotated ? 'rotated' : w === undefined ? 'wrote' : 'updated';
  log.event(
    'wrote',
    `${what} ${names.join(', ')}: ${svid.id.toString()}, expires ${isoTime(svid.expiresAt)} (${relative(svid.expiresAt, new Date())})`,
    {
      files: names,
      change: what,
      spiffeId: svid.id.toString(),
      hint: svid.hint,
      serialNumber: svid.leaf.serialNumber,
      expiresAt: isoTime(svid.expiresAt),
      trustDomains: context.bundles.bundles().map((b) => b.trustDomain.name),
    },
  );
  return true;
}

/** The SVID to write: the one with `--hint`, else the default (the first, W-27). */
function pick(svids: readonly X509Svid[], config: HelperConfig): X509Svid | undefined {
  return config.hint === undefined ? svids[0] : svids.find((s) => s.hint === config.hint);
}

function requireSvid(context: X509Context, config: HelperConfig): X509Svid {
  const svid = pick(context.svids, config);
  if (svid === undefined) throw new CliError('no_identity', noSvidMessage(context, config));
  return svid;
}

function noSvidMessage(context: X509Context, config: HelperConfig): string {
  const hints = context.svids.map((s) => (s.hint === '' ? '(none)' : JSON.stringify(s.hint)));
  return `no X509-SVID has the hint ${JSON.stringify(config.hint)}; the agent sent ${context.svids.length} with hints ${hints.join(', ')}`;
}

async function startHealth(config: HelperConfig, state: HelperState, jwt: JwtFiles): Promise<HealthServer> {
  try {
    return await HealthServer.start(config.health!, {
      live: (): HealthAnswer =>
        state.failure
          ? { ok: false, body: { status: 'failed', reason: state.failure.message } }
          : { ok: true, body: { status: 'alive' } },
      ready: () => readiness(config, state, jwt),
    });
  } catch (cause) {
    throw new CliError(
      'failed',
      `cannot listen on ${config.health!.address}:${config.health!.port}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

/**
 * Ready (200) when the SVID file on disk holds the latest SVID the agent sent and it has not
 * expired, and every JWT-SVID file is unexpired; 503 otherwise, saying why.
 */
async function readiness(config: HelperConfig, state: HelperState, jwt: JwtFiles): Promise<HealthAnswer> {
  const now = new Date();
  const latest = state.latest;
  const common = {
    lastUpdate: state.lastUpdate?.toISOString() ?? null,
    lastWrite: state.lastWrite?.toISOString() ?? null,
  };
  if (latest === undefined)
    return { ok: false, body: { status: 'starting', reason: 'no identity from the agent yet', ...common } };
  let leaf;
  try {
    leaf = await leafOnDisk(config);
  } catch (error) {
    return {
      ok: false,
      body: {
        status: 'missing',
        reason: `cannot read ${config.svidFile}: ${(error as Error).message}`,
        ...common,
      },
    };
  }
  const notAfter = new Date(validity(leaf).notAfter);
  const facts = {
    spiffeId: latest.id.toString(),
    expiresAt: isoTime(notAfter),
    secondsLeft: Math.floor((notAfter.getTime() - now.getTime()) / 1000),
    ...common,
  };
  if (leaf.fingerprint256 !== latest.leaf.fingerprint256) {
    const why = state.lastWriteError ? `: the last write failed: ${state.lastWriteError}` : '';
    return {
      ok: false,
      body: {
        status: 'stale',
        reason: `${config.svidFile} is not the latest SVID from the agent${why}`,
        ...facts,
      },
    };
  }
  if (notAfter.getTime() <= now.getTime()) {
    return {
      ok: false,
      body: { status: 'expired', reason: `the SVID on disk expired and no rotation came`, ...facts },
    };
  }
  for (const file of jwt.status()) {
    if (file.expiresAt === undefined || file.expiresAt.getTime() <= now.getTime()) {
      const why = file.lastError ? `: ${file.lastError}` : '';
      return {
        ok: false,
        body: { status: 'stale', reason: `${file.file} holds no unexpired JWT-SVID${why}`, ...facts },
      };
    }
  }
  return { ok: true, body: { status: 'fresh', ...facts } };
}
