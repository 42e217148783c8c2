import { randomBytes, type KeyObject, type X509Certificate } from 'node:crypto';
import { JwtBundle, SpiffeBundle, X509Bundle } from '../bundle/index.js';
import { quote } from '../internal/errors.js';
import { SpiffeId, TrustDomain, type SpiffeIdLike } from '../spiffeid/index.js';
import { createCertificate, type CertificateIssuer, type KeyUsageName } from './certificate-builder.js';
import { applyOverrides, type CertificateOverrides } from './certificate-overrides.js';
import { systemClock, type Clock } from './clock.js';
import { TestingError } from './errors.js';
import { issuedX509Svid, type IssuedX509Svid } from './issued-x509-svid.js';
import { mergeMembers, type IssueJwtSvidOptions, type IssuedJwtSvid } from './issued-jwt-svid.js';
import {
  encodeSegment,
  forgeJwsSignature,
  isForbiddenJwtAlgorithm,
  isJwtSvidAlgorithm,
  jwtKeyFamily,
  signJws,
  type JwtKeyFamily,
} from './jwt-signer.js';
import { checkKeyType, generateKeyPair, type KeyPair, type KeyType } from './keys.js';
import { PublishedAuthorities, type AuthorityEdit } from './published-authorities.js';

const SECOND = 1000;
const HOUR = 3_600_000;
/** SPIRE backdates notBefore by 10 s against clock skew. */
const BACKDATE = 10 * SECOND;
/** SPIRE's defaults: ca_ttl 24h, default_x509_svid_ttl 1h, default_jwt_svid_ttl 5m, bundle endpoint refresh_hint 5m. */
const DEFAULT_CA_TTL = 24 * HOUR;
const DEFAULT_X509_SVID_TTL = HOUR;
const DEFAULT_JWT_SVID_TTL = 5 * 60 * SECOND;
const DEFAULT_REFRESH_HINT = 300;
/** SPIRE's CA subject (NODE-NOTES); its X509-SVIDs carry O=SPIRE. */
const CA_SUBJECT = 'C=US,O=SPIFFE';
const SVID_SUBJECT = 'C=US,O=SPIRE';
const SVID_KEY_USAGE: KeyUsageName[] = ['digitalSignature', 'keyEncipherment', 'keyAgreement'];

/** How to make a {@link FakeCa}; the {@link CertificateOverrides} apply to each of its CA certificates. */
export interface FakeCaOptions extends CertificateOverrides {
  trustDomain: TrustDomain | string;
  /** Key type of the CA's X.509 signing key; default `ec-p256`. */
  keyType?: KeyType;
  /** Default {@link systemClock}; an intermediate always uses its parent's clock. */
  clock?: Clock;
  /** Makes this CA an intermediate signed by `parent`, in the same trust domain. */
  parent?: FakeCa;
  /** CA certificate lifetime in milliseconds; default 24 hours (clamped to the parent's notAfter). */
  ttl?: number;
  /** `spiffe_refresh_hint` of {@link FakeCa.spiffeBundle} in seconds; default 300. Root CAs only. */
  refreshHint?: number;
}

/** How to make an intermediate with {@link FakeCa.intermediate}. */
export type IntermediateCaOptions = Omit<FakeCaOptions, 'trustDomain' | 'clock' | 'parent' | 'refreshHint'>;

/** What {@link FakeCa.issueX509Svid} mints; {@link CertificateOverrides} change the leaf. */
export interface IssueX509SvidOptions extends CertificateOverrides {
  /** The SPIFFE ID of the URI SAN (not checked against the CA's trust domain). */
  id: SpiffeIdLike;
  /** Lifetime in milliseconds; default 1 hour, clamped to the CA certificate's notAfter. */
  ttl?: number;
  /** Default `''`. */
  hint?: string;
  /** Key type of the new leaf key; default `ec-p256`. */
  keyType?: KeyType;
  /** Use this key pair instead of generating one. */
  keyPair?: KeyPair;
  /** Return a fresh private key that does not belong to the certificate. */
  mismatchedPrivateKey?: boolean;
}

