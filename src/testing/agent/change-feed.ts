import { status } from '@grpc/grpc-js';
import { RpcStatus } from './status.js';

/** What an open stream waits for: a change of the agent's state, or the end of the stream. */
export type StreamEvent =
  { kind: 'change'; repeat: boolean } | { kind: 'end'; status: RpcStatus | undefined };

/** An open stream's view of the feed. */
export interface Subscription {
  /**
   * Resolves with the next event: a change since the previous call (changes coalesce), or the end
   * (then always the end). Aborting the stream's signal ends it with CANCELLED.
   */
  next(): Promise<StreamEvent>;
  /** Leaves the feed. */
  close(): void;
}

interface Subscriber {
  readonly workloadKey: number;
  dirty: boolean;
  /** The state is to be sent again even if unchanged (`FakeAgent.repeatState`). */
  repeat: boolean;
  end: StreamEvent | undefined;
  wake: (() => void) | undefined;
}

/**
 * Tells open streams that the agent's state changed (W-6: pushes are event-driven) and ends them
 * on request (`endStreams`, workload close, restart, stop).
 */
export class ChangeFeed {
  readonly #subscribers = new Set<Subscriber>();

  /** Joins the feed for a stream of workload `workloadKey`. */
  subscribe(workloadKey: number, signal: AbortSignal): Subscription {
    const sub: Subscriber = { workloadKey, dirty: false, repeat: false, end: undefined, wake: undefined };
    this.#subscribers.add(sub);
    const onAbort = (): void =>
      this.#finish(sub, { kind: 'end', status: new RpcStatus(status.CANCELLED, 'Call cancelled') });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    return {
      next: () =>
        new Promise<StreamEvent>((resolve) => {
          const settle = (): void => {
            sub.wake = undefined;
            if (sub.end !== undefined) resolve(sub.end);
            else {
              const repeat = sub.repeat;
              sub.dirty = false;
              sub.repeat = false;
              resolve({ kind: 'change', repeat });
            }
          };
          if (sub.end !== undefined || sub.dirty) settle();
          else sub.wake = settle;
        }),
      close: () => {
        signal.removeEventListener('abort', onAbort);
        this.#subscribers.delete(sub);
      },
    };
  }

  /**
   * Marks every open stream as having a change to look at; with `repeat`, as having to send its
   * state again even if it did not change.
   */
  changed(repeat = false): void {
    for (const sub of this.#subscribers) {
      sub.dirty = true;
      if (repeat) sub.repeat = true;
      sub.wake?.();
    }
  }

  /**
   * Ends the open streams of the workloads `which` selects: completing them normally when
   * `status` is undefined, else failing them with it.
   */
  end(which: (workloadKey: number) => boolean, endStatus: RpcStatus | undefined): void {
    for (const sub of [...this.#subscribers]) {
      if (which(sub.workloadKey)) this.#finish(sub, { kind: 'end', status: endStatus });
    }
  }

  #finish(sub: Subscriber, event: StreamEvent): void {
    sub.end ??= event;
    sub.wake?.();
  }
}
