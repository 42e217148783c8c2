import { SpiffeError } from '../internal/errors.js';

/**
 * Why a `tlsconfig` operation failed. Stable across releases; the message adds what and where,
 * and the rule id (`X-n`, `J-n`, `W-n`) that was broken.
 *
 * Peers (TLS handshakes):
 * - `untrusted_peer`: the peer's certificate chain is not a valid X509-SVID of its own trust
 *   domain (X-14..X-19, W-11), or the peer sent no certificate; `cause` is the `SvidError`.
 * - `unauthorized`: the peer (or a JWT-SVID's subject) is a valid SVID, but the authorizer refused
 *   it; the message says why.
 * - `no_peer_id`: `peerIdFrom` / `peerIdFromCall` found no verified SPIFFE peer.
 *
 * Local identity:
 * - `svid_unavailable`: the X509-SVID source gave no SVID (it was closed, or has none); `cause`
 *   is the source's error.
 *
 * JWT-SVID authentication (J-14):
 * - `missing_token`: no `Authorization: Bearer <JWT-SVID>` header (or gRPC `authorization`
 *   metadata), or a malformed one.
 * - `invalid_token`: the JWT-SVID did not validate; `cause` is the `SvidError` (or the Workload
 *   API error when the agent validated it).
 * - `token_unavailable`: the client side could not fetch a JWT-SVID to send; `cause` says why.
 *
 * Arguments:
 * - `invalid_argument`: a source, authorizer, option or server that cannot be used.
 * - `invalid_pattern`: a SPIFFE ID pattern of `authorizeMatch` / `authorizePolicy` is malformed.
 * - `invalid_policy`: an `authorizePolicy` rule table is malformed.
 */
export type TlsConfigErrorCode =
  | 'untrusted_peer'
  | 'unauthorized'
  | 'no_peer_id'
  | 'svid_unavailable'
  | 'missing_token'
  | 'invalid_token'
  | 'token_unavailable'
  | 'invalid_argument'
  | 'invalid_pattern'
  | 'invalid_policy';

/** Thrown by the `tlsconfig` layer: refused peers and tokens, missing identities, bad arguments. */
export class TlsConfigError extends SpiffeError {
  declare readonly code: TlsConfigErrorCode;

  /** Creates the error with its stable `code`, a message saying what was wrong and where, and an optional `cause`. */
  constructor(code: TlsConfigErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The message of any thrown value, for wrapping it into a `TlsConfigError`. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
