import { generateKeyPairSync } from 'node:crypto';
import { JwtBundle } from '../../bundle/index.js';
import { TrustDomain } from '../../spiffeid/index.js';
import type {
  JWTBundlesResponse,
  JWTSVIDResponse,
  ValidateJWTSVIDResponse,
  X509BundlesResponse,
  X509SVIDResponse,
} from '../../workloadapi/proto/workload.js';
import { createCertificate } from '../certificate-builder.js';
import type { WorkloadApiMethod } from './methods.js';

/**
 * A defect {@link FakeAgent.malformNext} puts into a response, for testing how a client copes
 * with a bad agent (W-10, W-13, W-14, W-16, A-13):
 * - `empty-svids`: no SVIDs at all (FetchX509SVID, FetchJWTSVID);
 * - `empty-spiffe-id`: the first SVID's (or ValidateJWTSVID's) `spiffe_id` is empty;
 * - `spiffe-id-mismatch`: that `spiffe_id` names another ID than the certificate or token;
 * - `empty-certificate`, `empty-key`, `empty-bundle`: that field of the first X509-SVID is empty;
 * - `bad-certificate`: the first X509-SVID's chain (or, for FetchX509Bundles, the first bundle)
 *   is truncated DER;
 * - `key-mismatch`: the first X509-SVID comes with another private key;
 * - `wrong-bundle`: the first X509-SVID's bundle (or the own trust domain's bundle of
 *   FetchX509Bundles / FetchJWTBundles) is another CA's, so nothing chains or verifies;
 * - `duplicate-hint`: the first two SVIDs share a non-empty hint (the first is repeated when
 *   there is only one);
 * - `empty-bundles`: FetchX509Bundles / FetchJWTBundles send an empty bundle map;
 * - `bad-jwks`: the own trust domain's JWKS (FetchJWTBundles) is not JSON;
 * - `bad-token`: the first JWT-SVID is not a JWT;
 * - `garbage-bytes`: the message is not protobuf at all (the client fails to decode it).
 */
export type MalformKind =
  | 'empty-svids'
  | 'empty-spiffe-id'
  | 'spiffe-id-mismatch'
  | 'empty-certificate'
  | 'empty-key'
  | 'empty-bundle'
  | 'bad-certificate'
  | 'key-mismatch'
  | 'wrong-bundle'
  | 'duplicate-hint'
  | 'empty-bundles'
  | 'bad-jwks'
  | 'bad-token'
  | 'garbage-bytes';

/** Which defects each method can serve. */
export const MALFORM_KINDS: Readonly<Record<WorkloadApiMethod, readonly MalformKind[]>> = {
  FetchX509SVID: [
    'empty-svids',
    'empty-spiffe-id',
    'spiffe-id-mismatch',
    'empty-certificate',
    'empty-key',
    'empty-bundle',
    'bad-certificate',
    'key-mismatch',
    'wrong-bundle',
    'duplicate-hint',
    'garbage-bytes',
  ],
  FetchX509Bundles: ['empty-bundles', 'bad-certificate', 'wrong-bundle', 'garbage-bytes'],
  FetchJWTSVID: [
    'empty-svids',
    'empty-spiffe-id',
    'spiffe-id-mismatch',
    'bad-token',
    'duplicate-hint',
    'garbage-bytes',
  ],
  FetchJWTBundles: ['empty-bundles', 'bad-jwks', 'wrong-bundle', 'garbage-bytes'],
  ValidateJWTSVID: ['empty-spiffe-id', 'spiffe-id-mismatch', 'garbage-bytes'],
  FetchWITSVID: [],
  FetchWITBundles: [],
};

const GARBAGE = Symbol('fake-agent-garbage');

/** A response replaced by bytes that are not protobuf: the socket adapter sends them as they are. */
export interface GarbageMessage {
  readonly [GARBAGE]: Uint8Array;
}

/** Whether `value` is a {@link GarbageMessage}. */
export function isGarbage(value: unknown): value is GarbageMessage {
  return typeof value === 'object' && value !== null && GARBAGE in value;
}

/** The bytes of a {@link GarbageMessage}. */
export function garbageBytes(message: GarbageMessage): Uint8Array {
  return message[GARBAGE];
}

/** Field 1 with wire type 7, which does not exist: every protobuf decoder rejects it. */
const garbage: GarbageMessage = { [GARBAGE]: Uint8Array.of(0x0f, 0xde, 0xad, 0xbe, 0xef) };

const DUPLICATE_HINT = 'fake-agent-duplicate-hint';

/** A self-signed CA of `td` with a fresh key: same name as the real one, other key. */
function foreignRoot(td: TrustDomain): Uint8Array {
  return createCertificate({
    subject: 'C=US,O=SPIFFE',
    uris: [td.idString()],
    basicConstraints: { ca: true },
    keyUsage: { usages: ['keyCertSign', 'cRLSign'] },
  }).der;
}

function truncated(der: Uint8Array): Uint8Array {
  return der.subarray(0, Math.floor(der.length / 2));
}

function mismatchedId(id: string): string {
  return `${TrustDomain.parse(id).idString()}/fake-agent-mismatch`;
}

