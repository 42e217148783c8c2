import type { TrustDomain } from '../spiffeid/index.js';
import type { AgentState } from './agent/agent-state.js';
import { entrySpec, type FakeEntryOptions } from './agent/entries.js';
import { TestingError } from './errors.js';

/**
 * A registration entry of a {@link FakeAgent}, as returned by `agent.register(...)`. Changing or
 * removing it pushes the new state to every open stream of the workloads it applies to.
 */
export class FakeEntry {
  readonly #state: AgentState;
  readonly #key: number;
  readonly #checkRunning: () => void;
  #options: FakeEntryOptions;

  /** @internal created by {@link FakeAgent.register} */
  constructor(state: AgentState, key: number, options: FakeEntryOptions, checkRunning: () => void) {
    this.#state = state;
    this.#key = key;
    this.#options = options;
    this.#checkRunning = checkRunning;
  }

  /** The entry's options as last registered or updated. */
  get options(): Readonly<FakeEntryOptions> {
    return this.#options;
  }

  /** Whether {@link FakeEntry.remove} was called. */
  get removed(): boolean {
    return this.#state.entrySpec(this.#key) === undefined;
  }

  /**
   * Changes some of the entry's fields (the others keep their values); its X509-SVIDs are issued
   * anew, as SPIRE does when an entry changes.
   * @throws {TestingError} `invalid_option` for bad options, `invalid_state` for a removed entry.
   */
  update(changes: Partial<FakeEntryOptions>): void {
    this.#checkRunning();
    const options = { ...this.#options, ...changes };
    const spec = entrySpec(options, (td: TrustDomain) => this.#state.hasCa(td));
    if (!this.#state.updateEntry(this.#key, spec)) {
      throw new TestingError('invalid_state', 'FakeEntry.update: the entry was removed');
    }
    this.#options = options;
  }

  /**
   * Deletes the entry. A workload left without identity gets PermissionDenied, on open streams
   * too (W-15). Removing twice does nothing.
   */
  remove(): void {
    this.#checkRunning();
    this.#state.removeEntry(this.#key);
  }
}

/** A workload with its own socket on a {@link FakeAgent}, as returned by `agent.workload(...)`. */
export class FakeWorkload {
  /** The workload's Workload API address (`unix:///…` or `tcp://127.0.0.1:…`). */
  readonly address: string;
  /** The selectors it attests with, including those derived from its Kubernetes attributes. */
  readonly selectors: readonly string[];
  readonly #close: () => Promise<void>;

  /** @internal created by {@link FakeAgent.workload} */
  constructor(address: string, selectors: readonly string[], close: () => Promise<void>) {
    this.address = address;
    this.selectors = selectors;
    this.#close = close;
  }

  /** Ends the workload's open streams (Unavailable), closes its socket and drops its SVIDs. */
  close(): Promise<void> {
    return this.#close();
  }
}
