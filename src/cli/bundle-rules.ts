import { X509Certificate, type KeyObject } from 'node:crypto';
import { SpiffeBundle, SpiffeBundleSet } from '../bundle/index.js';
import { JsonError, parseJson, type JsonValue } from '../internal/json.js';
import { TrustDomain } from '../spiffeid/index.js';
import { certificateInfo, isSelfSigned } from './certificate-summary.js';
import { addSdkVerdict, type Finding } from './findings.js';
import { authorityFindings } from './x509-rules.js';

/** One bundle of an inspected document, as the SDK loaded it. */
export interface InspectedBundle {
  /** Undefined when the document does not say and `--trust-domain` was not given. */
  trustDomain: string | undefined;
  sequenceNumber: bigint | undefined;
  refreshHint: number | undefined;
  x509Authorities: X509Certificate[];
  jwtAuthorities: Map<string, KeyObject>;
}

/** A SPIFFE bundle, JWKS or bundle map as `inspect` reads it. */
export interface BundleReport {
  kind: 'spiffe-bundle' | 'bundle-map';
  bundles: InspectedBundle[];
  findings: Finding[];
}

/** Stands in for an unknown trust domain while parsing (the parser needs one; rules do not depend on it). */
const PLACEHOLDER = 'unknown.invalid';
const USES = new Set(['x509-svid', 'jwt-svid']);

/**
 * Reads a SPIFFE bundle (a JWK Set with `spiffe_sequence` and `spiffe_refresh_hint`), a plain
 * JWKS, or a bundle map (`{"trust_domains": {...}}`), lists every rule it breaks (B-2..B-13,
 * X-20..X-22, J-15, and the CA rules for each X.509 authority), and adds the SDK parser's
 * verdict when the checks here missed it.
 */
