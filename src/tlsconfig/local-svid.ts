import { X509Svid, type X509SvidSource } from '../svid/index.js';
import { reasonOf, TlsConfigError } from './errors.js';

/** The PEM forms of an SVID, for `tls.createSecureContext`; computed once per SVID object. */
const pems = new WeakMap<X509Svid, { cert: string; key: string }>();

/** Checks that `source` can give X509-SVIDs. @throws {TlsConfigError} `invalid_argument`. */
export function checkSvidSource(source: unknown, where: string): X509SvidSource {
  if (typeof (source as Partial<X509SvidSource> | null)?.getX509Svid !== 'function') {
    throw new TlsConfigError(
      'invalid_argument',
      `${where}: svidSource must be an X509-SVID source (an X509Source, or an X509Svid)`,
    );
  }
  return source as X509SvidSource;
}

/**
 * The SVID to present now.
 * @throws {TlsConfigError} `svid_unavailable` when the source has none (closed, withdrawn,
 *   expired) or gives something that is not an `X509Svid`.
 */
export function currentSvid(source: X509SvidSource): X509Svid {
  let svid: unknown;
  try {
    svid = source.getX509Svid();
  } catch (error) {
    throw new TlsConfigError('svid_unavailable', `no X509-SVID to present: ${reasonOf(error)}`, {
      cause: error,
    });
  }
  if (!(svid instanceof X509Svid)) {
    throw new TlsConfigError(
      'svid_unavailable',
      'no X509-SVID to present: the source returned something that is not an X509Svid',
    );
  }
  return svid;
}

/**
 * Whether two SVIDs are the same credential. Sources give the same object until a rotation, so
 * the identity test settles almost every call; the byte comparison covers sources that build a
 * new object per call.
 */
export function sameSvid(a: X509Svid, b: X509Svid | undefined): boolean {
  if (a === b) return true;
  if (b === undefined || a.certificates.length !== b.certificates.length) return false;
  return (
    a.certificates.every((c, i) => c.raw.equals(b.certificates[i]!.raw)) && a.privateKey.equals(b.privateKey)
  );
}

/** The certificate chain and key of `svid` as the PEM strings the `tls` options take. */
export function svidPem(svid: X509Svid): { cert: string; key: string } {
  let pem = pems.get(svid);
  if (pem === undefined) {
    const { certificates, privateKey } = svid.marshal();
    pem = { cert: certificates, key: privateKey };
    pems.set(svid, pem);
  }
  return pem;
}
