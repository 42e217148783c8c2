import type { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import type { X509Svid, X509SvidSource } from '../svid/index.js';
import { nullLogger, type Logger } from '../internal/logger.js';
import { reasonOf } from './errors.js';
import { currentSvid, sameSvid, svidPem } from './local-svid.js';
import { acceptPeer, verifyPeer, type PeerVerifier } from './peer.js';
import { MIN_TLS_VERSION } from './tls-version.js';

/** Trusted roots for a Web PKI server: PEM text, or certificates. */
export type WebPkiRoots = string | Buffer | readonly (string | Buffer | X509Certificate)[];

const BRAND = Symbol.for('@spiffe-ts/sdk:ClientTlsConfig');

/**
 * A client configuration made by `tlsClientOptions`, `mtlsClientOptions` or
 * `mtlsWebClientOptions`: which SVID to present and how to check the server. Opaque; read by the
 * SDK's connection helpers.
 */
export class ClientTlsConfig {
  /** Recognises instances from any copy of this package (ESM and CJS builds alike). */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** @internal brand for `instanceof` across package copies */
  get [BRAND](): true {
    return true;
  }

  readonly #svidSource: X509SvidSource | undefined;
  readonly #verifier: PeerVerifier | undefined;
  readonly #roots: (string | Buffer)[] | undefined;
  readonly #logger: Logger;
  #context: { svid: X509Svid | undefined; context: tls.SecureContext } | undefined;

  /** @internal made by the client option builders */
  constructor(
    svidSource: X509SvidSource | undefined,
    verifier: PeerVerifier | undefined,
    roots: WebPkiRoots | undefined,
    logger: Logger | undefined,
  ) {
    this.#svidSource = svidSource;
    this.#verifier = verifier;
    this.#roots = roots === undefined ? undefined : toPemList(roots);
    this.#logger = logger ?? nullLogger;
  }

  /** Whether the server is verified as an X509-SVID (otherwise by Web PKI). */
  get verifiesSpiffePeer(): boolean {
    return this.#verifier !== undefined;
  }

  /**
   * Opens a TLS connection: the current SVID (if any) as client certificate, never a resumed
   * session, TLS 1.2 minimum; a SPIFFE server is verified and authorized before `secureConnect`
   * is emitted, a Web PKI one by Node (roots and hostname).
   *
   * @throws {TlsConfigError} `svid_unavailable` when the source has no SVID.
   */
  connect(options: tls.ConnectionOptions): tls.TLSSocket {
    const secureContext = this.#secureContext();
    const verifier = this.#verifier;
    const socket = tls.connect({
      ...options,
      secureContext,
      // Resumption would skip verification (go-spiffe #378, NODE-NOTES §1): every connection
      // makes a full handshake.
      session: undefined,
      rejectUnauthorized: verifier === undefined,
      checkServerIdentity:
        verifier === undefined ? (options.checkServerIdentity ?? tls.checkServerIdentity) : noHostnameCheck,
    });
    if (verifier !== undefined) gateSecureConnect(socket, verifier, this.#logger);
    return socket;
  }

  /** The secure context with the current SVID; rebuilt only when the SVID changes. */
  #secureContext(): tls.SecureContext {
    const svid = this.#svidSource === undefined ? undefined : currentSvid(this.#svidSource);
    const cached = this.#context;
    if (
      cached !== undefined &&
      (svid === undefined ? cached.svid === undefined : sameSvid(svid, cached.svid))
    ) {
      return cached.context;
    }
    const context = tls.createSecureContext({
      ...(svid === undefined ? {} : svidPem(svid)),
      // SPIFFE mode: an empty store, OpenSSL's verdict is not used (all checks in JS). Web PKI:
      // the given roots, or Node's default ones.
      ...(this.#verifier !== undefined ? { ca: [] } : this.#roots !== undefined ? { ca: this.#roots } : {}),
      minVersion: MIN_TLS_VERSION,
    });
    this.#context = { svid, context };
    return context;
  }
}

/** SPIFFE peers are identified by their SPIFFE ID, never by hostname (GO-SPIFFE §2.7). */
function noHostnameCheck(): undefined {
  return undefined;
}

/**
 * Verifies the server when Node is about to emit `secureConnect`: on failure the socket is
 * destroyed with the reason and `secureConnect` never fires, so no listener (an HTTP client, a
 * gRPC transport) sees an unverified server, and data written early is never sent (it is
 * flushed only after the handshake callbacks return; measured).
 */
function gateSecureConnect(socket: tls.TLSSocket, verifier: PeerVerifier, logger: Logger): void {
  const emit = socket.emit as (this: tls.TLSSocket, event: string | symbol, ...args: unknown[]) => boolean;
  socket.emit = function gate(this: tls.TLSSocket, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'secureConnect') return emit.call(this, event, ...args);
    socket.emit = emit;
    try {
      acceptPeer(socket, verifyPeer(socket, verifier));
    } catch (error) {
      logger.warn(
        `tlsconfig: refused TLS server ${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}: ${reasonOf(error)}`,
      );
      socket.destroy(error as Error);
      return false;
    }
    return emit.call(this, event, ...args);
  } as tls.TLSSocket['emit'];
}

/** Roots as the `ca` option takes them. */
export function toPemList(roots: WebPkiRoots): (string | Buffer)[] {
  const list = typeof roots === 'string' || Buffer.isBuffer(roots) ? [roots] : [...roots];
  return list.map((r) => (typeof r === 'string' || Buffer.isBuffer(r) ? r : r.toString()));
}
