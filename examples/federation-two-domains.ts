/**
 * Federation: two trust domains, `shop.test` and `bank.test`, each publish their bundle at an
 * https_spiffe bundle endpoint. Each side keeps the other's bundle fresh with a
 * FederatedBundleSet, and the shop's client calls the bank's server over mTLS.
 *
 * Run: npx tsx examples/federation-two-domains.ts
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { FederatedBundleSet, serveBundleEndpoint } from '@spiffe-ts/sdk/federation';
import { FakeCa } from '@spiffe-ts/sdk/testing';
import {
  authorizeId,
  authorizeMemberOf,
  createHttpsServer,
  mtlsClientOptions,
  mtlsServerOptions,
  peerIdFrom,
} from '@spiffe-ts/sdk/tlsconfig';

// Two trust domains, each with its CA (SPIRE's role here) and one workload SVID.
const shopCa = new FakeCa({ trustDomain: 'shop.test' });
const bankCa = new FakeCa({ trustDomain: 'bank.test' });
const shop = shopCa.issueX509Svid({ id: 'spiffe://shop.test/checkout' }).toX509Svid();
const bank = bankCa.issueX509Svid({ id: 'spiffe://bank.test/payments' }).toX509Svid();

// Each trust domain serves its bundle (https_spiffe: the endpoint presents an X509-SVID).
const shopEndpoint = await serveBundleEndpoint({
  trustDomain: 'shop.test',
  source: { getBundleForTrustDomain: () => shopCa.spiffeBundle() },
  profile: 'https_spiffe',
  svidSource: shop,
  host: '127.0.0.1',
  port: 0,
});
const bankEndpoint = await serveBundleEndpoint({
  trustDomain: 'bank.test',
  source: { getBundleForTrustDomain: () => bankCa.spiffeBundle() },
  profile: 'https_spiffe',
  svidSource: bank,
  host: '127.0.0.1',
  port: 0,
});
console.log(`bundle endpoints: ${shopEndpoint.url} (shop.test), ${bankEndpoint.url} (bank.test)`);

// Each side federates with the other. The first fetch is verified with a bundle exchanged once
// out of band (self-serving bootstrap); later fetches with the latest fetched bundle.
const shopFederation = new FederatedBundleSet(
  [
    {
      trustDomain: 'bank.test',
      url: bankEndpoint.url,
      auth: {
        profile: 'https_spiffe',
        endpointId: 'spiffe://bank.test/payments',
        bundle: bankCa.spiffeBundle(),
      },
    },
  ],
  { local: shopCa.x509Bundle() },
);
const bankFederation = new FederatedBundleSet(
  [
    {
      trustDomain: 'shop.test',
      url: shopEndpoint.url,
      auth: {
        profile: 'https_spiffe',
        endpointId: 'spiffe://shop.test/checkout',
        bundle: shopCa.spiffeBundle(),
      },
    },
  ],
  { local: bankCa.x509Bundle() },
);
await Promise.all([shopFederation.ready({ timeoutMs: 10_000 }), bankFederation.ready({ timeoutMs: 10_000 })]);
const fetched = shopFederation.getBundleForTrustDomain('bank.test');
console.log(
  `shop.test holds the bundle of bank.test: sequence ${fetched.sequenceNumber}, ${fetched.x509Authorities().length} CA`,
);

// The bank's server admits any workload of shop.test; the shop's client wants exactly the payments service.
const server = createHttpsServer(
  mtlsServerOptions(bank, bankFederation, authorizeMemberOf('shop.test')),
  (req, res) => res.end(`payment accepted from ${peerIdFrom(req).toString()}`),
);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/pay`;

const answer = await new Promise<string>((resolve, reject) => {
  https
    .get(url, mtlsClientOptions(shop, shopFederation, authorizeId('spiffe://bank.test/payments')), (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(body));
    })
    .on('error', reject);
});
console.log(`bank.test answered: ${answer}`);

server.close();
server.closeAllConnections();
shopFederation.close();
bankFederation.close();
await Promise.all([shopEndpoint.close(), bankEndpoint.close()]);
