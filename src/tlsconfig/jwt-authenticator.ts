import type { JwtBundleSource } from '../bundle/index.js';
import { nullLogger, type Logger } from '../internal/logger.js';
import { JwtSvid, SvidError } from '../svid/index.js';
import { WorkloadApiError } from '../workloadapi/index.js';
import { checkAuthorizer, runAuthorizer, type Authorizer } from './authorizer.js';
import { reasonOf, TlsConfigError } from './errors.js';

/** Longer Authorization values are refused unread (a JWT-SVID is a few hundred bytes). */
const MAX_TOKEN_LENGTH = 16_384;
/** RFC 6750 §2.1: `Bearer` (any case), one or more spaces, a b64token. */
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Validates a JWT-SVID through the agent (a `WorkloadApiClient`): `ValidateJWTSVID`. */
export interface JwtSvidValidator {
  /** Validates `token` for `audience`; rejects when the agent finds it invalid or cannot be reached. */
  validateJwtSvid(token: string, audience: string): Promise<JwtSvid>;
}

/** How incoming JWT-SVIDs are checked: by `jwtSvidAuth` (HTTP) and `jwtSvidServerInterceptor` (gRPC). */
export interface JwtSvidAuthOptions {
  /** The audience this service accepts (J-10): a token must name it in `aud`. With `validator`, one audience. */
  audience: string | readonly string[];
  /** Validate locally with these JWT bundles (a `JwtSource`, `BundleSource`, `JwtBundleSet` or `JwtBundle`). */
  bundleSource?: JwtBundleSource;
  /** Or have the agent validate (a `WorkloadApiClient`). Exactly one of `bundleSource` and `validator`. */
  validator?: JwtSvidValidator;
  /**
   * Which callers are allowed, by the token's SPIFFE ID (the chains argument is `[]`); default:
   * any caller with a valid JWT-SVID. E.g. `authorizeId(...)`, `authorizeMatch(...)`, `authorizePolicy(...)`.
   */
  authorizer?: Authorizer;
  /** Where refusals are reported (never the token); default: silent. */
  logger?: Logger;
}

/** Checks `Authorization: Bearer <JWT-SVID>` values (J-14). */
export class JwtSvidAuthenticator {
  readonly #audience: string | readonly string[];
  readonly #bundleSource: JwtBundleSource | undefined;
  readonly #validator: JwtSvidValidator | undefined;
  readonly #authorizer: Authorizer | undefined;
  /** Where refusals are reported. */
  readonly logger: Logger;

  /** @throws {TlsConfigError} `invalid_argument` for bad options. */
  constructor(options: JwtSvidAuthOptions, where: string) {
    const { audience, bundleSource, validator, authorizer, logger } = (options ??
      {}) as Partial<JwtSvidAuthOptions>;
    const audiences = typeof audience === 'string' ? [audience] : audience;
    if (
      !Array.isArray(audiences) ||
      audiences.length === 0 ||
      !audiences.every((a) => typeof a === 'string' && a !== '')
    ) {
      throw new TlsConfigError(
        'invalid_argument',
        `${where}: audience must be a non-empty string or list of them (J-10)`,
      );
    }
    if ((bundleSource === undefined) === (validator === undefined)) {
      throw new TlsConfigError(
        'invalid_argument',
        `${where}: give exactly one of bundleSource (local validation) and validator (the agent)`,
      );
    }
    if (bundleSource !== undefined && typeof bundleSource.getJwtBundleForTrustDomain !== 'function') {
      throw new TlsConfigError(
        'invalid_argument',
        `${where}: bundleSource must be a JWT bundle source (a JwtSource, JwtBundleSet or JwtBundle)`,
      );
    }
    if (validator !== undefined && typeof validator.validateJwtSvid !== 'function') {
      throw new TlsConfigError(
        'invalid_argument',
        `${where}: validator must have validateJwtSvid(token, audience) (a WorkloadApiClient)`,
      );
    }
    if (validator !== undefined && audiences.length !== 1) {
      throw new TlsConfigError(
        'invalid_argument',
        `${where}: the agent validates for one audience: give a single audience with validator`,
      );
    }
    this.#audience = audience!;
    this.#bundleSource = bundleSource;
    this.#validator = validator;
    this.#authorizer = authorizer === undefined ? undefined : checkAuthorizer(authorizer, where);
    this.logger = logger ?? nullLogger;
  }

  /**
   * Validates the `Authorization` header value(s) of a request and authorizes the caller.
   *
   * @throws {TlsConfigError} `missing_token`, `invalid_token` or `unauthorized`; any other error
   *   (the agent unreachable) as thrown by the validator.
   */
  async authenticate(authorization: string | readonly string[] | undefined): Promise<JwtSvid> {
    const token = bearerToken(authorization);
    let svid: JwtSvid;
    if (this.#bundleSource !== undefined) {
      try {
        svid = JwtSvid.parseAndValidate(token, this.#bundleSource, this.#audience);
      } catch (error) {
        throw new TlsConfigError('invalid_token', `invalid JWT-SVID: ${reasonOf(error)}`, { cause: error });
      }
    } else {
      try {
        svid = await this.#validator!.validateJwtSvid(token, this.#audience as string);
      } catch (error) {
        const invalid =
          error instanceof SvidError ||
          (error instanceof WorkloadApiError && error.code === 'invalid_argument');
        if (!invalid) throw error;
        throw new TlsConfigError('invalid_token', `invalid JWT-SVID: ${reasonOf(error)}`, { cause: error });
      }
    }
    if (this.#authorizer !== undefined) runAuthorizer(this.#authorizer, svid.id, []);
    return svid;
  }
}

/** The token of `Authorization: Bearer <token>` (J-14). @throws {TlsConfigError} `missing_token`. */
function bearerToken(authorization: string | readonly string[] | undefined): string {
  const values = typeof authorization === 'string' ? [authorization] : (authorization ?? []);
  if (values.length === 0 || values[0] === '') {
    throw new TlsConfigError(
      'missing_token',
      'no JWT-SVID: expected the header "Authorization: Bearer <JWT-SVID>" (J-14)',
    );
  }
  if (values.length > 1)
    throw new TlsConfigError('missing_token', 'more than one Authorization value (J-14)');
  const value = values[0]!;
  if (typeof value !== 'string' || value.length > MAX_TOKEN_LENGTH) {
    throw new TlsConfigError('missing_token', 'the Authorization value is not a bearer token (J-14)');
  }
  const match = BEARER.exec(value);
  if (match === null)
    throw new TlsConfigError('missing_token', 'the Authorization value is not "Bearer <JWT-SVID>" (J-14)');
  return match[1]!;
}
