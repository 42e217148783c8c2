import type { Duplex } from 'node:stream';
import https from 'node:https';
import type { ClientTlsConfig } from './client-config.js';
import { clientConfigOf, type SpiffeTlsClientOptions } from './client-options.js';

/**
 * An `https.Agent` whose connections are made with client options from `tlsClientOptions`,
 * `mtlsClientOptions` or `mtlsWebClientOptions`: the current SVID on each new connection, the
 * server verified and authorized before a request is sent. Its TLS session cache is off
 * (`maxCachedSessions: 0`): a resumed session would skip the server's verification (go-spiffe
 * #378; NODE-NOTES §1 measured a plain agent getting 200 after its authorizer began refusing).
 * With `keepAlive`, pooled connections are reused as usual; they were authorized when made.
 *
 * @example
 * const agent = createHttpsAgent(mtlsClientOptions(source, source, authorizeId(serverId)), { keepAlive: true });
 * https.get('https://10.0.0.7:8443/health', { agent }, (res) => { ... });
 * @throws {TlsConfigError} `invalid_argument` for options not made by the builders.
 */
export function createHttpsAgent(
  options: SpiffeTlsClientOptions,
  agentOptions?: https.AgentOptions,
): https.Agent {
  return new SpiffeHttpsAgent(clientConfigOf(options, 'createHttpsAgent'), agentOptions);
}

class SpiffeHttpsAgent extends https.Agent {
  readonly #config: ClientTlsConfig;

  constructor(config: ClientTlsConfig, agentOptions: https.AgentOptions | undefined) {
    super({ ...agentOptions, maxCachedSessions: 0 });
    this.#config = config;
  }

  /** Opens a verified connection (see `connect`); reports a missing SVID to `callback`. */
  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    try {
      return this.#config.connect({ ...(options as object) });
    } catch (error) {
      if (callback === undefined) throw error;
      callback(error as Error, undefined as unknown as Duplex);
      return undefined;
    }
  }
}
