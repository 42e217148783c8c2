/**
 * gRPC with SPIFFE mTLS (@grpc/grpc-js): database serves a gRPC service over a guarded TLS
 * server that verifies and authorizes each client at the handshake (per trust domain), and reads
 * the caller's SPIFFE ID with peerIdFromCall; api-server calls it with SPIFFE channel credentials.
 * A workload that is not authorized fails with UNAVAILABLE before any RPC reaches the handler.
 *
 * Run: npx tsx examples/grpc-mtls.ts
 */
import * as grpc from '@grpc/grpc-js';
import type { AddressInfo } from 'node:net';
import { FakeAgent, FakeCa } from '@spiffe-ts/sdk/testing';
import {
  authorizeId,
  authorizeMemberOf,
  createGrpcTlsServer,
  grpcChannelCredentials,
  mtlsClientOptions,
  mtlsServerOptions,
  peerIdFromCall,
} from '@spiffe-ts/sdk/tlsconfig';
import { X509Source } from '@spiffe-ts/sdk/workloadapi';

const DATABASE = 'spiffe://example.org/ns/prod/sa/database';

// #region service
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
// #endregion service

const agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org' }) });
const sources: X509Source[] = [];
async function identity(sa: string): Promise<X509Source> {
  const pod = await agent.workload({ k8s: { namespace: 'prod', serviceAccount: sa } });
  const source = await X509Source.create({ clientOptions: { address: pod.address }, timeoutMs: 5000 });
  sources.push(source);
  return source;
}

try {
  agent.register({
    spiffeId: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
    selectors: ['k8s:ns:prod'],
  });
  const database = await identity('database');
  const apiServer = await identity('api-server');
  const batch = await identity('batch');

  // #region server
  // database: the gRPC server behind a guarded TLS server (grpc-js connection injector).
  const grpcServer = new grpc.Server();
  grpcServer.addService(service, {
    whoAmI: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
      callback(null, Buffer.from(`hello ${peerIdFromCall(call).toString()}`)),
  });
  const tlsServer = createGrpcTlsServer(
    grpcServer,
    mtlsServerOptions(database, database, authorizeId('spiffe://example.org/ns/prod/sa/api-server')),
  );
  tlsServer.on('tlsClientError', (error) => console.log(`database refused a client: ${error.message}`));
  // #endregion server
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
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
  // api-server: SPIFFE channel credentials; it accepts only database as the server.
  const client = new DatabaseClient(
    target,
    grpcChannelCredentials(mtlsClientOptions(apiServer, apiServer, authorizeId(DATABASE))),
  );
  // #endregion client
  console.log(`api-server -> ${await call(client)}`);
  client.close();

  // batch: a valid example.org SVID, but database does not authorize it.
  const intruder = new DatabaseClient(
    target,
    grpcChannelCredentials(mtlsClientOptions(batch, batch, authorizeMemberOf('example.org'))),
  );
  await call(intruder).then(
    () => Promise.reject(new Error('batch was served: the authorizer must refuse it')),
    (error: grpc.ServiceError) => console.log(`batch -> ${grpc.status[error.code]}`),
  );
  intruder.close();

  await new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve()));
  await new Promise((resolve) => tlsServer.close(resolve));
} finally {
  for (const source of sources) source.close();
  await agent.stop();
}
