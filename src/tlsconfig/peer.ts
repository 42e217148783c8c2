import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { X509BundleSource } from '../bundle/index.js';
import type { SpiffeId } from '../spiffeid/index.js';
import { verifyX509Svid } from '../svid/index.js';
import { runAuthorizer, type Authorizer } from './authorizer.js';
import { reasonOf, TlsConfigError } from './errors.js';

/**
 * Where a verified peer is stored on its socket. A symbol property rather than a WeakMap: HTTP/2
 * hands out Proxy objects for the session socket, and a property read passes through them.
 * `Symbol.for` so that the ESM and CJS copies of the package agree.
 */
const PEER = Symbol.for('@spiffe-ts/sdk:tlsconfig:peer');
/**
 * Marks the peer-certificate objects that an accepted socket's `getPeerCertificate()` returns
 * (see `acceptPeer`): grpc-js's auth context passes that very object to the handler, and this
 * mark is how `peerIdFromCall` tells a peer the SDK verified from one only OpenSSL checked.
 */
const CERTIFICATE_PEER = Symbol.for('@spiffe-ts/sdk:tlsconfig:certificate-peer');
/** More certificates than any real SVID chain; a longer one is refused before any parsing. */
const MAX_PRESENTED = 16;

/** A peer whose X509-SVID verified and who was authorized. */
export interface VerifiedPeer {
  id: SpiffeId;
  chains: X509Certificate[][];
}

/** How a peer is checked: against which bundles, and who may connect. */
export interface PeerVerifier {
  bundleSource: X509BundleSource;
  authorizer: Authorizer;
}

/**
 * The certificates the peer presented, leaf first. Reads the peer chain once:
 * `getPeerX509Certificate()` is cheap, but on Node 20 it takes the chain out of OpenSSL's peer
 * stack, so a second call gives less (NODE-NOTES §1).
 */
function presentedChain(socket: TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  let cert: X509Certificate | undefined = socket.getPeerX509Certificate();
  while (cert !== undefined && chain.length <= MAX_PRESENTED) {
    chain.push(cert);
    cert = cert.issuerCertificate;
  }
  return chain;
}

/**
 * Verifies the peer of a TLS socket whose handshake just completed: its chain as an X509-SVID
 * against the bundle of its own trust domain only (X-14..X-19, W-11, by the `svid` layer's RFC
 * 5280 path validation), then the authorizer. OpenSSL's own verdict is ignored: it trusts every
 * CA it is given whatever the trust domain (NODE-NOTES §1). No hostname check: the SPIFFE ID is
 * the identity. A resumed session is verified like any other (go-spiffe #378).
 *
 * @throws {TlsConfigError} `untrusted_peer` or `unauthorized`.
 */
export function verifyPeer(socket: TLSSocket, verifier: PeerVerifier): VerifiedPeer {
  const chain = presentedChain(socket);
  if (chain.length === 0) {
    throw new TlsConfigError('untrusted_peer', 'the peer presented no certificate; an X509-SVID is required');
  }
  if (chain.length > MAX_PRESENTED) {
    throw new TlsConfigError('untrusted_peer', `the peer presented more than ${MAX_PRESENTED} certificates`);
  }
  let peer: VerifiedPeer;
  try {
    peer = verifyX509Svid(chain, verifier.bundleSource);
  } catch (error) {
    throw new TlsConfigError('untrusted_peer', `the peer's X509-SVID did not verify: ${reasonOf(error)}`, {
      cause: error,
    });
  }
  runAuthorizer(verifier.authorizer, peer.id, peer.chains);
  return peer;
}

/**
 * Records a verified peer on its socket (for `peerIdFrom`) and marks the socket authorized, as
 * Node does for a peer OpenSSL verified, so that code reading `socket.authorized` (and grpc-js's
 * auth context) sees the SPIFFE verdict. The socket's `getPeerCertificate()` then returns objects
 * that carry the verified peer (for `peerIdFromCall`, which sees only that object).
 */
export function acceptPeer(socket: TLSSocket, peer: VerifiedPeer): void {
  Object.defineProperty(socket, PEER, { value: peer, configurable: true });
  socket.authorized = true;
  (socket as { authorizationError?: unknown }).authorizationError = undefined;
  const getPeerCertificate = socket.getPeerCertificate;
  Object.defineProperty(socket, 'getPeerCertificate', {
    configurable: true,
    writable: true,
    value: function markedPeerCertificate(this: TLSSocket, detailed?: boolean) {
      const certificate: unknown = Reflect.apply(getPeerCertificate, this, [detailed]);
      if (typeof certificate === 'object' && certificate !== null) {
        Object.defineProperty(certificate, CERTIFICATE_PEER, { value: peer });
      }
      return certificate;
    },
  });
}

/**
 * The verified peer whose socket returned `certificate` from `getPeerCertificate()`, if the SDK
 * accepted that socket (`acceptPeer`); `undefined` for any other object, such as the certificate
 * of a peer that only OpenSSL verified (grpc-js `ServerCredentials.createSsl`).
 */
export function peerOfCertificate(certificate: unknown): VerifiedPeer | undefined {
  if (typeof certificate !== 'object' || certificate === null) return undefined;
  const peer = Object.getOwnPropertyDescriptor(certificate, CERTIFICATE_PEER)?.value as unknown;
  return peer !== undefined && typeof peer === 'object' ? (peer as VerifiedPeer) : undefined;
}

/**
 * The verified peer recorded on a socket, or a socket reached through a request, stream or
 * session. HTTP/2 getters throw once the session is gone: that reads as no peer.
 */
function recordedPeer(target: unknown): VerifiedPeer | undefined {
  try {
    return lookUpPeer(target);
  } catch {
    return undefined;
  }
}

/** The verified peer behind a socket, request, stream or session, if the SDK accepted it. */
export function verifiedPeerOf(target: unknown): VerifiedPeer | undefined {
  return recordedPeer(target);
}

function lookUpPeer(target: unknown): VerifiedPeer | undefined {
  if (typeof target !== 'object' || target === null) return undefined;
  const own = (target as Record<symbol, VerifiedPeer | undefined>)[PEER];
  if (own !== undefined) return own;
  const t = target as {
    socket?: unknown;
    stream?: { session?: { socket?: unknown } };
    session?: { socket?: unknown };
  };
  for (const next of [t.socket, t.session?.socket, t.stream?.session?.socket]) {
    if (typeof next === 'object' && next !== null) {
      const peer = (next as Record<symbol, VerifiedPeer | undefined>)[PEER];
      if (peer !== undefined) return peer;
    }
  }
  return undefined;
}

/**
 * The SPIFFE ID of the verified peer of a connection made or accepted by this SDK (go-spiffe
 * `spiffetls.PeerIDFromConn`). Takes a `TLSSocket`, an HTTP request or response
 * (`http.IncomingMessage`, `http.ClientRequest`), an HTTP/2 request, stream or session.
 *
 * @throws {TlsConfigError} `no_peer_id` when the connection has no SPIFFE-verified peer (e.g. a
 *   plain TLS socket, or a TLS server that does not authenticate clients).
 */
export function peerIdFrom(socketOrRequest: unknown): SpiffeId {
  const peer = recordedPeer(socketOrRequest);
  if (peer === undefined) {
    throw new TlsConfigError(
      'no_peer_id',
      'the connection has no verified SPIFFE peer (was it made or accepted by @spiffe-ts/sdk/tlsconfig with peer verification?)',
    );
  }
  return peer.id;
}
