import { X509Certificate } from 'node:crypto';
import type { X509BundleSource } from '../bundle/index.js';
import { SpiffeId, type SpiffeIdLike } from '../spiffeid/index.js';
import { FederationError, reasonOf } from './errors.js';

/**
 * The `https_web` profile (F-12): the endpoint's certificate is checked the Web PKI way, against
 * `roots` (or Node's bundled public roots when absent) with RFC 6125 hostname verification.
 */
export interface HttpsWebAuth {
  profile: 'https_web';
  /** Trusted roots: certificates or PEM text (one or more blocks). Default: Node's public roots. */
  roots?: readonly (X509Certificate | string)[];
}

/**
 * The `https_spiffe` profile (F-14, F-17): the endpoint's certificate must be a valid X509-SVID
 * of the endpoint's trust domain, verified against `bundle` only, whose SPIFFE ID is exactly
 * `endpointId`. No hostname check.
 */
export interface HttpsSpiffeAuth {
  profile: 'https_spiffe';
  /** The endpoint server's SPIFFE ID (F-14). */
  endpointId: SpiffeIdLike;
  /**
   * Where the X.509 bundle of `endpointId`'s trust domain comes from: a `SpiffeBundle` or
   * `X509Bundle` of that trust domain, or any X.509 bundle source (an `X509Source`, a
   * `FederatedBundleSet`). For a self-serving endpoint (its trust domain is the one fetched), this
   * is the initial bundle (F-14); a watch uses the latest fetched bundle after that (F-17).
   */
  bundle: X509BundleSource;
}

/** How the client authenticates a bundle endpoint: exactly one of the two profiles (F-6, F-19). */
export type EndpointAuth = HttpsWebAuth | HttpsSpiffeAuth;

/** A checked `https_web` configuration. */
export interface WebProfile {
  profile: 'https_web';
  /** PEM certificates, or undefined for Node's public roots. */
  roots: string[] | undefined;
}

/** A checked `https_spiffe` configuration. */
export interface SpiffeProfile {
  profile: 'https_spiffe';
  endpointId: SpiffeId;
  bundle: X509BundleSource;
}

/** A checked endpoint authentication. */
export type CheckedAuth = WebProfile | SpiffeProfile;

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Checks an `auth` option. The profile is never inferred and the two are never mixed (F-19).
 *
 * @throws {FederationError} `invalid_argument`.
 */
export function checkAuth(auth: unknown, where: string): CheckedAuth {
  const bad = (why: string, cause?: unknown): FederationError =>
    new FederationError('invalid_argument', `${where}: ${why}`, { cause });
  if (typeof auth !== 'object' || auth === null) {
    throw bad(
      "auth is required: { profile: 'https_web', roots? } or { profile: 'https_spiffe', endpointId, bundle } (F-8, F-19)",
    );
  }
  const a = auth as Record<string, unknown>;
  if (a.profile === 'https_web') {
    if (a.endpointId !== undefined || a.bundle !== undefined) {
      throw bad('https_web takes no endpointId or bundle: the two profiles are never mixed (F-10, F-19)');
    }
    return { profile: 'https_web', roots: a.roots === undefined ? undefined : checkRoots(a.roots, bad) };
  }
  if (a.profile === 'https_spiffe') {
    if (a.roots !== undefined) {
      throw bad('https_spiffe takes no Web PKI roots: the two profiles are never mixed (F-19)');
    }
    let endpointId: SpiffeId;
    try {
      endpointId = SpiffeId.from(a.endpointId as SpiffeIdLike);
    } catch (error) {
      throw bad(`https_spiffe needs the endpoint's SPIFFE ID (F-14): ${reasonOf(error)}`, error);
    }
    const bundle = a.bundle as Partial<X509BundleSource> | null | undefined;
    if (typeof bundle?.getX509BundleForTrustDomain !== 'function') {
      throw bad(
        `https_spiffe needs the bundle of ${endpointId.trustDomain.toString()} to verify the endpoint ` +
          '(a SpiffeBundle, an X509Bundle or an X.509 bundle source) (F-14)',
      );
    }
    return { profile: 'https_spiffe', endpointId, bundle: bundle as X509BundleSource };
  }
  throw bad(
    `auth.profile must be 'https_web' or 'https_spiffe', got ${JSON.stringify(String(a.profile))} (F-6)`,
  );
}

function checkRoots(roots: unknown, bad: (why: string, cause?: unknown) => FederationError): string[] {
  if (!Array.isArray(roots) || roots.length === 0) {
    throw bad('auth.roots must be a non-empty array of certificates (leave it out for the public roots)');
  }
  const pems: string[] = [];
  roots.forEach((root: unknown, i) => {
    if (root instanceof X509Certificate) {
      pems.push(root.toString());
      return;
    }
    const blocks = typeof root === 'string' ? (root.match(PEM_CERTIFICATE) ?? []) : [];
    if (blocks.length === 0)
      throw bad(`auth.roots[${i}] is neither an X509Certificate nor PEM certificate text`);
    for (const block of blocks) {
      try {
        pems.push(new X509Certificate(block).toString());
      } catch (error) {
        throw bad(`auth.roots[${i}] holds a certificate that cannot be parsed: ${reasonOf(error)}`, error);
      }
    }
  });
  return pems;
}