function ownBundleKey(bundles: Map<string, Uint8Array>): string {
  const first = bundles.keys().next();
  return first.done ? '' : first.value;
}

/** FetchX509SVID with the defect `kind`. */
export function malformX509Svid(
  message: X509SVIDResponse,
  kind: MalformKind,
): X509SVIDResponse | GarbageMessage {
  if (kind === 'garbage-bytes') return garbage;
  if (kind === 'empty-svids') return { ...message, svids: [] };
  const [first, ...rest] = message.svids;
  if (first === undefined) return message;
  const svid = { ...first };
  switch (kind) {
    case 'empty-spiffe-id':
      svid.spiffeId = '';
      break;
    case 'spiffe-id-mismatch':
      svid.spiffeId = mismatchedId(first.spiffeId);
      break;
    case 'empty-certificate':
      svid.x509Svid = new Uint8Array();
      break;
    case 'empty-key':
      svid.x509SvidKey = new Uint8Array();
      break;
    case 'empty-bundle':
      svid.bundle = new Uint8Array();
      break;
    case 'bad-certificate':
      svid.x509Svid = truncated(first.x509Svid);
      break;
    case 'key-mismatch':
      svid.x509SvidKey = new Uint8Array(
        generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
          type: 'pkcs8',
          format: 'der',
        }),
      );
      break;
    case 'wrong-bundle':
      svid.bundle = foreignRoot(TrustDomain.parse(first.spiffeId));
      break;
    case 'duplicate-hint': {
      const hint = first.hint === '' ? DUPLICATE_HINT : first.hint;
      const [second = first, ...others] = rest;
      return { ...message, svids: [{ ...first, hint }, { ...second, hint }, ...others] };
    }
  }
  return { ...message, svids: [svid, ...rest] };
}

/** FetchX509Bundles with the defect `kind`. */
export function malformX509Bundles(
  message: X509BundlesResponse,
  kind: MalformKind,
): X509BundlesResponse | GarbageMessage {
  if (kind === 'garbage-bytes') return garbage;
  if (kind === 'empty-bundles') return { ...message, bundles: new Map() };
  const bundles = new Map(message.bundles);
  const key = ownBundleKey(bundles);
  if (kind === 'bad-certificate') bundles.set(key, truncated(bundles.get(key) ?? new Uint8Array()));
  if (kind === 'wrong-bundle') bundles.set(key, foreignRoot(TrustDomain.parse(key)));
  return { ...message, bundles };
}

/** FetchJWTBundles with the defect `kind`. */
export function malformJwtBundles(
  message: JWTBundlesResponse,
  kind: MalformKind,
): JWTBundlesResponse | GarbageMessage {
  if (kind === 'garbage-bytes') return garbage;
  if (kind === 'empty-bundles') return { bundles: new Map() };
  const bundles = new Map(message.bundles);
  const key = ownBundleKey(bundles);
  if (kind === 'bad-jwks') bundles.set(key, new TextEncoder().encode('{"keys":[{"kty":'));
  if (kind === 'wrong-bundle') {
    // The same key IDs with other keys: every token fails its signature check.
    const td = TrustDomain.parse(key);
    const real = JwtBundle.parse(td, bundles.get(key) ?? '{"keys":[]}');
    const other = new Map(
      [...real.jwtAuthorities().keys()].map((kid) => [
        kid,
        generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey,
      ]),
    );
    bundles.set(key, new TextEncoder().encode(JwtBundle.fromJwtAuthorities(td, other).marshal()));
  }
  return { bundles };
}

/** FetchJWTSVID with the defect `kind`. */
export function malformJwtSvid(
  message: JWTSVIDResponse,
  kind: MalformKind,
): JWTSVIDResponse | GarbageMessage {
  if (kind === 'garbage-bytes') return garbage;
  if (kind === 'empty-svids') return { svids: [] };
  const [first, ...rest] = message.svids;
  if (first === undefined) return message;
  switch (kind) {
    case 'empty-spiffe-id':
      return { svids: [{ ...first, spiffeId: '' }, ...rest] };
    case 'spiffe-id-mismatch':
      return { svids: [{ ...first, spiffeId: mismatchedId(first.spiffeId) }, ...rest] };
    case 'bad-token':
      return { svids: [{ ...first, svid: 'not-a-jwt' }, ...rest] };
    case 'duplicate-hint': {
      const hint = first.hint === '' ? DUPLICATE_HINT : first.hint;
      const [second = first, ...others] = rest;
      return { svids: [{ ...first, hint }, { ...second, hint }, ...others] };
    }
  }
  return message;
}

/** ValidateJWTSVID with the defect `kind`. */
export function malformValidation(
  message: ValidateJWTSVIDResponse,
  kind: MalformKind,
): ValidateJWTSVIDResponse | GarbageMessage {
  if (kind === 'garbage-bytes') return garbage;
  if (kind === 'empty-spiffe-id') return { ...message, spiffeId: '' };
  if (kind === 'spiffe-id-mismatch') return { ...message, spiffeId: mismatchedId(message.spiffeId) };
  return message;
}
