import type { Logger } from '../internal/logger.js';
import type { X509Svid } from '../svid/index.js';
import {
  X509Source,
  type ExpiringSvid,
  type WorkloadApiError,
  type X509Context,
} from '../workloadapi/index.js';
import { formatDuration, isoTime, relative } from './duration.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { Output } from './output.js';
import type { StopSignal } from './signals.js';
import { agentAddress, createClient } from './workload.js';

/** Flags of `spiffe watch`. */
export interface WatchOptions {
  socket?: string;
  json?: boolean;
  /** Warn when less than this fraction of the SVID's lifetime is left with no rotation. */
  expiryWarning: number;
  /** How long to wait for the first update, in ms; default: no limit. */
  timeout?: number;
}

type Change = 'initial' | 'rotated' | 'bundles' | 'unchanged';

/** setTimeout's largest delay (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `spiffe watch`: follows the workload's X.509 context and prints every update with its time,
 * the SVID's expiry and time left, and whether it rotated; warns when the SVID nears expiry with
 * no rotation (a stalled rotation), and says so again when it expires. Runs until SIGINT or
 * SIGTERM (exit 0), or until the agent stops the watch for good (exit 1).
 */
export async function watch(options: WatchOptions, out: Output, stop: StopSignal): Promise<ExitCodeValue> {
  const log = new EventLog(out, options.json === true);
  let starting = true;
  const logger: Logger = {
    debug() {},
    info() {},
    warn: (message) => starting && log.warning(message),
    error: (message) => starting && log.error(message),
  };
  // The client's logger reports failures while waiting for the first update; after that, the
  // source's events do.
  const client = createClient(options.socket, logger);
  const address = agentAddress(options.socket) ?? process.env.SPIFFE_ENDPOINT_SOCKET ?? '';
  if (!options.json) out.info(out.errStyle.dim(`watching the Workload API at ${address}; Ctrl+C to stop`));
  let source: X509Source;
  try {
    source = await X509Source.create({
      client,
      expiryWarning: options.expiryWarning,
      signal: stop.signal,
      ...(options.timeout !== undefined ? { timeoutMs: options.timeout } : {}),
    });
  } catch (error) {
    client.close();
    if (stop.signal.aborted) return ExitCode.ok;
    throw error;
  } finally {
    starting = false;
  }
  let failure: WorkloadApiError | undefined;
  let expiryTimer: NodeJS.Timeout | undefined;
  source.on('expiring', (info) => log.expiring(info));
  source.on('error', (error) => {
    log.error(error.message);
    if (source.status().state === 'failed') {
      failure = error;
      source.close();
    }
  });
  let previous: X509Svid | undefined;
  let previousBundles = '';
  try {
    for await (const context of source.updates({ signal: stop.signal })) {
      const svid = context.defaultSvid;
      const bundles = bundlesKey(context);
      const change: Change =
        previous === undefined
          ? 'initial'
          : previous.leaf.fingerprint256 !== svid.leaf.fingerprint256
            ? 'rotated'
            : bundles !== previousBundles
              ? 'bundles'
              : 'unchanged';
      log.update(change, context, previous);
      previous = svid;
      previousBundles = bundles;
      clearTimeout(expiryTimer);
      const current = svid;
      const left = Math.max(0, current.expiresAt.getTime() - Date.now());
      // setTimeout caps at about 24.8 days; an SVID that lives longer gets no expiry line.
      if (left <= MAX_TIMER_MS) {
        expiryTimer = setTimeout(() => {
          if (previous === current) log.expired(current);
        }, left);
      }
    }
  } finally {
    clearTimeout(expiryTimer);
    source.close();
    client.close();
  }
  return failure ? ExitCode.failure : ExitCode.ok;
}

/** What identifies the bundles of a context: trust domains and their authorities' fingerprints. */
function bundlesKey(context: X509Context): string {
  return context.bundles
    .bundles()
    .map(
      (b) =>
        `${b.trustDomain.name}:${b
          .x509Authorities()
          .map((c) => c.fingerprint256)
          .join(',')}`,
    )
    .join(';');
}

