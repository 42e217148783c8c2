/**
 * JWT-SVID authentication over HTTP, with a policy: "api-server may call database".
 *
 * database serves HTTPS with its X509-SVID (TLS only: callers authenticate with a JWT-SVID, not a
 * client certificate) and checks `Authorization: Bearer <JWT-SVID>` with jwtSvidAuth; a rule
 * table says which callers each identity accepts. api-server fetches a JWT-SVID for the database
 * audience from its JwtSource and sends it with fetch(). web, a workload the policy does not
 * name, gets 403; a request without a token gets 401.
 *
 * Run: npx tsx examples/jwt-http.ts
 */
import type { AddressInfo } from 'node:net';
import { FakeAgent, FakeCa } from '@spiffe-ts/sdk/testing';
import {
  authorizeId,
  authorizePolicy,
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

const DATABASE = 'spiffe://example.org/ns/prod/sa/database';

// Which callers each identity accepts (the shape of the OPA data documents people write).
const policy = {
  [DATABASE]: ['spiffe://example.org/ns/prod/sa/api-server'],
  'spiffe://example.org/ns/prod/sa/api-server': ['spiffe://example.org/ns/prod/sa/web'],
};

const agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org' }) });
const closers: (() => unknown)[] = [];
async function identity(sa: string): Promise<{ x509: X509Source; jwt: JwtSource }> {
  const pod = await agent.workload({ k8s: { namespace: 'prod', serviceAccount: sa } });
  const x509 = await X509Source.create({ clientOptions: { address: pod.address }, timeoutMs: 5000 });
  const jwt = await JwtSource.create({ clientOptions: { address: pod.address }, timeoutMs: 5000 });
  closers.push(
    () => x509.close(),
    () => jwt.close(),
  );
  return { x509, jwt };
}

try {
  agent.register({
    spiffeId: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
    selectors: ['k8s:ns:prod'],
  });
  const database = await identity('database');
  const apiServer = await identity('api-server');
  const web = await identity('web');

  // database: HTTPS with its SVID; callers are authenticated by JWT-SVID and checked by the policy.
  const auth = jwtSvidAuth({
    audience: DATABASE,
    bundleSource: database.jwt, // validates locally with the JWT bundles the agent streams
    authorizer: authorizePolicy(policy, database.x509), // "who am I" comes from the X509-SVID
  });
  const server = createHttpsServer(tlsServerOptions(database.x509), (req, res) =>
    auth(req, res, () => res.end(`rows for ${jwtSvidFrom(req)!.id.toString()}`)),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/query`;

  // Callers verify the server's X509-SVID (it must be database) and send their JWT-SVID.
  const dispatcher = createDispatcher(tlsClientOptions(apiServer.x509, authorizeId(DATABASE)));
  const asApi = jwtSvidFetch(new JwtSvidCache(apiServer.jwt, { audience: DATABASE }));
  const asWeb = jwtSvidFetch(new JwtSvidCache(web.jwt, { audience: DATABASE }));

  for (const [who, send] of [
    ['api-server', asApi],
    ['web', asWeb],
    ['no token', fetch],
  ] as const) {
    const res = await send(url, { dispatcher });
    console.log(`${who.padEnd(10)} -> ${res.status} ${(await res.text()).trim()}`);
  }

  await dispatcher.close();
  await new Promise((resolve) => server.close(resolve));
} finally {
  for (const close of closers) close();
  await agent.stop();
}
