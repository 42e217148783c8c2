import type { IncomingMessage } from 'node:http';
import { SpiffeBundle, type X509Bundle, type X509BundleSource } from '../bundle/index.js';
import { quote } from '../internal/errors.js';
import { TrustDomain } from '../spiffeid/index.js';
import { checkAuth, type CheckedAuth } from './auth.js';
import { spiffeConnector, webConnector, type Connector } from './connector.js';
import { FederationError, reasonOf } from './errors.js';
import { checkFetchLimits, type FetchBundleOptions, type FetchLimits } from './fetch-options.js';
import { discard, readBody, sendGet } from './https-get.js';
import { checkEndpointUrl, displayUrl } from './url.js';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const JSON_TYPES = new Set(['application/json', 'application/jwk-set+json']);

/** A checked fetch: what to fetch, from where, how the endpoint is authenticated, and the limits. */
export interface FetchPlan {
  trustDomain: TrustDomain;
  url: URL;
  auth: CheckedAuth;
  limits: FetchLimits;
}

/** A fetched bundle and how it came. */
export interface FetchResult {
  bundle: SpiffeBundle;
  /** Body size in bytes. */
  bytes: number;
  /** Redirects followed. */
  redirects: number;
}

/**
 * Fetches the SPIFFE bundle of `trustDomain` from a bundle endpoint (SPIFFE Federation §5),
 * once. Stricter than go-spiffe's `FetchBundle` (A-20):
 *
 * - The URL must be `https:` without userinfo (F-9, F-13). The trust domain is the configured
 *   one, never taken from the URL, and the profile is never guessed or swapped (F-19).
 * - `https_web`: Web PKI roots (yours or Node's) and RFC 6125 hostname verification (F-12).
 *   `https_spiffe`: the server's certificate must be a valid X509-SVID of the endpoint's trust
 *   domain, verified with `auth.bundle` only, with exactly `auth.endpointId` (F-15, F-17).
 * - Redirects (301, 302, 303, 307, 308) are followed up to `maxRedirects` (default 5), each
 *   target checked like the configured URL and connected to with the same TLS checks (F-12,
 *   F-16, F-17); they are never remembered (F-12).
 * - The answer must be `200 OK` with `Content-Type` `application/json` (or
 *   `application/jwk-set+json`) in UTF-8, or none (F-11 makes it a SHOULD), no content coding,
 *   and at most `maxBodyBytes` (default 1 MiB). The body is parsed as a SPIFFE bundle of the
 *   configured trust domain (F-8).
 * - TLS sessions are never resumed (a resumed session skips the certificate checks).
 * - Every fetch is logged (F-20), with sizes and the sequence number, never the contents; the
 *   URL is logged without its query.
 *
 * @example
 * const bundle = await fetchBundle('partner.example', 'https://bundle.partner.example/', {
 *   auth: { profile: 'https_spiffe', endpointId: 'spiffe://partner.example/spire/server', bundle: initial },
 * });
 * @throws {FederationError} `invalid_argument`, `invalid_url`, `redirect_refused`,
 *   `too_many_redirects`, `http_status`, `content_type`, `body_too_large`, `invalid_bundle`,
 *   `tls_verification`, `unauthorized_endpoint`, `timeout`, `aborted` or `network`.
 */
export async function fetchBundle(
  trustDomain: TrustDomain | string,
  url: string | URL,
  options: FetchBundleOptions,
): Promise<SpiffeBundle> {
  const plan = planFetch(trustDomain, url, options, 'fetchBundle');
  return (await runFetch(plan, options.signal)).bundle;
}

/**
 * Checks the arguments of a fetch.
 *
 * @throws {FederationError} `invalid_argument`, `invalid_url`.
 */
export function planFetch(
  trustDomain: unknown,
  url: unknown,
  options: Partial<FetchBundleOptions> | undefined,
  where: string,
): FetchPlan {
  let td: TrustDomain;
  try {
    td = TrustDomain.from(trustDomain as TrustDomain | string);
  } catch (error) {
    throw new FederationError('invalid_argument', `${where}: invalid trust domain: ${reasonOf(error)}`, {
      cause: error,
    });
  }
  if (typeof options !== 'object' || options === null) {
    throw new FederationError(
      'invalid_argument',
      `${where}: options with an auth profile are required (F-8)`,
    );
  }
  return {
    trustDomain: td,
    url: checkEndpointUrl(url, 'invalid_url', `${where}: the bundle endpoint URL of ${quote(td.name)}`),
    auth: checkAuth(options.auth, where),
    limits: checkFetchLimits(options, where),
  };
}

/**
 * Runs a checked fetch. `verifyWith` replaces `auth.bundle` of an `https_spiffe` plan (a watch of
 * a self-serving endpoint passes the latest fetched bundle, F-17).
 *
 * @throws {FederationError} as {@link fetchBundle}.
 */
