/**
 * gRPC server reflection on the fake agent (E-14): a plain reflection client, built with
 * proto-loader from the reflection protos that @grpc/reflection ships, lists the services and
 * reads the Workload API's descriptors, v1 and v1alpha, without the security header.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { credentials, loadPackageDefinition, type Client, type ClientDuplexStream } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeAgent, FakeCa } from '../../src/testing/index.js';

const reflectionRoot = join(
  dirname(createRequire(import.meta.url).resolve('@grpc/reflection/package.json')),
  'build',
  'proto',
);

interface ReflectionResponse {
  listServicesResponse?: { service: { name: string }[] };
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}
type ReflectionClient = Client & {
  serverReflectionInfo(): ClientDuplexStream<Record<string, unknown>, ReflectionResponse>;
};

/** A client of `grpc.reflection.<version>.ServerReflection` for a `unix://` address. */
function reflectionClient(version: 'v1' | 'v1alpha', address: string): ReflectionClient {
  const definition = loadSync(`grpc/reflection/${version}/reflection.proto`, {
    includeDirs: [reflectionRoot],
    keepCase: false,
    longs: String,
    defaults: true,
  });
  const loaded = loadPackageDefinition(definition) as unknown as {
    grpc: {
      reflection: Record<
        string,
        { ServerReflection: new (target: string, creds: unknown) => ReflectionClient }
      >;
    };
  };
  const Ctor = loaded.grpc.reflection[version]!.ServerReflection;
  return new Ctor(address, credentials.createInsecure());
}

/** Sends one request on a new stream (no metadata: no security header) and returns the answer. */
async function ask(client: ReflectionClient, request: Record<string, unknown>): Promise<ReflectionResponse> {
  const call = client.serverReflectionInfo();
  const answer = new Promise<ReflectionResponse>((resolve, reject) => {
    call.once('data', resolve);
    call.once('error', reject);
  });
  call.write(request);
  call.end();
  return answer;
}

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('FakeAgent gRPC reflection (E-14)', () => {
  for (const version of ['v1', 'v1alpha'] as const) {
    it(`lists the services and describes every Workload API method (${version})`, async () => {
      const agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org' }) });
      cleanup.push(() => agent.stop());
      const client = reflectionClient(version, agent.address);
      cleanup.push(() => client.close());

      const listed = await ask(client, { listServices: '' });
      const names = listed.listServicesResponse?.service.map((s) => s.name) ?? [];
      expect(names).toContain('SpiffeWorkloadAPI');

      const found = await ask(client, { fileContainingSymbol: 'SpiffeWorkloadAPI' });
      const files = (found.fileDescriptorResponse?.fileDescriptorProto ?? []).map((bytes) =>
        fromBinary(FileDescriptorProtoSchema, bytes),
      );
      expect(files.map((f) => f.name).sort()).toEqual(['google/protobuf/struct.proto', 'workload.proto']);
      const workload = files.find((f) => f.name === 'workload.proto')!;
      const service = workload.service.find((s) => s.name === 'SpiffeWorkloadAPI')!;
      expect(service.method.map((m) => m.name)).toEqual([
        'FetchX509SVID',
        'FetchX509Bundles',
        'FetchJWTSVID',
        'FetchJWTBundles',
        'ValidateJWTSVID',
        'FetchWITSVID',
        'FetchWITBundles',
      ]);
      const fetchX509 = service.method.find((m) => m.name === 'FetchX509SVID')!;
      expect(fetchX509).toMatchObject({ inputType: '.X509SVIDRequest', outputType: '.X509SVIDResponse' });
      expect(fetchX509.serverStreaming).toBe(true);

      const message = await ask(client, { fileContainingSymbol: 'ValidateJWTSVIDResponse' });
      expect(message.fileDescriptorResponse?.fileDescriptorProto.length).toBeGreaterThan(0);

      const missing = await ask(client, { fileContainingSymbol: 'NoSuchService' });
      expect(missing.errorResponse?.errorCode).toBe(5); // NOT_FOUND

      // Reflection calls are not Workload API calls: the call log stays empty.
      expect(agent.calls).toEqual([]);
    });
  }
});
