import type { Frontend } from './frontend.js';
import type { EventLog } from './log.js';

/** The call straight to the database is tried on this round, then every {@link DIRECT_EVERY}. */
const FIRST_DIRECT_ROUND = 2;
const DIRECT_EVERY = 20;

/** What the request loop counted. */
export interface TrafficCounts {
  /** Requests through api-server that were answered with 200. */
  ok: number;
  /** Requests that failed, and direct calls the database did not refuse. */
  failed: number;
  /** Direct calls to the database that were refused, as they must be. */
  refused: number;
}

/**
 * The request loop: every `intervalMs` the frontend calls api-server (which calls the database),
 * one request at a time; now and then it also tries the database directly. Each outcome is a
 * line with the running counts.
 */
export class Traffic {
  readonly #frontend: Frontend;
  readonly #log: EventLog;
  readonly #intervalMs: number;
  readonly #counts: TrafficCounts = { ok: 0, failed: 0, refused: 0 };
  #round = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(frontend: Frontend, log: EventLog, intervalMs: number) {
    this.#frontend = frontend;
    this.#log = log;
    this.#intervalMs = intervalMs;
  }

  /** A copy of the counts so far. */
  get counts(): TrafficCounts {
    return { ...this.#counts };
  }

  /** Starts the loop. */
  start(): void {
    this.#schedule(0);
  }

  /** Stops the loop after the request in flight, if any. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      const started = Date.now();
      this.#running = this.#once().finally(() => {
        this.#running = undefined;
        this.#schedule(Math.max(0, this.#intervalMs - (Date.now() - started)));
      });
    }, delayMs);
  }

  async #once(): Promise<void> {
    this.#round += 1;
    const counts = this.#counts;
    try {
      const answer = await this.#frontend.callApi();
      counts.ok += 1;
      const { orders, clientSerial, serverSerial } = answer.database;
      this.#log.event(
        'frontend',
        `GET /orders: 200, ${orders.length} orders (JWT-SVID to api-server; mTLS api-server …${clientSerial} -> database …${serverSerial}) | ${this.#tally()}`,
      );
    } catch (error) {
      counts.failed += 1;
      this.#log.event('frontend', `GET /orders failed: ${explain(error)} | ${this.#tally()}`, 'error');
    }
    if (this.#round === FIRST_DIRECT_ROUND || this.#round % DIRECT_EVERY === 0) {
      const direct = await this.#frontend.callDatabaseDirectly();
      if (direct.refused) {
        counts.refused += 1;
        this.#log.event(
          'frontend',
          `GET /orders straight to database: refused as it must be (${direct.detail}) | ${this.#tally()}`,
          'warn',
        );
      } else {
        counts.failed += 1;
        this.#log.event(
          'frontend',
          `GET /orders straight to database was ANSWERED: its policy did not hold | ${this.#tally()}`,
          'error',
        );
      }
    }
  }

  #tally(): string {
    const { ok, failed, refused } = this.#counts;
    return `ok ${ok}, failed ${failed}, refused ${refused}`;
  }
}

/** An error's message followed by those of its causes (`fetch failed: <why>`). */
function explain(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e instanceof Error && parts.length < 4; e = e.cause) parts.push(e.message);
  return parts.length === 0 ? String(error) : parts.join(': ');
}
