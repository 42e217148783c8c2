import { X509Bundle, X509BundleSet } from '../bundle/index.js';
import { quote } from '../internal/errors.js';
import { SpiffeId } from '../spiffeid/index.js';
import { X509Svid, verifyX509Svid } from '../svid/index.js';
import { BundleCache } from './bundle-cache.js';
import type { WorkloadApiError } from './errors.js';
import type { X509SVIDResponse } from './proto/workload.js';
import { bundleEntries, discarded, invalidResponse, reason, sameBytes, type Accepted } from './response.js';

const METHOD = 'FetchX509SVID';

/**
 * What the agent says about the workload's X.509 identity, as one consistent snapshot: its
 * X509-SVIDs and the X.509 bundles to verify peers with.
 */
export interface X509Context {
  /** The workload's X509-SVIDs, in the agent's order; never empty. */
  readonly svids: readonly X509Svid[];
  /**
   * The bundles: the SVIDs' own trust domain(s) and every federated trust domain, one bundle per
   * trust domain (W-11, F-5).
   */
  readonly bundles: X509BundleSet;
  /** The default identity: the first SVID (W-27). */
  readonly defaultSvid: X509Svid;
}

/**
 * Turns a `FetchX509SVID` message into an {@link X509Context}, or throws when the message must be
 * discarded as a whole.
 *
 * Discards the message (`invalid_response`, the caller keeps its last good state, W-10):
 * - no SVIDs (W-13); an SVID with an empty `spiffe_id`, `x509_svid`, `x509_svid_key` or `bundle`
 *   (W-10, W-13);
 * - a bundle that is not concatenated DER certificates, a `federated_bundles` key that is
 *   not a trust domain, or one trust domain given two different bundles (F-5);
 * - every SVID dropped by the checks below.
 *
 * Drops one SVID, reported as a problem (defence in depth; go-spiffe does not do this):
 * - a later SVID repeating a non-empty hint (W-14, A-19: the first is kept);
 * - an invalid `spiffe_id`, a certificate or key that `X509Svid.parseRaw` refuses (leaf rules,
 *   key mismatch), a `spiffe_id` that differs from the certificate's URI SAN;
 * - a chain that does not verify against the bundle of its trust domain in the same message at
 *   `now` (signature, path, validity: an expired SVID is dropped).
 *
 * Bundles: each SVID's `bundle` is its trust domain's, then `federated_bundles` keyed
 * `spiffe://td` or `td`. Full state: nothing of an earlier message is kept (W-4, W-7, W-8).
 * `crl` is ignored, as in go-spiffe. `cache` (a watch's) reuses the bundles of its previous
 * message whose bytes did not change.
 */
export function parseX509SvidResponse(
  message: X509SVIDResponse,
  now: Date,
  cache: BundleCache<X509Bundle> = new BundleCache(),
): Accepted<X509Context> {
  cache.begin();
  const raw = message.svids;
  if (raw.length === 0) throw discarded(METHOD, 'it has no SVIDs (W-13)');
  raw.forEach((s, i) => {
    const empty = [
      ['spiffe_id', s.spiffeId.length],
      ['x509_svid', s.x509Svid.length],
      ['x509_svid_key', s.x509SvidKey.length],
      ['bundle', s.bundle.length],
    ].find(([, length]) => length === 0);
    if (empty) throw discarded(METHOD, `SVID ${i + 1} has an empty mandatory field ${empty[0]} (W-10, W-13)`);
  });

  const problems: WorkloadApiError[] = [];
  const own = new Map<string, { bundle: X509Bundle; bytes: Uint8Array }>();
  const svids: X509Svid[] = [];
  const hints = new Set<string>();
  raw.forEach((s, i) => {
    const what = `X509-SVID ${i + 1} ${quote(s.spiffeId)}`;
    const drop = (why: string, cause?: unknown): void => {
      problems.push(invalidResponse(METHOD, `${what} discarded: ${why}`, cause));
    };
    if (s.hint !== '') {
      if (hints.has(s.hint)) return drop(`its hint ${quote(s.hint)} repeats an earlier SVID's (W-14, A-19)`);
      hints.add(s.hint);
    }
    let id: SpiffeId;
    try {
      id = SpiffeId.parse(s.spiffeId);
    } catch (cause) {
      return drop(`spiffe_id is not a SPIFFE ID: ${reason(cause)}`, cause);
    }
    const td = id.trustDomain;
    const known = own.get(td.name);
    if (known === undefined) {
      let bundle: X509Bundle;
      try {
        bundle = cache.get(td, s.bundle, () => X509Bundle.parseRaw(td, s.bundle));
      } catch (cause) {
        throw discarded(METHOD, `the bundle of ${what} is malformed: ${reason(cause)} (A-13)`, cause);
      }
      own.set(td.name, { bundle, bytes: s.bundle });
    } else if (!sameBytes(known.bytes, s.bundle)) {
      throw discarded(METHOD, `SVIDs of trust domain ${quote(td.name)} carry different bundles (F-5)`);
    }
    const bundle = own.get(td.name)!.bundle;

    let svid: X509Svid;
    try {
      svid = X509Svid.parseRaw(s.x509Svid, s.x509SvidKey, { hint: s.hint });
    } catch (cause) {
      return drop(reason(cause), cause);
    }
    if (!svid.id.equals(id)) {
      return drop(`the certificate's URI SAN is ${quote(svid.id.toString())}, not the spiffe_id field`);
    }
    try {
      verifyX509Svid(svid.certificates, bundle, { time: now });
    } catch (cause) {
      return drop(
        `it does not verify against the bundle of ${quote(td.name)} sent with it: ${reason(cause)}`,
        cause,
      );
    }
    svids.push(svid);
  });

  const federated = bundleEntries(METHOD, 'federated_bundles', message.federatedBundles, sameBytes);
  const bundles = new X509BundleSet(...[...own.values()].map((o) => o.bundle));
  for (const { td, value } of federated.values()) {
    const known = own.get(td.name);
    if (known !== undefined) {
      if (!sameBytes(known.bytes, value)) {
        throw discarded(
          METHOD,
          `federated_bundles gives trust domain ${quote(td.name)} another bundle than its SVIDs (F-5)`,
        );
      }
      continue;
    }
    try {
      bundles.add(cache.get(td, value, () => X509Bundle.parseRaw(td, value)));
    } catch (cause) {
      throw discarded(
        METHOD,
        `the federated bundle of ${quote(td.name)} is malformed: ${reason(cause)} (A-13)`,
        cause,
      );
    }
  }

  if (svids.length === 0) {
    throw discarded(METHOD, `every SVID was discarded: ${problems.map((p) => p.message).join('; ')}`);
  }
  cache.commit();
  return {
    value: Object.freeze({ svids: Object.freeze(svids), bundles, defaultSvid: svids[0]! }),
    problems,
  };
}

/** A copy of a context whose bundles the caller may change without touching the original. */
export function cloneX509Context(context: X509Context): X509Context {
  return Object.freeze({ ...context, bundles: cloneX509Bundles(context.bundles) });
}

/** A set of independent copies of the bundles. */
export function cloneX509Bundles(set: X509BundleSet): X509BundleSet {
  return new X509BundleSet(...set.bundles().map((b) => b.clone()));
}
