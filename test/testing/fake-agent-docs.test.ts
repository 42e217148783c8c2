// The scenarios of docs/testing.md "Fake agent", run as written: a service pointed at the agent by
// SPIFFE_ENDPOINT_SOCKET, renewal at half-life, and two workloads talking mTLS.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { idFromCertificate } from '../../src/svid/index.js';
import { FakeAgent, FakeCa, ManualClock } from '../../src/testing/index.js';
import { SOCKET_ENV, X509Source, type X509SourceOptions } from '../../src/workloadapi/index.js';

const openIdentity = (options?: X509SourceOptions) => X509Source.create(options);

let clock: ManualClock;
let agent: FakeAgent;
const saved = process.env[SOCKET_ENV];

beforeEach(async () => {
  clock = new ManualClock(); // starts at the real time, so that OpenSSL accepts the SVIDs too
  agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org', clock }) });
  agent.register({ spiffeId: 'spiffe://example.org/api', x509SvidTtl: 60 * 60_000 });
  process.env[SOCKET_ENV] = agent.address;
});
afterEach(async () => {
  if (saved === undefined) delete process.env[SOCKET_ENV];
  else process.env[SOCKET_ENV] = saved;
  await agent.stop();
});

it('a service pointed at the agent by SPIFFE_ENDPOINT_SOCKET renews its X509-SVID at half-life', async () => {
  const source = await openIdentity({ clientOptions: { clock } });
  expect(source.getX509Svid().id.toString()).toBe('spiffe://example.org/api');

  const renewed = new Promise((resolve) => source.on('update', resolve));
  clock.advance(30 * 60_000);
  await renewed;
  const [current] = agent.x509Svids();
  expect(source.getX509Svid().leaf.serialNumber).toBe(current!.certificates[0]!.serialNumber);
  source.close();
});

it('two workloads with different identities talk mTLS in one process', async () => {
  const template =
    'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}';
  const web = await agent.workload({ k8s: { namespace: 'prod', serviceAccount: 'web' } });
  const db = await agent.workload({ k8s: { namespace: 'prod', serviceAccount: 'db' } });
  agent.register({ spiffeId: template, selectors: ['k8s:ns:prod'] });
  const webSource = await X509Source.create({ clientOptions: { address: web.address, clock } });
  const dbSource = await X509Source.create({ clientOptions: { address: db.address, clock } });
  const tlsOptions = (source: X509Source) => {
    const { certificates, privateKey } = source.getX509Svid().marshal();
    return {
      cert: certificates,
      key: privateKey,
      ca: source.getX509BundleForTrustDomain('example.org').marshal(),
    };
  };

  const server = createServer(
    { ...tlsOptions(dbSource), requestCert: true, rejectUnauthorized: true },
    (socket) => {
      socket.end(idFromCertificate(socket.getPeerX509Certificate()!).toString());
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client: TLSSocket = connect({
    ...tlsOptions(webSource),
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    checkServerIdentity: () => undefined, // URI-SAN only certificates: the SPIFFE ID is checked below
  });
  await once(client, 'secureConnect');
  const serverId = idFromCertificate(client.getPeerX509Certificate()!).toString();
  let seenByServer = '';
  for await (const chunk of client) seenByServer += String(chunk);
  server.close();
  webSource.close();
  dbSource.close();

  expect(serverId).toBe('spiffe://example.org/ns/prod/sa/db');
  expect(seenByServer).toBe('spiffe://example.org/ns/prod/sa/web');
});
