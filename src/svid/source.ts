import type { SpiffeId } from '../spiffeid/index.js';
import type { JwtSvid } from './jwt-svid.js';
import type { X509Svid } from './x509-svid.js';

/** Gives the current X509-SVID (a Workload API source, or a fixed `X509Svid`). */
export interface X509SvidSource {
  /** The current X509-SVID. Throws the source's own error when it has none. */
  getX509Svid(): X509Svid;
}

/** What to ask for when fetching a JWT-SVID. */
export interface JwtSvidParams {
  /** The audience the token is for (J-8; a single, service-scoped audience is recommended, J-11). */
  audience: string;
  /** More audiences, added after `audience`. */
  extraAudiences?: string[];
  /** The SPIFFE ID to fetch a token for, when the workload has several identities. */
  subject?: SpiffeId | string;
}

/** Fetches JWT-SVIDs (a Workload API source). */
export interface JwtSvidSource {
  /** Fetches a JWT-SVID for `params`; `signal` aborts the request. */
  fetchJwtSvid(params: JwtSvidParams, options?: { signal?: AbortSignal }): Promise<JwtSvid>;
}
