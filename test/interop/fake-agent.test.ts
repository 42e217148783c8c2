/**
 * The project's FakeAgent checked by independent clients, side by side with the real SPIRE
 * agent: go-spiffe's workloadapi client (the suite's Go program) and SPIRE's own
 * `spire-agent api fetch x509|jwt` / `api validate jwt` must get the same answers from both
 * agents — SVIDs, bundles, rotation, header enforcement, PermissionDenied — and the same
 * answers as the SDK's own client.
 */
import { copyFile, chmod, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JwtBundle, type JwtBundleSource } from '../../src/bundle/index.js';
import { JwtSvid } from '../../src/svid/index.js';
import { FakeAgent, FakeCa } from '../../src/testing/index.js';
import { WorkloadApiClient } from '../../src/workloadapi/index.js';
import { ders, requireSpire, skipReason } from './support/context.js';
import {
  base64Ders,
  goSpiffe,
  goSpiffeOk,
  parseSpireAgentJwt,
  publicKeyDigest,
  spireAgentFetchX509,
  type GoJwtSvid,
  type GoX509Context,
} from './support/go-spiffe.js';
import { run, within } from './support/processes.js';

/** One agent under test, as the checks see it. */
interface AgentUnderTest {
  /** `unix:///…` and the bare socket path (for `spire-agent api … -socketPath`). */
  address: string;
  socketPath: string;
  trustDomain: string;
  /** The identity the checks compare (the real agent gives the Go program a second one). */
  id: string;
  /** An address where the caller has no identity. */
  noIdentity: () => Promise<{ address: string; uid?: number; binary: string }>;
  /** How long a rotation may take. */
  rotationMs: number;
}

const FAKE_TD = 'td-fake.test';
const FAKE_ID = `spiffe://${FAKE_TD}/workload`;
const NOBODY = 65534;
const AUDIENCE = 'spiffe://interop.test/audience';

