import { quote } from '../internal/errors.js';
import { TrustDomain } from '../spiffeid/index.js';
import { WorkloadApiError } from './errors.js';

/**
 * A message the client accepted, with the problems it had that did not sink it (an SVID dropped
 * by the defence-in-depth checks, a duplicate hint). Watches report each problem to `onError`
 * and then deliver `value`.
 */
export interface Accepted<T> {
  value: T;
  problems: WorkloadApiError[];
}

/**
 * An `invalid_response` error: the agent's message, or the part of it that `what` names, was
 * discarded (W-10).
 */
export function invalidResponse(method: string, what: string, cause?: unknown): WorkloadApiError {
  return new WorkloadApiError(
    'invalid_response',
    `Workload API ${method}: ${what}`,
    cause === undefined ? undefined : { cause },
  );
}

/** An `invalid_response` error for a whole message that was discarded. */
export function discarded(method: string, why: string, cause?: unknown): WorkloadApiError {
  return invalidResponse(method, `response discarded: ${why}`, cause);
}

/** Why a caught error happened, for a message; never includes key material (the layers' messages do not). */
export function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The trust domain of a bundle map key (`federated_bundles`, `bundles`): the trust domain's
 * SPIFFE ID `spiffe://td`, as SPIRE sends it, or the bare name `td`, as go-spiffe also accepts
 * . A key with a path is not a trust domain's ID and is refused.
 *
 * @throws {WorkloadApiError} `invalid_response`.
 */
export function trustDomainFromKey(method: string, field: string, key: string): TrustDomain {
  let td: TrustDomain;
  try {
    td = TrustDomain.parse(key);
  } catch (cause) {
    throw discarded(
      method,
      `${field} key ${quote(key)} is not a trust domain: ${reason(cause)} (A-12)`,
      cause,
    );
  }
  if (key !== td.name && key !== td.idString()) {
    throw discarded(
      method,
      `${field} key ${quote(key)} must be "spiffe://${td.name}" or "${td.name}" (A-12)`,
    );
  }
  return td;
}

/**
 * Keys a bundle map by trust domain, refusing a map that names one trust domain twice (as
 * `spiffe://td` and `td`) with different contents: which one to trust would be a guess, and
 * bundles of different trust domains are never merged (F-5, W-11).
 *
 * @throws {WorkloadApiError} `invalid_response`.
 */
export function bundleEntries<V>(
  method: string,
  field: string,
  map: ReadonlyMap<string, V>,
  same: (a: V, b: V) => boolean,
): Map<string, { td: TrustDomain; value: V }> {
  const out = new Map<string, { td: TrustDomain; value: V }>();
  for (const [key, value] of map) {
    const td = trustDomainFromKey(method, field, key);
    const seen = out.get(td.name);
    if (seen !== undefined) {
      if (!same(seen.value, value)) {
        throw discarded(
          method,
          `${field} lists trust domain ${quote(td.name)} twice with different bundles (A-12, F-5)`,
        );
      }
      continue;
    }
    out.set(td.name, { td, value });
  }
  return out;
}

/** Byte equality of two bundle values. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
