// End to end with the fake agent: two workloads of different identities (api-server and
// database) get their SVIDs from the Workload API and talk mTLS; SVIDs renew at half-life while
// requests keep flowing.
import type { X509Certificate } from 'node:crypto';
import https from 'node:https';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeAgent, FakeCa, ManualClock } from '../../src/testing/index.js';
import {
  authorizeId,
  authorizeMemberOf,
  createDispatcher,
  createHttpsAgent,
  createHttpsServer,
  jwtSvidAuth,
  jwtSvidFetch,
  jwtSvidFrom,
  JwtSvidCache,
  mtlsClientOptions,
  mtlsServerOptions,
  peerIdFrom,
  TlsConfigError,
} from '../../src/tlsconfig/index.js';
import { JwtSource, WorkloadApiClient, X509Source } from '../../src/workloadapi/index.js';
import { close, listen, pemOf } from './support.js';

const TEMPLATE =
  'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}';
const API = 'spiffe://example.org/ns/prod/sa/api-server';
const DATABASE = 'spiffe://example.org/ns/prod/sa/database';
/** Short SVIDs: renewal (at half-life, 10 s) keeps notBefore in the real past (10 s backdating). */
const TTL = 20_000;

let clock: ManualClock;
let ca: FakeCa;
let agent: FakeAgent;
const cleanup: (() => Promise<void> | void)[] = [];

beforeEach(async () => {
  clock = new ManualClock();
  ca = new FakeCa({ trustDomain: 'example.org', clock });
  agent = await FakeAgent.start({ ca });
  agent.register({
    spiffeId: TEMPLATE,
    selectors: ['k8s:ns:prod'],
    x509SvidTtl: TTL,
    federatesWith: ['other.org'],
  });
});
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
  await agent.stop();
});

/** Resolves on the source's next `update` event. */
function nextUpdate(source: X509Source): Promise<void> {
  return new Promise((resolve) => {
    const listener = (): void => {
      source.off('update', listener);
      resolve();
    };
    source.on('update', listener);
  });
}

async function workloadSources(serviceAccount: string) {
  const workload = await agent.workload({ k8s: { namespace: 'prod', serviceAccount } });
  const x509 = await X509Source.create({ clientOptions: { address: workload.address, clock } });
  const jwt = await JwtSource.create({ clientOptions: { address: workload.address, clock } });
  cleanup.push(
    () => x509.close(),
    () => jwt.close(),
  );
  return { x509, jwt, address: workload.address };
}

/** The database service: an mTLS HTTPS server that admits the api-server only. */
async function database(source: X509Source) {
  const clientLeaves: X509Certificate[] = [];
  const server = createHttpsServer(
    mtlsServerOptions(source, source, (id, chains) => {
      authorizeId(API)(id, chains);
      clientLeaves.push(chains[0]![0]!);
    }),
    (req, res) => {
      if (req.url === '/slow') {
        setTimeout(() => res.end(`slow ${peerIdFrom(req).toString()}`), 150);
        return;
      }
      res.end(`hello ${peerIdFrom(req).toString()}`);
    },
  );
  cleanup.push(() => close(server));
  return { url: `https://127.0.0.1:${await listen(server)}`, clientLeaves };
}

function get(url: string, agentOrOptions: https.RequestOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(url, agentOrOptions, (res) => {
        let body = '';
        res.on('data', (d) => (body += d.toString()));
        res.on('end', () =>
          res.statusCode === 200 ? resolve(body) : reject(new Error(`status ${res.statusCode}`)),
        );
      })
      .on('error', reject);
  });
}

