/**
 * JWT-SVIDs across implementations: tokens minted by SPIRE (`spire-server jwt mint`) validate in
 * the SDK against the bundle SPIRE shows, and tokens minted by the SDK's FakeCa get the same
 * verdict from go-spiffe's `jwtsvid.ParseAndValidate` as from the SDK's
 * `JwtSvid.parseAndValidate`, case by case.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWT_SVID_ALGORITHMS, JwtSvid, SvidError } from '../../src/svid/index.js';
import { FakeCa, type IssueJwtSvidOptions, type JwtSvidAlgorithm } from '../../src/testing/index.js';
import { requireSpire, skipReason, spireSpiffeBundle } from './support/context.js';
import { goSpiffe, type GoJwtSvid } from './support/go-spiffe.js';
import { spireServer } from './support/spire.js';

const TD = 'td-jwt.test';
const SUBJECT = `spiffe://${TD}/workload`;
const AUDIENCE = 'spiffe://interop.test/api';

describe.skipIf(skipReason !== undefined)('JWT-SVIDs across SPIRE, go-spiffe and the SDK', () => {
  const info = skipReason ? undefined! : requireSpire();

  describe('minted by SPIRE, validated by the SDK', () => {
    it('a `spire-server jwt mint` token validates against `bundle show -format spiffe` (J-3)', async () => {
      const minted = `spiffe://${info.trustDomain}/minted`;
      const token = (
        await spireServer(info, 'jwt', 'mint', '-spiffeID', minted, '-audience', AUDIENCE, '-ttl', '1m')
      ).trim();
      const { bundle } = await spireSpiffeBundle(info);
      const svid = JwtSvid.parseAndValidate(token, bundle, AUDIENCE);
      expect(svid.id.toString()).toBe(minted);
      expect(svid.audience).toEqual([AUDIENCE]);
      expect(() => JwtSvid.parseAndValidate(token, bundle, 'spiffe://interop.test/other')).toThrow(SvidError);
    });
  });

  describe('minted by FakeCa: go-spiffe and the SDK agree', () => {
    let ca: FakeCa;
    let dir: string;
    let bundlePath: string;

    beforeAll(async () => {
      ca = new FakeCa({ trustDomain: TD });
      dir = await mkdtemp(join(tmpdir(), 'interop-jwt-'));
      bundlePath = join(dir, 'bundle.json');
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    type Case = [label: string, options: Partial<IssueJwtSvidOptions>, sdk: boolean, go: boolean];
    const now = Math.floor(Date.now() / 1000);
    const cases: Case[] = [
      ...JWT_SVID_ALGORITHMS.map((alg): Case => [
        `J-3: ${alg} is accepted`,
        { alg: alg as JwtSvidAlgorithm },
        true,
        true,
      ]),
      ['J-4: HS256 is refused', { alg: 'HS256' }, false, false],
      ['J-4: none is refused', { alg: 'none' }, false, false],
      ['J-4: EdDSA is refused', { alg: 'EdDSA' }, false, false],
      ['a flipped signature bit is refused', { invalidSignature: true }, false, false],
      ['J-10: another audience is refused', { audience: 'spiffe://interop.test/other' }, false, false],
      ['J-12: an expired token is refused', { claims: { exp: now - 3600, iat: now - 7200 } }, false, false],
      ['J-9: a token without aud is refused', { claims: { aud: undefined } }, false, false],
      [
        'J-7: a token whose sub is not a SPIFFE ID is refused',
        { claims: { sub: 'https://x.test/y' } },
        false,
        false,
      ],
      ['J-6: typ wit+jwt is refused', { header: { typ: 'wit+jwt' } }, false, false],
      ['A-4: an unknown kid is refused', { kid: 'unknown' }, false, false],
      // J-5 makes kid optional: the SDK then tries the keys; go-spiffe requires a kid.
      ['J-5: no kid: the SDK accepts, go-spiffe refuses (documented difference)', { kid: null }, true, false],
    ];

    it.each(cases)('%s', async (_label, options, sdkAccepts, goAccepts) => {
      const { token } = ca.issueJwtSvid({ id: SUBJECT, audience: AUDIENCE, ...options });
      // The bundle after issuing: a new algorithm family publishes its key first.
      await writeFile(bundlePath, ca.spiffeBundle().marshal());

      let sdk: boolean;
      try {
        expect(JwtSvid.parseAndValidate(token, ca.jwtBundle(), AUDIENCE).id.toString()).toBe(SUBJECT);
        sdk = true;
      } catch (error) {
        expect(error).toBeInstanceOf(SvidError);
        sdk = false;
      }
      const go = await goSpiffe<GoJwtSvid>(info.binaries.interop, [
        'jwt-parse',
        '-bundle',
        bundlePath,
        '-td',
        TD,
        '-audience',
        AUDIENCE,
        '-token',
        token,
      ]);
      if (go.ok) expect(go.value.id).toBe(SUBJECT);
      expect({ sdk, go: go.ok ? true : go.failure.error }).toEqual({
        sdk: sdkAccepts,
        go: goAccepts ? true : expect.any(String),
      });
    });
  });
});
