import { status } from '@grpc/grpc-js';
import { JwtBundle, JwtBundleSet, type SpiffeBundle } from '../../bundle/index.js';
import { quote } from '../../internal/errors.js';
import { SpiffeId, TrustDomain } from '../../spiffeid/index.js';
import { JwtSvid, SvidError } from '../../svid/index.js';
import type {
  JWTBundlesResponse,
  JWTSVIDRequest,
  JWTSVIDResponse,
  ValidateJWTSVIDRequest,
  ValidateJWTSVIDResponse,
  X509BundlesResponse,
  X509SVIDResponse,
} from '../../workloadapi/proto/workload.js';
import type { Clock } from '../clock.js';
import type { FakeCa } from '../fake-ca.js';
import type { IssuedX509Svid } from '../issued-x509-svid.js';
import { ChangeFeed } from './change-feed.js';
import { appliesTo, type EntrySpec } from './entries.js';
import { NO_IDENTITY, RpcStatus } from './status.js';
import { SvidRotation } from './svid-rotation.js';
import type { AgentWorkload } from './workload.js';

interface Entry {
  readonly key: number;
  revision: number;
  spec: EntrySpec;
}

/** One identity a workload is served: the entry, its rendered ID and the SVID held for it. */
export interface ServedIdentity {
  readonly entry: EntrySpec;
  readonly id: SpiffeId;
  readonly svid: IssuedX509Svid;
}

/** An identity as reconciled: the SVID itself is looked up when read, as renewal replaces it. */
interface Assigned {
  readonly entry: EntrySpec;
  readonly id: SpiffeId;
  readonly key: string;
}

interface WorkloadIdentities {
  identities: Assigned[];
  /** Why entries that select the workload gave it no identity (template rendering failures). */
  problems: string[];
}

const encoder = new TextEncoder();

function concatDer(certs: readonly { raw: Uint8Array }[]): Uint8Array {
  return new Uint8Array(Buffer.concat(certs.map((c) => c.raw)));
}

/** `spiffe://<td>`: how the Workload API keys bundle maps (A-12, as SPIRE does). */
function bundleKey(td: TrustDomain): string {
  return td.idString();
}

/**
 * The fake agent's state and the Workload API answers computed from it. Registration entries
 * apply to workloads as SPIRE's do; the agent issues each applicable entry's X509-SVID eagerly
 * (like SPIRE's agent syncing its cache), renews it at half-life, and tells open streams about
 * every change through {@link AgentState.feed}. Handlers read full-state snapshots (W-4) and get
 * an {@link RpcStatus} when the caller is not entitled.
 */
export class AgentState {
  /** The agent's own trust domain: always in the bundle responses (W-16, W-21). */
  readonly trustDomain: TrustDomain;
  readonly clock: Clock;
  /** Open streams wait on this for changes. */
  readonly feed = new ChangeFeed();
  readonly #cas = new Map<string, FakeCa>();
  readonly #entries = new Map<number, Entry>();
  readonly #workloads = new Map<number, AgentWorkload>();
  readonly #federated = new Map<string, SpiffeBundle>();
  readonly #served = new Map<number, WorkloadIdentities>();
  readonly #rotation: SvidRotation;
  readonly #unsubscribe: (() => void)[];
  #nextEntryKey = 1;

