import { quote } from '../internal/errors.js';
import type { SpiffeId } from '../spiffeid/index.js';
import { JwtSvid } from '../svid/index.js';
import type { WorkloadApiError } from './errors.js';
import type { JWTSVIDResponse } from './proto/workload.js';
import { discarded, invalidResponse, reason, type Accepted } from './response.js';

const METHOD = 'FetchJWTSVID';

/**
 * Turns a `FetchJWTSVID` response into JWT-SVIDs, in the agent's order.
 *
 * Discards the response (`invalid_response`): no SVIDs (W-19), an SVID with an empty
 * `spiffe_id` or `svid` (W-10), or every SVID dropped by the checks below.
 *
 * Drops one SVID, reported as a problem: a later SVID repeating a non-empty hint (W-19, A-19);
 * a token `JwtSvid.parseInsecure` refuses for `audience` at `now` (header rules, `sub`, `exp`,
 * expiry); a token whose `aud` lacks one of the requested audiences (W-17); a `spiffe_id` field
 * that differs from `sub`; a `sub` other than the requested `subject` (W-18). The signature is
 * not checked: the token comes straight from the agent (go-spiffe's `ParseInsecure`).
 */
export function parseJwtSvidResponse(
  message: JWTSVIDResponse,
  audience: readonly string[],
  subject: SpiffeId | undefined,
  now: Date,
): Accepted<JwtSvid[]> {
  if (message.svids.length === 0) throw discarded(METHOD, 'it has no SVIDs (W-19)');
  message.svids.forEach((s, i) => {
    if (s.spiffeId === '')
      throw discarded(METHOD, `SVID ${i + 1} has an empty mandatory field spiffe_id (W-10)`);
    if (s.svid === '') throw discarded(METHOD, `SVID ${i + 1} has an empty mandatory field svid (W-10)`);
  });
  const problems: WorkloadApiError[] = [];
  const svids: JwtSvid[] = [];
  const hints = new Set<string>();
  message.svids.forEach((s, i) => {
    const drop = (why: string, cause?: unknown): void => {
      problems.push(
        invalidResponse(METHOD, `JWT-SVID ${i + 1} ${quote(s.spiffeId)} discarded: ${why}`, cause),
      );
    };
    if (s.hint !== '') {
      if (hints.has(s.hint)) return drop(`its hint ${quote(s.hint)} repeats an earlier SVID's (W-19, A-19)`);
      hints.add(s.hint);
    }
    let svid: JwtSvid;
    try {
      svid = JwtSvid.parseInsecure(s.svid, audience, { hint: s.hint, time: now });
    } catch (cause) {
      return drop(reason(cause), cause);
    }
    const missing = audience.filter((a) => !svid.audience.includes(a));
    if (missing.length > 0)
      return drop(`its aud lacks the requested audience ${quote(missing.join(', '))} (W-17)`);
    if (svid.id.toString() !== s.spiffeId) {
      return drop(`its sub is ${quote(svid.id.toString())}, not the spiffe_id field`);
    }
    if (subject !== undefined && !svid.id.equals(subject)) {
      return drop(
        `it is for ${quote(svid.id.toString())}, not the requested ${quote(subject.toString())} (W-18)`,
      );
    }
    svids.push(svid);
  });
  if (svids.length === 0) {
    throw discarded(METHOD, `every SVID was discarded: ${problems.map((p) => p.message).join('; ')}`);
  }
  return { value: svids, problems };
}
