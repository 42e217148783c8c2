/**
 * JWT-SVIDs on gRPC calls (docs/grpc.md): database serves a gRPC service over TLS with its
 * X509-SVID and requires, on every call, a JWT-SVID for its own SPIFFE ID from api-server
 * (jwtSvidServerInterceptor); api-server sends one from a JwtSvidCache as call credentials,
 * composed with TLS channel credentials that accept the database only.
 *
 * A FakeAgent plays the SPIRE agent, with one Workload API socket per workload. In production
 * each service makes its sources with `await X509Source.create()` / `await JwtSource.create()`.
 *
 * Run: npx tsx examples/grpc-jwt.ts
 */
import * as grpc from '@grpc/grpc-js';
import type { AddressInfo } from 'node:net';
import { FakeAgent, FakeCa } from '@spiffe-ts/sdk/testing';
import {
  authorizeId,
  createGrpcTlsServer,
  grpcChannelCredentials,
  jwtSvidCallCredentials,
  JwtSvidCache,
  jwtSvidFromCall,
  jwtSvidServerInterceptor,
  tlsClientOptions,
  tlsServerOptions,
} from '@spiffe-ts/sdk/tlsconfig';
import { JwtSource, X509Source } from '@spiffe-ts/sdk/workloadapi';

const DATABASE = 'spiffe://example.org/ns/prod/sa/database';
const API = 'spiffe://example.org/ns/prod/sa/api-server';

// A one-method service with raw byte messages, so that the example needs no code generation.
const bytes = (b: Buffer): Buffer => b;
const service = {
  whoAmI: {
    path: '/example.Database/WhoAmI',
    requestStream: false,
    responseStream: false,
    requestSerialize: bytes,
    requestDeserialize: bytes,
    responseSerialize: bytes,
    responseDeserialize: bytes,
  },
} satisfies grpc.ServiceDefinition;
const DatabaseClient = grpc.makeGenericClientConstructor(service, 'Database');

const agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org' }) });
agent.register({
  spiffeId: 'spiffe://example.org/ns/prod/sa/{{ .PodSpec.ServiceAccountName }}',
  selectors: ['k8s:ns:prod'],
});
const pod = async (serviceAccount: string) => ({
  address: (await agent.workload({ k8s: { namespace: 'prod', serviceAccount } })).address,
});
const db = await pod('database');
const api = await pod('api-server');
const source = await X509Source.create({ clientOptions: db, timeoutMs: 10_000 }); // database's
const jwtSource = await JwtSource.create({ clientOptions: db, timeoutMs: 10_000 }); // database's
const apiX509 = await X509Source.create({ clientOptions: api, timeoutMs: 10_000 });
const apiJwt = await JwtSource.create({ clientOptions: api, timeoutMs: 10_000 });
process.env.PORT = '0'; // any free port, so that the example runs anywhere

try {
  // #region server
  // database: every call needs a JWT-SVID for DATABASE, of the api-server.
  const grpcServer = new grpc.Server({
    interceptors: [
      jwtSvidServerInterceptor({ audience: DATABASE, bundleSource: jwtSource, authorizer: authorizeId(API) }),
    ],
  });
  grpcServer.addService(service, {
    whoAmI: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
      callback(null, Buffer.from(`hello ${jwtSvidFromCall(call)?.id}`)),
  });
  const tlsServer = createGrpcTlsServer(grpcServer, tlsServerOptions(source)); // TLS: the server's SVID
  tlsServer.listen(Number(process.env.PORT ?? 8443));
  // #endregion server
  await new Promise((resolve) => tlsServer.once('listening', resolve));
  const target = `127.0.0.1:${(tlsServer.address() as AddressInfo).port}`;

  const call = (client: grpc.Client): Promise<string> =>
    new Promise((resolve, reject) =>
      (
        client as unknown as {
          whoAmI: (req: Buffer, cb: (e: grpc.ServiceError | null, r?: Buffer) => void) => void;
        }
      ).whoAmI(Buffer.alloc(0), (error, reply) => (error ? reject(error) : resolve(reply!.toString()))),
    );

  // #region client
  // api-server: a token for DATABASE on every call, over TLS to a server that must be DATABASE.
  const tokens = new JwtSvidCache(apiJwt, { audience: DATABASE });
  const credentials = grpcChannelCredentials(tlsClientOptions(apiX509, authorizeId(DATABASE))).compose(
    jwtSvidCallCredentials(tokens),
  );
  const client = new DatabaseClient(target, credentials);
  // #endregion client
  console.log(`api-server -> ${await call(client)}`);
  client.close();

  // Without a token: UNAUTHENTICATED.
  const anonymous = new DatabaseClient(
    target,
    grpcChannelCredentials(tlsClientOptions(apiX509, authorizeId(DATABASE))),
  );
  await call(anonymous).then(
    () => Promise.reject(new Error('a call without a token was served')),
    (error: grpc.ServiceError) => console.log(`no token -> ${grpc.status[error.code]}`),
  );
  anonymous.close();

  await new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve()));
  await new Promise((resolve) => tlsServer.close(resolve));
} finally {
  for (const s of [source, jwtSource, apiX509, apiJwt]) s.close();
  await agent.stop();
}
