/**
 * The api-server of examples/kubernetes/app/api-server.yaml as a program (docs/kubernetes.md):
 * configured by the environment the Deployment sets (SPIFFE_ENDPOINT_SOCKET, DATABASE_URL,
 * DATABASE_ID, PORT, HEALTH_PORT). It serves TLS to frontend's JWT-SVIDs, calls the database over
 * mTLS, answers the readiness probe, and stops on SIGTERM.
 *
 * With SPIFFE_ENDPOINT_SOCKET set it runs until stopped. Without it (as in CI), a FakeAgent plays
 * the SPIRE agent and a stand-in plays the database; one request is made as frontend, then the
 * service stops.
 *
 * Run: npx tsx examples/getting-started-service.ts
 */
// #region service
import http from 'node:http';
import type https from 'node:https';
import type { AddressInfo } from 'node:net';
import { FakeAgent, FakeCa } from '@spiffe-ts/sdk/testing';
import {
  authorizeId,
  createDispatcher,
  createHttpsServer,
  JwtSvidCache,
  jwtSvidAuth,
  jwtSvidFetch,
  mtlsClientOptions,
  mtlsServerOptions,
  tlsClientOptions,
  tlsServerOptions,
} from '@spiffe-ts/sdk/tlsconfig';
import { JwtSource, X509Source } from '@spiffe-ts/sdk/workloadapi';

/** Starts api-server; resolves once it listens, with its servers and a function that stops it. */
export async function startApiServer(env: NodeJS.ProcessEnv = process.env) {
  // Its identity, from the SPIRE agent behind SPIFFE_ENDPOINT_SOCKET; both follow rotation.
  const x509 = await X509Source.create({ timeoutMs: 60_000 });
  const jwt = await JwtSource.create({ timeoutMs: 60_000 });
  const self = x509.getX509Svid().id;

  // Calls to the database: mTLS with our X509-SVID, and the server must be the database.
  const toDatabase = createDispatcher(mtlsClientOptions(x509, x509, authorizeId(env.DATABASE_ID!)));

  // Callers: a JWT-SVID for our SPIFFE ID, from frontend only.
  const auth = jwtSvidAuth({
    audience: self.toString(),
    bundleSource: jwt,
    authorizer: authorizeId(`spiffe://${self.trustDomain.name}/ns/production/sa/frontend`),
  });
  const server = createHttpsServer(tlsServerOptions(x509), (req, res) =>
    auth(req, res, () => {
      fetch(`${env.DATABASE_URL}/orders`, { dispatcher: toDatabase })
        .then(async (answer) => {
          res.statusCode = answer.status;
          res.end(await answer.text());
        })
        .catch(() => {
          res.statusCode = 502;
          res.end('database unavailable');
        });
    }),
  );

  // Readiness: a valid X509-SVID is served (the agent may be away for a while: 'stale').
  const health = http.createServer((req, res) => {
    const { state } = x509.status();
    res.statusCode = state === 'ready' || state === 'stale' ? 200 : 503;
    res.end(state);
  });

  await Promise.all([
    new Promise((resolve) => server.listen(Number(env.PORT ?? 8443), () => resolve(undefined))),
    new Promise((resolve) => health.listen(Number(env.HEALTH_PORT ?? 8081), () => resolve(undefined))),
  ]);
  const stop = async (): Promise<void> => {
    await new Promise((resolve) => health.close(resolve));
    await new Promise((resolve) => server.close(resolve)); // lets requests in flight finish
    await toDatabase.close();
    x509.close();
    jwt.close();
  };
  process.once('SIGTERM', () => void stop()); // Kubernetes stops a pod with SIGTERM
  return { server, health, stop };
}
// #endregion service

if (process.env.SPIFFE_ENDPOINT_SOCKET) {
  await startApiServer();
} else {
  // Stand-ins: a fake agent with the ClusterSPIFFEID's template, the database, and frontend.
  const agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org' }) });
  agent.register({
    spiffeId: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
    selectors: ['k8s:ns:production'],
  });
  const pod = async (serviceAccount: string) =>
    (await agent.workload({ k8s: { namespace: 'production', serviceAccount } })).address;
  const [apiServerSocket, databaseSocket, frontendSocket] = await Promise.all(
    ['api-server', 'database', 'frontend'].map(pod),
  );
  const database = await X509Source.create({ clientOptions: { address: databaseSocket } });
  const databaseServer = createHttpsServer(
    mtlsServerOptions(database, database, authorizeId('spiffe://example.org/ns/production/sa/api-server')),
    (req, res) => res.end('["order-1001","order-1002"]'),
  );
  await new Promise<void>((resolve) => databaseServer.listen(0, '127.0.0.1', resolve));

  process.env.SPIFFE_ENDPOINT_SOCKET = apiServerSocket;
  const { server, health, stop } = await startApiServer({
    ...process.env,
    DATABASE_URL: `https://127.0.0.1:${(databaseServer.address() as AddressInfo).port}`,
    DATABASE_ID: 'spiffe://example.org/ns/production/sa/database',
    PORT: '0',
    HEALTH_PORT: '0',
  });
  const port = (s: http.Server | https.Server): number => (s.address() as AddressInfo).port;
  const ready = await fetch(`http://127.0.0.1:${port(health)}/ready`);
  console.log(`readiness probe <- ${ready.status} ${await ready.text()}`);

  const frontendX509 = await X509Source.create({ clientOptions: { address: frontendSocket } });
  const frontendJwt = await JwtSource.create({ clientOptions: { address: frontendSocket } });
  const apiServerId = 'spiffe://example.org/ns/production/sa/api-server';
  const dispatcher = createDispatcher(tlsClientOptions(frontendX509, authorizeId(apiServerId)));
  const res = await jwtSvidFetch(new JwtSvidCache(frontendJwt, { audience: apiServerId }))(
    `https://127.0.0.1:${port(server)}/orders`,
    { dispatcher },
  );
  console.log(`frontend -> api-server -> database <- ${res.status} ${await res.text()}`);

  await dispatcher.close();
  await stop();
  frontendX509.close();
  frontendJwt.close();
  database.close();
  databaseServer.closeAllConnections();
  databaseServer.close();
  await agent.stop();
}
