/**
 * scripts/validate-manifests.mjs (`npm run validate:manifests`): the manifests of
 * examples/kubernetes are valid, and deliberately broken ones (each a valid manifest with one
 * defect) make it fail and name the defect.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  manifestOf,
  read,
  repoRoot,
  type ClusterSpiffeId,
  type Deployment,
  type KubeObject,
} from './support.js';

const run = promisify(execFile);

async function validate(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['scripts/validate-manifests.mjs', ...args], {
      cwd: repoRoot,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const deployment = manifestOf<Deployment>('examples/kubernetes/app/api-server.yaml', 'Deployment');
const clusterSpiffeId = manifestOf<ClusterSpiffeId>(
  'examples/kubernetes/app/clusterspiffeid.yaml',
  'ClusterSPIFFEID',
);
const federatedTrustDomain = manifestOf<KubeObject>(
  'examples/kubernetes/federation/cluster-a/federation.yaml',
  'ClusterFederatedTrustDomain',
);
const helperConfigMap = manifestOf<KubeObject>(
  'examples/kubernetes/spiffe-helper/reports-legacy.yaml',
  'ConfigMap',
);

/** A deep copy of `object` with the value at `path` replaced (`undefined`: removed). */
function withValue(object: object, path: readonly (string | number)[], value: unknown): object {
  const copy = structuredClone(object) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

/** Each file: one defect, and the words the validator must report. */
const BROKEN: Record<string, { yaml: string; expect: RegExp }> = {
  'deployment-port-not-a-number.yaml': {
    yaml: stringify(
      withValue(
        deployment,
        ['spec', 'template', 'spec', 'containers', 0, 'ports', 0, 'containerPort'],
        'https',
      ),
    ),
    expect:
      /Deployment api-server\): data\/spec\/template\/spec\/containers\/0\/ports\/0\/containerPort must be integer/,
  },
  'deployment-no-selector.yaml': {
    yaml: stringify(withValue(deployment, ['spec', 'selector'], undefined)),
    expect: /Deployment api-server\): data\/spec must have required property '?selector'?/,
  },
  'clusterspiffeid-misspelt-field.yaml': {
    yaml: stringify(
      withValue(
        withValue(clusterSpiffeId, ['spec', 'spiffeIdTemplate'], clusterSpiffeId.spec.spiffeIDTemplate),
        ['spec', 'spiffeIDTemplate'],
        undefined,
      ),
    ),
    expect:
      /ClusterSPIFFEID production-service-accounts\): .*must have required property .?spiffeIDTemplate.?, data\/spec has an unknown field "spiffeIdTemplate"/,
  },
  'clusterspiffeid-bad-selector-operator.yaml': {
    yaml: stringify(
      withValue(clusterSpiffeId, ['spec', 'podSelector'], {
        matchExpressions: [{ key: 'app', operator: 'Equals', values: ['x'] }],
      }),
    ),
    expect:
      /data\/spec\/podSelector\/matchExpressions\/0\/operator must be equal to one of the allowed values/,
  },
  'clusterspiffeid-bad-federated-trust-domain.yaml': {
    yaml: stringify(withValue(clusterSpiffeId, ['spec', 'federatesWith'], ['EU.example.org'])),
    expect: /data\/spec\/federatesWith\/0 must match pattern/,
  },
  'clusterspiffeid-bad-ttl.yaml': {
    yaml: stringify(withValue(clusterSpiffeId, ['spec', 'ttl'], '1 hour')),
    expect: /data\/spec\/ttl must match pattern/,
  },
  'clusterspiffeid-namespaced.yaml': {
    yaml: stringify(withValue(clusterSpiffeId, ['metadata', 'namespace'], 'production')),
    expect: /data\/metadata\/namespace is not allowed/,
  },
  'federated-trust-domain-spiffe-profile-without-id.yaml': {
    yaml: stringify(
      withValue(federatedTrustDomain, ['spec', 'bundleEndpointProfile'], { type: 'https_spiffe' }),
    ),
    expect: /data\/spec\/bundleEndpointProfile must have required property '?endpointSPIFFEID'?/,
  },
  'federated-trust-domain-http-url.yaml': {
    yaml: stringify(
      withValue(federatedTrustDomain, ['spec', 'bundleEndpointURL'], 'http://spire.eu.example.org'),
    ),
    expect: /data\/spec\/bundleEndpointURL must match pattern/,
  },
  'configmap-broken-json.yaml': {
    yaml: stringify(withValue(helperConfigMap, ['data', 'helper.json'], '{ "cert_dir": "/certs", }')),
    expect: /ConfigMap reports-legacy-spiffe-helper\): data\["helper.json"\] is not valid JSON/,
  },
  'unknown-kind.yaml': {
    yaml: 'apiVersion: spire.spiffe.io/v1alpha1\nkind: ClusterStaticEntry\nmetadata:\n  name: x\nspec: {}\n',
    expect: /no schema for spire.spiffe.io\/v1alpha1 ClusterStaticEntry/,
  },
  'no-name.yaml': {
    yaml: 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  namespace: production\n',
    expect: /ServiceAccount \?\): metadata.name is required/,
  },
  'duplicate-key.yaml': {
    yaml: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  name: b\n',
    expect: /document 1: YAML: Map keys must be unique/,
  },
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'broken-manifests-'));
  await Promise.all(Object.entries(BROKEN).map(([name, { yaml }]) => writeFile(join(dir, name), yaml)));
  // One valid file beside them: it must still be reported ok.
  await writeFile(join(dir, 'valid.yaml'), read('examples/kubernetes/app/namespace.yaml'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('validate-manifests', () => {
  it('every manifest of examples/kubernetes is valid (exit 0)', async () => {
    const { code, stdout } = await validate();
    expect(code, stdout).toBe(0);
    expect(stdout).not.toContain('FAIL');
    for (const file of [
      'app/api-server.yaml',
      'app/clusterspiffeid.yaml',
      'federation/cluster-a/federation.yaml',
      'envoy/database-with-envoy.yaml',
    ]) {
      expect(stdout).toContain(`ok   examples/kubernetes/${file}`);
    }
    expect(stdout).toMatch(/\d+ objects in \d+ files: all valid\n$/);
  });

  it('fails (exit 1) on deliberately broken manifests, naming each defect', async () => {
    const { code, stdout, stderr } = await validate(dir);
    expect(code).toBe(1);
    for (const [name, { expect: pattern }] of Object.entries(BROKEN)) {
      const section = stdout.split(/\n(?=FAIL|ok)/).find((s) => s.includes(`/${name}`)) ?? '';
      expect(section, `${name}\n${stdout}${stderr}`).toMatch(/^FAIL /);
      expect(section, name).toMatch(pattern);
    }
    expect(stdout).toMatch(/ok {3}\S*valid\.yaml/);
    expect(stdout).toContain(
      `${Object.keys(BROKEN).length} of ${Object.keys(BROKEN).length + 1} files invalid`,
    );
  });

  it('exit 2 for an unknown option or a path that does not exist', async () => {
    expect((await validate('--strict')).code).toBe(2);
    const missing = await validate(join(dir, 'nothing-here'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read');
  });
});
