import https from 'node:https';
import { isIP } from 'node:net';
import type { X509Bundle } from '../bundle/index.js';
import type { Logger } from '../internal/logger.js';
import type { SpiffeId } from '../spiffeid/index.js';
import { authorizeId, tlsClientOptions } from '../tlsconfig/index.js';

/** TLS 1.2 minimum on both profiles (F-7: Mozilla "intermediate"). */
const MIN_VERSION = 'TLSv1.2';

/** Makes the `https.request` options of each hop of one fetch, with the profile's TLS checks. */
export interface Connector {
  /** Options for a GET of `url` (the configured URL or a redirect target: same checks, F-12, F-17). */
  requestOptions(url: URL): https.RequestOptions;
  /** Releases what the fetch held. */
  close(): void;
}

/**
 * `https_web` (F-12): Node's verification, against `roots` or its public roots, and Node's default
 * `checkServerIdentity` (RFC 6125: DNS or IP SAN, CN fallback). An agent of its own with no
 * session cache: a resumed TLS session skips `checkServerIdentity` (NODE-NOTES §1).
 */
export function webConnector(roots: string[] | undefined): Connector {
  const agent = new https.Agent({ keepAlive: false, maxCachedSessions: 0 });
  return {
    requestOptions: () => ({
      agent,
      rejectUnauthorized: true,
      minVersion: MIN_VERSION,
      ...(roots === undefined ? {} : { ca: roots }),
    }),
    close: () => agent.destroy(),
  };
}

/**
 * `https_spiffe` (F-17): the `tlsconfig` client, which verifies the server's chain as an
 * X509-SVID (X-14..X-19) against `bundle` only (the endpoint's trust domain), authorizes exactly
 * `endpointId`, never resumes a session and does no hostname check. Redirect targets go through
 * the same check (F-16).
 */
export function spiffeConnector(endpointId: SpiffeId, bundle: X509Bundle, logger: Logger): Connector {
  const options = tlsClientOptions(bundle, authorizeId(endpointId), { logger });
  return {
    requestOptions: (url) => {
      const host = url.hostname.replace(/^\[|\]$/g, '');
      // No agent: `https.request` calls `createConnection` itself, so the port must be explicit.
      return {
        ...options,
        port: url.port === '' ? 443 : Number(url.port),
        ...(isIP(host) === 0 ? { servername: host } : {}),
      };
    },
    close: () => {},
  };
}
