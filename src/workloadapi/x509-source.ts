import type { X509Bundle, X509BundleSet, X509BundleSource } from '../bundle/index.js';
import { BundleError } from '../bundle/index.js';
import { quote } from '../internal/errors.js';
import { TrustDomain } from '../spiffeid/index.js';
import type { X509Svid, X509SvidSource } from '../svid/index.js';
import { WorkloadApiError } from './errors.js';
import { reason } from './response.js';
import { SourceBase, type SourceOptions, type SourceStatus } from './source-base.js';
import { cloneX509Bundles, cloneX509Context, type X509Context } from './x509-context.js';

const STREAM = 'FetchX509SVID';
/** Default of {@link X509SourceOptions.expiryWarning}. */
const DEFAULT_EXPIRY_WARNING = 0.25;

/** Options of {@link X509Source.create}. */
export interface X509SourceOptions extends SourceOptions {
  /**
   * Chooses the SVID to serve when the workload has several (go-spiffe
   * `WithDefaultX509SVIDPicker`); default: the first, the default identity (W-27). Called on
   * every update; returning `undefined` means none fits, and the source serves none.
   */
  picker?: (svids: readonly X509Svid[]) => X509Svid | undefined;
  /**
   * When to emit `expiring`: once the served SVID has less than this fraction of its lifetime
   * left and no rotation came. Default 0.25: SPIRE rotates at half-life, so a quarter of the
   * lifetime later something is wrong, with a quarter still left to act (15 min of a 1 h SVID).
   * `false` turns the warning off.
   */
  expiryWarning?: number | false;
}

/** The health of an {@link X509Source}. */
export interface X509SourceStatus extends SourceStatus {
  /** When the SVID the source serves (or last served) expires. */
  svidExpiresAt: Date | undefined;
}

/** The payload of the `expiring` event. */
export interface ExpiringSvid {
  /** The SVID that nears its expiry with no rotation. */
  svid: X509Svid;
  expiresAt: Date;
  /** Time left, by the client's clock. */
  remainingMs: number;
}

/** The events of an {@link X509Source}. */
export interface X509SourceEvents {
  /** A new X.509 context was accepted (a copy: changing its bundles does not change the source). */
  update: (context: X509Context) => void;
  /** A failure the source recovers from, or the one that stopped it. */
  error: (error: WorkloadApiError) => void;
  /** The served SVID nears its expiry and no rotation came (see `expiryWarning`). */
  expiring: (info: ExpiringSvid) => void;
}

/**
 * The workload's X509-SVID and X.509 bundles, kept current by a watch of the Workload API: what a
 * TLS server or client asks for on every handshake.
 *
 * - Rotation: every message of the agent replaces the state (W-4, W-7); an invalid one is
 *   reported and the last good state kept (W-10).
 * - Identity withdrawn: when the agent answers PermissionDenied, the source stops serving the SVID
 *   at once (W-15) and keeps retrying; the next good message restores it.
 * - Agent away (Unavailable and other failures): the last good SVID is served until it expires,
 *   then `getX509Svid()` throws `no_identity` saying why.
 * - Health: `status()`, the `error` event, and the `expiring` event when the SVID nears its expiry
 *   with no rotation.
 *
 * @example
 * await using source = await X509Source.create({ timeoutMs: 10_000 });
 * const svid = source.getX509Svid();
 * source.on('update', (ctx) => console.log('rotated', ctx.defaultSvid.expiresAt));
 */
