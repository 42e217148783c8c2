import { quote } from '../internal/errors.js';
import { FederationError, type FederationErrorCode } from './errors.js';

/**
 * Checks a bundle endpoint URL: `https:` and no userinfo (F-9, F-13), for the configured URL and
 * for every redirect target alike (F-12). Other URL parts are unconstrained. The trust domain is
 * never derived from it (F-19).
 *
 * @throws {FederationError} with `code` (`invalid_url` for the configured URL,
 *   `redirect_refused` for a redirect target).
 */
export function checkEndpointUrl(value: unknown, code: FederationErrorCode, what: string): URL {
  let url: URL;
  if (value instanceof URL) {
    url = new URL(value.href);
  } else if (typeof value === 'string') {
    try {
      url = new URL(value);
    } catch (cause) {
      throw new FederationError(code, `${what} ${quote(value)} is not a valid URL (F-9)`, { cause });
    }
  } else {
    throw new FederationError(code, `${what} must be a string or a URL, got ${typeof value}`);
  }
  if (url.protocol !== 'https:') {
    throw new FederationError(
      code,
      `${what} ${quote(displayUrl(url))} is not an https URL: bundle endpoints are only reached over HTTPS (F-9, F-13)`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new FederationError(
      code,
      `${what} ${quote(displayUrl(url))} must not contain userinfo (F-9, F-13)`,
    );
  }
  return url;
}

/**
 * A URL as it may be logged or put into an error message: without userinfo, query or fragment
 * (a pre-signed URL carries its credential in the query).
 */
export function displayUrl(url: URL): string {
  const base = `${url.protocol}//${url.host}${url.pathname}`;
  return url.search === '' ? base : `${base}?…`;
}
