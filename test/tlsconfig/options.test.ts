import * as grpc from '@grpc/grpc-js';
import { constants } from 'node:crypto';
import http from 'node:http';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import {
  authorizeAny,
  connect,
  createDispatcher,
  createGrpcTlsServer,
  createHttpsAgent,
  createHttpsServer,
  createTlsServer,
  grpcChannelCredentials,
  guardServer,
  JwtSvidCache,
  jwtSvidCallCredentials,
  jwtSvidFetch,
  mtlsClientOptions,
  mtlsServerOptions,
  mtlsWebClientOptions,
  mtlsWebServerOptions,
  peerIdFrom,
  tlsClientOptions,
  tlsServerOptions,
} from '../../src/tlsconfig/index.js';
import type { X509SvidSource } from '../../src/svid/index.js';
import { svidOf, trustDomains } from './support.js';

function expectCode(make: () => unknown, code: string): void {
  expect(make).toThrow(expect.objectContaining({ name: 'TlsConfigError', code }));
}

const { caA, bundles } = trustDomains();
const svid = svidOf(caA, 'spiffe://example.org/svc');
const noSvid: X509SvidSource = {
  getX509Svid: () => {
    throw new Error('source is closed');
  },
};

describe('option builders', () => {
  it('TLS 1.2 minimum, no hostname dependency, fail-closed defaults', () => {
    const client = mtlsClientOptions(svid, bundles, authorizeAny());
    expect(client).toMatchObject({ minVersion: 'TLSv1.2', rejectUnauthorized: true, ca: [] });
    const server = mtlsServerOptions(svid, bundles, authorizeAny());
    expect(server).toMatchObject({
      minVersion: 'TLSv1.2',
      requestCert: true,
      rejectUnauthorized: true,
      ca: [],
    });
    expect(server.secureOptions! & constants.SSL_OP_NO_TICKET).toBe(constants.SSL_OP_NO_TICKET);
    expect(tlsServerOptions(svid)).toMatchObject({ minVersion: 'TLSv1.2', requestCert: false });
    expect(mtlsWebClientOptions(svid)).not.toHaveProperty('ca');
  });

  it('the options serve the current SVID as PEM and never expose the key elsewhere', () => {
    const options = tlsServerOptions(svid);
    expect(options.cert).toBe(svid.marshal().certificates);
    expect(JSON.stringify(options.spiffeTls)).not.toContain('PRIVATE KEY');
  });

  it('bad sources and authorizers give invalid_argument', () => {
    expectCode(() => tlsClientOptions({} as never, authorizeAny()), 'invalid_argument');
    expectCode(() => tlsClientOptions(bundles, 'any' as never), 'invalid_argument');
    expectCode(() => mtlsClientOptions(null as never, bundles, authorizeAny()), 'invalid_argument');
    expectCode(() => mtlsServerOptions(svid, undefined as never, authorizeAny()), 'invalid_argument');
    expectCode(
      () => mtlsWebServerOptions({ cert: '', key: 'x' }, bundles, authorizeAny()),
      'invalid_argument',
    );
    expectCode(() => mtlsWebServerOptions(undefined as never, bundles, authorizeAny()), 'invalid_argument');
    expectCode(() => mtlsWebClientOptions(svid, 42 as never), 'invalid_argument');
  });

  it('a source without an SVID gives svid_unavailable', () => {
    expectCode(() => tlsServerOptions(noSvid), 'svid_unavailable');
    expectCode(
      () => mtlsServerOptions({ getX509Svid: () => 'not an svid' } as never, bundles, authorizeAny()),
      'svid_unavailable',
    );
    const client = mtlsClientOptions(noSvid, bundles, authorizeAny());
    expectCode(() => connect({ ...client, host: '127.0.0.1', port: 1 }), 'svid_unavailable');
  });

  it('helpers take only options made by the builders', () => {
    for (const make of [
      () => connect({} as never),
      () => createHttpsAgent({} as never),
      () => createDispatcher({} as never),
      () => grpcChannelCredentials({ ...tls.createSecureContext() } as never),
      () => createTlsServer({} as never),
      () => createHttpsServer({ cert: 'x' } as never),
      () => guardServer(tls.createServer(), {} as never),
      () => createGrpcTlsServer(new grpc.Server(), mtlsClientOptions(svid, bundles, authorizeAny()) as never),
      () => createGrpcTlsServer({} as never, tlsServerOptions(svid)),
      () => jwtSvidFetch({} as never),
      () => jwtSvidCallCredentials({} as never),
      () => new JwtSvidCache({} as never, { audience: 'x' }),
      () => new JwtSvidCache({ fetchJwtSvid: async () => undefined as never }, { audience: '' }),
    ]) {
      expectCode(make, 'invalid_argument');
    }
  });
});

describe('guardServer', () => {
  it('refuses a server that is not a TLS server, a second guard, and a minVersion below TLS 1.2', () => {
    const options = mtlsServerOptions(svid, bundles, authorizeAny());
    expectCode(() => guardServer(http.createServer() as never, options), 'invalid_argument');
    const server = guardServer(tls.createServer(options), options);
    expectCode(() => guardServer(server, options), 'invalid_argument');
    const weak = { ...options, minVersion: 'TLSv1.1' as const };
    expectCode(() => createTlsServer(weak), 'invalid_argument');
  });

  it('keeps session tickets off even when the caller overrides secureOptions', () => {
    const options = { ...mtlsServerOptions(svid, bundles, authorizeAny()), secureOptions: 0 };
    const server = tls.createServer(options);
    const setSecureContext = server.setSecureContext.bind(server);
    let applied: tls.SecureContextOptions | undefined;
    server.setSecureContext = (o) => {
      applied = o;
      setSecureContext(o);
    };
    guardServer(server, options);
    expect(applied!.secureOptions! & constants.SSL_OP_NO_TICKET).toBe(constants.SSL_OP_NO_TICKET);
  });
});

describe('peerIdFrom', () => {
  it('no_peer_id for anything without a verified SPIFFE peer', () => {
    for (const target of [undefined, null, {}, { socket: {} }, new tls.TLSSocket(null as never)]) {
      expectCode(() => peerIdFrom(target), 'no_peer_id');
    }
  });
});
