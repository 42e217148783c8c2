import {
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { fileDescriptorProtos } from '../../workloadapi/proto/descriptors.js';
import { SpiffeWorkloadAPIService } from '../../workloadapi/proto/workload.js';
import { TestingError } from '../errors.js';
import type { CallInfo, CallTarget, WorkloadApiHandlers } from './handlers.js';
import { garbageBytes, isGarbage } from './malform.js';
import { RpcStatus } from './status.js';

/** The security header (E-4): lowercase key; the value must be exactly `true`. */
const SECURITY_HEADER = 'workload.spiffe.io';
/** How long a graceful shutdown may take before open connections are cut. */
const SHUTDOWN_GRACE_MS = 2000;

/** Where an endpoint listens: a unix socket path, or a loopback TCP port (0: any free port). */
export type Listen = { kind: 'unix'; path: string } | { kind: 'tcp'; port: number };

/**
 * The generated service definition, except that a `garbage-bytes` answer is sent as its raw
 * bytes, which no client can decode.
 */
const definition = Object.fromEntries(
  Object.entries(SpiffeWorkloadAPIService).map(([name, method]) => {
    const serialize = method.responseSerialize as (value: unknown) => Buffer;
    return [
      name,
      {
        ...method,
        responseSerialize: (value: unknown) =>
          isGarbage(value) ? Buffer.from(garbageBytes(value)) : serialize(value),
      },
    ];
  }),
) as unknown as ServiceDefinition;

/**
 * gRPC server reflection (E-14), v1 and v1alpha, describing the Workload API from the
 * descriptors that `buf` compiled from proto/workload.proto (src/workloadapi/proto/descriptors.ts).
 * ReflectionService reads only `fileDescriptorProtos` from each entry of a proto-loader package
 * definition, so one entry carrying every file stands in for loading the .proto at run time.
 * Not behind the security header: like SPIRE's agent, only `/SpiffeWorkloadAPI/` methods check it
 * (docs/decisions.md, "gRPC reflection on the fake agent"). Built once, on first use.
 */
let reflection: ReflectionService | undefined;
function reflectionService(): ReflectionService {
  if (reflection === undefined) {
    reflection = new ReflectionService({
      SpiffeWorkloadAPI: {
        fileDescriptorProtos: fileDescriptorProtos.map((file) => Buffer.from(file, 'base64')),
      },
    } as unknown as ConstructorParameters<typeof ReflectionService>[0]);
    const versions = reflection as unknown as Record<'v1' | 'v1Alpha', Partial<ReflectionIndex> | undefined>;
    aliasPackagelessNames(versions.v1);
    aliasPackagelessNames(versions.v1Alpha);
  }
  return reflection;
}

/** The two indexes of a @grpc/reflection 1.0 implementation, keyed by full name. */
interface ReflectionIndex {
  services: Record<string, unknown>;
  symbols: Record<string, unknown>;
}

/**
 * workload.proto declares no package, and @grpc/reflection 1.0 then names its symbols with a
 * leading dot (`.SpiffeWorkloadAPI`), which grpc-go's reflection, grpcurl and the descriptors
 * themselves do not use. List services by their real full name and resolve symbols by both.
 * test/testing/fake-agent-reflection.test.ts fails if a release of @grpc/reflection changes this.
 */
function aliasPackagelessNames(index: Partial<ReflectionIndex> | undefined): void {
  if (index?.services === undefined || index.symbols === undefined) return;
  for (const [name, service] of Object.entries(index.services)) {
    if (!name.startsWith('.')) continue;
    delete index.services[name];
    index.services[name.slice(1)] = service;
  }
  for (const [name, file] of Object.entries(index.symbols)) {
    if (name.startsWith('.')) index.symbols[name.slice(1)] ??= file;
  }
}

function toStatus(err: unknown): { code: status; details: string } {
  if (err instanceof RpcStatus) return { code: err.code, details: err.details };
  return {
    code: status.INTERNAL,
    details: `fake agent failure: ${err instanceof Error ? err.message : String(err)}`,
  };
}

function callInfo(target: CallTarget, metadata: { get(key: string): unknown[] }): CallInfo {
  const values = metadata.get(SECURITY_HEADER);
  return { target, securityHeader: values.length === 1 && values[0] === 'true', via: 'socket' };
}

async function pump(
  call: ServerWritableStream<unknown, unknown>,
  messages: AsyncIterable<unknown>,
): Promise<void> {
  try {
    for await (const message of messages) {
      if (call.cancelled) return;
      call.write(message);
    }
    if (!call.cancelled) call.end();
  } catch (err) {
    if (!call.cancelled) call.emit('error', toStatus(err));
  }
}

function service(handlers: WorkloadApiHandlers, target: CallTarget): UntypedServiceImplementation {
  const stream =
    (open: (info: CallInfo, signal: AbortSignal) => AsyncIterable<unknown>) =>
    (call: ServerWritableStream<unknown, unknown>): void => {
      const controller = new AbortController();
      call.on('cancelled', () => controller.abort());
      void pump(call, open(callInfo(target, call.metadata), controller.signal));
    };
  const unary =
    (answer: (info: CallInfo, request: never, signal: AbortSignal) => Promise<unknown>) =>
    (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>): void => {
      const controller = new AbortController();
      call.on('cancelled', () => controller.abort());
      answer(callInfo(target, call.metadata), call.request as never, controller.signal).then(
        (message) => callback(null, message),
        (err: unknown) => callback(toStatus(err)),
      );
    };
  return {
    fetchX509Svid: stream((info, signal) => handlers.fetchX509Svid(info, signal)),
    fetchX509Bundles: stream((info, signal) => handlers.fetchX509Bundles(info, signal)),
    fetchJwtBundles: stream((info, signal) => handlers.fetchJwtBundles(info, signal)),
    fetchJwtsvid: unary((info, request, signal) => handlers.fetchJwtSvid(info, request, signal)),
    validateJwtsvid: unary((info, request, signal) => handlers.validateJwtSvid(info, request, signal)),
    fetchWitsvid: stream(async function* (info, signal) {
      yield await handlers.unimplemented('FetchWITSVID', info, signal);
    }),
    fetchWitBundles: stream(async function* (info, signal) {
      yield await handlers.unimplemented('FetchWITBundles', info, signal);
    }),
  };
}

/**
 * One listening Workload API socket: a @grpc/grpc-js server whose calls are answered by the
 * shared handlers for one workload. It can be closed and opened again on the same address.
 */
export class GrpcEndpoint {
  /** The address a client dials: `unix:///…` or `tcp://127.0.0.1:<port>`. */
  readonly address: string;
  readonly #handlers: WorkloadApiHandlers;
  readonly #target: CallTarget;
  readonly #listen: Listen;
  #server: Server | undefined;

  private constructor(handlers: WorkloadApiHandlers, target: CallTarget, listen: Listen, server: Server) {
    this.#handlers = handlers;
    this.#target = target;
    this.#listen = listen;
    this.#server = server;
    this.address = listen.kind === 'unix' ? `unix://${listen.path}` : `tcp://127.0.0.1:${listen.port}`;
  }

  /**
   * Starts a server for `target` (whose `address` the endpoint fills in) on `listen`.
   * @throws {TestingError} `invalid_option` when the address cannot be bound.
   */
  static async open(
    handlers: WorkloadApiHandlers,
    workload: CallTarget['workload'],
    listen: Listen,
  ): Promise<GrpcEndpoint> {
    const target = { workload, address: '' };
    const { server, port } = await bind(handlers, target, listen);
    const bound: Listen = listen.kind === 'tcp' ? { kind: 'tcp', port } : listen;
    const endpoint = new GrpcEndpoint(handlers, target, bound, server);
    target.address = endpoint.address;
    return endpoint;
  }

  /** The call target this endpoint serves. */
  get target(): CallTarget {
    return this.#target;
  }

  /**
   * Stops listening: lets the calls whose status is on its way finish, then cuts what is left
   * (after {@link SHUTDOWN_GRACE_MS}). A unix socket file is removed.
   */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    await new Promise<void>((resolve) => {
      // After the grace period, cut what is left and return: grpc-js does not promise to call
      // the tryShutdown callback once forceShutdown has run (a session that never emits 'close'
      // would otherwise hang stop() for good).
      const force = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, SHUTDOWN_GRACE_MS);
      force.unref();
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  /** Listens again on the same address (after {@link GrpcEndpoint.close}). */
  async reopen(): Promise<void> {
    if (this.#server !== undefined) return;
    this.#server = (await bind(this.#handlers, this.#target, this.#listen)).server;
  }
}

async function bind(
  handlers: WorkloadApiHandlers,
  target: CallTarget,
  listen: Listen,
): Promise<{ server: Server; port: number }> {
  const server = new Server();
  server.addService(definition, service(handlers, target));
  reflectionService().addToServer(server);
  const where = listen.kind === 'unix' ? `unix://${listen.path}` : `127.0.0.1:${listen.port}`;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(where, ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  ).catch((cause: unknown) => {
    server.forceShutdown();
    throw new TestingError(
      'invalid_option',
      `FakeAgent: cannot listen on ${where}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  });
  return { server, port };
}
