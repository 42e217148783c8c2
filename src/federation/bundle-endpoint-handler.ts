import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SpiffeBundleSource } from '../bundle/index.js';
import { quote } from '../internal/errors.js';
import { nullLogger, type Logger } from '../internal/logger.js';
import { TrustDomain } from '../spiffeid/index.js';
import { FederationError, reasonOf } from './errors.js';

/** Options of {@link createBundleEndpointHandler}. */
export interface BundleEndpointHandlerOptions {
  /** Where failures (and, at debug level, each request) are logged; default: silent. */
  logger?: Logger;
}

/** A Node HTTP request handler: `http`/`https` servers, Express (`app.get(path, handler)`), Fastify (raw). */
export type BundleEndpointHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A request handler that serves the SPIFFE bundle of `trustDomain` (SPIFFE Federation §5.2, the
 * server side of both profiles; go-spiffe `federation.NewHandler`):
 *
 * - `GET` (and `HEAD`, headers only): `200` with `Content-Type: application/json` and the
 *   bundle as `SpiffeBundle.marshal()` writes it (UTF-8 JSON, F-11), read from `source` on every
 *   request so it is always the newest (F-11).
 * - Any other method: `405` with `Allow: GET, HEAD`.
 * - `source` fails, or gives a bundle of another trust domain (F-8): `500`
 *   `unable to serve bundle for "<td>"`, logged; details are never sent to the client.
 *
 * It ignores the path, so mount it where the endpoint URL points. It does no TLS: serve it over
 * HTTPS (`serveBundleEndpoint`, or your own `https` server).
 *
 * @example
 * app.get('/bundle', createBundleEndpointHandler('example.org', bundleSource));   // Express
 * fastify.get('/bundle', (req, reply) => { reply.hijack(); handler(req.raw, reply.raw); });   // Fastify
 * @throws {FederationError} `invalid_argument` for a bad trust domain, source or logger.
 */
export function createBundleEndpointHandler(
  trustDomain: TrustDomain | string,
  source: SpiffeBundleSource,
  options: BundleEndpointHandlerOptions = {},
): BundleEndpointHandler {
  const where = 'createBundleEndpointHandler';
  let td: TrustDomain;
  try {
    td = TrustDomain.from(trustDomain);
  } catch (error) {
    throw new FederationError('invalid_argument', `${where}: invalid trust domain: ${reasonOf(error)}`, {
      cause: error,
    });
  }
  if (typeof (source as Partial<SpiffeBundleSource> | null)?.getBundleForTrustDomain !== 'function') {
    throw new FederationError(
      'invalid_argument',
      `${where}: source must be a SPIFFE bundle source (a SpiffeBundle, SpiffeBundleSet, BundleSource or FederatedBundleSet)`,
    );
  }
  const logger = options?.logger ?? nullLogger;
  if (typeof logger.error !== 'function' || typeof logger.debug !== 'function') {
    throw new FederationError(
      'invalid_argument',
      `${where}: logger must have debug, info, warn and error methods`,
    );
  }
  const failure = `unable to serve bundle for ${JSON.stringify(td.name)}`;

  return (req, res) => {
    const method = req.method ?? '';
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('method is not allowed');
      return;
    }
    let body: string;
    let sequence: bigint | undefined;
    try {
      const bundle = source.getBundleForTrustDomain(td);
      if (!bundle.trustDomain.equals(td)) {
        throw new FederationError(
          'invalid_argument',
          `the source gave the bundle of ${quote(bundle.trustDomain.name)} (F-8: the name-bundle binding is kept)`,
        );
      }
      body = bundle.marshal();
      sequence = bundle.sequenceNumber;
    } catch (error) {
      logger.error(`federation: ${failure}: ${reasonOf(error)}`);
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(failure);
      return;
    }
    const bytes = Buffer.byteLength(body);
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': bytes,
      'cache-control': 'no-store',
    });
    res.end(method === 'HEAD' ? undefined : body);
    logger.debug(
      `federation: served the bundle of ${quote(td.name)} (${bytes} bytes, sequence ${sequence ?? 'none'}) ` +
        `to ${req.socket?.remoteAddress ?? '?'}`,
    );
  };
}
