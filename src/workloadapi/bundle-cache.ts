import type { TrustDomain } from '../spiffeid/index.js';
import { sameBytes } from './response.js';

interface Cloneable<B> {
  clone(): B;
}

/**
 * Parsed bundles of a watch's previous message, keyed by trust domain and reused while their bytes
 * do not change. Every message carries the full state (W-4), so without it a rotation re-parses
 * every federated bundle (measured: ~0.2 ms per X.509 bundle, 0.3 s per update with 1,000
 * federated trust domains). Callers always get a clone, so a change they make never reaches the
 * cache. A message that is discarded does not replace the cache.
 */
export class BundleCache<B extends Cloneable<B>> {
  #current = new Map<string, { bytes: Uint8Array; bundle: B }>();
  #next = new Map<string, { bytes: Uint8Array; bundle: B }>();

  /** The bundle of `td` for `bytes`: reused when the previous message had the same bytes, else `parse`d. */
  get(td: TrustDomain, bytes: Uint8Array, parse: () => B): B {
    const known = this.#next.get(td.name) ?? this.#current.get(td.name);
    if (known !== undefined && sameBytes(known.bytes, bytes)) {
      this.#next.set(td.name, known);
      return known.bundle.clone();
    }
    const bundle = parse();
    this.#next.set(td.name, { bytes: Uint8Array.from(bytes), bundle: bundle.clone() });
    return bundle;
  }

  /** Starts reading a message. */
  begin(): void {
    this.#next = new Map();
  }

  /** The message was accepted: its bundles are what the next message is compared with. */
  commit(): void {
    this.#current = this.#next;
    this.#next = new Map();
  }
}
