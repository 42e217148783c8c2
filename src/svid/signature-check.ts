import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { Lru } from '../internal/lru.js';
import { algorithmVerdict, keyVerdict, type CertificateNode } from './certificate-info.js';
import {
  checkKeyObject,
  importCost,
  isViolation,
  verificationCost,
  type AcceptedKey,
  type PolicyViolation,
} from './crypto-policy.js';
import { SvidError } from './errors.js';

/**
 * Issuer keys by SubjectPublicKeyInfo DER: a fleet's intermediates recur on every handshake, and
 * importing a key costs about twice a P-256 check (NODE-NOTES §5). Bounded, so presented junk
 * only evicts (costing a re-import), never grows memory.
 */
const issuerKeys = new Lru<string, KeyObject>(256);
/**
 * (issuer key, CA certificate) pairs whose signature verified: the intermediates a fleet shares.
 * Keyed by the issuer's SPKI DER and the certificate's signature value, holding the certificate's
 * tbsCertificate, which must also be byte-identical for a hit: so only the exact same certificate
 * under the exact same key hits. Only successes are stored; leaves never are (each is new).
 */
const verifiedCaSignatures = new Lru<string, Buffer>(1024);

/** How much signature work one verification may still spend, in P-256-check units (crypto-policy.ts). */
export interface CostBudget {
  remaining: number;
  readonly limit: number;
}

/**
 * Why a child cannot be checked against a parent at all. A function making the error: naming the
 * certificate may parse it (≈110 µs), which only the first refusal of a verification needs.
 */
export type LinkRefusal = () => SvidError;

/**
 * Whether `parent`'s key signed `child`, by `crypto.verify` over the child's tbsCertificate bytes.
 * Before any work: the child's signature algorithm and the parent's key must pass the policy
 * (else the refusal is returned, making an `SvidError` naming the certificate), and the algorithm
 * must fit the key type (else false: they cannot link). The check and, for a key not yet cached,
 * the key import are charged to `budget`; when it would run out, throws `untrusted_chain`.
 * `childIsCa` marks a child whose verified signature may be remembered across verifications;
 * `trustedParent` a bundle authority, whose key import is not charged (the operator chose it,
 * and it is imported once per authority object).
 *
 * @throws {SvidError} `untrusted_chain` when the budget is spent.
 */
export function checkSignature(
  child: CertificateNode,
  parent: CertificateNode,
  budget: CostBudget,
  childIsCa: boolean,
  trustedParent: boolean,
): boolean | LinkRefusal {
  const algorithm = algorithmVerdict(child.facts);
  if (isViolation(algorithm)) return () => policyError(algorithm, child.what);
  const key = keyVerdict(parent.facts);
  if (isViolation(key)) return () => policyError(key, parent.what);
  if (algorithm.key !== key.kind) return false;

  const spki = parent.facts.info.publicKeyDer;
  // tbsCertificate and signatureValue determine the whole DER (the reader enforces that the outer
  // algorithm equals the inner one).
  const { tbsDer, signatureValue } = child.facts.info;
  // The length prefix keeps the concatenation unambiguous.
  const pairKey = childIsCa ? `${signatureValue.length}:${latin1(signatureValue)}${latin1(spki)}` : undefined;
  if (pairKey !== undefined && verifiedCaSignatures.get(pairKey)?.equals(tbsDer) === true) return true;

  const keyId = parent.facts.publicKey === undefined ? latin1(spki) : '';
  let keyObject = parent.facts.publicKey ?? issuerKeys.get(keyId);
  const cost = verificationCost(key) + (keyObject === undefined && !trustedParent ? importCost(key) : 0);
  if (budget.remaining < cost) {
    throw new SvidError(
      'untrusted_chain',
      `gave up building a path: the signature checks it would take exceed the cost bound of ${budget.limit} P-256 verifications (X-14)`,
    );
  }
  budget.remaining -= cost;
  if (keyObject === undefined) {
    const imported = importKey(spki, key);
    if ('code' in imported) return () => policyError(imported, parent.what);
    keyObject = imported;
    issuerKeys.set(keyId, keyObject);
  }
  parent.facts.publicKey = keyObject;

  let ok: boolean;
  try {
    ok = verify(algorithm.hash, tbsDer, keyObject, signatureValue);
  } catch {
    ok = false;
  }
  if (ok && pairKey !== undefined) verifiedCaSignatures.set(pairKey, Buffer.from(tbsDer));
  return ok;
}

/**
 * Imports a key the policy accepted from its SPKI DER with node:crypto, and checks that OpenSSL
 * reads the same key (type, size, exponent, curve) as the policy did.
 */
function importKey(spki: Uint8Array, expected: AcceptedKey): KeyObject | PolicyViolation {
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey({
      key: Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength),
      format: 'der',
      type: 'spki',
    });
  } catch {
    return { code: 'unsupported_key', problem: 'a public key node:crypto cannot read' };
  }
  const seen = checkKeyObject(keyObject);
  if (isViolation(seen)) return seen;
  if (JSON.stringify(seen) !== JSON.stringify(expected)) {
    return { code: 'unsupported_key', problem: 'a public key node:crypto reads differently from its DER' };
  }
  return keyObject;
}

function policyError(violation: PolicyViolation, what: string): SvidError {
  const subject =
    violation.code === 'weak_signature_algorithm' || violation.code === 'unsupported_signature_algorithm'
      ? `${what} ${violation.problem}`
      : `${what} has ${violation.problem}`;
  return new SvidError(violation.code, `${subject} (X-14; docs/svid.md, "Keys and algorithms")`);
}

/** The same policy error for a certificate whose own key or algorithm is refused (the leaf). */
export function leafPolicyError(node: CertificateNode): SvidError | undefined {
  const key = keyVerdict(node.facts);
  if (isViolation(key)) return policyError(key, node.what);
  const algorithm = algorithmVerdict(node.facts);
  if (isViolation(algorithm)) return policyError(algorithm, node.what);
  return undefined;
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}
