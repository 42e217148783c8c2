/**
 * Federation between SPIRE and the SDK, both ways:
 * - the SDK's `fetchBundle` reads SPIRE's bundle endpoint (https_spiffe) and gets what
 *   `spire-server bundle show -format spiffe` shows;
 * - SPIRE federates with the SDK's bundle endpoint (`serveBundleEndpoint`, i.e.
 *   `createBundleEndpointHandler` behind the SDK's https_spiffe server) through
 *   `spire-server federation create`, and follows a key rotation published there;
 * - then a workload of td-a.test (go-spiffe, identity and federated bundle from the real agent)
 *   and a workload of td-sdk.test (the SDK, identity from FakeAgent with SPIRE's bundle as the
 *   federated one) authorize each other over mTLS.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpiffeBundle, type SpiffeBundleSource } from '../../src/bundle/index.js';
import {
  FederationError,
  fetchBundle,
  serveBundleEndpoint,
  type BundleEndpointServer,
} from '../../src/federation/index.js';
import type { TrustDomain } from '../../src/spiffeid/index.js';
import { FakeAgent, FakeCa } from '../../src/testing/index.js';
import { authorizeId, TlsConfigError } from '../../src/tlsconfig/index.js';
import { X509Source } from '../../src/workloadapi/index.js';
import { ders, jwtKeys, requireSpire, skipReason, spireSpiffeBundle } from './support/context.js';
import { goSpiffe, goSpiffeOk, startGoServer, type GoX509Context } from './support/go-spiffe.js';
import { pollUntil, Processes, within } from './support/processes.js';
import { spireServer } from './support/spire.js';
import { tsDial, tsServer, type TsServer } from './support/tls.js';

const SDK_TD = 'td-sdk.test';
const ENDPOINT_ID = `spiffe://${SDK_TD}/bundle-endpoint`;
const SDK_WORKLOAD = `spiffe://${SDK_TD}/workload`;
const ENTRY_ID = 'interop-go-federated';

describe.skipIf(skipReason !== undefined)('federation between SPIRE and the SDK', () => {
  const info = skipReason ? undefined! : requireSpire();
  const goFederated = `spiffe://${info?.trustDomain}/go-federated`;
  const procs = new Processes();
  let ca: FakeCa;
  let endpoint: BundleEndpointServer;
  let endpointReads = 0;
  let dir: string;
  let spireBundle: SpiffeBundle;
  let fake: FakeAgent | undefined;
  let sdkSource: X509Source | undefined;
  const tsServers: TsServer[] = [];
  let federationCreated = false;
  let entryCreated = false;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'interop-fed-'));
    ca = new FakeCa({ trustDomain: SDK_TD });
    const endpointSvid = ca.issueX509Svid({ id: ENDPOINT_ID }).toX509Svid();
    const source: SpiffeBundleSource = {
      getBundleForTrustDomain: (td: TrustDomain | string) => {
        endpointReads++;
        return ca.spiffeBundle().getBundleForTrustDomain(td);
      },
    };
    endpoint = await serveBundleEndpoint({
      trustDomain: SDK_TD,
      source,
      profile: 'https_spiffe',
      svidSource: { getX509Svid: () => endpointSvid },
      host: '127.0.0.1',
      port: 0,
    });
  });

  afterAll(async () => {
    sdkSource?.close();
    for (const s of tsServers) await s.close();
    await procs.stopAll();
    if (entryCreated) await spireServer(info, 'entry', 'delete', '-entryID', ENTRY_ID);
    if (federationCreated) await spireServer(info, 'federation', 'delete', '-id', SDK_TD);
    if (fake) await within(fake.stop(), 20_000, 'FakeAgent.stop()');
    await endpoint?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("F-14, F-17: fetchBundle reads SPIRE's https_spiffe endpoint and gets `bundle show -format spiffe`", async () => {
    const { bundle: shown } = await spireSpiffeBundle(info);
    spireBundle = await fetchBundle(info.trustDomain, `${info.bundleEndpointUrl}/`, {
      auth: { profile: 'https_spiffe', endpointId: info.serverId, bundle: shown },
    });
    expect(spireBundle.trustDomain.name).toBe(info.trustDomain);
    expect(ders(spireBundle.x509Authorities())).toEqual(ders(shown.x509Authorities()));
    expect(jwtKeys(spireBundle.jwtAuthorities())).toEqual(jwtKeys(shown.jwtAuthorities()));
    expect(spireBundle.sequenceNumber).toBe(shown.sequenceNumber);
  });

  it("F-17: fetchBundle refuses SPIRE's endpoint when it expects another endpoint ID", async () => {
    const { bundle: shown } = await spireSpiffeBundle(info);
    const error = await fetchBundle(info.trustDomain, `${info.bundleEndpointUrl}/`, {
      auth: {
        profile: 'https_spiffe',
        endpointId: `spiffe://${info.trustDomain}/not-the-server`,
        bundle: shown,
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FederationError);
    expect((error as FederationError).code).toBe('unauthorized_endpoint');
  });

  it("F-11, F-15: SPIRE federates with the SDK's bundle endpoint and follows its key rotation (F-1)", async () => {
    const bootstrap = join(dir, 'sdk-bundle.json');
    await writeFile(bootstrap, ca.spiffeBundle().marshal());
    await spireServer(
      info,
      'federation',
      'create',
      '-trustDomain',
      SDK_TD,
      '-bundleEndpointURL',
      endpoint.url,
      '-bundleEndpointProfile',
      'https_spiffe',
      '-endpointSpiffeID',
      ENDPOINT_ID,
      '-trustDomainBundlePath',
      bootstrap,
      '-trustDomainBundleFormat',
      'spiffe',
    );
    federationCreated = true;

    // Publish a new root and JWT key: only a fetch from the endpoint can tell SPIRE.
    ca.prepareRotation();
    const expected = ca.spiffeBundle();
    expect(expected.x509Authorities().length).toBe(2);
    const readsBefore = endpointReads;
    await spireServer(info, 'federation', 'refresh', '-id', SDK_TD);
    const listed = await pollUntil(
      'SPIRE holds the rotated td-sdk.test bundle',
      async () => {
        const json = await spireServer(
          info,
          'bundle',
          'list',
          '-id',
          `spiffe://${SDK_TD}`,
          '-format',
          'spiffe',
        );
        const bundle = SpiffeBundle.parse(SDK_TD, json);
        return ders(bundle.x509Authorities()).join() === ders(expected.x509Authorities()).join()
          ? bundle
          : undefined;
      },
      20_000,
    );
    expect(endpointReads).toBeGreaterThan(readsBefore);
    expect(jwtKeys(listed.jwtAuthorities())).toEqual(jwtKeys(expected.jwtAuthorities()));
  });

  describe('then workloads of the two trust domains authorize each other', () => {
    beforeAll(async () => {
      expect(federationCreated, 'the federation relationship was created').toBe(true);
      expect(spireBundle, "SPIRE's bundle was fetched").toBeDefined();
      await spireServer(
        info,
        'entry',
        'create',
        '-entryID',
        ENTRY_ID,
        '-parentID',
        `spiffe://${info.trustDomain}/node`,
        '-spiffeID',
        goFederated,
        '-selector',
        `unix:path:${info.binaries.interop}`,
        '-federatesWith',
        `spiffe://${SDK_TD}`,
      );
      entryCreated = true;

      fake = await FakeAgent.start({ ca });
      fake.setFederatedBundle(info.trustDomain, spireBundle);
      fake.register({ spiffeId: SDK_WORKLOAD, federatesWith: [info.trustDomain] });
      sdkSource = await X509Source.create({ clientOptions: { address: fake.address }, timeoutMs: 10_000 });

      // The agent syncs entries and federated bundles about every 5 s.
      await pollUntil(
        'the agent gives the go-spiffe program its federated identity and the td-sdk.test bundle',
        async () => {
          const ctx = await goSpiffeOk<GoX509Context>(info.binaries.interop, [
            'x509',
            '-addr',
            info.agentAddress,
          ]);
          const roots = ctx.bundles[SDK_TD];
          return ctx.svids.some((s) => s.id === goFederated) &&
            roots !== undefined &&
            [...roots].sort().join() === ders(ca.rootCertificates()).join()
            ? true
            : undefined;
        },
        30_000,
        500,
      );
    });

    it('SDK client (td-sdk.test) → go-spiffe server (td-a.test): both authorize across trust domains', async () => {
      expect(ders(sdkSource!.getX509BundleForTrustDomain(info.trustDomain).x509Authorities())).toEqual(
        ders(spireBundle.x509Authorities()),
      );
      const server = await startGoServer(
        procs,
        info.binaries.interop,
        ['-addr', info.agentAddress, '-pick', goFederated, '-authorize', SDK_WORKLOAD],
        join(dir, 'go-server.log'),
      );
      const result = await tsDial(sdkSource!, sdkSource!, authorizeId(goFederated), server.address);
      expect(result).toEqual({ peer: goFederated, line: `hello ${SDK_WORKLOAD}` });
      expect(await server.nextEvent()).toEqual({ accepted: SDK_WORKLOAD });
      await procs.stop(server.process);
    });

    it('go-spiffe client (td-a.test) → SDK server (td-sdk.test): both authorize across trust domains', async () => {
      const server = await tsServer(sdkSource!, sdkSource!, authorizeId(goFederated));
      tsServers.push(server);
      const outcome = await goSpiffe<{ peer: string; id: string; line: string }>(info.binaries.interop, [
        'mtls-client',
        '-addr',
        info.agentAddress,
        '-pick',
        goFederated,
        '-connect',
        server.address,
        '-authorize',
        SDK_WORKLOAD,
      ]);
      expect(outcome).toEqual({
        ok: true,
        value: { peer: SDK_WORKLOAD, id: goFederated, line: `hello ${goFederated}\n` },
      });
      expect(server.refused).toEqual([]);
    });

    it('B-1: without the federated bundle the SDK cannot verify the td-a.test peer', async () => {
      const server = await startGoServer(
        procs,
        info.binaries.interop,
        ['-addr', info.agentAddress, '-pick', goFederated, '-authorize', SDK_WORKLOAD],
        join(dir, 'go-server.log'),
      );
      const error = await tsDial(sdkSource!, ca.x509Bundle(), authorizeId(goFederated), server.address).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TlsConfigError);
      expect((error as TlsConfigError).code).toBe('untrusted_peer');
      await procs.stop(server.process);
    });

    it('leaves no go-spiffe process behind', async () => {
      await procs.stopAll();
      expect(procs.leftovers()).toEqual([]);
    });
  });
});