export class X509Source
  extends SourceBase<X509Context, X509SourceEvents>
  implements X509SvidSource, X509BundleSource
{
  readonly #picker: (svids: readonly X509Svid[]) => X509Svid | undefined;
  readonly #expiryWarning: number | false;
  #context: X509Context | undefined;
  #svid: X509Svid | undefined;
  /** Why the SVID is not served although the agent sent one (PermissionDenied, picker). */
  #withdrawn: WorkloadApiError | undefined;
  #expiryTimer: unknown;
  /** The leaf fingerprint the `expiring` event was emitted for (once per certificate). */
  #warned: string | undefined;

  private constructor(options: X509SourceOptions) {
    // Checked before the base class makes a client, so that bad options leak nothing.
    const picker = options?.picker ?? ((svids: readonly X509Svid[]) => svids[0]);
    if (typeof picker !== 'function') {
      throw new WorkloadApiError('invalid_argument_local', 'X509Source: options.picker must be a function');
    }
    const expiryWarning = checkExpiryWarning(options?.expiryWarning);
    super('X509Source', options, [STREAM]);
    this.#picker = picker;
    this.#expiryWarning = expiryWarning;
  }

  /**
   * Starts watching and resolves once the first X.509 context has arrived.
   *
   * @throws {WorkloadApiError} `timeout` after `timeoutMs` or `aborted` on `signal`, saying why
   *   nothing came, e.g. `X.509 context not received within 5000 ms: FetchX509SVID: no identity
   *   issued: PermissionDenied, 3 failed attempts (…)` (go-spiffe #207); the error that stopped the
   *   watch (InvalidArgument, Unimplemented); `closed`; or the client's constructor errors
   *   (`address_not_configured`, `invalid_address`, `invalid_argument_local`).
   */
  static async create(options: X509SourceOptions = {}): Promise<X509Source> {
    const source = new X509Source(options);
    source.start([
      source.client.watchX509Context({
        onUpdate: (context) => source.#update(context),
        onError: (error) => source.#error(error),
        onUnchanged: () => {
          if (!source.closed) source.unchanged(STREAM);
        },
      }),
    ]);
    try {
      await source.waitReady(options.timeoutMs, options.signal, 'X.509 context');
    } catch (error) {
      source.close();
      throw error;
    }
    source.armSignal();
    return source;
  }

  /**
   * The X509-SVID to use now (the picker's choice, by default the first).
   *
   * @throws {WorkloadApiError} `no_identity` when the agent withdrew it (W-15), the picker chose
   *   none, or it expired with no rotation (the message says why, e.g. the agent's last error);
   *   `closed`.
   */
  getX509Svid(): X509Svid {
    this.checkOpen();
    if (this.#withdrawn) {
      throw new WorkloadApiError(
        'no_identity',
        `X509Source has no X509-SVID to serve: ${this.#withdrawn.message}`,
        {
          cause: this.#withdrawn,
        },
      );
    }
    const svid = this.#svid;
    if (svid === undefined) {
      const why = this.failure ? `its watch stopped: ${this.failure.message}` : 'no X.509 context yet';
      throw new WorkloadApiError('no_identity', `X509Source has no X509-SVID to serve: ${why}`);
    }
    if (this.clock.now().getTime() >= svid.expiresAt.getTime()) {
      const last = this.baseStatus().lastError;
      const why = last ? `the agent's last answer: ${last.message}` : 'no rotation came from the agent';
      throw new WorkloadApiError(
        'no_identity',
        `X509Source: the X509-SVID ${svid.id.toString()} expired at ${svid.expiresAt.toISOString()}; ${why}`,
        { cause: last },
      );
    }
    return svid;
  }

  /**
   * A copy of the X.509 bundle of `trustDomain` (its own or a federated one).
   *
   * @throws {BundleError} `bundle_not_found` when the agent sent none for it.
   * @throws {WorkloadApiError} `closed`.
   */
  getX509BundleForTrustDomain(trustDomain: TrustDomain | string): X509Bundle {
    this.checkOpen();
    const td = TrustDomain.from(trustDomain);
    const bundle = this.#context?.bundles.get(td);
    if (bundle === undefined) {
      throw new BundleError(
        'bundle_not_found',
        `X509Source has no X.509 bundle for trust domain ${quote(td.name)}`,
      );
    }
    return bundle.clone();
  }

  /**
   * Copies of every X.509 bundle the source holds.
   * @throws {WorkloadApiError} `closed`.
   */
  bundles(): X509BundleSet {
    this.checkOpen();
    return cloneX509Bundles(this.#context!.bundles);
  }

  /** The source's health: state, SVID expiry, last update and errors since. */
  status(): X509SourceStatus {
    const base = this.baseStatus();
    let state = base.state;
    if (state === 'ready' || state === 'stale') {
      if (this.#withdrawn) state = 'withdrawn';
      else if (this.#svid && this.clock.now().getTime() >= this.#svid.expiresAt.getTime()) state = 'expired';
    }
    return { ...base, state, svidExpiresAt: this.#svid?.expiresAt };
  }

  protected override onClose(): void {
    this.#clearExpiryTimer();
  }

  #update(context: X509Context): void {
    if (this.closed) return;
    this.#context = context;
    let svid: X509Svid | undefined;
    try {
      svid = this.#picker(context.svids);
    } catch (error) {
      this.logger.error(`X509Source: the picker threw: ${reason(error)}`);
    }
    if (svid !== undefined && !context.svids.includes(svid)) svid = undefined;
    this.#svid = svid;
    this.#withdrawn =
      svid === undefined
        ? new WorkloadApiError(
            'no_identity',
            `the picker chose none of the ${context.svids.length} X509-SVIDs`,
          )
        : undefined;
    this.#armExpiryWarning();
    this.accepted(STREAM, cloneX509Context(context));
  }

  #error(error: WorkloadApiError): void {
    if (this.closed) return;
    if (error.code === 'permission_denied' && this.#context !== undefined) {
      // W-15: the identity was withdrawn; stop serving the SVID while retrying.
      this.#withdrawn = error;
      this.logger.warn(`X509Source: the agent withdrew the identity; not serving the X509-SVID (W-15)`);
    }
    this.failed(STREAM, error);
  }

  #armExpiryWarning(): void {
    this.#clearExpiryTimer();
    const svid = this.#svid;
    if (svid === undefined || this.#expiryWarning === false) return;
    const notBefore = Date.parse(svid.leaf.validFrom);
    const notAfter = svid.expiresAt.getTime();
    const warnAt = notAfter - (notAfter - notBefore) * this.#expiryWarning;
    const fingerprint = svid.leaf.fingerprint256;
    const fire = (): void => {
      this.#expiryTimer = undefined;
      if (this.closed || this.#svid?.leaf.fingerprint256 !== fingerprint || this.#warned === fingerprint)
        return;
      this.#warned = fingerprint;
      const remainingMs = notAfter - this.clock.now().getTime();
      this.logger.warn(
        `X509Source: the X509-SVID ${svid.id.toString()} expires in ${Math.round(remainingMs / 1000)} s and no rotation came`,
      );
      this.emitEvent('expiring', { svid: this.#svid, expiresAt: svid.expiresAt, remainingMs });
    };
    const delay = warnAt - this.clock.now().getTime();
    if (delay > 0) this.#expiryTimer = this.clock.setTimeout(fire, delay);
    else if (notAfter > this.clock.now().getTime()) queueMicrotask(fire);
  }

  #clearExpiryTimer(): void {
    if (this.#expiryTimer !== undefined) this.clock.clearTimeout(this.#expiryTimer);
    this.#expiryTimer = undefined;
  }
}

function checkExpiryWarning(value: number | false | undefined): number | false {
  if (value === undefined) return DEFAULT_EXPIRY_WARNING;
  if (value === false) return false;
  if (typeof value !== 'number' || !(value > 0 && value < 1)) {
    throw new WorkloadApiError(
      'invalid_argument_local',
      'X509Source: options.expiryWarning must be a fraction of the lifetime between 0 and 1, or false',
    );
  }
  return value;
}
