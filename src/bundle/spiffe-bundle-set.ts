import { quote } from '../internal/errors.js';
import { JsonError, parseJson, type JsonValue } from '../internal/json.js';
import { SpiffeIdError, TrustDomain } from '../spiffeid/index.js';
import { BundleSet } from './bundle-set.js';
import { BundleError } from './errors.js';
import { isJsonObject, member } from './jwks.js';
import type { JwtBundle } from './jwt-bundle.js';
import type { JwtBundleSource, SpiffeBundleSource, X509BundleSource } from './source.js';
import { SpiffeBundle, spiffeBundleFromJson } from './spiffe-bundle.js';
import type { X509Bundle } from './x509-bundle.js';

const MAP_MEMBER = 'trust_domains';

/**
 * SPIFFE bundles of several trust domains, at most one each. It is a source of all three kinds:
 * each answers with the bundle of the asked trust domain only (B-1, F-5: bundles of different
 * trust domains are never merged).
 *
 * It also reads and writes the bundle map of Trust Domain and Bundle §5
 * (`{"trust_domains": {"<name>": <bundle>, ...}}`), with {@link SpiffeBundleSet.parseMap} and
 * {@link SpiffeBundleSet.marshalMap}.
 */
export class SpiffeBundleSet
  extends BundleSet<SpiffeBundle>
  implements SpiffeBundleSource, X509BundleSource, JwtBundleSource
{
  /** A set holding `bundles`; a later bundle replaces an earlier one of the same trust domain. */
  constructor(...bundles: SpiffeBundle[]) {
    super('SPIFFE', (value): value is SpiffeBundle => value instanceof SpiffeBundle, bundles);
  }

  /**
   * Parses a bundle map (Trust Domain and Bundle §5), all or nothing (B-15: a map is the state of
   * the world, never merged into older state):
   * - `trust_domains` is required and may be empty (B-12);
   * - keys are trust domain names; `spiffe://<name>` is accepted too, as the Workload API keys
   *   bundles; a trust domain named twice is refused (B-13), in either form;
   * - each value is a SPIFFE bundle, read as {@link SpiffeBundle.parse} reads one. Per-bundle
   *   refresh hints are kept, but they are only data: they do not drive map refreshes (B-14).
   *
   * @throws {BundleError} `invalid_bundle_map`, `duplicate_trust_domain`, or any error of
   *   `SpiffeBundle.parse` (naming the trust domain).
   */
  static parseMap(json: string | Uint8Array): SpiffeBundleSet {
    const where = 'invalid bundle map';
    let doc: JsonValue;
    try {
      doc = parseJson(json);
    } catch (err) {
      if (!(err instanceof JsonError)) throw err;
      if (err.reason === 'duplicate_key' && err.path.length === 1 && err.path[0] === MAP_MEMBER) {
        throw new BundleError(
          'duplicate_trust_domain',
          `${where}: the trust domain ${quote(err.key ?? '')} appears twice (B-13)`,
          { cause: err },
        );
      }
      throw new BundleError('invalid_bundle_map', `${where}: ${err.message}`, { cause: err });
    }
    if (!isJsonObject(doc)) {
      throw new BundleError('invalid_bundle_map', `${where}: the top level is not a JSON object`);
    }
    const map = member(doc, MAP_MEMBER);
    if (!isJsonObject(map)) {
      const problem = map === undefined ? 'is missing' : 'is not a JSON object';
      throw new BundleError('invalid_bundle_map', `${where}: "${MAP_MEMBER}" ${problem} (B-12)`);
    }
    const set = new SpiffeBundleSet();
    for (const key of Object.keys(map)) {
      const td = mapKeyTrustDomain(key, where);
      if (set.has(td)) {
        throw new BundleError(
          'duplicate_trust_domain',
          `${where}: the trust domain ${quote(td.name)} appears twice (B-13)`,
        );
      }
      set.add(spiffeBundleFromJson(td, map[key] as JsonValue, `${where}: bundle of ${quote(td.name)}`));
    }
    return set;
  }

  /**
   * The set as a bundle map (Trust Domain and Bundle §5): `{"trust_domains": {...}}` with the
   * trust domains sorted by name. Per-bundle refresh hints are left out, as producers should
   * (B-14); sequence numbers are kept.
   *
   * @throws {BundleError} `unsupported_key_type` as {@link SpiffeBundle.marshal}.
   */
  marshalMap(): string {
    const entries = this.bundles().map((bundle) => {
      const copy = bundle.clone();
      copy.setRefreshHint(undefined);
      return `${JSON.stringify(bundle.trustDomain.name)}:${copy.marshal()}`;
    });
    return `{"${MAP_MEMBER}":{${entries.join(',')}}}`;
  }

  /**
   * The stored SPIFFE bundle of `trustDomain` (not a copy).
   *
   * @throws {BundleError} `bundle_not_found`.
   */
  getBundleForTrustDomain(trustDomain: TrustDomain | string): SpiffeBundle {
    return this.require(trustDomain);
  }

  /**
   * The X.509 authorities of `trustDomain`'s bundle, as a new X.509 bundle.
   *
   * @throws {BundleError} `bundle_not_found`.
   */
  getX509BundleForTrustDomain(trustDomain: TrustDomain | string): X509Bundle {
    return this.require(trustDomain, 'X.509').x509Bundle();
  }

  /**
   * The JWT authorities of `trustDomain`'s bundle, as a new JWT bundle.
   *
   * @throws {BundleError} `bundle_not_found`.
   */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain | string): JwtBundle {
    return this.require(trustDomain, 'JWT').jwtBundle();
  }
}

/** A bundle map key: a trust domain name, or the trust domain's own SPIFFE ID. */
function mapKeyTrustDomain(key: string, where: string): TrustDomain {
  let td: TrustDomain;
  try {
    td = TrustDomain.parse(key);
  } catch (err) {
    if (!(err instanceof SpiffeIdError)) throw err;
    throw new BundleError(
      'invalid_bundle_map',
      `${where}: the key ${quote(key)} is not a trust domain: ${err.message}`,
      {
        cause: err,
      },
    );
  }
  if (key !== td.name && key !== td.idString()) {
    throw new BundleError(
      'invalid_bundle_map',
      `${where}: the key ${quote(key)} is a SPIFFE ID with a path, not a trust domain (B-12)`,
    );
  }
  return td;
}