interface X509Authority {
  certificate: X509Certificate;
  privateKey: KeyObject;
  notAfter: number;
  /** The CA certificates a leaf of this authority carries: its own and its issuers', root excluded. */
  chain: X509Certificate[];
  /** Latest notAfter of what it signed (epoch ms). */
  lastExpiry: number;
}

interface JwtAuthority {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Latest `exp` of what it signed (epoch ms). */
  lastExpiry: number;
}

/** One set of signing keys: the X.509 CA and a JWT key per algorithm family. */
interface Generation {
  x509: X509Authority;
  jwt: Map<JwtKeyFamily, JwtAuthority>;
}

/**
 * An in-memory SPIFFE certificate authority for tests, modelled on SPIRE's: a root (or
 * intermediate) X.509 CA and JWT signing keys for one trust domain, issuing X509-SVIDs and
 * JWT-SVIDs that are valid by default and broken on request, and publishing its bundle with a
 * sequence number that changes on every change (B-3). Everything is synchronous and reads time
 * from {@link FakeCa.clock}.
 *
 * Key rotation follows F-1: {@link FakeCa.prepareRotation} publishes the next authority,
 * {@link FakeCa.rotate} switches signing to it, and the old authority stays in the bundle until
 * everything it signed has expired by the clock, then is dropped.
 *
 * @example
 * const ca = new FakeCa({ trustDomain: 'example.org' });
 * const svid = ca.issueX509Svid({ id: 'spiffe://example.org/workload' });
 * const bad = ca.issueX509Svid({ id: 'spiffe://example.org/workload', basicConstraints: { ca: true } });
 * const { token } = ca.issueJwtSvid({ id: 'spiffe://example.org/workload', audience: 'api' });
 */
export class FakeCa {
  /** The trust domain this CA issues for and publishes the bundle of. */
  readonly trustDomain: TrustDomain;
  /** The clock for validity, expiry and retirement. */
  readonly clock: Clock;
  readonly #parent: FakeCa | undefined;
  readonly #options: FakeCaOptions;
  readonly #published: PublishedAuthorities;
  #active: Generation;
  #next: Generation | undefined;