export function inspectBundleJson(text: string, trustDomain: string | undefined, now: Date): BundleReport {
  const findings: Finding[] = [];
  let doc: JsonValue;
  try {
    doc = parseJson(text);
  } catch (error) {
    const duplicate = error instanceof JsonError && error.reason === 'duplicate_key';
    const inMap = duplicate && error.path.length === 1 && error.path[0] === 'trust_domains';
    findings.push({
      rule: inMap ? 'B-13' : 'B-2',
      level: 'error',
      where: 'document',
      message: duplicate
        ? `repeats the member ${JSON.stringify((error as JsonError).key)}${inMap ? ' (a trust domain named twice)' : ''}`
        : `is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      code: inMap ? 'duplicate_trust_domain' : 'invalid_jwks',
    });
    return { kind: 'spiffe-bundle', bundles: [], findings };
  }
  if (!isObject(doc)) {
    findings.push({
      rule: 'B-2',
      level: 'error',
      where: 'document',
      message: 'is not a JSON object',
      code: 'invalid_jwks',
    });
    return { kind: 'spiffe-bundle', bundles: [], findings };
  }
  if ('trust_domains' in doc) return inspectMap(text, doc, now, findings);

  if (!('keys' in doc) && 'kty' in doc) {
    findings.push({
      rule: 'B-5',
      level: 'error',
      where: 'document',
      message: 'is a single JWK, not a JWK Set: a bundle is {"keys": [...]}',
      code: 'missing_keys',
    });
    return { kind: 'spiffe-bundle', bundles: [], findings };
  }
  const td = trustDomain ?? guessTrustDomain(doc);
  lintBundle(doc, 'bundle', now, findings);
  let bundle: SpiffeBundle | undefined;
  try {
    bundle = SpiffeBundle.parse(td ?? PLACEHOLDER, text);
  } catch (error) {
    addSdkVerdict(findings, error, 'bundle');
  }
  return { kind: 'spiffe-bundle', bundles: bundle ? [describe(bundle, td)] : [], findings };
}

function inspectMap(
  text: string,
  doc: Record<string, JsonValue>,
  now: Date,
  findings: Finding[],
): BundleReport {
  const map = doc.trust_domains;
  if (!isObject(map)) {
    findings.push({
      rule: 'B-12',
      level: 'error',
      where: 'bundle map',
      message: '"trust_domains" is not an object',
      code: 'invalid_bundle_map',
    });
    return { kind: 'bundle-map', bundles: [], findings };
  }
  for (const [name, value] of Object.entries(map)) {
    const where = `trust domain ${JSON.stringify(name)}`;
    if (isObject(value)) {
      lintBundle(value, where, now, findings);
      if ('spiffe_refresh_hint' in value) {
        findings.push({
          rule: 'B-14',
          level: 'warning',
          where,
          message: 'carries a refresh hint; producers SHOULD omit per-bundle hints from bundle maps',
        });
      }
    }
  }
  let set: SpiffeBundleSet | undefined;
  try {
    set = SpiffeBundleSet.parseMap(text);
  } catch (error) {
    addSdkVerdict(findings, error, 'bundle map');
  }
  return {
    kind: 'bundle-map',
    bundles: set ? set.bundles().map((b) => describe(b, b.trustDomain.name)) : [],
    findings,
  };
}

/** The rules for one JWK Set; the SDK's parser tolerates (ignores) several of these defects. */
function lintBundle(doc: Record<string, JsonValue>, where: string, now: Date, findings: Finding[]): void {
  const add = (rule: string, level: Finding['level'], at: string, message: string, code?: string): void => {
    findings.push({ rule, level, where: at, message, ...(code ? { code } : {}) });
  };
  const keys = doc.keys;
  if (keys === undefined || keys === null) {
    add('B-5', 'error', where, 'has no "keys" member', 'missing_keys');
    return;
  }
  if (!Array.isArray(keys)) {
    add('B-2', 'error', where, '"keys" is not an array', 'invalid_jwks');
    return;
  }
  if (!('spiffe_sequence' in doc)) add('B-3', 'warning', where, 'has no spiffe_sequence (SHOULD be present)');
  if (!('spiffe_refresh_hint' in doc) && where === 'bundle') {
    add('B-4', 'warning', where, 'has no spiffe_refresh_hint (SHOULD be present)');
  }
  if (keys.length === 0)
    add('B-7', 'warning', where, 'has no keys: every SVID of this trust domain is invalid');
  const authorities: X509Certificate[] = [];
  keys.forEach((key, i) => {
    const at = `${where} key ${i + 1}`;
    if (!isObject(key)) {
      add('B-2', 'error', at, 'is not a JSON object', 'invalid_jwks');
      return;
    }
    if (key.kty === undefined) add('B-9', 'error', at, 'has no "kty" (consumers ignore this key)');
    if (key.use === undefined) {
      add('B-10', 'error', at, 'has no "use" (consumers ignore this key)');
      return;
    }
    if (typeof key.use !== 'string' || !USES.has(key.use)) {
      const wit = key.use === 'wit-svid' ? ' (A-17: SDKs without WIT-SVID support skip it)' : '';
      add('B-6, B-11', 'warning', at, `has use ${JSON.stringify(key.use)}, which consumers ignore${wit}`);
      return;
    }
    if (key.use === 'jwt-svid') {
      if (typeof key.kid !== 'string' || key.kid === '') {
        add('J-15', 'error', at, 'is a JWT authority without a "kid"', 'missing_key_id');
      }
      return;
    }
    if (key.kid !== undefined)
      add('X-20', 'error', at, 'is an X.509 authority with a "kid" (MUST NOT be set)');
    const x5c = key.x5c;
    if (!Array.isArray(x5c) || x5c.length === 0) {
      add('X-20, X-21', 'error', at, 'is an X.509 authority without "x5c" (consumers ignore it)');
      return;
    }
    if (x5c.length > 1) {
      add(
        'X-20, X-22',
        'error',
        at,
        `has ${x5c.length} certificates in "x5c"; exactly one (consumers use the first)`,
      );
    }
    const first = x5c[0];
    let cert: X509Certificate | undefined;
    try {
      if (typeof first === 'string' && /^[A-Za-z0-9+/]+=*$/.test(first))
        cert = new X509Certificate(Buffer.from(first, 'base64'));
    } catch {
      cert = undefined;
    }
    if (cert === undefined) {
      add('X-20', 'error', at, '"x5c" does not hold a standard-base64 DER certificate', 'invalid_jwk');
      return;
    }
    if (!isSelfSigned(cert)) add('X-20', 'warning', at, 'its certificate is not self-signed (SHOULD be)');
    authorities.push(cert);
  });
  findings.push(...authorityFindings(authorities, now, `${where} X.509 authority`));
}

/** The trust domain named by the first X.509 authority's `spiffe://` URI SAN, if any. */
function guessTrustDomain(doc: Record<string, JsonValue>): string | undefined {
  const keys = Array.isArray(doc.keys) ? doc.keys : [];
  for (const key of keys) {
    if (!isObject(key) || !Array.isArray(key.x5c) || typeof key.x5c[0] !== 'string') continue;
    try {
      const info = certificateInfo(new X509Certificate(Buffer.from(key.x5c[0], 'base64')));
      for (const uri of info?.subjectAltName?.uris ?? []) {
        if (uri.startsWith('spiffe://')) return TrustDomain.parse(uri.slice(9).split('/')[0]!).name;
      }
    } catch {
      continue;
    }
  }
  return undefined;
}

function describe(bundle: SpiffeBundle, td: string | undefined): InspectedBundle {
  return {
    trustDomain: td,
    sequenceNumber: bundle.sequenceNumber,
    refreshHint: bundle.refreshHint,
    x509Authorities: bundle.x509Authorities(),
    jwtAuthorities: bundle.jwtAuthorities(),
  };
}

function isObject(value: JsonValue | undefined): value is Record<string, JsonValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
