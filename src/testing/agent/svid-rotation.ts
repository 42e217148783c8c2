import type { SpiffeId } from '../../spiffeid/index.js';
import type { Clock, ClockTimer } from '../clock.js';
import type { IssuedX509Svid } from '../issued-x509-svid.js';

/** Issues an X509-SVID for `id` with lifetime `ttl` (undefined: the CA's default). */
export type IssueX509 = (id: SpiffeId, ttl: number | undefined) => IssuedX509Svid;

interface Held {
  svid: IssuedX509Svid;
  readonly id: SpiffeId;
  readonly ttl: number | undefined;
  timer: ClockTimer | undefined;
}

/**
 * A renewal never comes sooner than this after the previous one: it stops a runaway loop when
 * the CA's own expiry clamps the SVID lifetime towards zero.
 */
const MIN_RENEWAL_MS = 10;

/**
 * The X509-SVIDs the agent holds, one per (workload, entry revision), each renewed at half of its
 * lifetime on the agent's clock, as SPIRE's agent does. An SVID that is already expired (its CA
 * expired) is not renewed.
 */
export class SvidRotation {
  readonly #clock: Clock;
  readonly #issue: IssueX509;
  readonly #onRenewed: () => void;
  readonly #held = new Map<string, Held>();

  /** `onRenewed` runs after each renewal, to push the new state. */
  constructor(clock: Clock, issue: IssueX509, onRenewed: () => void) {
    this.#clock = clock;
    this.#issue = issue;
    this.#onRenewed = onRenewed;
  }

  /** Issues an SVID under `key` (and schedules its renewal) unless one is held already. */
  ensure(key: string, id: SpiffeId, ttl: number | undefined): void {
    if (this.#held.has(key)) return;
    const held: Held = { svid: this.#issue(id, ttl), id, ttl, timer: undefined };
    this.#held.set(key, held);
    this.#schedule(key, held);
  }

  /** The SVID held under `key`, if any. */
  get(key: string): IssuedX509Svid | undefined {
    return this.#held.get(key)?.svid;
  }

  /** Drops (and stops renewing) every SVID whose key is not in `keep`. */
  retain(keep: ReadonlySet<string>): void {
    for (const [key, held] of this.#held) {
      if (!keep.has(key)) {
        if (held.timer !== undefined) this.#clock.clearTimeout(held.timer);
        this.#held.delete(key);
      }
    }
  }

  #schedule(key: string, held: Held): void {
    const lifetime = held.svid.expiresAt.getTime() - this.#clock.now().getTime();
    if (lifetime <= 0) return;
    held.timer = this.#clock.setTimeout(
      () => {
        held.timer = undefined;
        if (this.#held.get(key) !== held) return;
        held.svid = this.#issue(held.id, held.ttl);
        this.#schedule(key, held);
        this.#onRenewed();
      },
      Math.max(lifetime / 2, MIN_RENEWAL_MS),
    );
  }
}
