import type { X509Certificate } from 'node:crypto';
import type { SpiffeId } from '../spiffeid/index.js';
import type { X509Svid } from '../svid/index.js';
import { JwtSource, X509Source } from '../workloadapi/index.js';
import type { DemoEnvironment } from './environment.js';
import { timeOfDay, type EventLog } from './log.js';
import { workloadId, type WorkloadName } from './scenario.js';

/** How long a source may wait for its first SVID or bundles. */
const FIRST_UPDATE_TIMEOUT_MS = 15_000;

/** The last six hex digits of a certificate's serial number: enough to tell SVIDs apart. */
export function shortSerial(certificate: X509Certificate): string {
  return certificate.serialNumber.slice(-6).toLowerCase();
}

/**
 * A workload's identity, from its own Workload API address: an `X509Source` (its X509-SVID,
 * chosen by SPIFFE ID, and the X.509 bundles) and, when asked for, a `JwtSource` (JWT-SVIDs and
 * JWT bundles). Rotations, stalls and agent errors are logged as events.
 */
export class WorkloadIdentity {
  /** The workload. */
  readonly name: WorkloadName;
  /** Its SPIFFE ID. */
  readonly id: SpiffeId;
  /** Its X509-SVID and the X.509 bundles. */
  readonly x509: X509Source;
  /** JWT-SVIDs and JWT bundles, when opened with them. */
  readonly jwt: JwtSource | undefined;
  #rotations = 0;

  private constructor(
    name: WorkloadName,
    id: SpiffeId,
    x509: X509Source,
    jwt: JwtSource | undefined,
    log: EventLog,
  ) {
    this.name = name;
    this.id = id;
    this.x509 = x509;
    this.jwt = jwt;
    let current = x509.getX509Svid();
    log.event(name, `X509-SVID ${id.toString()}, ${describe(current)}`, 'ok');
    x509.on('update', () => {
      let svid: X509Svid;
      try {
        svid = x509.getX509Svid();
      } catch {
        return; // withdrawn or expired: the 'error' and 'expiring' events say why
      }
      if (svid.leaf.fingerprint256 === current.leaf.fingerprint256) return; // a bundle change
      current = svid;
      this.#rotations += 1;
      log.event(name, `X509-SVID rotated (#${this.#rotations}): ${describe(svid)}`, 'ok');
    });
    x509.on('expiring', ({ remainingMs }) => {
      log.event(
        name,
        `X509-SVID expires in ${(remainingMs / 1000).toFixed(1)} s and no rotation came`,
        'warn',
      );
    });
    x509.on('error', (error) => log.event(name, `Workload API: ${error.message}`, 'warn'));
  }

  /**
   * Opens the sources of workload `name` at its Workload API address; the X509-SVID is the one
   * whose ID is `spiffe://<td>/ns/production/sa/<name>` (a real agent gives this one process all
   * three identities).
   * @throws {WorkloadApiError} when no SVID or bundle comes in time.
   */
  static async open(
    name: WorkloadName,
    environment: DemoEnvironment,
    withJwt: boolean,
    log: EventLog,
  ): Promise<WorkloadIdentity> {
    const id = workloadId(environment.trustDomain, name);
    const clientOptions = { address: environment.address(name) };
    const x509 = await X509Source.create({
      clientOptions,
      timeoutMs: FIRST_UPDATE_TIMEOUT_MS,
      picker: (svids) => svids.find((svid) => svid.id.equals(id)),
      expiryWarning: environment.expiryWarning,
    });
    let jwt: JwtSource | undefined;
    try {
      jwt = withJwt
        ? await JwtSource.create({ clientOptions, timeoutMs: FIRST_UPDATE_TIMEOUT_MS })
        : undefined;
    } catch (error) {
      x509.close();
      throw error;
    }
    return new WorkloadIdentity(name, id, x509, jwt, log);
  }

  /** How many times the X509-SVID rotated since the start. */
  get rotations(): number {
    return this.#rotations;
  }

  /** Closes the sources. */
  close(): void {
    this.x509.close();
    this.jwt?.close();
  }
}

function describe(svid: X509Svid): string {
  return `serial …${shortSerial(svid.leaf)}, expires ${timeOfDay(svid.expiresAt)}`;
}
