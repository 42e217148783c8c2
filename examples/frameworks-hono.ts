/**
 * Hono on @hono/node-server behind the SDK's mTLS server, with @spiffe-ts/sdk/hono: /orders
 * admits the mTLS peer api-server, /reports a JWT-SVID of api-server; handlers read
 * `c.get('spiffe')`. web gets 403 on both; a request without a token gets 401 on /reports.
 *
 * Run: npx tsx examples/frameworks-hono.ts
 */
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { spiffeAuth, type SpiffeEnv } from '@spiffe-ts/sdk/hono';
import { FakeCa } from '@spiffe-ts/sdk/testing';
import {
  authorizeId,
  authorizeMemberOf,
  createDispatcher,
  createHttpsServer,
  mtlsClientOptions,
  mtlsServerOptions,
} from '@spiffe-ts/sdk/tlsconfig';

const DATABASE = 'spiffe://example.org/ns/prod/sa/database';
const API = 'spiffe://example.org/ns/prod/sa/api-server';
const WEB = 'spiffe://example.org/ns/prod/sa/web';

// FakeCa stands in for SPIRE: in production these are an X509Source and a JwtSource.
const ca = new FakeCa({ trustDomain: 'example.org' });
const x509Bundles = ca.x509Bundle();
const jwtBundles = ca.jwtBundle();
const databaseSvid = ca.issueX509Svid({ id: DATABASE }).toX509Svid();

// #region app
const app = new Hono<SpiffeEnv>();
// mTLS: the peer's X509-SVID was verified at the handshake; this route admits api-server only.
app.get('/orders', spiffeAuth({ mtls: { authorizer: authorizeId(API) } }), (c) =>
  c.text(`orders for ${c.get('spiffe').id}`),
);
// JWT-SVID: `Authorization: Bearer <JWT-SVID>` for our audience, from api-server.
app.get(
  '/reports',
  spiffeAuth({ jwt: { audience: DATABASE, bundleSource: jwtBundles, authorizer: authorizeId(API) } }),
  (c) => c.text(`reports for ${c.get('spiffe').id}`),
);
// The SDK's HTTPS server runs the app: any workload of example.org may connect, the routes
// decide who may call them.
const server = createHttpsServer(
  mtlsServerOptions(databaseSvid, x509Bundles, authorizeMemberOf(ca.trustDomain)),
  getRequestListener(app.fetch),
);
// #endregion app

await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** GET `path` as the mTLS client `id`, with a JWT-SVID of `tokenFor` if given. */
async function call(id: string, path: string, tokenFor?: string): Promise<string> {
  const svid = ca.issueX509Svid({ id }).toX509Svid();
  const dispatcher = createDispatcher(mtlsClientOptions(svid, x509Bundles, authorizeId(DATABASE)));
  const headers: Record<string, string> =
    tokenFor === undefined
      ? {}
      : { authorization: `Bearer ${ca.issueJwtSvid({ id: tokenFor, audience: DATABASE }).token}` };
  try {
    const res = await fetch(`${base}${path}`, { dispatcher, headers });
    return `${res.status} ${(await res.text()).trim()}`;
  } finally {
    await dispatcher.close();
  }
}

try {
  console.log(`api-server /orders           -> ${await call(API, '/orders')}`);
  console.log(`web        /orders           -> ${await call(WEB, '/orders')}`);
  console.log(`api-server /reports, token   -> ${await call(API, '/reports', API)}`);
  console.log(`web        /reports, token   -> ${await call(WEB, '/reports', WEB)}`);
  console.log(`api-server /reports, none    -> ${await call(API, '/reports')}`);
} finally {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}
