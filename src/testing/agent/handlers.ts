import { status } from '@grpc/grpc-js';
import type { BinaryWriter } from '@bufbuild/protobuf/wire';
import {
  JWTBundlesResponse,
  X509BundlesResponse,
  X509SVIDResponse,
  type JWTSVIDRequest,
  type JWTSVIDResponse,
  type ValidateJWTSVIDRequest,
  type ValidateJWTSVIDResponse,
} from '../../workloadapi/proto/workload.js';
import type { AgentState } from './agent-state.js';
import type { Faults } from './faults.js';
import {
  malformJwtBundles,
  malformJwtSvid,
  malformValidation,
  malformX509Bundles,
  malformX509Svid,
  type GarbageMessage,
  type MalformKind,
} from './malform.js';
import type { WorkloadApiMethod } from './methods.js';
import { MISSING_HEADER, RpcStatus } from './status.js';
import type { AgentWorkload } from './workload.js';

/** One call the agent received, for asserts (see {@link FakeAgent.calls}). */
export interface FakeAgentCall {
  readonly method: WorkloadApiMethod;
  /** The address of the socket the call came in on (the workload's address). */
  readonly address: string;
  /** Whether the call carried exactly `workload.spiffe.io: true` (E-4); in-process calls always do. */
  readonly securityHeader: boolean;
  /** `socket` for gRPC calls, `in-process` for calls through {@link FakeAgent.transport}. */
  readonly via: 'socket' | 'in-process';
}

/** Who is calling: the workload behind a socket (or an in-process transport) and that socket's address. */
export interface CallTarget {
  readonly workload: AgentWorkload;
  readonly address: string;
}

/** What an adapter knows about an incoming call. */
export interface CallInfo {
  readonly target: CallTarget;
  readonly securityHeader: boolean;
  readonly via: 'socket' | 'in-process';
}

/** The answer of a handler: a message, or bytes that are not one (`garbage-bytes`). */
export type Answer<T> = T | GarbageMessage;

interface Encoder<T> {
  encode(message: T): BinaryWriter;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/**
 * The Workload API's server logic, shared by the gRPC adapter and the in-process transport so that
 * both behave the same: the security header check (E-4, E-5), the injected faults, and the
 * answers of {@link AgentState}. Streams are async iterables of full-state messages (W-4): the
 * first without delay (W-5), then one whenever what the workload sees changes (W-6); failures are
 * thrown as {@link RpcStatus}.
 */
export class WorkloadApiHandlers {
  /** Every call received, in order. */
  readonly calls: FakeAgentCall[] = [];
  readonly #state: AgentState;
  readonly #faults: Faults;
  readonly #isOpen: (target: CallTarget) => boolean;
  #interrupt = new AbortController();

  /** `isOpen` says whether a target's socket is still served (not closed or stopped). */
  constructor(state: AgentState, faults: Faults, isOpen: (target: CallTarget) => boolean) {
    this.#state = state;
    this.#faults = faults;
    this.#isOpen = isOpen;
  }

  /** Fails every pending delayed call with Unavailable (the agent stops or restarts). */
  interrupt(): void {
    this.#interrupt.abort();
    this.#interrupt = new AbortController();
  }

  /** FetchX509SVID (W-13, W-15). */
  fetchX509Svid(call: CallInfo, signal: AbortSignal): AsyncGenerator<Answer<X509SVIDResponse>> {
    return this.#stream(
      'FetchX509SVID',
      call,
      signal,
      (w) => this.#state.x509SvidResponse(w),
      X509SVIDResponse,
      malformX509Svid,
    );
  }