/** Prints watch events: a timestamped line each (stderr for problems), or NDJSON with `--json`. */
class EventLog {
  readonly #out: Output;
  readonly #json: boolean;

  constructor(out: Output, json: boolean) {
    this.#out = out;
    this.#json = json;
  }

  update(change: Change, context: X509Context, previous: X509Svid | undefined): void {
    const now = new Date();
    const svid = context.defaultSvid;
    const trustDomains = context.bundles.bundles().map((b) => b.trustDomain.name);
    if (this.#json) {
      this.#out.event({
        event: 'update',
        time: now.toISOString(),
        change,
        spiffeId: svid.id.toString(),
        hint: svid.hint,
        serialNumber: svid.leaf.serialNumber,
        expiresAt: isoTime(svid.expiresAt),
        secondsLeft: Math.floor((svid.expiresAt.getTime() - now.getTime()) / 1000),
        svids: context.svids.length,
        trustDomains,
        ...(change === 'rotated' && previous
          ? { previousSecondsLeft: Math.floor((previous.expiresAt.getTime() - now.getTime()) / 1000) }
          : {}),
      });
      return;
    }
    const s = this.#out.style;
    const label = {
      initial: 'svid     ',
      rotated: s.green('rotated  '),
      bundles: 'bundles  ',
      unchanged: s.dim('unchanged'),
    }[change];
    const more = context.svids.length > 1 ? s.dim(` (+${context.svids.length - 1} more SVIDs)`) : '';
    const prev =
      change === 'rotated' && previous
        ? s.dim(`  previous one had ${formatDuration(previous.expiresAt.getTime() - now.getTime())} left`)
        : '';
    this.#out.line(
      `${s.dim(now.toISOString())}  ${label}  ${s.cyan(svid.id.toString())}${more}  serial ${svid.leaf.serialNumber}` +
        `  expires ${isoTime(svid.expiresAt)} (${relative(svid.expiresAt, now)})` +
        `  trust domains ${trustDomains.join(', ')}${prev}`,
    );
  }

  expiring(info: ExpiringSvid): void {
    const now = new Date();
    const message =
      `the X509-SVID ${info.svid.id.toString()} expires in ${formatDuration(info.remainingMs)} ` +
      `(${isoTime(info.expiresAt)}) and no rotation came: rotation is stalled; check the agent and its server`;
    if (this.#json) {
      this.#out.event({
        event: 'expiring',
        time: now.toISOString(),
        spiffeId: info.svid.id.toString(),
        expiresAt: isoTime(info.expiresAt),
        secondsLeft: Math.floor(info.remainingMs / 1000),
        message,
      });
    } else {
      this.#out.info(
        `${this.#out.errStyle.dim(now.toISOString())}  ${this.#out.errStyle.yellow('WARNING')}  ${message}`,
      );
    }
  }

  expired(svid: X509Svid): void {
    const now = new Date();
    const message = `the X509-SVID ${svid.id.toString()} expired at ${isoTime(svid.expiresAt)} with no rotation`;
    if (this.#json) {
      this.#out.event({ event: 'expired', time: now.toISOString(), spiffeId: svid.id.toString(), message });
    } else {
      this.#out.info(
        `${this.#out.errStyle.dim(now.toISOString())}  ${this.#out.errStyle.red('EXPIRED')}  ${message}`,
      );
    }
  }

  error(message: string): void {
    const now = new Date();
    if (this.#json) this.#out.event({ event: 'error', time: now.toISOString(), message });
    else
      this.#out.info(
        `${this.#out.errStyle.dim(now.toISOString())}  ${this.#out.errStyle.red('error')}      ${message}`,
      );
  }

  warning(message: string): void {
    const now = new Date();
    if (this.#json) this.#out.event({ event: 'warning', time: now.toISOString(), message });
    else
      this.#out.info(
        `${this.#out.errStyle.dim(now.toISOString())}  ${this.#out.errStyle.yellow('warning')}    ${message}`,
      );
  }
}
