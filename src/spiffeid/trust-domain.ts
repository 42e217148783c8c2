import { quote } from '../internal/errors.js';
import { SpiffeIdError } from './errors.js';
import { SpiffeId, trustDomainId } from './spiffe-id.js';
import { trustDomainProblem } from './trust-domain-name.js';

const BRAND = Symbol.for('@spiffe-ts/sdk:TrustDomain');

/**
 * A SPIFFE trust domain (`example.org`): an immutable value, compared by name.
 *
 * @example
 * TrustDomain.parse('example.org').id().toString();            // 'spiffe://example.org'
 * TrustDomain.parse('spiffe://example.org/ns/prod').name;      // 'example.org'
 */
export class TrustDomain {
  // Immutable as SpiffeId is: private state written once, the prototype and the class frozen.
  readonly #name: string;

  private constructor(name: string) {
    this.#name = name;
  }

  /**
   * Parses a trust domain name (`example.org`) or takes the trust domain of a SPIFFE ID
   * (`spiffe://example.org/any/path`).
   *
   * @throws {SpiffeIdError} `missing_trust_domain`, `invalid_trust_domain`, `too_long`, or an
   *   ID error when the input looks like a SPIFFE ID.
   */
  static parse(nameOrId: string): TrustDomain {
    if (typeof nameOrId !== 'string') {
      throw new SpiffeIdError(
        'missing_trust_domain',
        `invalid trust domain: expected a string, got ${typeof nameOrId}`,
      );
    }
    if (nameOrId.includes(':/')) return SpiffeId.parse(nameOrId).trustDomain;
    const problem = trustDomainProblem(nameOrId, 0, nameOrId.length);
    if (problem !== undefined) {
      throw new SpiffeIdError(problem.code, `invalid trust domain ${quote(nameOrId)}: ${problem.why}`);
    }
    return new TrustDomain(nameOrId);
  }

  /** Returns `value` if it is already a TrustDomain, else parses it (name or SPIFFE ID). */
  static from(value: TrustDomain | string): TrustDomain {
    return value instanceof TrustDomain ? value : TrustDomain.parse(value);
  }

  /** @internal for names the caller has already validated */
  static fromValidName(name: string): TrustDomain {
    return new TrustDomain(name);
  }

  /** Recognises TrustDomain values from any copy of this package (ESM and CJS builds alike). */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** @internal brand for `instanceof` across package copies */
  get [BRAND](): true {
    return true;
  }

  /** The name, e.g. `example.org`. */
  get name(): string {
    return this.#name;
  }

  /** The trust domain's own SPIFFE ID, `spiffe://<name>`. */
  id(): SpiffeId {
    return trustDomainId(this);
  }

  /** The trust domain's own SPIFFE ID as a string, `spiffe://<name>`. */
  idString(): string {
    return `spiffe://${this.#name}`;
  }

  /**
   * Whether `other` names the same trust domain. A string is compared as a name; anything that is
   * neither a TrustDomain nor a string is not equal.
   */
  equals(other: TrustDomain | string | null | undefined): boolean {
    if (typeof other === 'string') return this.#name === other;
    if (!(other instanceof TrustDomain)) return false;
    // A copy of this class from the other build (ESM/CJS) has no #name this class can read.
    return this.#name === (#name in other ? other.#name : (other as { name: string }).name);
  }

  /** The name. */
  toString(): string {
    return this.#name;
  }

  /** The JSON form is the name. */
  toJSON(): string {
    return this.#name;
  }

  /** How `util.inspect` and `console.log` show the trust domain: `TrustDomain(name)`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `TrustDomain(${this.#name})`;
  }
}

Object.freeze(TrustDomain.prototype);
Object.freeze(TrustDomain);
