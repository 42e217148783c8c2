import { constants } from 'node:crypto';
import type { SecureVersion } from 'node:tls';
import type { X509BundleSource } from '../bundle/index.js';
import type { X509SvidSource } from '../svid/index.js';
import { checkAuthorizer, type Authorizer } from './authorizer.js';
import { checkBundleSource, type TlsConfigOptions } from './client-options.js';
import { TlsConfigError } from './errors.js';
import { checkSvidSource, currentSvid, svidPem } from './local-svid.js';
import { ServerTlsConfig } from './server-config.js';
import { MIN_TLS_VERSION } from './tls-version.js';

/**
 * Server options for `tls.createServer`, `https.createServer` and `http2.createSecureServer`,
 * holding the current certificate. Spread them into your own options freely.
 *
 * Pass the same object to `guardServer` (or use `createTlsServer`, `createHttpsServer`,
 * `createHttp2SecureServer`, `createGrpcTlsServer`, which do): it verifies clients and rotates
 * the certificate. Without it, options that ask for client certificates fail closed (`ca` is
 * empty, so every client is refused), and the certificate never rotates.
 */
export interface SpiffeTlsServerOptions {
  /** The SDK's server configuration. */
  readonly spiffeTls: ServerTlsConfig;
  /** The served certificate chain (PEM), leaf first. */
  readonly cert: string | Buffer;
  /** Its private key (PEM). Never logged by the SDK. */
  readonly key: string | Buffer;
  /** TLS 1.2 minimum. */
  readonly minVersion: SecureVersion;
  /** Whether clients are asked for a certificate. */
  readonly requestCert: boolean;
  /** Fail closed until `guardServer` takes over the check. */
  readonly rejectUnauthorized: true;
  /** Empty: OpenSSL trusts nothing, the guard does every check in JS. */
  readonly ca?: string[];
  /** `SSL_OP_NO_TICKET` where clients are authenticated: a resumed session would lose the client's chain. */
  readonly secureOptions?: number;
}

/** A Web PKI certificate and key for `mtlsWebServerOptions`. */
export interface WebPkiCertificate {
  /** The certificate chain (PEM). */
  cert: string | Buffer;
  /** The private key (PEM). */
  key: string | Buffer;
}

/**
 * Options for a TLS server that presents the current X509-SVID of `svidSource` and does not
 * authenticate clients (go-spiffe `TLSServerConfig`).
 *
 * @throws {TlsConfigError} `invalid_argument` for a bad source; `svid_unavailable` when it has no SVID.
 */
export function tlsServerOptions(
  svidSource: X509SvidSource,
  options?: TlsConfigOptions,
): SpiffeTlsServerOptions {
  const source = checkSvidSource(svidSource, 'tlsServerOptions');
  const svid = currentSvid(source);
  return Object.freeze({
    spiffeTls: new ServerTlsConfig(source, svid, undefined, options?.logger),
    ...svidPem(svid),
    minVersion: MIN_TLS_VERSION,
    requestCert: false,
    rejectUnauthorized: true as const,
  });
}

/**
 * Options for an mTLS server: presents the current X509-SVID of `svidSource`, requires a client
 * X509-SVID, verifies it against the bundle of the client's trust domain and authorizes it
 * (go-spiffe `MTLSServerConfig`).
 *
 * @throws {TlsConfigError} `invalid_argument` for a bad source or authorizer;
 *   `svid_unavailable` when the source has no SVID.
 */
export function mtlsServerOptions(
  svidSource: X509SvidSource,
  bundleSource: X509BundleSource,
  authorizer: Authorizer,
  options?: TlsConfigOptions,
): SpiffeTlsServerOptions {
  const where = 'mtlsServerOptions';
  const source = checkSvidSource(svidSource, where);
  const verifier = {
    bundleSource: checkBundleSource(bundleSource, where),
    authorizer: checkAuthorizer(authorizer, where),
  };
  const svid = currentSvid(source);
  return clientAuthOptions(new ServerTlsConfig(source, svid, verifier, options?.logger), svidPem(svid));
}

/**
 * Options for an mTLS server with a Web PKI certificate: presents `certificate`, requires a
 * client X509-SVID, verifies it against the bundle of the client's trust domain and authorizes it
 * (go-spiffe `MTLSWebServerConfig`).
 *
 * @throws {TlsConfigError} `invalid_argument` for a bad certificate, source or authorizer.
 */
export function mtlsWebServerOptions(
  certificate: WebPkiCertificate,
  bundleSource: X509BundleSource,
  authorizer: Authorizer,
  options?: TlsConfigOptions,
): SpiffeTlsServerOptions {
  const where = 'mtlsWebServerOptions';
  const { cert, key } = (certificate ?? {}) as Partial<WebPkiCertificate>;
  const isPem = (v: unknown): v is string | Buffer =>
    (typeof v === 'string' && v !== '') || (Buffer.isBuffer(v) && v.length > 0);
  if (!isPem(cert) || !isPem(key)) {
    throw new TlsConfigError('invalid_argument', `${where}: certificate must be { cert, key } in PEM`);
  }
  const verifier = {
    bundleSource: checkBundleSource(bundleSource, where),
    authorizer: checkAuthorizer(authorizer, where),
  };
  return clientAuthOptions(new ServerTlsConfig(undefined, undefined, verifier, options?.logger), {
    cert,
    key,
  });
}

/** Reads the configuration of options made by the builders. @throws {TlsConfigError} `invalid_argument`. */
export function serverConfigOf(options: unknown, where: string): ServerTlsConfig {
  const config = (options as Partial<SpiffeTlsServerOptions> | null)?.spiffeTls;
  if (!(config instanceof ServerTlsConfig)) {
    throw new TlsConfigError(
      'invalid_argument',
      `${where}: pass the result of tlsServerOptions, mtlsServerOptions or mtlsWebServerOptions`,
    );
  }
  return config;
}

function clientAuthOptions(
  config: ServerTlsConfig,
  credential: { cert: string | Buffer; key: string | Buffer },
): SpiffeTlsServerOptions {
  return Object.freeze({
    spiffeTls: config,
    ...credential,
    minVersion: MIN_TLS_VERSION,
    requestCert: true,
    rejectUnauthorized: true as const,
    ca: [],
    // No session tickets (and no session cache without a 'newSession' listener): a resumed
    // session loses the client's chain on the server side (NODE-NOTES §1), and every
    // connection is verified in full anyway.
    secureOptions: constants.SSL_OP_NO_TICKET,
  });
}
