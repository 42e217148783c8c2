import type { KeyObject, X509Certificate } from 'node:crypto';
import type { SpiffeId } from '../spiffeid/index.js';
import { X509Svid } from '../svid/index.js';

/**
 * An X509-SVID minted by {@link FakeCa.issueX509Svid}, as plain data. It is deliberately not an
 * `X509Svid`: overrides can make it invalid, and such output must still be representable.
 */
export interface IssuedX509Svid {
  /** The ID it was issued for (overrides may have put other URIs, or none, into the certificate). */
  id: SpiffeId;
  /** The leaf, then the intermediates up to but not including the root. */
  certificates: X509Certificate[];
  privateKey: KeyObject;
  hint: string;
  /** `certificates` as concatenated DER, leaf first (the Workload API form, A-13). */
  chainDer: Uint8Array;
  /** `privateKey` as PKCS#8 DER. */
  privateKeyDer: Uint8Array;
  /** `certificates` as PEM, leaf first. */
  certificatesPem: string;
  /** `privateKey` as PKCS#8 PEM. */
  privateKeyPem: string;
  /** The leaf's notAfter. */
  expiresAt: Date;
  /**
   * Parses it with `X509Svid.parseRaw(chainDer, privateKeyDer, { hint })`.
   * @throws {SvidError} when overrides made it an invalid X509-SVID.
   */
  toX509Svid(): X509Svid;
}

/** Assembles an {@link IssuedX509Svid}. */
export function issuedX509Svid(
  id: SpiffeId,
  certificates: X509Certificate[],
  privateKey: KeyObject,
  hint: string,
  expiresAt: Date,
): IssuedX509Svid {
  const chainDer = new Uint8Array(Buffer.concat(certificates.map((c) => c.raw)));
  const privateKeyDer = new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }));
  return {
    id,
    certificates,
    privateKey,
    hint,
    chainDer,
    privateKeyDer,
    certificatesPem: certificates.map((c) => c.toString()).join(''),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    expiresAt,
    toX509Svid: () => X509Svid.parseRaw(chainDer, privateKeyDer, { hint }),
  };
}
