/**
 * NestJS (platform-express) behind the SDK's mTLS server, with SpiffeGuard of
 * @spiffe-ts/sdk/nestjs: OrdersController admits the mTLS peer api-server, ReportsController a
 * JWT-SVID of api-server; handlers read spiffeCaller(req). web gets 403 on both; a request
 * without a token gets 401 on /reports.
 *
 * Nest's decorators are applied here as functions, because this repository compiles without
 * `experimentalDecorators`; in a Nest project, write `@Controller('orders')`,
 * `@UseGuards(new SpiffeGuard(...))`, `@Get()` and `@Req()` as usual.
 *
 * Run: npx tsx examples/frameworks-nestjs.ts
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Controller, Get, Module, Req, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import express from 'express';
import { SpiffeGuard, spiffeCaller } from '@spiffe-ts/sdk/nestjs';
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
// @Controller('orders') @UseGuards(...): mTLS, the peer verified at the handshake; api-server only.
class OrdersController {
  list(req: object): string {
    return `orders for ${spiffeCaller(req).id}`;
  }
}
Controller('orders')(OrdersController);
UseGuards(new SpiffeGuard({ mtls: { authorizer: authorizeId(API) } }))(OrdersController);
Req()(OrdersController.prototype, 'list', 0);
Get()(
  OrdersController.prototype,
  'list',
  Object.getOwnPropertyDescriptor(OrdersController.prototype, 'list')!,
);

// @Controller('reports') @UseGuards(...): a JWT-SVID for our audience, from api-server.
class ReportsController {
  list(req: object): string {
    return `reports for ${spiffeCaller(req).id}`;
  }
}
Controller('reports')(ReportsController);
UseGuards(
  new SpiffeGuard({ jwt: { audience: DATABASE, bundleSource: jwtBundles, authorizer: authorizeId(API) } }),
)(ReportsController);
Req()(ReportsController.prototype, 'list', 0);
Get()(
  ReportsController.prototype,
  'list',
  Object.getOwnPropertyDescriptor(ReportsController.prototype, 'list')!,
);

class AppModule {}
Module({ controllers: [OrdersController, ReportsController] })(AppModule);

// Nest on an Express instance that the SDK's HTTPS server runs: any workload of example.org may
// connect, the guards decide who may call what.
const expressApp = express();
const app = await NestFactory.create(AppModule, new ExpressAdapter(expressApp), { logger: false });
await app.init();
const server = createHttpsServer(
  mtlsServerOptions(databaseSvid, x509Bundles, authorizeMemberOf(ca.trustDomain)),
  expressApp,
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
  await app.close();
}