  /** `cas[0]` is the CA of the agent's own trust domain; the CAs have distinct trust domains. */
  constructor(cas: readonly FakeCa[], clock: Clock) {
    this.trustDomain = cas[0]!.trustDomain;
    this.clock = clock;
    for (const ca of cas) this.#cas.set(ca.trustDomain.name, ca);
    this.#rotation = new SvidRotation(
      clock,
      (id, ttl) => this.#caFor(id.trustDomain)!.issueX509Svid({ id, ...(ttl === undefined ? {} : { ttl }) }),
      () => this.feed.changed(),
    );
    // CA rotation publishes new bundles: push them (W-6).
    this.#unsubscribe = cas.map((ca) => ca.onBundleChange(() => this.feed.changed()));
  }

  /** Whether the agent has a CA for `td`. */
  hasCa(td: TrustDomain): boolean {
    return this.#cas.has(td.name);
  }

  /** Registers an entry; returns its key. */
  addEntry(spec: EntrySpec): number {
    const key = this.#nextEntryKey++;
    this.#entries.set(key, { key, revision: 0, spec });
    this.#reconcile();
    return key;
  }

  /** Replaces an entry's spec; its SVIDs are issued anew. Returns false when it was removed. */
  updateEntry(key: number, spec: EntrySpec): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    entry.spec = spec;
    entry.revision++;
    this.#reconcile();
    return true;
  }

  /** Removes an entry; false when it was already removed. */
  removeEntry(key: number): boolean {
    const removed = this.#entries.delete(key);
    if (removed) this.#reconcile();
    return removed;
  }

  /** The current spec of an entry, or undefined once removed. */
  entrySpec(key: number): EntrySpec | undefined {
    return this.#entries.get(key)?.spec;
  }

  /** Starts serving a workload. */
  addWorkload(workload: AgentWorkload): void {
    this.#workloads.set(workload.key, workload);
    this.#reconcile();
  }

  /** Stops serving a workload and drops its SVIDs. */
  removeWorkload(key: number): void {
    if (this.#workloads.delete(key)) this.#reconcile();
  }

  /**
   * Sets (or with `undefined`, removes) the bundle of a foreign trust domain, served to
   * workloads whose entries federate with it.
   */
  setFederatedBundle(td: TrustDomain, bundle: SpiffeBundle | undefined): void {
    if (bundle === undefined) {
      if (!this.#federated.delete(td.name)) return;
    } else {
      this.#federated.set(td.name, bundle.clone());
    }
    this.feed.changed();
  }

  /** The identities `workload` is served now, default first (W-27), later duplicate hints dropped (W-14). */
  identities(workload: AgentWorkload): ServedIdentity[] {
    const seen = new Set<string>();
    const served: ServedIdentity[] = [];
    for (const { entry, id, key } of this.#served.get(workload.key)?.identities ?? []) {
      if (entry.hint !== '' && seen.has(entry.hint)) continue;
      seen.add(entry.hint);
      served.push({ entry, id, svid: this.#rotation.get(key)! });
    }
    return served;
  }

  /** FetchX509SVID's full state (W-4, W-13). @throws {RpcStatus} PermissionDenied without identity (W-15). */
  x509SvidResponse(workload: AgentWorkload): X509SVIDResponse {
    const identities = this.#entitled(workload);
    const federatedBundles = new Map<string, Uint8Array>();
    for (const td of this.#federatedDomains(identities)) {
      const der = this.#x509Der(td);
      if (der !== undefined) federatedBundles.set(bundleKey(td), der);
    }
    return {
      svids: identities.map(({ entry, id, svid }) => ({
        spiffeId: id.toString(),
        x509Svid: svid.chainDer,
        x509SvidKey: svid.privateKeyDer,
        bundle: this.#x509Der(id.trustDomain) ?? new Uint8Array(),
        hint: entry.hint,
      })),
      crl: [],
      federatedBundles,
    };
  }

  /** FetchX509Bundles' full state (W-16). @throws {RpcStatus} PermissionDenied without identity. */
  x509BundlesResponse(workload: AgentWorkload): X509BundlesResponse {
    const bundles = new Map<string, Uint8Array>();
    for (const td of this.#visibleDomains(this.#entitled(workload))) {
      const der = this.#x509Der(td);
      if (der !== undefined) bundles.set(bundleKey(td), der);
    }
    return { crl: [], bundles };
  }

  /** FetchJWTBundles' full state, JWKS JSON per trust domain (W-21). @throws {RpcStatus} PermissionDenied. */
  jwtBundlesResponse(workload: AgentWorkload): JWTBundlesResponse {
    const bundles = new Map<string, Uint8Array>();
    for (const bundle of this.#jwtBundles(this.#entitled(workload))) {
      bundles.set(bundleKey(bundle.trustDomain), encoder.encode(bundle.marshal()));
    }
    return { bundles };
  }

  /**
   * FetchJWTSVID: a fresh JWT-SVID for the requested audience (W-17) for every identity, or only
   * `spiffe_id` (W-18).
   * @throws {RpcStatus} InvalidArgument for an empty audience (W-9) or a malformed `spiffe_id`;
   *   PermissionDenied without identity or entitlement (W-20).
   */
  fetchJwtSvids(workload: AgentWorkload, request: JWTSVIDRequest): JWTSVIDResponse {
    if (request.audience.length === 0 || request.audience.some((a) => a === '')) {
      throw new RpcStatus(status.INVALID_ARGUMENT, 'audience must be specified');
    }
    let wanted: SpiffeId | undefined;
    if (request.spiffeId !== '') {
      try {
        wanted = SpiffeId.parse(request.spiffeId);
      } catch (err) {
        throw new RpcStatus(
          status.INVALID_ARGUMENT,
          `invalid requested SPIFFE ID: ${(err as Error).message}`,
        );
      }
    }
    const identities = this.#entitled(workload).filter(({ id }) => wanted === undefined || id.equals(wanted));
    if (identities.length === 0) {
      throw new RpcStatus(status.PERMISSION_DENIED, `${NO_IDENTITY} for ${quote(request.spiffeId)}`);
    }
    return {
      svids: identities.map(({ entry, id }) => ({
        spiffeId: id.toString(),
        svid: this.#caFor(id.trustDomain)!.issueJwtSvid({
          id,
          audience: [...request.audience],
          ...(entry.jwtSvidTtl === undefined ? {} : { ttl: entry.jwtSvidTtl }),
        }).token,
        hint: entry.hint,
      })),
    };
  }

  /**
   * ValidateJWTSVID (W-23): validates with the SDK's `JwtSvid.parseAndValidate` against the JWT
   * bundles the workload can see, at the agent's time.
   * @throws {RpcStatus} InvalidArgument for an empty field (W-9) or a token that does not validate.
   */
  validateJwtSvid(workload: AgentWorkload, request: ValidateJWTSVIDRequest): ValidateJWTSVIDResponse {
    if (request.audience === '') throw new RpcStatus(status.INVALID_ARGUMENT, 'audience must be specified');
    if (request.svid === '') throw new RpcStatus(status.INVALID_ARGUMENT, 'svid must be specified');
    const bundles = new JwtBundleSet(...this.#jwtBundles(this.identities(workload)));
    let svid: JwtSvid;
    try {
      svid = JwtSvid.parseAndValidate(request.svid, bundles, request.audience, { time: this.clock.now() });
    } catch (err) {
      if (err instanceof SvidError) throw new RpcStatus(status.INVALID_ARGUMENT, err.message);
      throw err;
    }
    return { spiffeId: svid.id.toString(), claims: { ...svid.claims } };
  }

  /** Stops every renewal and listener; the state answers nothing afterwards. */
  close(): void {
    this.#rotation.retain(new Set());
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#served.clear();
  }

  #entitled(workload: AgentWorkload): ServedIdentity[] {
    const identities = this.identities(workload);
    if (identities.length === 0) {
      const problems = this.#served.get(workload.key)?.problems ?? [];
      throw new RpcStatus(status.PERMISSION_DENIED, [NO_IDENTITY, ...problems].join('; '));
    }
    return identities;
  }

  /** Own trust domain, those of the identities, then the federated ones (no duplicates). */
  #visibleDomains(identities: readonly ServedIdentity[]): TrustDomain[] {
    const domains = new Map<string, TrustDomain>([[this.trustDomain.name, this.trustDomain]]);
    for (const { id } of identities) domains.set(id.trustDomain.name, id.trustDomain);
    for (const td of this.#federatedDomains(identities)) domains.set(td.name, td);
    return [...domains.values()];
  }

  #federatedDomains(identities: readonly ServedIdentity[]): TrustDomain[] {
    const domains = new Map<string, TrustDomain>();
    for (const { entry, id } of identities) {
      for (const td of entry.federatesWith) if (!td.equals(id.trustDomain)) domains.set(td.name, td);
    }
    return [...domains.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  #x509Der(td: TrustDomain): Uint8Array | undefined {
    const ca = this.#caFor(td);
    if (ca !== undefined) return concatDer(ca.rootCertificates());
    const federated = this.#federated.get(td.name);
    return federated === undefined ? undefined : concatDer(federated.x509Authorities());
  }

  #jwtBundles(identities: readonly ServedIdentity[]): JwtBundle[] {
    const bundles: JwtBundle[] = [];
    for (const td of this.#visibleDomains(identities)) {
      const ca = this.#caFor(td);
      const federated = this.#federated.get(td.name);
      if (ca !== undefined) bundles.push(JwtBundle.fromJwtAuthorities(td, ca.jwtAuthorities()));
      else if (federated !== undefined) bundles.push(federated.jwtBundle());
    }
    return bundles;
  }

  #caFor(td: TrustDomain): FakeCa | undefined {
    return this.#cas.get(td.name);
  }

  /** Works out which entries apply to which workload, issues missing SVIDs, drops stale ones, pushes. */
  #reconcile(): void {
    const keep = new Set<string>();
    this.#served.clear();
    for (const workload of this.#workloads.values()) {
      const served: WorkloadIdentities = { identities: [], problems: [] };
      for (const entry of this.#entries.values()) {
        if (!appliesTo(entry.spec, workload)) continue;
        const id = this.#render(entry.spec, workload, served.problems);
        if (id === undefined) continue;
        const key = `${workload.key}/${entry.key}/${entry.revision}`;
        keep.add(key);
        this.#rotation.ensure(key, id, entry.spec.x509SvidTtl);
        served.identities.push({ entry: entry.spec, id, key });
      }
      this.#served.set(workload.key, served);
    }
    this.#rotation.retain(keep);
    this.feed.changed();
  }

  #render(spec: EntrySpec, workload: AgentWorkload, problems: string[]): SpiffeId | undefined {
    const template = spec.spiffeId;
    if (template instanceof SpiffeId) return template;
    const what = `the entry ${quote(template.source)}`;
    if (template.usesPod && workload.k8s === undefined) {
      problems.push(`${what} needs Kubernetes attributes; open the workload with agent.workload({ k8s })`);
      return undefined;
    }
    const rendered = template.render({ trustDomain: this.trustDomain.name, k8s: workload.k8s });
    let id: SpiffeId;
    try {
      id = SpiffeId.parse(rendered);
    } catch (err) {
      problems.push(`${what} rendered ${quote(rendered)}, not a valid SPIFFE ID: ${(err as Error).message}`);
      return undefined;
    }
    if (!this.hasCa(id.trustDomain)) {
      problems.push(`${what} rendered ${quote(id.toString())}, but the agent has no CA for its trust domain`);
      return undefined;
    }
    return id;
  }
}
