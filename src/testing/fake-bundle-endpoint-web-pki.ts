import type { X509Certificate } from 'node:crypto';
import { createCertificate } from './certificate-builder.js';

/** A Web PKI root and a server certificate under it, for an `https_web` fake endpoint. */
export interface FakeWebPki {
  /** The root CA certificate: what clients trust (`auth.roots`). */
  root: X509Certificate;
  /** The server's chain (PEM), leaf first. */
  cert: string;
  /** The server's private key (PKCS#8 PEM). */
  key: string;
}

const DAY = 24 * 60 * 60_000;

/**
 * Mints a throwaway web CA and a server certificate for `localhost` and `127.0.0.1` (DNS and IP
 * SANs, serverAuth), valid for a day from a minute ago by the real clock, which OpenSSL checks.
 */
export function mintWebPki(): FakeWebPki {
  const now = Date.now();
  const notBefore = new Date(now - 60_000);
  const notAfter = new Date(now + DAY);
  const root = createCertificate({
    subject: 'O=SPIFFE Test,CN=Fake Web Root CA',
    notBefore,
    notAfter,
    basicConstraints: { ca: true },
    keyUsage: { usages: ['keyCertSign', 'cRLSign'] },
  });
  const leaf = createCertificate({
    issuer: { certificate: root.certificate, privateKey: root.keyPair.privateKey },
    subject: 'O=SPIFFE Test,CN=localhost',
    notBefore,
    notAfter,
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1', '::1'],
    basicConstraints: { ca: false },
    keyUsage: { usages: ['digitalSignature', 'keyEncipherment'] },
    extKeyUsage: { usages: ['serverAuth'] },
  });
  return {
    root: root.certificate,
    cert: leaf.pem,
    key: leaf.keyPair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}
