import { Agent } from 'undici';
import { connectVerified } from './connect.js';
import { clientConfigOf, type SpiffeTlsClientOptions } from './client-options.js';
import { TlsConfigError } from './errors.js';

/**
 * An undici `Agent` (a `Dispatcher`) that opens its connections with client options from
 * `tlsClientOptions`, `mtlsClientOptions` or `mtlsWebClientOptions`, so that `fetch()` talks
 * SPIFFE mTLS: pass it as `dispatcher` to Node's global `fetch` or to undici's own. The server
 * is verified and authorized before a request is sent; sessions are never resumed. Only
 * `https:` URLs are served: an `http:` request fails rather than going out in plaintext.
 *
 * @example
 * const dispatcher = createDispatcher(mtlsClientOptions(source, source, authorizeId(serverId)));
 * const res = await fetch('https://10.0.0.7:8443/data', { dispatcher } as RequestInit);
 * @param agentOptions undici `Agent` options (pool sizes, timeouts, `allowH2`); `connect` is the SDK's.
 * @throws {TlsConfigError} `invalid_argument` for options not made by the builders.
 */
export function createDispatcher(
  options: SpiffeTlsClientOptions,
  agentOptions?: Omit<Agent.Options, 'connect'>,
): Agent {
  const config = clientConfigOf(options, 'createDispatcher');
  const alpn = agentOptions?.allowH2 === true ? ['h2', 'http/1.1'] : ['http/1.1'];
  return new Agent({
    ...agentOptions,
    connect(opts, callback) {
      if (opts.protocol !== 'https:') {
        const error = new TlsConfigError(
          'invalid_argument',
          `createDispatcher: refusing ${opts.protocol} URL: SPIFFE TLS needs https:`,
        );
        process.nextTick(() => callback(error, null));
        return;
      }
      connectVerified(
        config,
        {
          host: opts.hostname.replace(/^\[(.*)\]$/, '$1'), // IPv6 literals come bracketed
          port: Number(opts.port || 443),
          ...(opts.servername ? { servername: opts.servername } : {}),
          ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
          ...(opts.httpSocket ? { socket: opts.httpSocket } : {}),
          ALPNProtocols: alpn,
        },
        (error, socket) => (error === null ? callback(null, socket!) : callback(error, null)),
      );
    },
  });
}
