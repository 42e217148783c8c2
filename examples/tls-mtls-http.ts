/**
 * mTLS over HTTPS with SPIFFE identities: a fake agent gives two workloads their X509-SVIDs
 * (api-server and database); database serves HTTPS and admits api-server only; api-server calls
 * it with an https.Agent and with fetch(). A third workload is refused at the handshake. Then
 * both SVIDs renew at half-life and the next connections use the new ones, with no restart.
 *
 * Run: npx tsx examples/tls-mtls-http.ts
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { FakeAgent, FakeCa, ManualClock } from '@spiffe-ts/sdk/testing';
import {
  authorizeId,
  createDispatcher,
  createHttpsAgent,
  createHttpsServer,
  mtlsClientOptions,
  mtlsServerOptions,
  peerIdFrom,
} from '@spiffe-ts/sdk/tlsconfig';
import { X509Source } from '@spiffe-ts/sdk/workloadapi';

const API = 'spiffe://example.org/ns/prod/sa/api-server';
const DATABASE = 'spiffe://example.org/ns/prod/sa/database';
const TTL = 20_000; // short SVIDs, so that renewal (at half-life) happens at once on the ManualClock

const clock = new ManualClock();
const agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org', clock }) });
const sources: X509Source[] = [];
/** The X509Source of a pod in namespace prod with service account `sa`. */
async function identity(sa: string): Promise<X509Source> {
  const pod = await agent.workload({ k8s: { namespace: 'prod', serviceAccount: sa } });
  const source = await X509Source.create({ clientOptions: { address: pod.address, clock }, timeoutMs: 5000 });
  sources.push(source);
  return source;
}

try {
  agent.register({
    spiffeId: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
    selectors: ['k8s:ns:prod'],
    x509SvidTtl: TTL,
  });
  const database = await identity('database');
  const apiServer = await identity('api-server');
  const batch = await identity('batch');

  // database: an mTLS HTTPS server that admits api-server only. The source is both the SVID to
  // serve and the bundles to verify clients with.
  const server = createHttpsServer(mtlsServerOptions(database, database, authorizeId(API)), (req, res) => {
    res.end(`hello ${peerIdFrom(req).toString()}`);
  });
  server.on('tlsClientError', (error) => console.log(`database refused a client: ${error.message}`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  // api-server: talks to database only (no hostname check: the SPIFFE ID is the identity).
  const clientOptions = mtlsClientOptions(apiServer, apiServer, authorizeId(DATABASE));
  const agentHttps = createHttpsAgent(clientOptions);
  console.log(`https.Agent -> ${await get(url, agentHttps)}`);
  const dispatcher = createDispatcher(clientOptions);
  const res = await fetch(url, { dispatcher });
  console.log(`fetch       -> ${await res.text()}`);

  // batch is a valid SVID of example.org, but database does not authorize it.
  const batchAgent = createHttpsAgent(mtlsClientOptions(batch, batch, authorizeId(DATABASE)));
  await get(url, batchAgent).then(
    () => Promise.reject(new Error('batch was served: the authorizer must refuse it')),
    () => console.log('batch       -> refused'),
  );

  // Rotation: the agent renews every SVID at half-life; new connections use the new ones.
  const before = database.getX509Svid().leaf.serialNumber;
  const renewed = new Promise<void>((resolve) => database.on('update', () => resolve()));
  clock.advance(TTL / 2);
  await renewed;
  const serverSerials: string[] = [];
  const watching = createHttpsAgent(
    mtlsClientOptions(apiServer, apiServer, (id, chains) => {
      authorizeId(DATABASE)(id, chains);
      serverSerials.push(chains[0]![0]!.serialNumber);
    }),
  );
  console.log(`after renewal -> ${await get(url, watching)}`);
  console.log(
    `database now serves a new certificate: ${serverSerials[0] !== before && serverSerials[0] === database.getX509Svid().leaf.serialNumber}`,
  );

  await dispatcher.close();
  await new Promise((resolve) => server.close(resolve));
} finally {
  for (const source of sources) source.close();
  await agent.stop();
}

function get(target: string, agentHttps: https.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(target, { agent: agentHttps }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += String(chunk)));
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      })
      .on('error', reject);
  });
}
