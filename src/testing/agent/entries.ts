import { quote } from '../../internal/errors.js';
import { SpiffeId, TrustDomain, type SpiffeIdLike } from '../../spiffeid/index.js';
import { TestingError } from '../errors.js';
import { compileTemplate, isTemplate, type SpiffeIdTemplate } from './template.js';
import { checkSelectors, type AgentWorkload } from './workload.js';

/** W-28: servers do not support hints longer than 1024 bytes. */
const MAX_HINT_BYTES = 1024;

/** A registration entry, as given to {@link FakeAgent.register} (SPIRE's entry fields). */
export interface FakeEntryOptions {
  /**
   * The SPIFFE ID, or a ClusterSPIFFEID-style template rendered per workload, e.g.
   * `spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}`.
   * The SVID is issued by the agent's CA of the ID's trust domain.
   */
  spiffeId: SpiffeIdLike;
  /**
   * The entry applies to a workload whose selectors include all of these (SPIRE semantics).
   * Without selectors, it applies to the agent's default workload (`agent.address`) only.
   */
  selectors?: readonly string[];
  /** X509-SVID lifetime in milliseconds; default 1 hour. Renewed at half of it. */
  x509SvidTtl?: number;
  /** JWT-SVID lifetime in milliseconds; default 5 minutes. */
  jwtSvidTtl?: number;
  /** The operator-defined hint of the SVIDs (at most 1024 bytes, W-28); default none. */
  hint?: string;
  /** Trust domains whose bundles the workload also receives as federated bundles. */
  federatesWith?: readonly (TrustDomain | string)[];
}

/** A registration entry after validation. */
export interface EntrySpec {
  readonly spiffeId: SpiffeId | SpiffeIdTemplate;
  readonly selectors: readonly string[];
  readonly x509SvidTtl: number | undefined;
  readonly jwtSvidTtl: number | undefined;
  readonly hint: string;
  readonly federatesWith: readonly TrustDomain[];
}

/**
 * Validates a registration entry. `hasCa` says whether the agent can issue for a trust domain.
 * @throws {TestingError} `invalid_option`; {@link SpiffeIdError} for a malformed SPIFFE ID or trust domain.
 */
export function entrySpec(options: FakeEntryOptions, hasCa: (td: TrustDomain) => boolean): EntrySpec {
  const where = 'FakeAgent.register';
  if (typeof options !== 'object' || options === null) {
    throw new TestingError('invalid_option', `${where}: options with a spiffeId are required`);
  }
  const raw = options.spiffeId;
  let spiffeId: SpiffeId | SpiffeIdTemplate;
  if (typeof raw === 'string' && isTemplate(raw)) {
    spiffeId = compileTemplate(raw);
  } else {
    const id = SpiffeId.from(raw);
    if (!hasCa(id.trustDomain)) throw noCa(id.trustDomain, id.toString());
    spiffeId = id;
  }
  const hint = options.hint ?? '';
  if (typeof hint !== 'string') throw new TestingError('invalid_option', `${where}: hint must be a string`);
  if (Buffer.byteLength(hint) > MAX_HINT_BYTES) {
    throw new TestingError(
      'invalid_option',
      `${where}: the hint is longer than ${MAX_HINT_BYTES} bytes (W-28)`,
    );
  }
  const federatesWith = options.federatesWith ?? [];
  if (!Array.isArray(federatesWith)) {
    throw new TestingError('invalid_option', `${where}: federatesWith must be an array of trust domains`);
  }
  const federated = federatesWith.map((td: TrustDomain | string) => TrustDomain.from(td));
  if (spiffeId instanceof SpiffeId && federated.some((td) => td.equals(spiffeId.trustDomain))) {
    throw new TestingError(
      'invalid_option',
      `${where}: federatesWith names the entry's own trust domain ${quote(spiffeId.trustDomain.name)}`,
    );
  }
  return Object.freeze({
    spiffeId,
    selectors: Object.freeze([...new Set(checkSelectors(options.selectors, where))].sort()),
    x509SvidTtl: checkTtl(options.x509SvidTtl, 'x509SvidTtl'),
    jwtSvidTtl: checkTtl(options.jwtSvidTtl, 'jwtSvidTtl'),
    hint,
    federatesWith: Object.freeze(federated),
  });
}

/**
 * Whether an entry applies to a workload: all the entry's selectors are among the workload's
 * (SPIRE). An entry without selectors applies to the default workload only.
 */
export function appliesTo(spec: EntrySpec, workload: AgentWorkload): boolean {
  if (spec.selectors.length === 0) return workload.key === 0;
  return spec.selectors.every((s) => workload.selectors.includes(s));
}

/** The error for an ID whose trust domain has no CA in the agent. */
export function noCa(td: TrustDomain, id: string): TestingError {
  return new TestingError(
    'invalid_option',
    `FakeAgent: no CA for the trust domain ${quote(td.name)} of ${quote(id)}; pass its FakeCa in the agent's \`cas\``,
  );
}

function checkTtl(ttl: number | undefined, name: string): number | undefined {
  if (ttl === undefined) return undefined;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
    throw new TestingError(
      'invalid_option',
      `FakeAgent.register: ${name} must be a positive number of milliseconds`,
    );
  }
  return ttl;
}
