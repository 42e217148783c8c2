import {
  CallCredentials,
  Metadata,
  ServerInterceptingCall,
  status,
  type ServerInterceptor,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import { JwtSvid } from '../svid/index.js';
import { reasonOf, TlsConfigError } from './errors.js';
import { JwtSvidAuthenticator, type JwtSvidAuthOptions } from './jwt-authenticator.js';
import { JwtSvidCache } from './jwt-cache.js';

/**
 * Where the admitted caller of a call is kept: on the call's metadata object, which the handler
 * gets as `call.metadata` (`Symbol.for`: the ESM and CJS copies agree).
 */
const CALLER = Symbol.for('@spiffe-ts/sdk:tlsconfig:jwt-caller');

/**
 * A @grpc/grpc-js server interceptor for JWT-SVID authentication (J-14): takes the
 * `authorization: Bearer <JWT-SVID>` metadata, validates it (see `jwtSvidAuth`) and authorizes
 * the caller before the handler runs; `jwtSvidFromCall(call)` then gives the caller's JWT-SVID.
 * A call is refused with UNAUTHENTICATED (missing or invalid token), PERMISSION_DENIED (refused
 * by the authorizer) or UNAVAILABLE (the agent cannot be reached), with the reason.
 *
 * @example
 * new grpc.Server({ interceptors: [jwtSvidServerInterceptor({ audience: myId, bundleSource: jwtSource })] });
 * @throws {TlsConfigError} `invalid_argument` for bad options.
 */
export function jwtSvidServerInterceptor(options: JwtSvidAuthOptions): ServerInterceptor {
  const authenticator = new JwtSvidAuthenticator(options, 'jwtSvidServerInterceptor');
  return (methodDescriptor, call) =>
    new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, mdNext) {
            const values = metadata.get('authorization').map((v) => (typeof v === 'string' ? v : ''));
            authenticator.authenticate(values).then(
              (svid) => {
                Object.defineProperty(metadata, CALLER, { value: svid, configurable: true });
                mdNext(metadata);
              },
              (error: unknown) => {
                authenticator.logger.warn(
                  `tlsconfig: refused gRPC call ${methodDescriptor.path}: ${reasonOf(error)}`,
                );
                call.sendStatus({
                  code: statusOf(error),
                  details:
                    error instanceof TlsConfigError ? error.message : 'cannot validate the JWT-SVID now',
                  metadata: new Metadata(),
                });
              },
            );
          },
        });
      },
    });
}

/** The JWT-SVID of a call that `jwtSvidServerInterceptor` admitted, or undefined. */
export function jwtSvidFromCall(
  call: Pick<ServerUnaryCall<unknown, unknown>, 'metadata'>,
): JwtSvid | undefined {
  const svid =
    call?.metadata instanceof Metadata
      ? (call.metadata as unknown as Record<symbol, unknown>)[CALLER]
      : undefined;
  return svid instanceof JwtSvid ? svid : undefined;
}

/**
 * gRPC call credentials that send `authorization: Bearer <JWT-SVID>` from `cache` on every call
 * (J-14). gRPC sends call credentials over TLS channels only: compose them with
 * `grpcChannelCredentials(...)`.
 */
export function jwtSvidCallCredentials(cache: JwtSvidCache): CallCredentials {
  if (!(cache instanceof JwtSvidCache))
    throw new TlsConfigError('invalid_argument', 'jwtSvidCallCredentials: cache must be a JwtSvidCache');
  return CallCredentials.createFromMetadataGenerator((_params, callback) => {
    cache.authorizationHeader().then(
      (header) => {
        const metadata = new Metadata();
        metadata.set('authorization', header);
        callback(null, metadata);
      },
      (error: Error) => callback(error),
    );
  });
}

function statusOf(error: unknown): status {
  if (!(error instanceof TlsConfigError)) return status.UNAVAILABLE;
  return error.code === 'unauthorized' ? status.PERMISSION_DENIED : status.UNAUTHENTICATED;
}
