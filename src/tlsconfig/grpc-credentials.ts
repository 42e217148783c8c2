import { isIP } from 'node:net';
import { CallCredentials, ChannelCredentials, experimental, type ChannelOptions } from '@grpc/grpc-js';
import type { ClientTlsConfig } from './client-config.js';
import { clientConfigOf, type SpiffeTlsClientOptions } from './client-options.js';
import { connectVerified } from './connect.js';

/**
 * gRPC channel credentials (@grpc/grpc-js) from client options made by `tlsClientOptions`,
 * `mtlsClientOptions` or `mtlsWebClientOptions` (go-spiffe `grpccredentials.MTLSClientCredentials`
 * and friends): every new connection presents the current SVID and verifies and authorizes the
 * server before the HTTP/2 session starts; a refused server makes the call fail with UNAVAILABLE
 * and the reason. No hostname check on SPIFFE servers. Compose with `CallCredentials` (for
 * example `jwtSvidCallCredentials`) as usual: `grpcChannelCredentials(opts).compose(callCreds)`.
 *
 * Built on grpc-js's `SecureConnector` extension point (`experimental`, grpc-js ≥ 1.12).
 *
 * @throws {TlsConfigError} `invalid_argument` for options not made by the builders.
 */
export function grpcChannelCredentials(options: SpiffeTlsClientOptions): ChannelCredentials {
  return new SpiffeChannelCredentials(clientConfigOf(options, 'grpcChannelCredentials'));
}

class SpiffeChannelCredentials extends ChannelCredentials {
  readonly #config: ClientTlsConfig;

  constructor(config: ClientTlsConfig) {
    super();
    this.#config = config;
  }

  /** @internal grpc-js: these credentials secure the channel. */
  _isSecure(): boolean {
    return true;
  }

  /** @internal grpc-js: channels share subchannels only with the same credentials object. */
  _equals(other: ChannelCredentials): boolean {
    return other === this;
  }

  /** @internal grpc-js: wraps each new TCP connection of a subchannel in verified TLS. */
  _createSecureConnector(
    channelTarget: experimental.GrpcUri,
    options: ChannelOptions,
    callCredentials?: CallCredentials,
  ): experimental.SecureConnector {
    const config = this.#config;
    const credentials = callCredentials ?? CallCredentials.createEmpty();
    const override = options['grpc.ssl_target_name_override'];
    const host =
      typeof override === 'string'
        ? override
        : channelTarget.scheme === 'unix'
          ? undefined
          : experimental.splitHostPort(channelTarget.path)?.host;
    const servername = host !== undefined && host !== '' && isIP(host) === 0 ? host : undefined;
    return {
      connect: (socket) =>
        new Promise((resolve, reject) =>
          connectVerified(
            config,
            { socket, ALPNProtocols: ['h2'], ...(servername ? { servername } : {}) },
            (error, tlsSocket) =>
              error === null ? resolve({ socket: tlsSocket!, secure: true }) : reject(error),
          ),
        ),
      waitForReady: () => Promise.resolve(),
      getCallCredentials: () => credentials,
      destroy: () => {},
    };
  }
}
