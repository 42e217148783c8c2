/**
 * The manifests of examples/kubernetes fit together and with the code: the Workload API socket
 * each pod mounts is the one its code is told about, every pod is registered by its cluster's
 * ClusterSPIFFEID, the SPIFFE IDs they name are ones some pod gets, and the configurations that
 * sidecars read (Envoy, OPA, `spiffe helper`) agree with the pods and with the demo's policy.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { accessPolicy } from '../../src/demo/scenario.js';
import { TrustDomain } from '../../src/spiffeid/index.js';
import { X509Svid } from '../../src/svid/index.js';
import { FakeAgent, FakeCa } from '../../src/testing/index.js';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import {
  configMapFile,
  manifests,
  repoRoot,
  type ClusterFederatedTrustDomain,
  type ClusterSpiffeId,
  type Deployment,
  type KubeObject,
} from './support.js';

const run = promisify(execFile);
const ROOT = 'examples/kubernetes';
const CSI_DRIVER = 'csi.spiffe.io';
const SOCKET_NAME = 'spire-agent.sock'; // what the SPIFFE Helm charts' agent serves in the mounted folder

function yamlFiles(dir: string): string[] {
  return readdirSync(join(repoRoot, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(`${dir}/${e.name}`) : /\.ya?ml$/.test(e.name) ? [`${dir}/${e.name}`] : [],
  );
}

interface Obj<T extends KubeObject = KubeObject> {
  file: string;
  cluster: 'a' | 'b';
  m: T;
}
const objects: Obj[] = yamlFiles(ROOT).flatMap((file) =>
  manifests(file).map((m) => ({
    file,
    cluster: file.startsWith(`${ROOT}/federation/cluster-b/`) ? ('b' as const) : ('a' as const),
    m,
  })),
);
const deployments = objects.filter((o): o is Obj<Deployment> => o.m.kind === 'Deployment');
const TRUST_DOMAIN = { a: 'example.org', b: 'eu.example.org' } as const;

/** Every ClusterSPIFFEID of a cluster (the federation variant replaces the plain one, same name). */
function clusterSpiffeIds(cluster: 'a' | 'b'): ClusterSpiffeId[] {
  return objects
    .filter((o) => o.cluster === cluster && o.m.kind === 'ClusterSPIFFEID')
    .map((o) => o.m as ClusterSpiffeId);
}

/** The pod spec of a Deployment. */
function podSpec(d: Obj<Deployment>) {
  return d.m.spec.template.spec!;
}

/** What a ClusterSPIFFEID renders for a pod of `deployment`, or undefined when it does not select it. */
function rendered(csid: ClusterSpiffeId, deployment: Obj<Deployment>): string | undefined {
  const { spec } = csid;
  const namespace = deployment.m.metadata.namespace!;
  const labels = deployment.m.spec.template.metadata?.labels ?? {};
  const nsWanted = spec.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
  if (nsWanted !== undefined && nsWanted !== namespace) return undefined;
  for (const [k, v] of Object.entries(spec.podSelector?.matchLabels ?? {}))
    if (labels[k] !== v) return undefined;
  return spec.spiffeIDTemplate
    .replace(/\{\{ \.TrustDomain \}\}/g, TRUST_DOMAIN[deployment.cluster])
    .replace(/\{\{ \.PodMeta\.Namespace \}\}/g, namespace)
    .replace(/\{\{ \.PodSpec\.ServiceAccountName \}\}/g, podSpec(deployment).serviceAccountName!);
}

/** The SPIFFE IDs pods of the examples get, in both clusters. */
const podIds = new Set(
  deployments.flatMap((d) => clusterSpiffeIds(d.cluster).flatMap((c) => rendered(c, d) ?? [])),
);

function containersOf(d: Obj<Deployment>): IContainer[] {
  const spec = podSpec(d);
  return [...(spec.initContainers ?? []), ...spec.containers];
}

