import * as grpc from '@grpc/grpc-js';

const identity = (b: Buffer): Buffer => b;

/** A one-method service with raw byte messages: no code generation needed. */
export const testService = {
  whoAmI: {
    path: '/spiffe.test.Test/WhoAmI',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
} satisfies grpc.ServiceDefinition;

export const TestClient = grpc.makeGenericClientConstructor(testService, 'Test');

/** Calls WhoAmI and resolves with the reply text. */
export function whoAmI(client: grpc.Client, metadata = new grpc.Metadata()): Promise<string> {
  return new Promise((resolve, reject) => {
    (
      client as unknown as Record<
        string,
        (req: Buffer, md: grpc.Metadata, cb: (e: grpc.ServiceError | null, r?: Buffer) => void) => void
      >
    ).whoAmI!(Buffer.alloc(0), metadata, (error, reply) =>
      error ? reject(error) : resolve(reply!.toString()),
    );
  });
}
