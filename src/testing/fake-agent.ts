import { status } from '@grpc/grpc-js';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SpiffeBundle } from '../bundle/index.js';
import { quote } from '../internal/errors.js';
import { TrustDomain } from '../spiffeid/index.js';
import {
  BundleSource,
  JwtSource,
  X509Source,
  type BundleSourceOptions,
  type JwtSourceOptions,
  type SourceOptions,
  type X509SourceOptions,
} from '../workloadapi/index.js';
import type { WorkloadApiTransport } from '../workloadapi/transport.js';
import { AgentState } from './agent/agent-state.js';
import { entrySpec, type FakeEntryOptions } from './agent/entries.js';
import { Faults, type FailNextOptions } from './agent/faults.js';
import { GrpcEndpoint, type Listen } from './agent/grpc-endpoint.js';
import { WorkloadApiHandlers, type CallTarget, type FakeAgentCall } from './agent/handlers.js';
import { inProcessTransport } from './agent/in-process-transport.js';
import type { MalformKind } from './agent/malform.js';
import type { WorkloadApiMethod } from './agent/methods.js';
import { socketFolder } from './agent/socket-folder.js';
import { RpcStatus } from './agent/status.js';
import { newWorkload, type AgentWorkload, type FakeWorkloadOptions } from './agent/workload.js';
import type { Clock } from './clock.js';
import { TestingError } from './errors.js';
import { FakeCa } from './fake-ca.js';
import { FakeEntry, FakeWorkload } from './fake-agent-handles.js';
import type { IssuedX509Svid } from './issued-x509-svid.js';

/** How to start a {@link FakeAgent}. */
export interface FakeAgentOptions {
  /** The CA of the agent's own trust domain (`.TrustDomain` in templates; always in the bundles, W-16). */
  ca?: FakeCa;
  /**
   * CAs of more trust domains: an entry's SVIDs come from the CA of its SPIFFE ID's trust domain.
   * Without `ca`, the first one is the agent's own.
   */
  cas?: readonly FakeCa[];
  /** The clock of SVID renewal, JWT validation and {@link FakeAgent.delay}; default the own CA's clock. */
  clock?: Clock;
  /** `unix` (default): sockets in a fresh temporary folder; `tcp`: loopback ports on 127.0.0.1. */
  transport?: 'unix' | 'tcp';
  /** The folder in which the fresh socket folder is made; default the OS temporary folder. */
  socketDir?: string;
}

/** Options of {@link FakeAgent.malformNext}. */
export interface MalformNextOptions {
  /** How many responses carry the defect; default 1. */
  count?: number;
}

function checkCas(options: FakeAgentOptions): FakeCa[] {
  const cas = [...(options.ca === undefined ? [] : [options.ca]), ...(options.cas ?? [])];
  if (cas.length === 0) throw new TestingError('invalid_option', 'FakeAgent.start: give a `ca` (or `cas`)');
  const seen = new Set<string>();
  for (const ca of cas) {
    if (!(ca instanceof FakeCa))
      throw new TestingError('invalid_option', 'FakeAgent.start: `ca` and `cas` take FakeCa instances');
    if (seen.has(ca.trustDomain.name)) {
      throw new TestingError(
        'invalid_option',
        `FakeAgent.start: two CAs for the trust domain ${quote(ca.trustDomain.name)}`,
      );
    }
    seen.add(ca.trustDomain.name);
  }
  return cas;
}

/**
 * A fake SPIFFE Workload API agent for tests: a real @grpc/grpc-js server on a real unix socket
 * (or loopback TCP) that serves X509-SVIDs and JWT-SVIDs from {@link FakeCa}s to workloads the
 * way SPIRE's agent does, so that a service's whole issuance and rotation flow runs in a unit test
 * with no cluster and no SPIRE.
 *
 * - Entries ({@link FakeAgent.register}) decide which identities each workload gets; an entry
 *   without selectors applies to the default workload, whose socket is {@link FakeAgent.address}.
 *   {@link FakeAgent.workload} opens a socket for a workload with its own selectors.
 * - Streams carry the full state (W-4), first at once (W-5), then on every change (W-6): SVID
 *   renewal at half-life on the agent's clock, CA rotation, entry and federated bundle changes.
 * - The spec's server side: the `workload.spiffe.io: true` header on every call (E-4, E-5),
 *   PermissionDenied without identity (W-15, W-20), InvalidArgument for empty mandatory fields
 *   (W-9), Unimplemented WIT RPCs (W-26).
 * - Faults for client tests: {@link FakeAgent.failNext}, {@link FakeAgent.malformNext},
 *   {@link FakeAgent.delay}, {@link FakeAgent.endStreams}, {@link FakeAgent.restart}.
 *
 * @example
 * const ca = new FakeCa({ trustDomain: 'example.org' });
 * await using agent = await FakeAgent.start({ ca });
 * agent.register({ spiffeId: 'spiffe://example.org/api' });
 * process.env.SPIFFE_ENDPOINT_SOCKET = agent.address; // the service under test connects here
 */