/** The folder a container mounts the Workload API volume at, if it does. */
function socketMount(d: Obj<Deployment>, container: IContainer): string | undefined {
  const csi = (podSpec(d).volumes ?? []).find((v) => v.csi?.driver === CSI_DRIVER);
  return container.volumeMounts?.find((m) => m.name === csi?.name)?.mountPath;
}

/** A container's mount of `volume`. */
function mountOf(container: IContainer, volume: string): string {
  return container.volumeMounts!.find((m) => m.name === volume)!.mountPath;
}

/** A container's environment variable. */
function envOf(container: IContainer, name: string): string | undefined {
  return container.env?.find((e) => e.name === name)?.value;
}

/** The parts of Envoy's bootstrap configuration the tests read. */
interface EnvoyBootstrap {
  static_resources: {
    listeners: {
      filter_chains: {
        filters: {
          typed_config: { forward_client_cert_details: string; set_current_client_cert_details: unknown };
        }[];
        transport_socket: {
          typed_config: {
            require_client_certificate: boolean;
            common_tls_context: {
              tls_certificate_sds_secret_configs: { name: string }[];
              combined_validation_context: {
                default_validation_context: { match_typed_subject_alt_names: unknown };
                validation_context_sds_secret_config: { name: string };
              };
            };
          };
        };
      }[];
    }[];
    clusters: {
      name: string;
      load_assignment: {
        endpoints: {
          lb_endpoints: { endpoint: { address: { pipe?: { path: string }; socket_address?: unknown } } }[];
        }[];
      };
    }[];
  };
}