describe('with the fake agent', () => {
  it('api-server calls database over mTLS (https.Agent and fetch)', async () => {
    const api = await workloadSources('api-server');
    const db = await workloadSources('database');
    const s = await database(db.x509);
    const options = mtlsClientOptions(api.x509, api.x509, authorizeId(DATABASE));
    const agentHttps = createHttpsAgent(options);
    expect(await get(`${s.url}/`, { agent: agentHttps })).toBe(`hello ${API}`);
    const dispatcher = createDispatcher(options);
    cleanup.push(() => dispatcher.close());
    expect(await (await fetch(`${s.url}/`, { dispatcher })).text()).toBe(`hello ${API}`);
  });

  it('a workload the database does not authorize is refused', async () => {
    const db = await workloadSources('database');
    const batch = await workloadSources('batch');
    const s = await database(db.x509);
    const agentHttps = createHttpsAgent(mtlsClientOptions(batch.x509, batch.x509, authorizeId(DATABASE)));
    await expect(get(`${s.url}/`, { agent: agentHttps })).rejects.toThrow();
    expect(s.clientLeaves).toEqual([]);
  });

  it('rotation under a steady stream of requests: zero failures, new handshakes see the new SVIDs, in-flight requests complete', async () => {
    const api = await workloadSources('api-server');
    const db = await workloadSources('database');
    const s = await database(db.x509);
    const serverLeaves: string[] = [];
    const options = mtlsClientOptions(api.x509, api.x509, (id, chains) => {
      authorizeId(DATABASE)(id, chains);
      serverLeaves.push(chains[0]![0]!.fingerprint256);
    });
    const fresh = createHttpsAgent(options); // a new handshake per request
    const pooled = createHttpsAgent(options, { keepAlive: true });
    cleanup.push(
      () => fresh.destroy(),
      () => pooled.destroy(),
    );

    const firstServer = db.x509.getX509Svid().leaf.fingerprint256;
    const firstClient = api.x509.getX509Svid().leaf.fingerprint256;
    let failures = 0;
    let done = 0;
    let stop = false;
    const stream = (async () => {
      while (!stop) {
        await get(`${s.url}/`, { agent: fresh }).then(
          () => done++,
          () => failures++,
        );
      }
    })();
    const inFlight = get(`${s.url}/slow`, { agent: pooled }); // spans the rotation on its connection
    while (done < 5) await new Promise((r) => setImmediate(r));

    const rotated = Promise.all([nextUpdate(api.x509), nextUpdate(db.x509)]);
    clock.advance(TTL / 2);
    await rotated;
    const newServer = db.x509.getX509Svid().leaf.fingerprint256;
    const newClient = api.x509.getX509Svid().leaf.fingerprint256;
    expect([newServer, newClient]).not.toEqual([firstServer, firstClient]);

    const before = done;
    while (done < before + 5) await new Promise((r) => setImmediate(r));
    stop = true;
    await stream;
    expect(await inFlight).toBe(`slow ${API}`);
    expect(failures).toBe(0);
    expect(serverLeaves[0]).toBe(firstServer);
    expect(serverLeaves.at(-1)).toBe(newServer);
    expect(s.clientLeaves[0]!.fingerprint256).toBe(firstClient);
    expect(s.clientLeaves.at(-1)!.fingerprint256).toBe(newClient);
  });

  it('a federated bundle change reaches the server on the next handshake', async () => {
    const other = new FakeCa({ trustDomain: 'other.org' });
    agent.setFederatedBundle('other.org', other.spiffeBundle());
    const db = await workloadSources('database');
    const accepted: string[] = [];
    const refused: Error[] = [];
    const server = createHttpsServer(
      mtlsServerOptions(db.x509, db.x509, authorizeMemberOf('other.org')),
      (req, res) => {
        accepted.push(peerIdFrom(req).toString());
        res.end('ok');
      },
    );
    server.on('tlsClientError', (e) => refused.push(e));
    cleanup.push(() => close(server));
    const url = `https://127.0.0.1:${await listen(server)}/`;
    const partner = {
      ...pemOf(other.issueX509Svid({ id: 'spiffe://other.org/partner' })),
      rejectUnauthorized: false,
      agent: false as const,
    };
    expect(await get(url, partner)).toBe('ok');

    const dropped = nextUpdate(db.x509);
    agent.setFederatedBundle('other.org', undefined);
    await dropped;
    await expect(get(url, partner)).rejects.toThrow();
    expect(accepted).toEqual(['spiffe://other.org/partner']);
    expect((refused[0] as TlsConfigError).code).toBe('untrusted_peer');
  });

  it('JWT over HTTP: api-server sends a JWT-SVID for the database audience, database validates it (locally and via the agent)', async () => {
    const api = await workloadSources('api-server');
    const db = await workloadSources('database');
    const validator = new WorkloadApiClient({ address: db.address, clock });
    cleanup.push(() => validator.close());
    const seen: string[] = [];
    for (const auth of [
      jwtSvidAuth({ audience: DATABASE, bundleSource: db.jwt, authorizer: authorizeId(API) }),
      jwtSvidAuth({ audience: DATABASE, validator, authorizer: authorizeId(API) }),
    ]) {
      const server = createHttpsServer(
        mtlsServerOptions(db.x509, db.x509, authorizeMemberOf('example.org')),
        (req, res) =>
          auth(req, res, () => {
            seen.push(jwtSvidFrom(req)!.id.toString());
            res.end('rows');
          }),
      );
      cleanup.push(() => close(server));
      const url = `https://127.0.0.1:${await listen(server)}/query`;
      const dispatcher = createDispatcher(mtlsClientOptions(api.x509, api.x509, authorizeId(DATABASE)));
      cleanup.push(() => dispatcher.close());
      const call = jwtSvidFetch(new JwtSvidCache(api.jwt, { audience: DATABASE }));
      const res = await call(url, { dispatcher });
      expect([res.status, await res.text()]).toEqual([200, 'rows']);
      const anonymous = await fetch(url, { dispatcher });
      expect(anonymous.status).toBe(401);
    }
    expect(seen).toEqual([API, API]);
  });
});