  /**
   * Creates the CA with a fresh key and certificate (self-signed, or signed by `parent`) and an
   * ES256 JWT key, and publishes them.
   * @throws {TestingError} `invalid_option` for bad options; `SpiffeIdError` for a bad trust domain.
   */
  constructor(options: FakeCaOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TestingError('invalid_option', 'FakeCa: options with a trustDomain are required');
    }
    this.trustDomain = TrustDomain.from(options.trustDomain);
    const parent = options.parent;
    if (parent !== undefined) {
      if (!(parent instanceof FakeCa))
        throw new TestingError('invalid_option', 'FakeCa: parent must be a FakeCa');
      if (!parent.trustDomain.equals(this.trustDomain)) {
        throw new TestingError(
          'invalid_option',
          `FakeCa: an intermediate must be in its parent's trust domain ${quote(parent.trustDomain.name)}, ` +
            `not ${quote(this.trustDomain.name)}`,
        );
      }
      if (options.clock !== undefined && options.clock !== parent.clock) {
        throw new TestingError('invalid_option', "FakeCa: an intermediate uses its parent's clock");
      }
      if (options.refreshHint !== undefined) {
        throw new TestingError('invalid_option', 'FakeCa: the refresh hint is set on the root CA');
      }
    }
    checkKeyType(options.keyType ?? 'ec-p256');
    checkDuration(options.ttl ?? DEFAULT_CA_TTL, 'ttl');
    const refreshHint = options.refreshHint ?? DEFAULT_REFRESH_HINT;
    if (!Number.isSafeInteger(refreshHint) || refreshHint < 0) {
      throw new TestingError('invalid_option', `FakeCa: refreshHint must be a whole number of seconds >= 0`);
    }
    this.#parent = parent;
    this.#options = { ...options };
    this.clock = parent?.clock ?? options.clock ?? systemClock;
    this.#published =
      parent === undefined ? new PublishedAuthorities(this.clock, refreshHint) : parent.#published;
    this.#active = this.#newGeneration(['ec-p256']);
    this.#published.update((edit) => this.#publish(edit, this.#active));
  }

  /** The certificate this CA signs with now. */
  get certificate(): X509Certificate {
    return this.#active.x509.certificate;
  }

  /**
   * The current signing certificate and key, for minting arbitrary certificates under this CA
   * with {@link createCertificate} (such certificates do not delay the retirement of the key).
   */
  get issuer(): CertificateIssuer {
    return { certificate: this.#active.x509.certificate, privateKey: this.#active.x509.privateKey };
  }

  /** The CA certificates a leaf of this CA carries after itself: this CA's up to, not including, the root. */
  get intermediates(): X509Certificate[] {
    return [...this.#active.x509.chain];
  }

  /** The bundle's current `spiffe_sequence` (B-3): 1 at creation, +1 on every change. */
  get sequenceNumber(): bigint {
    return this.#published.snapshot().sequence;
  }

  /** The bundle's `spiffe_refresh_hint` in seconds. */
  get refreshHint(): number {
    return this.#published.refreshHint;
  }

  /**
   * Creates an intermediate CA signed by this one. Its SVIDs carry the chain up to (not
   * including) the root; its JWT keys are published in the same trust domain bundle.
   */
  intermediate(options: IntermediateCaOptions = {}): FakeCa {
    return new FakeCa({ ...options, trustDomain: this.trustDomain, parent: this });
  }

  /**
   * Issues an X509-SVID shaped like SPIRE's: subject `C=US,O=SPIRE`, one URI SAN, `cA=false`,
   * critical key usage digitalSignature|keyEncipherment|keyAgreement, EKU serverAuth+clientAuth,
   * notBefore 10 s in the past, 1 hour TTL (never beyond the CA's notAfter), EC P-256 key.
   * Overrides mint the broken variants negative tests need (see {@link CertificateOverrides}),
   * e.g. `{ uris: [] }`, `{ basicConstraints: { ca: true } }`, `{ keyUsage: null }`,
   * `{ subject: '', sanCritical: false }`, `{ mismatchedPrivateKey: true }`. For a leaf signed by
   * the wrong CA, issue it from another `FakeCa`.
   * @throws {TestingError} `invalid_option` for bad options; `SpiffeIdError` for a bad `id`.
   */
  issueX509Svid(options: IssueX509SvidOptions): IssuedX509Svid {
    const id = SpiffeId.from(options.id);
    const ttl = checkDuration(options.ttl ?? DEFAULT_X509_SVID_TTL, 'ttl');
    const keyType = checkKeyType(options.keyType ?? 'ec-p256');
    const hint = options.hint ?? '';
    if (typeof hint !== 'string')
      throw new TestingError('invalid_option', 'issueX509Svid: hint must be a string');
    const now = this.clock.now().getTime();
    const authority = this.#active.x509;
    const leaf = createCertificate(
      applyOverrides(
        {
          keyPair: options.keyPair ?? generateKeyPair(keyType),
          issuer: { certificate: authority.certificate, privateKey: authority.privateKey },
          subject: SVID_SUBJECT,
          notBefore: new Date(now - BACKDATE),
          notAfter: new Date(Math.min(now + ttl, authority.notAfter)),
          uris: [id.toString()],
          basicConstraints: { ca: false },
          keyUsage: { usages: SVID_KEY_USAGE },
          extKeyUsage: { usages: ['serverAuth', 'clientAuth'] },
        },
        options,
      ),
    );
    authority.lastExpiry = Math.max(authority.lastExpiry, leaf.notAfter.getTime());
    const privateKey = options.mismatchedPrivateKey
      ? generateKeyPair(keyType).privateKey
      : leaf.keyPair.privateKey;
    return issuedX509Svid(id, [leaf.certificate, ...authority.chain], privateKey, hint, leaf.notAfter);
  }

  /**
   * Issues a JWT-SVID shaped like SPIRE's: header `{ alg, kid, typ: 'JWT' }`, claims
   * `{ sub, aud, exp, iat }`, 5 minute TTL, ES256 unless `alg` says otherwise. Overrides mint
   * broken tokens (see {@link IssueJwtSvidOptions}).
   * @throws {TestingError} `invalid_option` for bad options; `SpiffeIdError` for a bad `id`.
   */
  issueJwtSvid(options: IssueJwtSvidOptions): IssuedJwtSvid {
    const id = SpiffeId.from(options.id);
    const audience = options.audience;
    if (
      typeof audience !== 'string' &&
      !(Array.isArray(audience) && audience.every((a) => typeof a === 'string'))
    ) {
      throw new TestingError(
        'invalid_option',
        'issueJwtSvid: audience must be a string or an array of strings',
      );
    }
    const ttl = checkDuration(options.ttl ?? DEFAULT_JWT_SVID_TTL, 'ttl');
    const alg = options.alg ?? 'ES256';
    if (!isJwtSvidAlgorithm(alg) && !isForbiddenJwtAlgorithm(alg)) {
      throw new TestingError('invalid_option', `issueJwtSvid: unsupported alg ${quote(String(alg))}`);
    }
    const authority = isJwtSvidAlgorithm(alg) ? this.#jwtAuthority(jwtKeyFamily(alg)) : undefined;
    const now = this.clock.now().getTime();

    const header: Record<string, unknown> = { alg };
    const kid = options.kid === null ? undefined : (options.kid ?? authority?.kid);
    if (kid !== undefined) header.kid = kid;
    header.typ = 'JWT';
    mergeMembers(header, options.header);
    const claims: Record<string, unknown> = {
      sub: id.toString(),
      aud: typeof audience === 'string' ? audience : [...audience],
      exp: Math.floor((now + ttl) / SECOND),
      iat: Math.floor(now / SECOND),
    };
    mergeMembers(claims, options.claims);

    const signingInput = `${encodeSegment(header)}.${encodeSegment(claims)}`;
    let signature = isJwtSvidAlgorithm(alg)
      ? signJws(alg, signingInput, (authority as JwtAuthority).privateKey)
      : forgeJwsSignature(alg, signingInput);
    if (options.invalidSignature) signature = flipFirstBit(signature);
    const exp = typeof claims.exp === 'number' ? claims.exp * SECOND : undefined;
    if (authority !== undefined && exp !== undefined)
      authority.lastExpiry = Math.max(authority.lastExpiry, exp);
    return {
      token: `${signingInput}.${signature}`,
      id,
      audience: typeof audience === 'string' ? [audience] : [...audience],
      expiresAt: exp === undefined ? undefined : new Date(exp),
      kid: typeof header.kid === 'string' ? header.kid : undefined,
      alg,
    };
  }

  /** The trust domain's X.509 authorities (root certificates) now published, oldest first. */
  rootCertificates(): X509Certificate[] {
    return this.#published.snapshot().x509;
  }

  /** The trust domain's JWT authorities now published (kid → public key), oldest first. */
  jwtAuthorities(): Map<string, KeyObject> {
    return this.#published.snapshot().jwt;
  }

  /** The trust domain's X.509 bundle: the published root certificates. */
  x509Bundle(): X509Bundle {
    return X509Bundle.fromAuthorities(this.trustDomain, this.rootCertificates());
  }

  /** The trust domain's JWT bundle: the published JWT keys by kid (J-15). */
  jwtBundle(): JwtBundle {
    return JwtBundle.fromJwtAuthorities(this.trustDomain, this.jwtAuthorities());
  }

  /**
   * The trust domain's SPIFFE bundle: X.509 and JWT authorities, `spiffe_sequence` (B-3) and
   * `spiffe_refresh_hint` (B-4), as one consistent snapshot. A new object on every call.
   */
  spiffeBundle(): SpiffeBundle {
    const { x509, jwt, sequence } = this.#published.snapshot();
    const bundle = SpiffeBundle.empty(this.trustDomain);
    for (const certificate of x509) bundle.addX509Authority(certificate);
    for (const [kid, key] of jwt) bundle.addJwtAuthority(kid, key);
    bundle.setSequenceNumber(sequence);
    bundle.setRefreshHint(this.#published.refreshHint);
    return bundle;
  }

  /**
   * Publishes the next authority (F-1): a new X.509 CA key and certificate and a new JWT key for
   * every algorithm family in use, in the bundle but not yet signing. Does nothing when a
   * rotation is already prepared. For an intermediate, only its JWT keys appear in the bundle.
   */
  prepareRotation(): void {
    if (this.#next !== undefined) return;
    const next = this.#newGeneration(this.#active.jwt.keys());
    this.#next = next;
    this.#published.update((edit) => this.#publish(edit, next));
  }

  /**
   * Switches signing to the prepared authority (preparing one first if needed), and retires the
   * current one: it stays published until everything it signed has expired by the clock, then
   * is dropped (F-1), each change bumping the sequence number. Intermediates of this CA keep
   * their certificates; rotate them to re-issue them from the new authority.
   */
  rotate(): void {
    this.#published.update(() => {
      this.prepareRotation();
      const old = this.#active;
      this.#active = this.#next as Generation;
      this.#next = undefined;
      if (this.#parent === undefined) {
        this.#published.retire(old.x509.lastExpiry, (edit) => edit.removeX509(old.x509.certificate));
      }
      for (const jwt of old.jwt.values()) {
        this.#published.retire(jwt.lastExpiry, (edit) => edit.removeJwt(jwt.kid));
      }
    });
  }

  /**
   * Calls `listener` after every change of the trust domain's published authorities (a new
   * sequence number). Returns a function that removes the listener.
   */
  onBundleChange(listener: () => void): () => void {
    return this.#published.onChange(listener);
  }

  #newGeneration(families: Iterable<JwtKeyFamily>): Generation {
    const jwt = new Map<JwtKeyFamily, JwtAuthority>();
    for (const family of families) jwt.set(family, newJwtAuthority(family));
    return { x509: this.#newX509Authority(), jwt };
  }

  #newX509Authority(): X509Authority {
    const now = this.clock.now().getTime();
    const ttl = this.#options.ttl ?? DEFAULT_CA_TTL;
    const signer = this.#parent === undefined ? undefined : this.#parent.#active.x509;
    const minted = createCertificate(
      applyOverrides(
        {
          keyType: this.#options.keyType ?? 'ec-p256',
          ...(signer ? { issuer: { certificate: signer.certificate, privateKey: signer.privateKey } } : {}),
          subject: CA_SUBJECT,
          notBefore: new Date(now - BACKDATE),
          notAfter: new Date(Math.min(now + ttl, signer?.notAfter ?? Infinity)),
          uris: [this.trustDomain.idString()],
          basicConstraints: { ca: true },
          keyUsage: { usages: ['keyCertSign', 'cRLSign'] },
        },
        this.#options,
      ),
    );
    if (signer) signer.lastExpiry = Math.max(signer.lastExpiry, minted.notAfter.getTime());
    return {
      certificate: minted.certificate,
      privateKey: minted.keyPair.privateKey,
      notAfter: minted.notAfter.getTime(),
      chain: signer ? [minted.certificate, ...signer.chain] : [],
      lastExpiry: -Infinity,
    };
  }

  #jwtAuthority(family: JwtKeyFamily): JwtAuthority {
    let authority = this.#active.jwt.get(family);
    if (authority === undefined) {
      const created = newJwtAuthority(family);
      this.#active.jwt.set(family, created);
      this.#published.update((edit) => edit.addJwt(created.kid, created.publicKey));
      authority = created;
    }
    return authority;
  }

  #publish(edit: AuthorityEdit, generation: Generation): void {
    if (this.#parent === undefined) edit.addX509(generation.x509.certificate);
    for (const jwt of generation.jwt.values()) edit.addJwt(jwt.kid, jwt.publicKey);
  }
}

function newJwtAuthority(family: JwtKeyFamily): JwtAuthority {
  const { publicKey, privateKey } = generateKeyPair(family);
  return { kid: randomBytes(24).toString('base64url'), privateKey, publicKey, lastExpiry: -Infinity };
}

function checkDuration(ms: number, what: string): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) {
    throw new TestingError(
      'invalid_option',
      `${what} must be a positive number of milliseconds, got ${String(ms)}`,
    );
  }
  return ms;
}

/** The base64url signature with its first bit flipped (an empty one is left empty). */
function flipFirstBit(signature: string): string {
  const bytes = Buffer.from(signature, 'base64url');
  if (bytes.length > 0) bytes[0] = (bytes[0] ?? 0) ^ 0x80;
  return bytes.toString('base64url');
}
