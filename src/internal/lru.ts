/**
 * A bounded map that forgets the least recently used entry when full (a `Map` keeps insertion
 * order; a hit moves the entry to the end). For caches whose keys an attacker may choose: the
 * bound keeps memory fixed, and an eviction only costs a recomputation.
 */
export class Lru<K, V> {
  readonly #max: number;
  readonly #map = new Map<K, V>();

  /** Creates a cache of at most `max` entries. */
  constructor(max: number) {
    this.#max = max;
  }

  /** The value for `key`, marking it recently used; undefined when absent. */
  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  /** Stores `value`, evicting the least recently used entry when full. */
  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value as K);
  }

  /** How many entries are held. */
  get size(): number {
    return this.#map.size;
  }
}
