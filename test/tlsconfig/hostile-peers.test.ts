import { once } from 'node:events';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { SvidError } from '../../src/svid/index.js';
import {
  authorizeAny,
  connect,
  createTlsServer,
  mtlsServerOptions,
  TlsConfigError,
  tlsClientOptions,
} from '../../src/tlsconfig/index.js';
import type { MintedCertificate } from '../../src/testing/index.js';
import { ECDSA_WITH_SHA1, hugeExponentRing, pemOfDer, resign } from '../svid/hostile-chains.js';
import { intermediateCa, leafCert, type Ca } from '../svid/support.js';
import { close, closed, listen, svidOf, trustDomains } from './support.js';

const SERVER = 'spiffe://example.org/server';
const CLIENT = 'spiffe://example.org/client';
/** The hostile side lowers OpenSSL's security level, or it would not even load the weak chains. */
const INSECURE = 'DEFAULT@SECLEVEL=0';

const servers: tls.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => close(s)));
});

function pemChain(leaf: MintedCertificate, rest: readonly Uint8Array[]): { cert: string; key: string } {
  return {
    cert: pemOfDer([leaf.der, ...rest]),
    key: leaf.keyPair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}

/** The cause of a refusal: the svid layer's error inside the TlsConfigError. */
function svidCause(error: unknown): SvidError {
  expect(error).toBeInstanceOf(TlsConfigError);
  expect((error as TlsConfigError).code).toBe('untrusted_peer');
  const cause = (error as TlsConfigError).cause;
  expect(cause).toBeInstanceOf(SvidError);
  return cause as SvidError;
}

/** An mTLS server of example.org; resolves what a raw client presenting `chain` got, and the refusal. */
async function presentToServer(
  chain: { cert: string; key: string },
  { caA, bundles } = trustDomains(),
): Promise<{ received: string; refused: Error[] }> {
  const refused: Error[] = [];
  const server = createTlsServer(mtlsServerOptions(svidOf(caA, SERVER), bundles, authorizeAny()), (s) =>
    s.end('served'),
  );
  server.on('tlsClientError', (e) => refused.push(e));
  servers.push(server);
  const port = await listen(server);
  const socket = tls.connect({
    port,
    host: '127.0.0.1',
    rejectUnauthorized: false,
    ciphers: INSECURE,
    ...chain,
  });
  let received = '';
  socket.on('data', (d) => (received += d.toString()));
  socket.on('error', () => {});
  await closed(socket);
  return { received, refused };
}

describe('mTLS server: hostile client chains are refused by policy (issue #13)', () => {
  it('a huge-exponent RSA CA ring without key ids: unsupported_key, nothing served', async () => {
    const { leaf, ring } = hugeExponentRing(CLIENT, 9);
    const { received, refused } = await presentToServer(
      pemChain(
        leaf,
        ring.map((c) => c.der),
      ),
    );
    expect(received).toBe('');
    expect(svidCause(refused[0]).code).toBe('unsupported_key');
  });

  it('a SHA-1-signed intermediate under the bundle root: weak_signature_algorithm', async () => {
    const domains = trustDomains();
    const root: Ca = { ...domains.caA.issuer, minted: undefined as never };
    const inter = intermediateCa(root, 'example.org');
    const leaf = leafCert(inter, CLIENT);
    const { received, refused } = await presentToServer(
      pemChain(leaf, [resign(inter.minted.der, root.privateKey, ECDSA_WITH_SHA1)]),
      domains,
    );
    expect(received).toBe('');
    expect(svidCause(refused[0]).code).toBe('weak_signature_algorithm');
  });
});

describe('SDK client: a hostile server chain is refused by policy (issue #13)', () => {
  it('a huge-exponent RSA CA ring: unsupported_key, no secureConnect', async () => {
    const { bundles } = trustDomains();
    const { leaf, ring } = hugeExponentRing(SERVER, 9);
    const server = tls.createServer(
      {
        ...pemChain(
          leaf,
          ring.map((c) => c.der),
        ),
        ciphers: INSECURE,
      },
      (s) => s.end(),
    );
    servers.push(server);
    const port = await listen(server);
    const socket = connect({ ...tlsClientOptions(bundles, authorizeAny()), host: '127.0.0.1', port });
    let connected = false;
    socket.on('secureConnect', () => (connected = true));
    const [error] = (await once(socket, 'error')) as [TlsConfigError];
    expect(svidCause(error).code).toBe('unsupported_key');
    expect(connected).toBe(false);
  });
});
