import { Agent } from 'undici';
import { connectVerified } from './connect.js';
import { clientConfigOf, type SpiffeTlsClientOptions } from './client-options.js';
import { TlsConfigError } from './errors.js';

/**
 * The `dispatcher` type of the global `fetch`'s `RequestInit` in the `@types/node` the program
 * is compiled with (its `undici-types`), or `unknown` where `RequestInit` has none (the DOM lib).
 * Resolved in the consumer's program, not the SDK's: `@types/node` 20 and 24+ bundle different
 * `undici-types` majors, whose `Dispatcher` types do not accept each other.
 */
export type FetchDispatcher = RequestInit extends { dispatcher?: infer D } ? NonNullable<D> : unknown;

/**
 * What {@link createDispatcher} returns: an undici `Agent` (the `undici` the SDK depends on:
 * pass it to undici's own `fetch`/`request`), typed also as the global `fetch`'s `dispatcher`
 * of whichever `@types/node` is installed, so `fetch(url, { dispatcher })` type-checks with
 * `@types/node` 20 through the newest without a cast. Node's `fetch` uses a dispatcher only
 * through `dispatch(options, handler)`, which the `Agent` implements.
 */
export type SpiffeDispatcher = Agent & FetchDispatcher;

/**
 * An undici `Agent` (a `Dispatcher`, typed as {@link SpiffeDispatcher}) that opens its
 * connections with client options from `tlsClientOptions`, `mtlsClientOptions` or
 * `mtlsWebClientOptions`, so that `fetch()` talks SPIFFE mTLS: pass it as `dispatcher` to Node's
 * global `fetch` or to undici's own. The server is verified and authorized before a request is
 * sent; sessions are never resumed. Only `https:` URLs are served: an `http:` request fails
 * rather than going out in plaintext.
 *
 * @example
 * const dispatcher = createDispatcher(mtlsClientOptions(source, source, authorizeId(serverId)));
 * const res = await fetch('https://10.0.0.7:8443/data', { dispatcher });
 * @param agentOptions undici `Agent` options (pool sizes, timeouts, `allowH2`); `connect` is the SDK's.
 * @throws {TlsConfigError} `invalid_argument` for options not made by the builders.
 */
export function createDispatcher(
  options: SpiffeTlsClientOptions,
  agentOptions?: Omit<Agent.Options, 'connect'>,
): SpiffeDispatcher {
  const config = clientConfigOf(options, 'createDispatcher');
  const alpn = agentOptions?.allowH2 === true ? ['h2', 'http/1.1'] : ['http/1.1'];
  const agent = new Agent({
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
  // Sound: the Agent is a Dispatcher; only the two packages' declarations of it differ.
  return agent as SpiffeDispatcher;
}
