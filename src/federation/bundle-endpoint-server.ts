import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SpiffeBundleSource } from '../bundle/index.js';
import { quote } from '../internal/errors.js';
import { nullLogger, type Logger } from '../internal/logger.js';
import type { TrustDomain } from '../spiffeid/index.js';
import type { X509SvidSource } from '../svid/index.js';
import { createHttpsServer, tlsServerOptions } from '../tlsconfig/index.js';
import { createBundleEndpointHandler } from './bundle-endpoint-handler.js';
import { FederationError, reasonOf } from './errors.js';
import { whole } from './fetch-options.js';

/**
 * F-7: Mozilla's "intermediate" configuration (v5.7): TLS 1.2 and 1.3, AEAD suites with forward
 * secrecy only.
 */
const INTERMEDIATE_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'DHE-RSA-AES128-GCM-SHA256',
  'DHE-RSA-AES256-GCM-SHA384',
  'DHE-RSA-CHACHA20-POLY1305',
].join(':');
const TLS_PROFILE = {
  minVersion: 'TLSv1.2',
  ciphers: INTERMEDIATE_CIPHERS,
  honorCipherOrder: false,
} as const;
/** SPIRE's default bundle endpoint port. */
const DEFAULT_PORT = 8443;

/** What both profiles of {@link serveBundleEndpoint} take. */
export interface BundleEndpointServerCommonOptions {
  /** The trust domain whose bundle is served. */
  trustDomain: TrustDomain | string;
  /** Gives the bundle, read on every request (a `BundleSource`, a `SpiffeBundle`, ...). */
  source: SpiffeBundleSource;
  /** TCP port; default 8443 (SPIRE's); 0 picks a free one. */
  port?: number;
  /** Address to listen on; default all interfaces. */
  host?: string;
  /** The path the bundle is served at; other paths get 404. Default `/`. */
  path?: string;
  /** Where failures are logged (requests at debug level); default: silent. */
  logger?: Logger;
}

/** An `https_web` bundle endpoint (F-11): a Web PKI certificate for the endpoint's DNS name or IP. */
export interface HttpsWebBundleEndpointOptions extends BundleEndpointServerCommonOptions {
  profile: 'https_web';
  /** Certificate chain (PEM), leaf first, with the DNS name or IP in its SAN. */
  cert: string | Buffer;
  /** Its private key (PEM). */
  key: string | Buffer;
}

/** An `https_spiffe` bundle endpoint (F-15): it presents the current X509-SVID of `svidSource`. */
export interface HttpsSpiffeBundleEndpointOptions extends BundleEndpointServerCommonOptions {
  profile: 'https_spiffe';
  /** Where the endpoint's X509-SVID comes from (an `X509Source`); rotations are picked up. */
  svidSource: X509SvidSource;
}

/** Options of {@link serveBundleEndpoint}. */
export type BundleEndpointServerOptions = HttpsWebBundleEndpointOptions | HttpsSpiffeBundleEndpointOptions;

/** A running bundle endpoint. */
export interface BundleEndpointServer extends AsyncDisposable {
  /** The endpoint URL (`https://host:port/path`; `localhost` when listening on all interfaces). */
  readonly url: string;
  /** The port listened on. */
  readonly port: number;
  /** The underlying server. */
  readonly server: https.Server;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * Serves the bundle of `trustDomain` over HTTPS (SPIFFE Federation §5.2, F-6: both profiles
 * offered): {@link createBundleEndpointHandler} at `path`, on a server with Mozilla's
 * "intermediate" TLS settings (F-7) and no client authentication (F-11).
 *
 * - `https_web`: presents `cert`/`key`.
 * - `https_spiffe`: presents the current X509-SVID of `svidSource` (F-15) and follows its
 *   rotations: every new connection gets the current SVID (`tlsconfig`'s guarded server), open
 *   ones keep theirs.
 *
 * @example
 * const endpoint = await serveBundleEndpoint({
 *   trustDomain: 'example.org', source: bundleSource, profile: 'https_spiffe', svidSource: x509Source,
 * });
 * console.log(endpoint.url);
 * @throws {FederationError} `invalid_argument` for bad options (or no SVID to present), `network`
 *   when it cannot listen.
 */
export async function serveBundleEndpoint(
  options: BundleEndpointServerOptions,
): Promise<BundleEndpointServer> {
  const where = 'serveBundleEndpoint';
  if (typeof options !== 'object' || options === null) {
    throw new FederationError('invalid_argument', `${where}: options are required`);
  }
  const logger = options.logger ?? nullLogger;
  const handler = createBundleEndpointHandler(options.trustDomain, options.source, { logger });
  const path = options.path ?? '/';
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new FederationError('invalid_argument', `${where}: path must start with "/"`);
  }
  const port = whole(options.port, DEFAULT_PORT, 0, `${where}: port`);
  const host = options.host;
  if (host !== undefined && (typeof host !== 'string' || host === '')) {
    throw new FederationError('invalid_argument', `${where}: host must be a non-empty string`);
  }
  const routed = (req: IncomingMessage, res: ServerResponse): void => {
    const requested = (req.url ?? '/').split('?')[0];
    if (requested !== path) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('not found');
      return;
    }
    handler(req, res);
  };
  const server = createServer(options, routed, where, logger);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => {
      reject(
        new FederationError(
          'network',
          `${where}: cannot listen on ${host ?? '*'}:${port}: ${reasonOf(error)}`,
          { cause: error },
        ),
      );
    });
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const shown =
    host === undefined || host === '0.0.0.0' || host === '::'
      ? 'localhost'
      : host.includes(':')
        ? `[${host}]`
        : host;
  const url = `https://${shown}:${bound}${path}`;
  logger.info(
    `federation: serving the bundle of ${quote(String(options.trustDomain))} at ${url} (${options.profile})`,
  );
  const close = (): Promise<void> =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return Object.freeze({ url, port: bound, server, close, [Symbol.asyncDispose]: close });
}

function createServer(
  options: BundleEndpointServerOptions,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  where: string,
  logger: Logger,
): https.Server {
  if (options.profile === 'https_web') {
    const { cert, key } = options;
    const isPem = (v: unknown): boolean =>
      (typeof v === 'string' && v !== '') || (Buffer.isBuffer(v) && v.length > 0);
    if (!isPem(cert) || !isPem(key)) {
      throw new FederationError('invalid_argument', `${where}: https_web needs cert and key in PEM`);
    }
    try {
      return https.createServer({ ...TLS_PROFILE, cert, key }, handler);
    } catch (error) {
      throw new FederationError('invalid_argument', `${where}: unusable cert or key: ${reasonOf(error)}`, {
        cause: error,
      });
    }
  }
  if (options.profile === 'https_spiffe') {
    try {
      return createHttpsServer(
        { ...tlsServerOptions(options.svidSource, { logger }), ...TLS_PROFILE },
        handler,
      );
    } catch (error) {
      throw new FederationError(
        'invalid_argument',
        `${where}: cannot serve the X509-SVID: ${reasonOf(error)}`,
        {
          cause: error,
        },
      );
    }
  }
  throw new FederationError(
    'invalid_argument',
    `${where}: profile must be 'https_web' or 'https_spiffe', got ${quote(String((options as { profile?: unknown }).profile))} (F-6)`,
  );
}
