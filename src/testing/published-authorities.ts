import type { KeyObject, X509Certificate } from 'node:crypto';
import type { Clock } from './clock.js';

/** Changes to the published authorities, applied inside {@link PublishedAuthorities.update}. */
export interface AuthorityEdit {
  addX509(certificate: X509Certificate): void;
  removeX509(certificate: X509Certificate): void;
  addJwt(kid: string, publicKey: KeyObject): void;
  removeJwt(kid: string): void;
}

interface Retiring {
  /** Epoch ms after which nothing the authority signed is valid any more. */
  lastExpiry: number;
  remove(edit: AuthorityEdit): void;
}

/**
 * What one trust domain publishes in its bundle: the X.509 roots and JWT keys of every FakeCa in
 * one CA tree, the sequence number, and the retired authorities waiting for their last SVID to
 * expire (F-1). The sequence number goes up by one for each batch of changes (B-3).
 */
export class PublishedAuthorities {
  readonly clock: Clock;
  /** `spiffe_refresh_hint` in seconds. */
  readonly refreshHint: number;
  readonly #x509: X509Certificate[] = [];
  readonly #jwt = new Map<string, KeyObject>();
  readonly #listeners = new Set<() => void>();
  #retiring: Retiring[] = [];
  #sequence = 0n;
  #depth = 0;
  #changed = false;

  constructor(clock: Clock, refreshHint: number) {
    this.clock = clock;
    this.refreshHint = refreshHint;
  }

  /**
   * What is published now, after dropping the retired authorities whose last SVID has expired:
   * X.509 roots and JWT keys oldest first, and the sequence number, as one consistent snapshot.
   */
  snapshot(): { x509: X509Certificate[]; jwt: Map<string, KeyObject>; sequence: bigint } {
    this.prune();
    return { x509: [...this.#x509], jwt: new Map(this.#jwt), sequence: this.#sequence };
  }

  /**
   * Applies a batch of changes; when anything changed, bumps the sequence number once and then
   * notifies the listeners. Nested calls join the outermost batch.
   */
  update(apply: (edit: AuthorityEdit) => void): void {
    const edit: AuthorityEdit = {
      addX509: (certificate) => {
        this.#x509.push(certificate);
        this.#changed = true;
      },
      removeX509: (certificate) => {
        const at = this.#x509.indexOf(certificate);
        if (at >= 0) {
          this.#x509.splice(at, 1);
          this.#changed = true;
        }
      },
      addJwt: (kid, publicKey) => {
        this.#jwt.set(kid, publicKey);
        this.#changed = true;
      },
      removeJwt: (kid) => {
        if (this.#jwt.delete(kid)) this.#changed = true;
      },
    };
    this.#depth++;
    try {
      apply(edit);
    } finally {
      this.#depth--;
    }
    if (this.#depth === 0 && this.#changed) {
      this.#changed = false;
      this.#sequence++;
      for (const listener of [...this.#listeners]) listener();
    }
  }

  /**
   * Keeps an authority published until the clock passes `lastExpiry`, then removes it with
   * `remove` (F-1). A timer on the clock drops it on time; reads also drop it when due.
   */
  retire(lastExpiry: number, remove: (edit: AuthorityEdit) => void): void {
    this.#retiring.push({ lastExpiry, remove });
    const delay = lastExpiry - this.clock.now().getTime();
    if (delay >= 0) this.clock.setTimeout(() => this.prune(), delay + 1);
    this.prune();
  }

  /** Drops the retired authorities whose last SVID has expired. */
  prune(): void {
    const now = this.clock.now().getTime();
    const due = this.#retiring.filter((r) => r.lastExpiry < now);
    if (due.length === 0) return;
    this.#retiring = this.#retiring.filter((r) => r.lastExpiry >= now);
    this.update((edit) => due.forEach((r) => r.remove(edit)));
  }

  /** Calls `listener` after every change of the published authorities; returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
