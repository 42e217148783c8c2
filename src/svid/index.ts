/**
 * X509-SVIDs and JWT-SVIDs: parsing, verification and validation (X509-SVID and JWT-SVID specs).
 * @module svid
 */
export { SvidError, type SvidErrorCode } from './errors.js';
export { X509Svid, type X509SvidParseOptions } from './x509-svid.js';
export { idFromCertificate } from './certificate-rules.js';
export {
  verifyX509Svid,
  parseAndVerifyX509Svid,
  type VerifyX509SvidOptions,
  type VerifiedX509Svid,
} from './verify.js';
export { JwtSvid, type JwtSvidParseOptions } from './jwt-svid.js';
export { JWT_SVID_ALGORITHMS } from './jwt-algorithms.js';
export type { X509SvidSource, JwtSvidSource, JwtSvidParams } from './source.js';