describe.skipIf(skipReason !== undefined)(
  'FakeAgent and the real SPIRE agent, seen by independent clients',
  () => {
    const info = skipReason ? undefined! : requireSpire();
    let ca: FakeCa;
    let fake: FakeAgent;
    let scratch: string;
    const agents: Record<'real SPIRE agent' | 'FakeAgent', AgentUnderTest> = {} as never;
    const clients: WorkloadApiClient[] = [];

    beforeAll(async () => {
      scratch = await mkdtemp(join(tmpdir(), 'interop-fake-'));
      await chmod(scratch, 0o755);
      ca = new FakeCa({ trustDomain: FAKE_TD });
      fake = await FakeAgent.start({ ca });
      fake.register({ spiffeId: FAKE_ID, x509SvidTtl: 4000 });
      const nobodyBinary = join(scratch, 'spiffe-interop');
      await copyFile(info.binaries.interop, nobodyBinary);
      await chmod(nobodyBinary, 0o755);
      agents['real SPIRE agent'] = {
        address: info.agentAddress,
        socketPath: info.agentSocket,
        trustDomain: info.trustDomain,
        id: info.workloadId,
        // A process of another user matches no entry (the entries select unix:uid:<ours> and the path of our binary).
        noIdentity: async () => ({ address: info.agentAddress, uid: NOBODY, binary: nobodyBinary }),
        rotationMs: (info.x509SvidTtl * 2 + 10) * 1000,
      };
      agents['FakeAgent'] = {
        address: fake.address,
        socketPath: fake.address.replace(/^unix:\/\//, ''),
        trustDomain: FAKE_TD,
        id: FAKE_ID,
        // A workload socket with selectors that no entry asks for.
        noIdentity: async () => ({
          address: (await fake.workload({ selectors: ['unix:uid:4242'] })).address,
          binary: info.binaries.interop,
        }),
        rotationMs: 15_000,
      };
    });

    // Each test closes its SDK clients, so none is closing while an agent stops.
    afterEach(() => {
      for (const c of clients.splice(0)) c.close();
    });

    afterAll(async () => {
      if (fake) await within(fake.stop(), 20_000, 'FakeAgent.stop()');
      await rm(scratch, { recursive: true, force: true });
      // FakeAgent.stop removes its sockets and their folder.
      if (fake) expect(existsSync(dirname(agents.FakeAgent.socketPath))).toBe(false);
    });

    function sdkClient(agent: AgentUnderTest): WorkloadApiClient {
      const client = new WorkloadApiClient({ address: agent.address });
      clients.push(client);
      return client;
    }

    describe.each(['real SPIRE agent', 'FakeAgent'] as const)('%s', (name) => {
      const agent = (): AgentUnderTest => agents[name];

      it('go-spiffe, `spire-agent api fetch x509` and the SDK get the same X509-SVID and bundle (W-4, W-16)', async () => {
        const a = agent();
        const client = sdkClient(a);
        // SVIDs rotate: read the SDK's view before and after the other clients, and match either.
        const before = await client.fetchX509Context();
        const go = await goSpiffeOk<GoX509Context>(info.binaries.interop, ['x509', '-addr', a.address]);
        const cli = await spireAgentFetchX509(info.binaries.spireAgent, a.socketPath);
        const after = await client.fetchX509Context();
        const sdkViews = [before, after].map((ctx) => {
          const svid = ctx.svids.find((s) => s.id.toString() === a.id)!;
          return { chain: base64Ders(svid.certificates), key: publicKeyDigest(svid) };
        });
        expect(sdkViews[0]).toBeDefined();

        const goSvid = go.svids.find((s) => s.id === a.id);
        expect(goSvid, `go-spiffe got ${go.svids.map((s) => s.id).join(', ')}`).toBeDefined();
        expect(sdkViews).toContainEqual({ chain: goSvid!.chain, key: goSvid!.publicKeySha256 });
        expect([...go.bundles[a.trustDomain]!].sort()).toEqual(
          ders(after.bundles.getX509BundleForTrustDomain(a.trustDomain).x509Authorities()),
        );

        expect(cli.ok, cli.ok ? '' : cli.output).toBe(true);
        if (!cli.ok) return;
        const cliSvid = cli.value.svids.find((s) => sdkViews.some((v) => v.chain[0] === s.chain[0]));
        expect(cliSvid, 'spire-agent api fetch x509 wrote an SVID the SDK also got').toBeDefined();
        expect(sdkViews.map((v) => v.chain)).toContainEqual(cliSvid!.chain);
        expect([...cliSvid!.bundle].sort()).toEqual(
          ders(after.bundles.getX509BundleForTrustDomain(a.trustDomain).x509Authorities()),
        );
      });

      it('a JWT-SVID from go-spiffe validates in the SDK, in go-spiffe and in `spire-agent api validate jwt` (W-23)', async () => {
        const a = agent();
        const client = sdkClient(a);
        const fetched = await goSpiffeOk<{ svids: GoJwtSvid[] }>(info.binaries.interop, [
          'jwt',
          '-addr',
          a.address,
          '-audience',
          AUDIENCE,
          '-subject',
          a.id,
        ]);
        expect(fetched.svids.map((s) => s.id)).toEqual([a.id]);
        const token = fetched.svids[0]!.token;

        const bundles: JwtBundleSource = await client.fetchJwtBundles();
        expect(JwtSvid.parseAndValidate(token, bundles, AUDIENCE).id.toString()).toBe(a.id);
        expect((await client.validateJwtSvid(token, AUDIENCE)).id.toString()).toBe(a.id);

        const goValid = await goSpiffeOk<GoJwtSvid>(info.binaries.interop, [
          'jwt-validate',
          '-addr',
          a.address,
          '-audience',
          AUDIENCE,
          '-token',
          token,
        ]);
        expect(goValid.id).toBe(a.id);

        const cli = await run(info.binaries.spireAgent, [
          'api',
          'validate',
          'jwt',
          '-socketPath',
          a.socketPath,
          '-audience',
          AUDIENCE,
          '-svid',
          token,
        ]);
        expect(cli.stdout).toContain('SVID is valid.');
        expect(cli.stdout).toContain(a.id);

        const wrong = await goSpiffe<GoJwtSvid>(info.binaries.interop, [
          'jwt-validate',
          '-addr',
          a.address,
          '-audience',
          'spiffe://interop.test/other',
          '-token',
          token,
        ]);
        expect(wrong.ok).toBe(false);
        if (!wrong.ok) expect(wrong.failure.code).toBe('InvalidArgument');
      });

      it('`spire-agent api fetch jwt` gets a token and JWT bundle that the SDK validates (W-21)', async () => {
        const a = agent();
        const cli = await run(info.binaries.spireAgent, [
          'api',
          'fetch',
          'jwt',
          '-socketPath',
          a.socketPath,
          '-audience',
          AUDIENCE,
          '-spiffeID',
          a.id,
        ]);
        expect(cli.code, cli.stderr).toBe(0);
        const printed = parseSpireAgentJwt(cli.stdout);
        const token = printed.tokens[a.id];
        expect(token, cli.stdout).toBeDefined();
        const jwks = printed.bundles[`spiffe://${a.trustDomain}`];
        expect(jwks, cli.stdout).toBeDefined();
        const bundle = JwtBundle.parse(a.trustDomain, jwks!);
        expect(JwtSvid.parseAndValidate(token!, bundle, AUDIENCE).id.toString()).toBe(a.id);
      });

      it('go-spiffe watches a rotation of the X509-SVID (W-6)', async () => {
        const a = agent();
        const watched = await run(info.binaries.interop, ['x509-watch', '-addr', a.address, '-id', a.id], {
          timeoutMs: a.rotationMs + 10_000,
          env: { ...process.env, INTEROP_TIMEOUT: `${a.rotationMs}ms` },
        });
        expect(watched.code, watched.stdout + watched.stderr).toBe(0);
        const [first, rotated] = watched.stdout
          .trim()
          .split('\n')
          .map((line) => (JSON.parse(line) as GoX509Context).svids.find((s) => s.id === a.id)!);
        expect(first!.chain[0]).not.toBe(rotated!.chain[0]);
        expect(Date.parse(rotated!.expiry)).toBeGreaterThan(Date.parse(first!.expiry));
      });

      it('E-4: a call without the `workload.spiffe.io` header is refused with InvalidArgument', async () => {
        const a = agent();
        const outcome = await goSpiffeOk<{ code: string; message: string }>(info.binaries.interop, [
          'no-header',
          '-addr',
          a.address,
        ]);
        expect(outcome).toEqual({ code: 'InvalidArgument', message: 'security header missing from request' });
      });

      it('W-15: a workload with no identity gets PermissionDenied "no identity issued"', async () => {
        const a = agent();
        const target = await a.noIdentity();
        const outcome = await goSpiffe<GoX509Context>(target.binary, ['x509', '-addr', target.address], {
          timeoutMs: 3000,
          ...(target.uid === undefined ? {} : { uid: target.uid }),
        });
        expect(outcome.ok).toBe(false);
        if (!outcome.ok) {
          // go-spiffe retries PermissionDenied until its context ends; its last status is reported.
          expect(outcome.failure).toMatchObject({ code: 'PermissionDenied', error: 'no identity issued' });
        }
      });
    });

    it('the FakeAgent saw the header on every call of the SDK, go-spiffe and spire-agent but the raw one (E-4)', () => {
      const withoutHeader = fake.calls.filter((c) => !c.securityHeader);
      expect(withoutHeader.length).toBe(1);
      expect(fake.calls.length).toBeGreaterThan(5);
    });
  },
);
