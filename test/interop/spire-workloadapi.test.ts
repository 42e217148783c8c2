/**
 * The SDK's Workload API layer against a real SPIRE v1.15.3 agent: X509Source (SVID, bundle,
 * rotation by TTL and by CA preparation), JwtSource (fetch, local validation, the agent's
 * ValidateJWTSVID), BundleSource, all compared with `spire-server bundle show`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JwtSvid, verifyX509Svid } from '../../src/svid/index.js';
import {
  BundleSource,
  JwtSource,
  WorkloadApiClient,
  X509Source,
  WorkloadApiError,
  type X509Context,
} from '../../src/workloadapi/index.js';
import {
  ders,
  jwtKeys,
  requireSpire,
  skipReason,
  spireSpiffeBundle,
  spireX509Roots,
} from './support/context.js';
import { spireServer } from './support/spire.js';

describe.skipIf(skipReason !== undefined)('SDK against the real SPIRE agent', () => {
  const info = skipReason ? undefined! : requireSpire();
  let x509: X509Source;
  let jwt: JwtSource;
  let bundles: BundleSource;
  let client: WorkloadApiClient;

  beforeAll(async () => {
    const clientOptions = { address: info.agentAddress };
    [x509, jwt, bundles] = await Promise.all([
      X509Source.create({ clientOptions, timeoutMs: 30_000 }),
      JwtSource.create({ clientOptions, timeoutMs: 30_000 }),
      BundleSource.create({ clientOptions, timeoutMs: 30_000 }),
    ]);
    client = new WorkloadApiClient(clientOptions);
  });

  afterAll(() => {
    x509?.close();
    jwt?.close();
    bundles?.close();
    client?.close();
  });

  it('X509Source gets the registered X509-SVID, which verifies against the served bundle (X-14)', () => {
    const svid = x509.getX509Svid();
    expect(svid.id.toString()).toBe(info.workloadId);
    const lifetimeMs = svid.expiresAt.getTime() - Date.parse(svid.leaf.validFrom);
    // The entry's -x509SVIDTTL (SPIRE backdates notBefore by 10 s).
    expect(lifetimeMs).toBeLessThanOrEqual((info.x509SvidTtl + 10) * 1000);
    const { id } = verifyX509Svid(svid.certificates, x509);
    expect(id.toString()).toBe(info.workloadId);
  });

  it('X509Source: the X.509 bundle equals `spire-server bundle show` (W-16)', async () => {
    const roots = await spireX509Roots(info);
    expect(ders(x509.getX509BundleForTrustDomain(info.trustDomain).x509Authorities())).toEqual(roots);
  });

  it('X509Source sees the agent rotate its X509-SVID (W-4, W-6)', async () => {
    const before = x509.getX509Svid();
    const rotated = await new Promise<X509Context>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no rotation within ${info.x509SvidTtl * 2 + 10} s`)),
        (info.x509SvidTtl * 2 + 10) * 1000,
      );
      const onUpdate = (ctx: X509Context): void => {
        if (ctx.defaultSvid.leaf.serialNumber === before.leaf.serialNumber) return;
        clearTimeout(timer);
        x509.off('update', onUpdate);
        resolve(ctx);
      };
      x509.on('update', onUpdate);
    });
    const after = x509.getX509Svid();
    expect(after.leaf.serialNumber).toBe(rotated.defaultSvid.leaf.serialNumber);
    expect(after.leaf.serialNumber).not.toBe(before.leaf.serialNumber);
    expect(after.id.toString()).toBe(info.workloadId);
    expect(after.expiresAt.getTime()).toBeGreaterThan(before.expiresAt.getTime());
  });

  it('JwtSource: a JWT-SVID from the agent validates locally and through the agent (W-23, W-24)', async () => {
    const audience = 'spiffe://td-a.test/interop-audience';
    const svid = await jwt.fetchJwtSvid({ audience });
    expect(svid.id.toString()).toBe(info.workloadId);
    expect(svid.audience).toContain(audience);

    const local = JwtSvid.parseAndValidate(svid.token, jwt, audience);
    expect(local.id.toString()).toBe(info.workloadId);

    const remote = await client.validateJwtSvid(svid.token, audience);
    expect(remote.id.toString()).toBe(info.workloadId);
  });

  it('the agent refuses a JWT-SVID for another audience, and so does local validation (J-10)', async () => {
    const svid = await jwt.fetchJwtSvid({ audience: 'spiffe://td-a.test/one' });
    const refused = await client.validateJwtSvid(svid.token, 'spiffe://td-a.test/other').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(WorkloadApiError);
    expect((refused as WorkloadApiError).code).toBe('invalid_argument');
    expect(() => JwtSvid.parseAndValidate(svid.token, jwt, 'spiffe://td-a.test/other')).toThrow(/audience/);
  });

  it('JwtSource and BundleSource: JWT authorities and X.509 roots equal `bundle show -format spiffe`', async () => {
    const { bundle: shown } = await spireSpiffeBundle(info);
    expect(jwtKeys(jwt.getJwtBundleForTrustDomain(info.trustDomain).jwtAuthorities())).toEqual(
      jwtKeys(shown.jwtAuthorities()),
    );
    const served = bundles.getBundleForTrustDomain(info.trustDomain);
    expect(ders(served.x509Authorities())).toEqual(ders(shown.x509Authorities()));
    expect(jwtKeys(served.jwtAuthorities())).toEqual(jwtKeys(shown.jwtAuthorities()));
  });

  it('a prepared CA reaches the sources: bundles again equal `bundle show` (F-1)', async () => {
    const before = ders(x509.getX509BundleForTrustDomain(info.trustDomain).x509Authorities());
    const updated = new Promise<void>((resolve, reject) => {
      // The agent syncs bundles about every 5 s.
      const timer = setTimeout(
        () => reject(new Error('the prepared CA did not reach X509Source within 30 s')),
        30_000,
      );
      const onUpdate = (ctx: X509Context): void => {
        const roots = ctx.bundles.getX509BundleForTrustDomain(info.trustDomain).x509Authorities();
        if (roots.length <= before.length) return;
        clearTimeout(timer);
        x509.off('update', onUpdate);
        resolve();
      };
      x509.on('update', onUpdate);
    });
    await spireServer(info, 'localauthority', 'x509', 'prepare');
    await updated;
    const roots = await spireX509Roots(info);
    expect(roots.length).toBe(before.length + 1);
    expect(ders(x509.getX509BundleForTrustDomain(info.trustDomain).x509Authorities())).toEqual(roots);
    // The SVID still verifies: the active CA did not change.
    expect(verifyX509Svid(x509.getX509Svid().certificates, x509).id.toString()).toBe(info.workloadId);
  });
});
