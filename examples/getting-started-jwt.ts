/**
 * Getting started (docs/getting-started.md), "JWT-SVIDs": frontend gets a JWT-SVID for
 * api-server's SPIFFE ID as audience and sends it as a bearer token; api-server validates it
 * with the JWT bundles of its JwtSource and admits frontend only. The TLS connection itself is
 * server-authenticated with api-server's X509-SVID.
 *
 * A FakeAgent plays the SPIRE agent, with one Workload API socket per pod. In production each
 * service makes its sources with `await JwtSource.create()` / `await X509Source.create()`.
 *
 * Run: npx tsx examples/getting-started-jwt.ts
 */
import type { AddressInfo } from 'node:net';
import { JwtSvid } from '@spiffe-ts/sdk/svid';
import { FakeAgent, FakeCa } from '@spiffe-ts/sdk/testing';
import {
  authorizeId,
  createDispatcher,
  createHttpsServer,
  jwtSvidAuth,
  jwtSvidFetch,
  jwtSvidFrom,
  JwtSvidCache,
  tlsClientOptions,
  tlsServerOptions,
} from '@spiffe-ts/sdk/tlsconfig';
import { JwtSource, X509Source } from '@spiffe-ts/sdk/workloadapi';

// #region setup
// The fake agent plays SPIRE: one socket per pod, each pod gets spiffe://example.org/ns/<ns>/sa/<sa>.
const agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org' }) });
agent.register({
  spiffeId: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
  selectors: ['k8s:ns:production'],
});
const addressOf = async (serviceAccount: string): Promise<string> =>
  (await agent.workload({ k8s: { namespace: 'production', serviceAccount } })).address;
const frontend = { address: await addressOf('frontend') };
const apiServer = { address: await addressOf('api-server') };
const [frontendJwt, frontendX509, apiServerJwt, apiServerX509] = await Promise.all([
  JwtSource.create({ clientOptions: frontend, timeoutMs: 10_000 }),
  X509Source.create({ clientOptions: frontend, timeoutMs: 10_000 }),
  JwtSource.create({ clientOptions: apiServer, timeoutMs: 10_000 }),
  X509Source.create({ clientOptions: apiServer, timeoutMs: 10_000 }),
]);
// #endregion setup
process.env.PORT = '0'; // any free port, so that the example runs anywhere

try {
  // #region fetch
  // A JWT-SVID of the workload, for one audience: the SPIFFE ID of the service it will call.
  const svid = await frontendJwt.fetchJwtSvid({
    audience: 'spiffe://example.org/ns/production/sa/api-server',
  });
  console.log(`JWT-SVID of ${svid.id} for ${svid.audience.join(', ')}, expires ${svid.expiry.toISOString()}`);
  // #endregion fetch

  // #region validate
  // The receiving side checks signature (with the bundle of the token's trust domain), aud and exp.
  const caller = JwtSvid.parseAndValidate(
    svid.token,
    apiServerJwt,
    'spiffe://example.org/ns/production/sa/api-server',
  );
  console.log(`a valid JWT-SVID of ${caller.id}`);
  // #endregion validate

  // #region server
  // api-server: TLS with its X509-SVID; callers need a JWT-SVID for its ID, and only frontend may call.
  const auth = jwtSvidAuth({
    audience: 'spiffe://example.org/ns/production/sa/api-server',
    bundleSource: apiServerJwt,
    authorizer: authorizeId('spiffe://example.org/ns/production/sa/frontend'),
  });
  const server = createHttpsServer(tlsServerOptions(apiServerX509), (req, res) =>
    auth(req, res, () => res.end(`hello ${jwtSvidFrom(req)!.id}`)),
  );
  server.listen(Number(process.env.PORT ?? 8443));
  // #endregion server
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  // #region client
  // frontend: a token for api-server, reused until half its lifetime, sent as a bearer token over
  // TLS to a server that must be api-server.
  const tokens = new JwtSvidCache(frontendJwt, {
    audience: 'spiffe://example.org/ns/production/sa/api-server',
  });
  const fetchWithSvid = jwtSvidFetch(tokens);
  const dispatcher = createDispatcher(
    tlsClientOptions(frontendX509, authorizeId('spiffe://example.org/ns/production/sa/api-server')),
  );
  const res = await fetchWithSvid(url, { dispatcher });
  console.log(`frontend <- ${res.status} ${await res.text()}`);
  // #endregion client

  // #region refused
  // No token: 401. A valid token of a caller the authorizer refuses (api-server itself): 403.
  const anonymous = await fetch(url, { dispatcher });
  console.log(`no token <- ${anonymous.status} ${anonymous.headers.get('www-authenticate')}`);
  const asApiServer = jwtSvidFetch(
    new JwtSvidCache(apiServerJwt, { audience: 'spiffe://example.org/ns/production/sa/api-server' }),
  );
  const refused = await asApiServer(url, { dispatcher });
  console.log(`api-server's own token <- ${refused.status} ${(await refused.text()).trim()}`);
  // #endregion refused

  await dispatcher.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
} finally {
  for (const source of [frontendJwt, frontendX509, apiServerJwt, apiServerX509]) source.close();
  await agent.stop();
}