  /** FetchX509Bundles (W-16). */
  fetchX509Bundles(call: CallInfo, signal: AbortSignal): AsyncGenerator<Answer<X509BundlesResponse>> {
    return this.#stream(
      'FetchX509Bundles',
      call,
      signal,
      (w) => this.#state.x509BundlesResponse(w),
      X509BundlesResponse,
      malformX509Bundles,
    );
  }

  /** FetchJWTBundles (W-21). */
  fetchJwtBundles(call: CallInfo, signal: AbortSignal): AsyncGenerator<Answer<JWTBundlesResponse>> {
    return this.#stream(
      'FetchJWTBundles',
      call,
      signal,
      (w) => this.#state.jwtBundlesResponse(w),
      JWTBundlesResponse,
      malformJwtBundles,
    );
  }

  /** FetchJWTSVID (W-9, W-17..W-20). */
  async fetchJwtSvid(
    call: CallInfo,
    request: JWTSVIDRequest,
    signal: AbortSignal,
  ): Promise<Answer<JWTSVIDResponse>> {
    await this.#admit('FetchJWTSVID', call, signal);
    return this.#malform(
      'FetchJWTSVID',
      this.#state.fetchJwtSvids(call.target.workload, request),
      malformJwtSvid,
    );
  }

  /** ValidateJWTSVID (W-9, W-23). */
  async validateJwtSvid(
    call: CallInfo,
    request: ValidateJWTSVIDRequest,
    signal: AbortSignal,
  ): Promise<Answer<ValidateJWTSVIDResponse>> {
    await this.#admit('ValidateJWTSVID', call, signal);
    return this.#malform(
      'ValidateJWTSVID',
      this.#state.validateJwtSvid(call.target.workload, request),
      malformValidation,
    );
  }

  /** FetchWITSVID and FetchWITBundles: this agent has no WIT profile (W-26). */
  async unimplemented(method: WorkloadApiMethod, call: CallInfo, signal: AbortSignal): Promise<never> {
    await this.#admit(method, call, signal);
    throw new RpcStatus(
      status.UNIMPLEMENTED,
      `${method} is not implemented: this agent has no WIT-SVID profile (W-26)`,
    );
  }

  async *#stream<T>(
    method: WorkloadApiMethod,
    call: CallInfo,
    signal: AbortSignal,
    snapshot: (workload: AgentWorkload) => T,
    codec: Encoder<T>,
    malform: (message: T, kind: MalformKind) => Answer<T>,
  ): AsyncGenerator<Answer<T>> {
    await this.#admit(method, call, signal);
    const subscription = this.#state.feed.subscribe(call.target.workload.key, signal);
    try {
      let last: Uint8Array | undefined;
      let repeat = false;
      for (;;) {
        const message = snapshot(call.target.workload);
        const bytes = codec.encode(message).finish();
        if (repeat || last === undefined || !sameBytes(bytes, last)) {
          last = bytes;
          yield this.#malform(method, message, malform);
        }
        const event = await subscription.next();
        if (event.kind === 'end') {
          if (event.status !== undefined) throw event.status;
          return;
        }
        repeat = event.repeat;
      }
    } finally {
      subscription.close();
    }
  }

  /** Records the call, then: header check (E-5), injected delay, injected failure. */
  async #admit(method: WorkloadApiMethod, call: CallInfo, signal: AbortSignal): Promise<void> {
    this.calls.push(
      Object.freeze({
        method,
        address: call.target.address,
        securityHeader: call.securityHeader,
        via: call.via,
      }),
    );
    if (!this.#isOpen(call.target))
      throw new RpcStatus(status.UNAVAILABLE, 'the fake agent no longer serves this socket');
    if (!call.securityHeader) throw new RpcStatus(status.INVALID_ARGUMENT, MISSING_HEADER);
    const delay = this.#faults.delayOf(method);
    if (delay > 0) await this.#sleep(delay, signal);
    const failure = this.#faults.takeFailure(method);
    if (failure !== undefined) throw failure;
  }

  #malform<T>(
    method: WorkloadApiMethod,
    message: T,
    malform: (message: T, kind: MalformKind) => Answer<T>,
  ): Answer<T> {
    const kind = this.#faults.takeMalformation(method);
    return kind === undefined ? message : malform(message, kind);
  }

  /** Waits `ms` on the agent's clock; the call's cancellation or {@link interrupt} cut it short. */
  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    const clock = this.#state.clock;
    const interrupt = this.#interrupt.signal;
    return new Promise<void>((resolve, reject) => {
      const cleanup = (): void => {
        signal.removeEventListener('abort', onAbort);
        interrupt.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        cleanup();
        clock.clearTimeout(timer);
        reject(
          signal.aborted
            ? new RpcStatus(status.CANCELLED, 'Call cancelled')
            : new RpcStatus(status.UNAVAILABLE, 'the fake agent is shutting down'),
        );
      };
      const timer = clock.setTimeout(() => {
        cleanup();
        resolve();
      }, ms);
      if (signal.aborted || interrupt.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      interrupt.addEventListener('abort', onAbort, { once: true });
    });
  }
}
