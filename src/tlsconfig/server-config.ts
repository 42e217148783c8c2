import type { X509Svid, X509SvidSource } from '../svid/index.js';
import { nullLogger, type Logger } from '../internal/logger.js';
import type { PeerVerifier } from './peer.js';

const BRAND = Symbol.for('@spiffe-ts/sdk:ServerTlsConfig');

/**
 * A server configuration made by `tlsServerOptions`, `mtlsServerOptions` or
 * `mtlsWebServerOptions`: which certificate to serve and how to check clients. Opaque; read by
 * `guardServer` and the server helpers.
 */
export class ServerTlsConfig {
  /** Recognises instances from any copy of this package (ESM and CJS builds alike). */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** @internal brand for `instanceof` across package copies */
  get [BRAND](): true {
    return true;
  }

  /** @internal the source of the served SVID; undefined for a fixed Web PKI certificate */
  readonly svidSource: X509SvidSource | undefined;
  /** @internal the SVID the options were built with */
  readonly initialSvid: X509Svid | undefined;
  /** @internal how clients are checked; undefined when they are not asked for a certificate */
  readonly verifier: PeerVerifier | undefined;
  /** @internal where refusals and identity problems are reported */
  readonly logger: Logger;

  /** @internal made by the server option builders */
  constructor(
    svidSource: X509SvidSource | undefined,
    initialSvid: X509Svid | undefined,
    verifier: PeerVerifier | undefined,
    logger: Logger | undefined,
  ) {
    this.svidSource = svidSource;
    this.initialSvid = initialSvid;
    this.verifier = verifier;
    this.logger = logger ?? nullLogger;
  }
}
