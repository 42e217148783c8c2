/**
 * Behind Envoy (docs/envoy.md): Envoy terminates mTLS with the SVIDs it gets from the SPIRE
 * agent by SDS and forwards plain HTTP on localhost, with the client's SPIFFE ID in the
 * `x-forwarded-client-cert` (XFCC) header. The app still uses the SDK: it reads and authorizes
 * that SPIFFE ID, validates JWT-SVIDs, and knows its own identity from the Workload API.
 *
 * A FakeAgent plays the SPIRE agent and the requests carry the header Envoy would set, so that
 * the example runs anywhere; the Envoy side is examples/kubernetes/envoy.yaml.
 *
 * Run: npx tsx examples/getting-started-envoy.ts
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpiffeId } from '@spiffe-ts/sdk/spiffeid';
import { FakeAgent, FakeCa } from '@spiffe-ts/sdk/testing';
import {
  authorizePolicy,
  jwtSvidAuth,
  jwtSvidFrom,
  type AuthorizationPolicy,
} from '@spiffe-ts/sdk/tlsconfig';
import { JwtSource, WorkloadApiClient } from '@spiffe-ts/sdk/workloadapi';

const agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org' }) });
agent.register({ spiffeId: 'spiffe://example.org/ns/production/sa/database' });
agent.register({
  spiffeId: 'spiffe://example.org/ns/production/sa/api-server',
  selectors: ['k8s:sa:api-server'],
});
const apiServerPod = await agent.workload({ selectors: ['k8s:sa:api-server'] });
process.env.SPIFFE_ENDPOINT_SOCKET = agent.address;
process.env.PORT = '0'; // any free port, so that the example runs anywhere

// #region xfcc
/**
 * The client's SPIFFE ID from the XFCC header that Envoy sets with
 * `forward_client_cert_details: SANITIZE_SET` and `set_current_client_cert_details: { uri: true }`:
 * one element, e.g. `By=spiffe://…/database;Hash=…;URI=spiffe://…/api-server`. Only trust it
 * when nothing but Envoy can reach the app (it listens on 127.0.0.1).
 */
function peerIdFromXfcc(header: string | string[] | undefined): SpiffeId {
  if (typeof header !== 'string' || header === '') throw new Error('no x-forwarded-client-cert header');
  const elements = header.match(/(?:[^,"]|"(?:[^"\\]|\\.)*")+/g) ?? [];
  if (elements.length !== 1) throw new Error('expected exactly one XFCC element (SANITIZE_SET)');
  const uris = (elements[0]!.match(/(?:[^;"]|"(?:[^"\\]|\\.)*")+/g) ?? [])
    .map((pair) => pair.trim().split(/=(.*)/s))
    .filter(([key]) => key?.toLowerCase() === 'uri')
    .map(([, value]) => (value ?? '').replace(/^"(.*)"$/s, '$1'));
  if (uris.length !== 1) throw new Error('expected exactly one URI in the XFCC element');
  return SpiffeId.parse(uris[0]!); // throws SpiffeIdError for anything but a valid SPIFFE ID
}
// #endregion xfcc

const policy: AuthorizationPolicy = {
  'spiffe://example.org/ns/production/sa/database': ['spiffe://example.org/ns/production/sa/api-server'],
};
try {
  // #region app
  // Its own SPIFFE ID (Envoy holds the X509-SVID, the app only needs to know who it is).
  const client = new WorkloadApiClient(); // SPIFFE_ENDPOINT_SOCKET
  const self = (await client.fetchX509Svid()).id;
  const jwtSource = await JwtSource.create({ client });
  const authorize = authorizePolicy(policy, self);
  const jwt = jwtSvidAuth({ audience: self.toString(), bundleSource: jwtSource, authorizer: authorize });

  const app = http.createServer((req, res) => {
    if (req.url === '/orders') {
      // mTLS through Envoy: the peer's SPIFFE ID comes from the XFCC header.
      try {
        const peer = peerIdFromXfcc(req.headers['x-forwarded-client-cert']);
        authorize(peer, []);
        res.end(`orders for ${peer}`);
      } catch (error) {
        res.statusCode = 403;
        res.end((error as Error).message);
      }
      return;
    }
    // JWT-SVIDs: checked by the app itself (Envoy forwards the Authorization header untouched).
    jwt(req, res, () => res.end(`report for ${jwtSvidFrom(req)!.id}`));
  });
  app.listen(Number(process.env.PORT ?? 8080), '127.0.0.1'); // only Envoy, in the same pod, can reach it
  // #endregion app
  await new Promise((resolve) => app.once('listening', resolve));
  const base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;

  // What Envoy forwards: the XFCC header of a verified client certificate.
  const xfcc = (uri: string): string =>
    `By=spiffe://example.org/ns/production/sa/database;Hash=5d1f0c;URI=${uri}`;
  for (const caller of ['api-server', 'frontend']) {
    const res = await fetch(`${base}/orders`, {
      headers: { 'x-forwarded-client-cert': xfcc(`spiffe://example.org/ns/production/sa/${caller}`) },
    });
    console.log(`${caller} via Envoy -> ${res.status} ${await res.text()}`);
  }
  // A caller that sends a JWT-SVID (api-server's, for the database's SPIFFE ID as audience).
  const apiServer = new WorkloadApiClient({ address: apiServerPod.address });
  const { token } = await apiServer.fetchJwtSvid({ audience: self.toString() });
  const withJwt = await fetch(`${base}/report`, { headers: { authorization: `Bearer ${token}` } });
  console.log(`api-server with a JWT-SVID -> ${withJwt.status} ${await withJwt.text()}`);
  const without = await fetch(`${base}/report`);
  console.log(`no JWT-SVID -> ${without.status} ${(await without.text()).trim()}`);
  apiServer.close();

  await new Promise((resolve) => app.close(resolve));
  jwtSource.close();
  client.close();
} finally {
  await agent.stop();
}
