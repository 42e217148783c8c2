import type { ClientRequestArgs } from 'node:http';
import type { SessionOptions } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { SecureVersion, TLSSocket } from 'node:tls';
import type { X509BundleSource } from '../bundle/index.js';
import type { Logger } from '../internal/logger.js';
import type { X509SvidSource } from '../svid/index.js';
import { checkAuthorizer, type Authorizer } from './authorizer.js';
import { ClientTlsConfig, toPemList, type WebPkiRoots } from './client-config.js';
import { TlsConfigError } from './errors.js';
import { checkSvidSource } from './local-svid.js';
import { MIN_TLS_VERSION } from './tls-version.js';

/** Options shared by the option builders. */
export interface TlsConfigOptions {
  /** Where refused peers and identity problems are reported (never keys or tokens); default: silent. */
  logger?: Logger;
}

/**
 * What `createConnection` accepts: the HTTPS client's `(options, oncreate)` and HTTP/2's
 * `(authority, options)`.
 */
export interface SpiffeCreateConnection {
  (options: ClientRequestArgs, oncreate?: (err: Error | null, socket: Duplex) => void): TLSSocket;
  (authority: URL, options: SessionOptions): TLSSocket;
}

/**
 * Client options for `https.request`/`https.get`, `http2.connect` and the SDK's `connect`,
 * `createHttpsAgent`, `createDispatcher` and `grpcChannelCredentials`. Spread them into your own
 * options freely (`{ ...opts, timeout: 5000 }`).
 *
 * The SPIFFE checks run in `createConnection`. Used where it is ignored (`tls.connect` itself,
 * an `https.Agent` of your own), the options fail closed: `ca` is empty, so every server is
 * refused.
 */
export interface SpiffeTlsClientOptions {
  /** The SDK's client configuration. */
  readonly spiffeTls: ClientTlsConfig;
  /** Opens a verified connection with the current SVID (see `connect`). */
  readonly createConnection: SpiffeCreateConnection;
  /** TLS 1.2 minimum. */
  readonly minVersion: SecureVersion;
  /** Fail closed where `createConnection` is bypassed. */
  readonly rejectUnauthorized: true;
  /** Empty for SPIFFE servers (fail closed where `createConnection` is bypassed); the roots for Web PKI. */
  readonly ca?: (string | Buffer)[];
}

/**
 * Options for a TLS client that verifies the server's X509-SVID against the bundle of the
 * server's trust domain and authorizes it, and presents no client certificate (go-spiffe
 * `TLSClientConfig`).
 *
 * @throws {TlsConfigError} `invalid_argument` for a bad source or authorizer.
 */
export function tlsClientOptions(
  bundleSource: X509BundleSource,
  authorizer: Authorizer,
  options?: TlsConfigOptions,
): SpiffeTlsClientOptions {
  const where = 'tlsClientOptions';
  return clientOptions(
    new ClientTlsConfig(
      undefined,
      {
        bundleSource: checkBundleSource(bundleSource, where),
        authorizer: checkAuthorizer(authorizer, where),
      },
      undefined,
      options?.logger,
    ),
  );
}

/**
 * Options for an mTLS client: presents the current X509-SVID of `svidSource` on every new
 * connection, verifies the server's X509-SVID against the bundle of the server's trust domain
 * and authorizes it (go-spiffe `MTLSClientConfig`).
 *
 * @throws {TlsConfigError} `invalid_argument` for a bad source or authorizer.
 */
export function mtlsClientOptions(
  svidSource: X509SvidSource,
  bundleSource: X509BundleSource,
  authorizer: Authorizer,
  options?: TlsConfigOptions,
): SpiffeTlsClientOptions {
  const where = 'mtlsClientOptions';
  return clientOptions(
    new ClientTlsConfig(
      checkSvidSource(svidSource, where),
      {
        bundleSource: checkBundleSource(bundleSource, where),
        authorizer: checkAuthorizer(authorizer, where),
      },
      undefined,
      options?.logger,
    ),
  );
}

/**
 * Options for an mTLS client to a Web PKI server: presents the current X509-SVID, verifies the
 * server the usual way (the `roots`, or Node's default CAs, and the hostname) (go-spiffe
 * `MTLSWebClientConfig`).
 *
 * @throws {TlsConfigError} `invalid_argument` for a bad source or roots.
 */
export function mtlsWebClientOptions(
  svidSource: X509SvidSource,
  roots?: WebPkiRoots,
  options?: TlsConfigOptions,
): SpiffeTlsClientOptions {
  const where = 'mtlsWebClientOptions';
  if (roots !== undefined && typeof roots !== 'string' && !Buffer.isBuffer(roots) && !Array.isArray(roots)) {
    throw new TlsConfigError(
      'invalid_argument',
      `${where}: roots must be PEM text or a list of certificates`,
    );
  }
  return clientOptions(
    new ClientTlsConfig(checkSvidSource(svidSource, where), undefined, roots, options?.logger),
    roots,
  );
}

/** Reads the configuration of options made by the builders. @throws {TlsConfigError} `invalid_argument`. */
export function clientConfigOf(options: unknown, where: string): ClientTlsConfig {
  const config = (options as Partial<SpiffeTlsClientOptions> | null)?.spiffeTls;
  if (!(config instanceof ClientTlsConfig)) {
    throw new TlsConfigError(
      'invalid_argument',
      `${where}: pass the result of tlsClientOptions, mtlsClientOptions or mtlsWebClientOptions`,
    );
  }
  return config;
}

function clientOptions(config: ClientTlsConfig, roots?: WebPkiRoots): SpiffeTlsClientOptions {
  const createConnection = ((first: ClientRequestArgs | URL, second?: unknown): TLSSocket => {
    if (first instanceof URL) {
      // HTTP/2: (authority, options).
      return config.connect({
        ...(second as object),
        host: first.hostname.replace(/^\[(.*)\]$/, '$1'), // IPv6 literals come bracketed
        port: Number(first.port || 443),
        ALPNProtocols: ['h2'],
      });
    }
    const { host, hostname, port, servername } = first as ClientRequestArgs & { servername?: string };
    return config.connect({
      ...(first as object),
      host: hostname ?? host ?? 'localhost',
      port: Number(port ?? 443),
      ...(servername ? { servername } : {}),
    });
  }) as SpiffeCreateConnection;
  const web = !config.verifiesSpiffePeer;
  return Object.freeze({
    spiffeTls: config,
    createConnection,
    minVersion: MIN_TLS_VERSION,
    rejectUnauthorized: true as const,
    ...(web ? (roots === undefined ? {} : { ca: toPemList(roots) }) : { ca: [] }),
  });
}

/** Checks a bundle source argument. @throws {TlsConfigError} `invalid_argument`. */
export function checkBundleSource(source: unknown, where: string): X509BundleSource {
  if (typeof (source as Partial<X509BundleSource> | null)?.getX509BundleForTrustDomain !== 'function') {
    throw new TlsConfigError(
      'invalid_argument',
      `${where}: bundleSource must be an X.509 bundle source (an X509Source, X509BundleSet or X509Bundle)`,
    );
  }
  return source as X509BundleSource;
}