export class FakeAgent implements AsyncDisposable {
  /** The default workload's Workload API address, as `SPIFFE_ENDPOINT_SOCKET` takes it. */
  readonly address: string;
  /** The agent's own trust domain. */
  readonly trustDomain: TrustDomain;
  /** The clock that drives SVID renewal. */
  readonly clock: Clock;
  readonly #state: AgentState;
  readonly #faults: Faults;
  readonly #handlers: WorkloadApiHandlers;
  readonly #endpoints: Map<number, GrpcEndpoint>;
  readonly #listen: (key: number) => Listen;
  readonly #dir: string | undefined;
  /** Aborted by stop(): closes the sources the agent made, and fails those still starting. */
  readonly #stopped = new AbortController();
  #nextWorkload = 1;
  #lifecycle: Promise<void> = Promise.resolve();
  #stopping: Promise<void> | undefined;

  private constructor(
    state: AgentState,
    faults: Faults,
    handlers: WorkloadApiHandlers,
    endpoint: GrpcEndpoint,
    listen: (key: number) => Listen,
    dir: string | undefined,
  ) {
    this.#state = state;
    this.#faults = faults;
    this.#handlers = handlers;
    this.#endpoints = new Map([[0, endpoint]]);
    this.#listen = listen;
    this.#dir = dir;
    this.address = endpoint.address;
    this.trustDomain = state.trustDomain;
    this.clock = state.clock;
  }

  /**
   * Starts an agent: the default workload's socket is listening when the promise resolves.
   * @throws {TestingError} `invalid_option` for bad options or an address that cannot be bound.
   */
  static async start(options: FakeAgentOptions): Promise<FakeAgent> {
    if (typeof options !== 'object' || options === null) {
      throw new TestingError('invalid_option', 'FakeAgent.start: options with a `ca` are required');
    }
    const cas = checkCas(options);
    const clock = options.clock ?? cas[0]!.clock;
    if (typeof clock?.now !== 'function' || typeof clock.setTimeout !== 'function') {
      throw new TestingError(
        'invalid_option',
        'FakeAgent.start: clock must be a Clock (systemClock, ManualClock)',
      );
    }
    const kind = options.transport ?? 'unix';
    if (kind !== 'unix' && kind !== 'tcp') {
      throw new TestingError(
        'invalid_option',
        `FakeAgent.start: transport must be "unix" or "tcp", not ${quote(String(kind))}`,
      );
    }
    if (kind === 'tcp' && options.socketDir !== undefined) {
      throw new TestingError('invalid_option', 'FakeAgent.start: socketDir is for the unix transport only');
    }
    const dir = kind === 'unix' ? await socketFolder(options.socketDir) : undefined;
    const listen = (key: number): Listen =>
      dir === undefined
        ? { kind: 'tcp', port: 0 }
        : { kind: 'unix', path: join(dir, key === 0 ? 'agent.sock' : `workload-${key}.sock`) };

    const state = new AgentState(cas, clock);
    const faults = new Faults();
    let agent: FakeAgent | undefined;
    const handlers = new WorkloadApiHandlers(
      state,
      faults,
      (target) => agent !== undefined && agent.#serves(target),
    );
    const workload = newWorkload(0, {});
    try {
      const endpoint = await GrpcEndpoint.open(handlers, workload, listen(0));
      agent = new FakeAgent(state, faults, handlers, endpoint, listen, dir);
    } catch (err) {
      state.close();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
      throw err;
    }
    state.addWorkload(workload);
    return agent;
  }

  /** Every call received so far, in order, with whether it carried the security header. */
  get calls(): readonly FakeAgentCall[] {
    return this.#handlers.calls;
  }