describe('examples/kubernetes: the pieces fit together', () => {
  it('E-2, E-7: pods get the Workload API from the SPIFFE CSI driver, read-only, and SPIFFE_ENDPOINT_SOCKET names that socket', () => {
    expect(deployments.length).toBeGreaterThanOrEqual(6);
    for (const d of deployments) {
      const volumes: IVolume[] = podSpec(d).volumes ?? [];
      expect(
        volumes.filter((v) => v.hostPath !== undefined),
        d.file,
      ).toEqual([]);
      const csi = volumes.filter((v) => v.csi !== undefined);
      expect(csi, d.file).toHaveLength(1);
      expect(csi[0]!.csi, d.file).toEqual({ driver: CSI_DRIVER, readOnly: true });
      for (const container of containersOf(d)) {
        const mount = socketMount(d, container);
        if (mount === undefined) continue;
        expect(
          container.volumeMounts!.find((m) => m.mountPath === mount)!.readOnly,
          `${d.file} ${container.name}`,
        ).toBe(true);
        const env = envOf(container, 'SPIFFE_ENDPOINT_SOCKET');
        if (env !== undefined)
          expect(env, `${d.file} ${container.name}`).toBe(`unix://${mount}/${SOCKET_NAME}`);
      }
    }
  });

  it("every pod is registered by its cluster's ClusterSPIFFEIDs, with one identity per service account", () => {
    for (const d of deployments) {
      const account = podSpec(d).serviceAccountName!;
      const ids = clusterSpiffeIds(d.cluster).map((c) => rendered(c, d));
      expect(ids.length, d.file).toBeGreaterThan(0);
      expect(new Set(ids), d.file).toEqual(
        new Set([`spiffe://${TRUST_DOMAIN[d.cluster]}/ns/production/sa/${account}`]),
      );
      const accountObject = objects.find(
        (o) => o.cluster === d.cluster && o.m.kind === 'ServiceAccount' && o.m.metadata.name === account,
      );
      expect(accountObject, `${d.file}: ServiceAccount ${account}`).toBeDefined();
    }
    // Different services never share a service account (their identities would be one).
    const serviceOf = new Map<string, string>();
    for (const d of deployments) {
      const key = `${d.cluster}/${podSpec(d).serviceAccountName!}`;
      expect(serviceOf.get(key) ?? d.m.metadata.name, key).toBe(d.m.metadata.name);
      serviceOf.set(key, d.m.metadata.name!);
    }
  });

  it('ClusterSPIFFEIDs are scoped: a namespace, and pods that opt in with a label', () => {
    for (const cluster of ['a', 'b'] as const) {
      for (const c of clusterSpiffeIds(cluster)) {
        expect(c.spec.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']).toBe('production');
        expect(Object.keys(c.spec.podSelector?.matchLabels ?? {}).length).toBeGreaterThan(0);
        expect(c.spec.className).toBe('spire-server-spire');
      }
    }
  });

  it('F-5: every SPIFFE ID a pod is told about is one that some pod gets; federation names the other cluster', () => {
    const named = deployments.flatMap((d) =>
      containersOf(d).flatMap((c) =>
        (c.env ?? []).flatMap((e) => (e.value?.startsWith('spiffe://') ? [e.value] : [])),
      ),
    );
    expect(named.length).toBeGreaterThan(0);
    for (const id of named) expect([...podIds], id).toContain(id);
    for (const cluster of ['a', 'b'] as const) {
      const other = TRUST_DOMAIN[cluster === 'a' ? 'b' : 'a'];
      const ftd = objects.find((o) => o.cluster === cluster && o.m.kind === 'ClusterFederatedTrustDomain')!
        .m as ClusterFederatedTrustDomain;
      expect(ftd.spec.trustDomain).toBe(other);
      expect(ftd.spec.bundleEndpointURL).toBe(`https://spire-server-federation.${other}`);
      const federated = clusterSpiffeIds(cluster).filter((c) => c.spec.federatesWith !== undefined);
      expect(federated.map((c) => c.spec.federatesWith)).toEqual([[other]]);
    }
  });

  it("Envoy gets the pod's own X509-SVID and its trust domain's bundle by SDS on the mounted socket, admits api-server only, and forwards to the app", () => {
    const file = `${ROOT}/envoy/database-with-envoy.yaml`;
    const envoy = parse(configMapFile(file, 'envoy.yaml')) as EnvoyBootstrap;
    const d = deployments.find((o) => o.file === file)!;
    const podId = rendered(clusterSpiffeIds('a')[0]!, d);
    const chain = envoy.static_resources.listeners[0]!.filter_chains[0]!;
    const tls = chain.transport_socket.typed_config;
    expect(tls.require_client_certificate).toBe(true);
    expect(tls.common_tls_context.tls_certificate_sds_secret_configs.map((s) => s.name)).toEqual([podId]);
    const validation = tls.common_tls_context.combined_validation_context;
    expect(validation.validation_context_sds_secret_config.name).toBe('spiffe://example.org');
    expect(validation.default_validation_context.match_typed_subject_alt_names).toEqual([
      { san_type: 'URI', matcher: { exact: 'spiffe://example.org/ns/production/sa/api-server' } },
    ]);
    expect(podIds).toContain('spiffe://example.org/ns/production/sa/api-server');
    const hcm = chain.filters[0]!.typed_config;
    expect(hcm.forward_client_cert_details).toBe('SANITIZE_SET');
    expect(hcm.set_current_client_cert_details).toEqual({ uri: true });
    const address = (name: string) =>
      envoy.static_resources.clusters.find((c) => c.name === name)!.load_assignment.endpoints[0]!
        .lb_endpoints[0]!.endpoint.address;
    const containers = podSpec(d).containers;
    const envoyContainer = containers.find((c) => c.name === 'envoy')!;
    const appContainer = containers.find((c) => c.name === 'database')!;
    expect(address('spire_agent').pipe?.path).toBe(`${socketMount(d, envoyContainer)}/${SOCKET_NAME}`);
    expect(address('local_app').socket_address).toEqual({
      address: '127.0.0.1',
      port_value: Number(envOf(appContainer, 'PORT')),
    });
    expect(envoyContainer.args).toEqual([
      '--config-path',
      `${mountOf(envoyContainer, 'envoy-config')}/envoy.yaml`,
    ]);
  });

  it('the Rego policy of the OPA sidecar is the table of the demo (and of docs/authorization.md)', () => {
    const rego = configMapFile(`${ROOT}/opa/database-with-opa.yaml`, 'policy.rego');
    const table = /callers := (\{[\s\S]*?\n\})/.exec(rego)![1]!;
    expect(JSON.parse(table)).toEqual(accessPolicy(TrustDomain.parse('example.org')));
    expect(rego).toContain('default allow := false');
    expect(rego).toContain('allow if input.source in callers[input.destination]');
    expect(rego).toMatch(/^package spiffe\.authz$/m); // the path the service queries: /v1/data/spiffe/authz/allow
  });

  const cli = join(repoRoot, 'src', 'cli', 'main.ts');
  it.skipIf(!existsSync(cli))(
    'the spiffe-helper sidecar: its paths match its mounts, and `spiffe helper --once` with its config writes the files the app reads',
    async () => {
      const file = `${ROOT}/spiffe-helper/reports-legacy.yaml`;
      const config = JSON.parse(configMapFile(file, 'helper.json')) as {
        agent_address: string;
        cert_dir: string;
        svid_file_name: string;
        svid_key_file_name: string;
        svid_bundle_file_name: string;
        jwt_svids: { jwt_audience: string; jwt_svid_file_name: string }[];
        health_checks?: unknown;
      };
      const d = deployments.find((o) => o.file === file)!;
      const helper = podSpec(d).initContainers!.find((c) => c.name === 'spiffe-helper')!;
      const app = podSpec(d).containers[0]!;
      expect(helper.restartPolicy).toBe('Always'); // a native sidecar
      expect(config.agent_address).toBe(`${socketMount(d, helper)}/${SOCKET_NAME}`);
      expect(config.cert_dir).toBe(mountOf(helper, 'certs'));
      expect(helper.args).toEqual(['helper', '--config', `${mountOf(helper, 'helper-config')}/helper.json`]);
      const port = helper.ports!.find((p) => p.name === 'helper-health')!.containerPort;
      expect(config.health_checks).toEqual({ listener_enabled: true, bind_port: port });
      for (const probe of [helper.startupProbe, helper.livenessProbe, helper.readinessProbe]) {
        expect(probe?.httpGet?.port).toBe('helper-health');
      }
      const files = [
        config.svid_file_name,
        config.svid_key_file_name,
        config.svid_bundle_file_name,
        config.jwt_svids[0]!.jwt_svid_file_name,
      ];
      const appFiles = (app.env ?? []).map((e) => e.value);
      for (const name of files) expect(appFiles).toContain(posix.join(mountOf(app, 'certs'), name));

      // The same configuration, run once against a fake agent, with this machine's socket and folder.
      const id = rendered(clusterSpiffeIds('a')[0]!, d)!;
      await using agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org' }) });
      agent.register({ spiffeId: id });
      const dir = await mkdtemp(join(tmpdir(), 'helper-'));
      try {
        const { health_checks: _health, ...once } = config; // no health endpoint with --once
        await writeFile(join(dir, 'helper.json'), JSON.stringify(once));
        const out = join(dir, 'certs');
        await run(
          process.execPath,
          [
            '--import',
            'tsx',
            cli,
            'helper',
            '--config',
            join(dir, 'helper.json'),
            '--socket',
            agent.address,
            '--out',
            out,
            '--once',
            '--timeout',
            '10s',
          ],
          { cwd: repoRoot, timeout: 30_000 },
        );
        const svid = X509Svid.parse(
          await readFile(join(out, config.svid_file_name)),
          await readFile(join(out, config.svid_key_file_name)),
        );
        expect(svid.id.toString()).toBe(id);
        expect(await readFile(join(out, config.svid_bundle_file_name), 'utf8')).toMatch(
          /^-----BEGIN CERTIFICATE-----/,
        );
        expect(
          (await readFile(join(out, config.jwt_svids[0]!.jwt_svid_file_name), 'utf8')).split('.'),
        ).toHaveLength(3);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    40_000,
  );
});
