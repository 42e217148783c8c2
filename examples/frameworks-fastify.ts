/**
 * Fastify 5 behind the SDK's mTLS server, with the @spiffe-ts/sdk/fastify plugin: its onRequest
 * hook admits the mTLS peer api-server on /orders, and a JWT-SVID of api-server on /reports (a
 * child context); handlers read `request.spiffe`. web gets 403 on both; a request without a token
 * gets 401 on /reports.
 *
 * Run: npx tsx examples/frameworks-fastify.ts
 */
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { spiffeAuth } from '@spiffe-ts/sdk/fastify';
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
// Fastify runs on the SDK's HTTPS server: any workload of example.org may connect, the routes
// decide who may call them.
const app = Fastify({
  serverFactory: (handler) =>
    createHttpsServer(
      mtlsServerOptions(databaseSvid, x509Bundles, authorizeMemberOf(ca.trustDomain)),
      handler,
    ),
});
// mTLS: the peer's X509-SVID was verified at the handshake; this context admits api-server only.
await app.register(async (orders) => {
  await orders.register(spiffeAuth, { mtls: { authorizer: authorizeId(API) } });
  orders.get('/orders', async (request) => `orders for ${request.spiffe!.id}`);
});
// JWT-SVID: `Authorization: Bearer <JWT-SVID>` for our audience, from api-server.
await app.register(async (reports) => {
  await reports.register(spiffeAuth, {
    jwt: { audience: DATABASE, bundleSource: jwtBundles, authorizer: authorizeId(API) },
  });
  reports.get('/reports', async (request) => `reports for ${request.spiffe!.id}`);
});
await app.listen({ port: 0, host: '127.0.0.1' });
// #endregion app

const base = `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

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
  await app.close();
}