  /**
   * Registers an entry, like `spire-server entry create`: its X509-SVIDs are issued at once for
   * the workloads it applies to, renewed at half-life, and pushed to their open streams.
   *
   * @example agent.register({ spiffeId: 'spiffe://example.org/api' }) // the default workload's identity
   * @throws {TestingError} `invalid_option` (bad options, no CA for the ID's trust domain, hint
   *   over 1024 bytes, W-28); `SpiffeIdError` for a malformed SPIFFE ID.
   */
  register(options: FakeEntryOptions): FakeEntry {
    this.#checkRunning();
    const spec = entrySpec(options, (td) => this.#state.hasCa(td));
    const key = this.#state.addEntry(spec);
    return new FakeEntry(this.#state, key, { ...options }, () => this.#checkRunning());
  }

  /**
   * Opens a socket for one more workload, attested by `selectors` and/or Kubernetes attributes
   * (which add `k8s:ns:<ns>`, `k8s:sa:<sa>`, `k8s:pod-name:<name>`, `k8s:pod-label:<k>:<v>` and
   * `k8s:node-name:<node>`). It gets the entries whose selectors are all among its own.
   * @throws {TestingError} `invalid_option`.
   */
  async workload(options: FakeWorkloadOptions = {}): Promise<FakeWorkload> {
    this.#checkRunning();
    const workload = newWorkload(this.#nextWorkload++, options);
    const endpoint = await GrpcEndpoint.open(this.#handlers, workload, this.#listen(workload.key));
    if (this.#stopping !== undefined) {
      await endpoint.close();
      this.#checkRunning();
    }
    this.#endpoints.set(workload.key, endpoint);
    this.#state.addWorkload(workload);
    return new FakeWorkload(endpoint.address, workload.selectors, () => this.#closeWorkload(workload));
  }

  /**
   * Sets the bundle of a foreign trust domain (or removes it with `undefined`), pushed to the
   * workloads whose entries federate with it (`federatesWith`). A trust domain the agent has a
   * CA for always serves that CA's live bundle instead.
   * @throws {TestingError} `invalid_option` for a bundle of another trust domain or one the agent has a CA for.
   */
  setFederatedBundle(trustDomain: TrustDomain | string, bundle: SpiffeBundle | undefined): void {
    this.#checkRunning();
    const td = TrustDomain.from(trustDomain);
    if (this.#state.hasCa(td)) {
      throw new TestingError(
        'invalid_option',
        `FakeAgent.setFederatedBundle: the agent has a CA for ${quote(td.name)}`,
      );
    }
    if (bundle !== undefined && !(bundle instanceof SpiffeBundle && bundle.trustDomain.equals(td))) {
      throw new TestingError(
        'invalid_option',
        `FakeAgent.setFederatedBundle: expected a SpiffeBundle of ${quote(td.name)} or undefined`,
      );
    }
    this.#state.setFederatedBundle(td, bundle);
  }

  /** The X509-SVIDs a workload (default: the default workload) is served now, default first. */
  x509Svids(workload?: FakeWorkload): IssuedX509Svid[] {
    return this.#state.identities(this.#target(workload).workload).map((identity) => identity.svid);
  }

  /**
   * Fails the next `count` (default 1) calls of `method` with the gRPC status `code`
   * (e.g. `status.UNAVAILABLE` from @grpc/grpc-js), after the security header check.
   * @throws {TestingError} `invalid_option`.
   */
  failNext(method: WorkloadApiMethod, code: number, options?: FailNextOptions): void {
    this.#checkRunning();
    this.#faults.failNext(method, code, options);
  }

  /**
   * Puts the defect `kind` into the next `count` (default 1) responses of `method`: the next
   * call's answer, or the next message pushed on an open stream.
   * @throws {TestingError} `invalid_option` for a kind the method cannot carry.
   */
  malformNext(method: WorkloadApiMethod, kind: MalformKind, options: MalformNextOptions = {}): void {
    this.#checkRunning();
    this.#faults.malformNext(method, kind, options.count);
  }

  /**
   * Delays every answer of `method` (a unary response, a stream's first message) by `ms`
   * milliseconds of the agent's clock (with a {@link ManualClock}, until it is advanced); 0 removes it.
   * @throws {TestingError} `invalid_option`.
   */
  delay(method: WorkloadApiMethod, ms: number): void {
    this.#checkRunning();
    this.#faults.delay(method, ms);
  }

  /**
   * Sends every open stream its current state again, unchanged, as a real agent may (SPIRE pushes
   * on cache changes that a workload does not see). Clients are expected to treat it as no
   * update. Calls made before a stream sends coalesce into one message, as changes do.
   */
  repeatState(): void {
    this.#checkRunning();
    this.#state.feed.changed(true);
  }

  /**
   * Ends every open stream: normally (status OK) without `code`, else with that gRPC status code.
   * @throws {TestingError} `invalid_option` for a code outside 0..16.
   */
  endStreams(code?: number, details = 'stream ended by FakeAgent.endStreams'): void {
    this.#checkRunning();
    if (code !== undefined && (!Number.isInteger(code) || code < 0 || code > 16)) {
      throw new TestingError(
        'invalid_option',
        `FakeAgent.endStreams: ${String(code)} is not a gRPC status code`,
      );
    }
    this.#state.feed.end(
      () => true,
      code === undefined || code === 0 ? undefined : new RpcStatus(code, details),
    );
  }

  /**
   * Stops and starts the agent on the same sockets, keeping entries, workloads and SVIDs: open
   * streams end with Unavailable, and clients reconnect to the same addresses.
   */
  async restart(): Promise<void> {
    this.#checkRunning();
    return this.#serially(async () => {
      this.#interrupt('the fake agent is restarting');
      const endpoints = [...this.#endpoints.values()];
      await Promise.all(endpoints.map((e) => e.close()));
      await Promise.all(endpoints.map((e) => e.reopen()));
    });
  }

  /**
   * A `WorkloadApiTransport` that calls the agent's handlers directly, for pure unit tests: the
   * same messages, pushes and errors as over the workload's socket, with no gRPC in between.
   * Give it to `new WorkloadApiClient({ transport })`.
   */
  transport(workload?: FakeWorkload): WorkloadApiTransport {
    this.#checkRunning();
    return inProcessTransport(this.#handlers, this.#target(workload));
  }

  /**
   * An `X509Source` of the workload (default: the default workload) over {@link FakeAgent.transport}:
   * the SDK's real source, without a socket. It reads time from the agent's clock and is closed
   * when the agent stops.
   * @throws {WorkloadApiError} as `X509Source.create`, e.g. `timeout` with `timeoutMs` when the workload has no identity.
   */
  x509Source(
    workload?: FakeWorkload,
    options: Omit<X509SourceOptions, 'client' | 'clientOptions'> = {},
  ): Promise<X509Source> {
    return X509Source.create(this.#sourceOptions(workload, options));
  }

  /**
   * A `JwtSource` of the workload over {@link FakeAgent.transport} (see {@link FakeAgent.x509Source}).
   * @throws {WorkloadApiError} as `JwtSource.create`.
   */
  jwtSource(
    workload?: FakeWorkload,
    options: Omit<JwtSourceOptions, 'client' | 'clientOptions'> = {},
  ): Promise<JwtSource> {
    return JwtSource.create(this.#sourceOptions(workload, options));
  }

  /**
   * A `BundleSource` of the workload over {@link FakeAgent.transport} (see {@link FakeAgent.x509Source}).
   * @throws {WorkloadApiError} as `BundleSource.create`.
   */
  bundleSource(
    workload?: FakeWorkload,
    options: Omit<BundleSourceOptions, 'client' | 'clientOptions'> = {},
  ): Promise<BundleSource> {
    return BundleSource.create(this.#sourceOptions(workload, options));
  }

  /**
   * Closes the sources it made, ends every stream (Unavailable), closes every socket and server,
   * stops every renewal timer and removes the socket folder. Calling it again waits for the
   * first call.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#serially(async () => {
      this.#stopped.abort();
      this.#interrupt('the fake agent stopped');
      this.#state.close();
      const endpoints = [...this.#endpoints.values()];
      await Promise.all(endpoints.map((e) => e.close()));
      this.#endpoints.clear();
      if (this.#dir !== undefined) await rm(this.#dir, { recursive: true, force: true });
    });
    return this.#stopping;
  }

  /** Stops the agent: `await using agent = await FakeAgent.start(...)`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** A source's options: the in-process transport, the agent's clock, and closing when the agent stops. */
  #sourceOptions<O extends SourceOptions>(
    workload: FakeWorkload | undefined,
    options: Omit<O, 'client' | 'clientOptions'>,
  ): O {
    const signal =
      options.signal === undefined
        ? this.#stopped.signal
        : AbortSignal.any([options.signal, this.#stopped.signal]);
    return {
      ...options,
      signal,
      clientOptions: { transport: this.transport(workload), clock: this.clock },
    } as O;
  }

  #serves(target: CallTarget): boolean {
    return this.#stopping === undefined && this.#endpoints.get(target.workload.key)?.target === target;
  }

  #target(workload: FakeWorkload | undefined): CallTarget {
    const address = workload === undefined ? this.address : workload.address;
    for (const endpoint of this.#endpoints.values()) if (endpoint.address === address) return endpoint.target;
    throw new TestingError('invalid_state', 'FakeAgent: the workload is closed or belongs to another agent');
  }

  async #closeWorkload(workload: AgentWorkload): Promise<void> {
    const endpoint = this.#endpoints.get(workload.key);
    if (endpoint === undefined) return;
    this.#endpoints.delete(workload.key);
    this.#state.feed.end(
      (key) => key === workload.key,
      new RpcStatus(status.UNAVAILABLE, 'the workload socket closed'),
    );
    this.#state.removeWorkload(workload.key);
    await endpoint.close();
  }

  #interrupt(why: string): void {
    this.#state.feed.end(() => true, new RpcStatus(status.UNAVAILABLE, why));
    this.#handlers.interrupt();
  }

  #serially(step: () => Promise<void>): Promise<void> {
    const next = this.#lifecycle.then(step);
    this.#lifecycle = next.catch(() => undefined);
    return next;
  }

  #checkRunning(): void {
    if (this.#stopping !== undefined)
      throw new TestingError('invalid_state', 'FakeAgent: the agent is stopped');
  }
}
