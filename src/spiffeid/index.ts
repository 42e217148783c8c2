/**
 * SPIFFE IDs and trust domains: parsing, building and matching (SPIFFE-ID spec).
 * @module spiffeid
 */
export { SpiffeId, type SpiffeIdLike } from './spiffe-id.js';
export { TrustDomain } from './trust-domain.js';
export { SpiffeIdError, type SpiffeIdErrorCode } from './errors.js';
export { validatePath, validatePathSegment, joinPathSegments } from './path.js';
export { matchAny, matchId, matchIdPrefix, matchOneOf, matchMemberOf, type Matcher } from './match.js';
export { MAX_ID_BYTES, MAX_TRUST_DOMAIN_BYTES } from './charset.js';
