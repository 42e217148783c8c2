import { status } from '@grpc/grpc-js';
import { quote } from '../../internal/errors.js';
import { TestingError } from '../errors.js';
import { MALFORM_KINDS, type MalformKind } from './malform.js';
import { isWorkloadApiMethod, type WorkloadApiMethod } from './methods.js';
import { RpcStatus } from './status.js';

/** Options of {@link FakeAgent.failNext}. */
export interface FailNextOptions {
  /** How many calls fail; default 1. */
  count?: number;
  /** The status details; default `injected by FakeAgent.failNext`. */
  details?: string;
}

interface Queued<T> {
  value: T;
  remaining: number;
}

/**
 * The faults armed on the agent: failures and malformed responses for the next calls of a
 * method (consumed in the order they were armed), and per-method response delays.
 */
export class Faults {
  readonly #failures = new Map<WorkloadApiMethod, Queued<RpcStatus>[]>();
  readonly #malformations = new Map<WorkloadApiMethod, Queued<MalformKind>[]>();
  readonly #delays = new Map<WorkloadApiMethod, number>();

  /**
   * Fails the next `count` calls of `method` with the gRPC status `code`.
   * @throws {TestingError} `invalid_option`.
   */
  failNext(method: WorkloadApiMethod, code: number, options: FailNextOptions = {}): void {
    checkMethod(method, 'failNext');
    if (!Number.isInteger(code) || code < 1 || code > 16) {
      throw new TestingError(
        'invalid_option',
        `FakeAgent.failNext: ${String(code)} is not a gRPC error code (1..16)`,
      );
    }
    const details = options.details ?? 'injected by FakeAgent.failNext';
    if (typeof details !== 'string')
      throw new TestingError('invalid_option', 'FakeAgent.failNext: details must be a string');
    push(
      this.#failures,
      method,
      new RpcStatus(code as status, details),
      checkCount(options.count, 'failNext'),
    );
  }

  /** The failure armed for the next call of `method`, consuming it. */
  takeFailure(method: WorkloadApiMethod): RpcStatus | undefined {
    return take(this.#failures, method);
  }

  /**
   * Makes the next `count` responses of `method` carry the defect `kind`.
   * @throws {TestingError} `invalid_option` for a kind the method cannot carry.
   */
  malformNext(method: WorkloadApiMethod, kind: MalformKind, count: number | undefined): void {
    checkMethod(method, 'malformNext');
    if (!MALFORM_KINDS[method].includes(kind)) {
      const kinds = MALFORM_KINDS[method];
      throw new TestingError(
        'invalid_option',
        `FakeAgent.malformNext: ${method} cannot serve ${quote(String(kind))}; ` +
          (kinds.length === 0 ? 'it has no responses' : `its kinds are ${kinds.join(', ')}`),
      );
    }
    push(this.#malformations, method, kind, checkCount(count, 'malformNext'));
  }

  /** The defect armed for the next response of `method`, consuming it. */
  takeMalformation(method: WorkloadApiMethod): MalformKind | undefined {
    return take(this.#malformations, method);
  }

  /**
   * Delays every answer of `method` (a unary response, a stream's first message) by `ms`
   * milliseconds of the agent's clock; 0 removes the delay.
   * @throws {TestingError} `invalid_option`.
   */
  delay(method: WorkloadApiMethod, ms: number): void {
    checkMethod(method, 'delay');
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new TestingError('invalid_option', 'FakeAgent.delay: ms must be a finite number >= 0');
    }
    if (ms === 0) this.#delays.delete(method);
    else this.#delays.set(method, ms);
  }

  /** The delay of `method` in milliseconds (0 when none). */
  delayOf(method: WorkloadApiMethod): number {
    return this.#delays.get(method) ?? 0;
  }
}

function checkMethod(method: WorkloadApiMethod, where: string): void {
  if (!isWorkloadApiMethod(method)) {
    throw new TestingError('invalid_option', `FakeAgent.${where}: unknown method ${quote(String(method))}`);
  }
}

function checkCount(count: number | undefined, where: string): number {
  if (count === undefined) return 1;
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new TestingError('invalid_option', `FakeAgent.${where}: count must be a whole number >= 1`);
  }
  return count;
}

function push<T>(
  queues: Map<WorkloadApiMethod, Queued<T>[]>,
  method: WorkloadApiMethod,
  value: T,
  count: number,
): void {
  const queue = queues.get(method) ?? [];
  queue.push({ value, remaining: count });
  queues.set(method, queue);
}

function take<T>(queues: Map<WorkloadApiMethod, Queued<T>[]>, method: WorkloadApiMethod): T | undefined {
  const queue = queues.get(method);
  const head = queue?.[0];
  if (queue === undefined || head === undefined) return undefined;
  if (--head.remaining === 0) queue.shift();
  return head.value;
}
