/**
 * Authorization (docs/authorization.md): the OPA policy of the SPIRE guides (who may call whom,
 * by SPIFFE ID) as the SDK's policy authorizer, checked during the TLS handshake; then OPA itself
 * beside the service, asked per request with the verified peer's SPIFFE ID.
 *
 * A FakeAgent plays the SPIRE agent, and a small stand-in answers OPA's Data API with the same
 * rules, so that the example runs anywhere; on a cluster OPA runs as a sidecar
 * (examples/kubernetes/opa.yaml).
 *
 * Run: npx tsx examples/getting-started-authorization.ts
 */
import http from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { SpiffeId } from '@spiffe-ts/sdk/spiffeid';
import { FakeAgent, FakeCa } from '@spiffe-ts/sdk/testing';
import {
  authorizeId,
  authorizeMemberOf,
  authorizePolicy,
  createDispatcher,
  createHttpsServer,
  mtlsClientOptions,
  mtlsServerOptions,
  peerIdFrom,
  type AuthorizationPolicy,
} from '@spiffe-ts/sdk/tlsconfig';
import { X509Source } from '@spiffe-ts/sdk/workloadapi';

const ID = (sa: string): string => `spiffe://example.org/ns/production/sa/${sa}`;

// #region policy
// Keyed by the service that decides (the OPA policy's input.destination), the callers it admits
// (input.source). A path segment may be * (one segment) or ** (any number).
const policy: AuthorizationPolicy = {
  'spiffe://example.org/ns/production/sa/database': ['spiffe://example.org/ns/production/sa/api-server'],
  'spiffe://example.org/ns/production/sa/api-server': ['spiffe://example.org/ns/production/sa/frontend'],
  'spiffe://example.org/ns/production/sa/metrics': ['spiffe://example.org/ns/*/sa/prometheus'],
};
// #endregion policy

// #region decisions
// The authorizer reads the local identity on every decision (it follows rotation); with a fixed ID:
const databaseDecides = authorizePolicy(policy, 'spiffe://example.org/ns/production/sa/database');
for (const caller of ['api-server', 'frontend']) {
  try {
    databaseDecides(SpiffeId.parse(ID(caller)), []);
    console.log(`database admits ${caller}`);
  } catch (error) {
    console.log(`database refuses ${caller}: ${(error as Error).message}`);
  }
}
// #endregion decisions

const agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org' }) });
agent.register({
  spiffeId: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
  selectors: ['k8s:ns:production'],
});
const sourceOf = async (serviceAccount: string): Promise<X509Source> => {
  const pod = await agent.workload({ k8s: { namespace: 'production', serviceAccount } });
  return X509Source.create({ clientOptions: { address: pod.address }, timeoutMs: 10_000 });
};
const source = await sourceOf('database');
const apiServer = await sourceOf('api-server');
const frontend = await sourceOf('frontend');
const opa = await startOpaStandIn(policy);
process.env.OPA_URL = opa.url;

try {
  // #region handshake
  // In the handshake: the database presents its SVID and admits only what its rule lists.
  const server = createHttpsServer(
    mtlsServerOptions(source, source, authorizePolicy(policy, source)),
    (req, res) => res.end(`orders for ${peerIdFrom(req)}`),
  );
  // #endregion handshake
  await listen(server);
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/orders`;
  const client = (caller: X509Source) =>
    createDispatcher(mtlsClientOptions(caller, caller, authorizeId(ID('database'))));
  for (const [name, caller] of [
    ['api-server', apiServer],
    ['frontend', frontend],
  ] as const) {
    const dispatcher = client(caller);
    const outcome = await fetch(url, { dispatcher }).then(
      async (res) => `${res.status} ${await res.text()}`,
      () => 'refused during the handshake',
    );
    console.log(`${name} -> database (policy authorizer): ${outcome}`);
    await dispatcher.close();
  }
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));

  // #region opa
  // With OPA beside the service: the handshake admits the trust domain, OPA decides per request.
  async function opaAllows(input: {
    source: string;
    destination: string;
    method?: string;
    path?: string;
  }): Promise<boolean> {
    const opaUrl = process.env.OPA_URL ?? 'http://127.0.0.1:8181';
    try {
      const res = await fetch(`${opaUrl}/v1/data/spiffe/authz/allow`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input }),
        signal: AbortSignal.timeout(1000),
      });
      return res.ok && ((await res.json()) as { result?: unknown }).result === true;
    } catch {
      return false; // OPA unreachable: fail closed
    }
  }

  const guarded = createHttpsServer(
    mtlsServerOptions(source, source, authorizeMemberOf('example.org')),
    async (req, res) => {
      const input = {
        source: peerIdFrom(req).toString(), // verified in the handshake
        destination: source.getX509Svid().id.toString(),
        method: req.method,
        path: req.url,
      };
      if (!(await opaAllows(input))) {
        res.statusCode = 403;
        res.end(`${input.source} may not call ${input.destination}`);
        return;
      }
      res.end(`orders for ${input.source}`);
    },
  );
  // #endregion opa
  await listen(guarded);
  const guardedUrl = `https://127.0.0.1:${(guarded.address() as AddressInfo).port}/orders`;
  for (const [name, caller] of [
    ['api-server', apiServer],
    ['frontend', frontend],
  ] as const) {
    const dispatcher = client(caller);
    const res = await fetch(guardedUrl, { dispatcher });
    console.log(`${name} -> database (OPA): ${res.status} ${await res.text()}`);
    await dispatcher.close();
  }
  guarded.closeAllConnections();
  await new Promise((resolve) => guarded.close(resolve));
} finally {
  for (const s of [source, apiServer, frontend]) s.close();
  await opa.close();
  await agent.stop();
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
}

/**
 * A stand-in for OPA's Data API (`POST /v1/data/spiffe/authz/allow`), evaluating the rule of
 * examples/kubernetes/opa.yaml: allow if input.source is among the callers of input.destination
 * (exact IDs only). Only so that this example runs without OPA.
 */
async function startOpaStandIn(rules: AuthorizationPolicy): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const { input } = JSON.parse(body) as { input: { source: string; destination: string } };
      const allow =
        req.url === '/v1/data/spiffe/authz/allow' && (rules[input.destination] ?? []).includes(input.source);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ result: allow }));
    });
  });
  await listen(server);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