export async function runFetch(
  plan: FetchPlan,
  signal?: AbortSignal,
  verifyWith?: X509BundleSource,
): Promise<FetchResult> {
  const { trustDomain: td, url, auth, limits } = plan;
  const { logger } = limits;
  const how = auth.profile === 'https_web' ? 'https_web' : `https_spiffe as ${auth.endpointId.toString()}`;
  const where = `fetching the bundle of ${quote(td.name)} from ${displayUrl(url)} (${how})`;
  const controller = new AbortController();
  const timer = setTimeout(
    () =>
      controller.abort(
        new FederationError(
          'timeout',
          `${where}: no complete answer within ${limits.timeoutMs} ms (timeoutMs)`,
        ),
      ),
    limits.timeoutMs,
  );
  const onAbort = (): void =>
    controller.abort(new FederationError('aborted', `${where}: aborted`, { cause: signal?.reason }));
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  let connector: Connector | undefined;
  try {
    logger.debug(`federation: ${where}`);
    connector =
      auth.profile === 'https_web'
        ? webConnector(auth.roots)
        : spiffeConnector(
            auth.endpointId,
            endpointBundle(auth.endpointId.trustDomain, verifyWith ?? auth.bundle, where),
            logger,
          );
    const result = await followRedirects(plan, connector, controller.signal, where);
    const { bundle, bytes, redirects } = result;
    const via = redirects === 0 ? '' : `, after ${redirects} redirect(s)`;
    logger.info(
      `federation: fetched the bundle of ${quote(td.name)} from ${displayUrl(url)} (${how}${via}): ${bytes} bytes, ` +
        `sequence ${bundle.sequenceNumber ?? 'none'}, refresh hint ${bundle.refreshHint === undefined ? 'none' : `${bundle.refreshHint} s`}, ` +
        `${bundle.x509Authorities().length} X.509 and ${bundle.jwtAuthorities().size} JWT authorities`,
    );
    return result;
  } catch (error) {
    const failure =
      error instanceof FederationError
        ? error
        : new FederationError('network', `${where}: ${reasonOf(error)}`, { cause: error });
    // A fetch its caller aborted is not a failure worth a warning (a watch being closed).
    logger[signal?.aborted ? 'debug' : 'warn'](`federation: ${failure.message}`);
    throw failure;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    connector?.close();
  }
}

/**
 * The X.509 bundle that verifies an `https_spiffe` endpoint: that of the endpoint's own trust
 * domain, and no other (F-17).
 */
function endpointBundle(td: TrustDomain, source: X509BundleSource, where: string): X509Bundle {
  let bundle: X509Bundle;
  try {
    bundle = source.getX509BundleForTrustDomain(td);
  } catch (error) {
    throw new FederationError(
      'tls_verification',
      `${where}: no X.509 bundle of ${quote(td.name)} to verify the endpoint with (F-14, F-17): ${reasonOf(error)}`,
      { cause: error },
    );
  }
  if (bundle.isEmpty()) {
    throw new FederationError(
      'tls_verification',
      `${where}: the X.509 bundle of ${quote(td.name)} has no authorities, so no endpoint SVID can verify (F-17, B-7)`,
    );
  }
  return bundle;
}

async function followRedirects(
  plan: FetchPlan,
  connector: Connector,
  signal: AbortSignal,
  where: string,
): Promise<FetchResult> {
  const { trustDomain, limits } = plan;
  let url = plan.url;
  let hopWhere = where;
  for (let redirects = 0; ; redirects++) {
    const response = await sendGet(url, connector.requestOptions(url), signal, hopWhere);
    const status = response.statusCode ?? 0;
    if (REDIRECTS.has(status)) {
      discard(response);
      if (redirects >= limits.maxRedirects) {
        throw new FederationError(
          'too_many_redirects',
          `${hopWhere}: more than ${limits.maxRedirects} redirect(s) (maxRedirects)`,
        );
      }
      const next = redirectTarget(response, url, hopWhere);
      limits.logger.info(
        `federation: ${displayUrl(url)} redirected (${status}) to ${displayUrl(next)}; following it with the same checks, ` +
          'not remembering it (F-12)',
      );
      url = next;
      hopWhere = `${where}, redirected to ${displayUrl(url)}`;
      continue;
    }
    if (status !== 200) {
      discard(response);
      throw new FederationError(
        'http_status',
        `${hopWhere}: the server answered ${status} ${quote(response.statusMessage ?? '')}, not 200 OK`,
      );
    }
    checkContent(response, hopWhere);
    const body = await readBody(response, limits.maxBodyBytes, signal, hopWhere);
    let bundle: SpiffeBundle;
    try {
      bundle = SpiffeBundle.parse(trustDomain, new Uint8Array(body.buffer, body.byteOffset, body.length));
    } catch (error) {
      throw new FederationError('invalid_bundle', `${hopWhere}: ${reasonOf(error)}`, { cause: error });
    }
    return { bundle, bytes: body.length, redirects };
  }
}

function redirectTarget(response: IncomingMessage, from: URL, where: string): URL {
  const location = response.headers.location;
  if (location === undefined || location === '') {
    throw new FederationError(
      'redirect_refused',
      `${where}: a ${response.statusCode} redirect without a Location`,
    );
  }
  let target: URL;
  try {
    target = new URL(location, from);
  } catch (cause) {
    throw new FederationError(
      'redirect_refused',
      `${where}: the redirect target ${quote(location)} is not a URL`,
      {
        cause,
      },
    );
  }
  return checkEndpointUrl(target, 'redirect_refused', `${where}: the redirect target`);
}

/** F-11: JSON in UTF-8; a missing Content-Type is accepted (the server rule is a SHOULD). */
function checkContent(response: IncomingMessage, where: string): void {
  const encoding = response.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    discard(response);
    throw new FederationError(
      'content_type',
      `${where}: Content-Encoding ${quote(encoding)} is not supported (the SDK asks for identity)`,
    );
  }
  const type = response.headers['content-type'];
  if (type === undefined) return;
  const [media = '', ...params] = type.split(';').map((p) => p.trim().toLowerCase());
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/^"|"$/g, '');
  if (!JSON_TYPES.has(media) || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
    discard(response);
    throw new FederationError(
      'content_type',
      `${where}: Content-Type ${quote(type)} is not JSON in UTF-8 (application/json expected, F-11)`,
    );
  }
}
