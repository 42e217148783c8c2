import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgent, type TestAgent } from './agent.js';
import { startCli } from './cli.js';

let t: TestAgent | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe('spiffe watch', () => {
  it('prints each rotation with timestamps and time left (--json), and stops on SIGINT with exit 0', async () => {
    t = await startAgent({ ttlMs: 2000 });
    const cli = startCli(['watch', '--socket', t.address, '--json', '--expiry-warning', '0.05']);
    const first = await cli.event((e) => e.event === 'update' && e.change === 'initial', 'the first SVID');
    const rotated = await cli.event((e) => e.event === 'update' && e.change === 'rotated', 'a rotation');
    expect(first).toMatchObject({
      spiffeId: 'spiffe://example.org/api',
      trustDomains: ['example.org', 'other.org'],
    });
    expect(rotated.serialNumber).not.toBe(first.serialNumber);
    expect(Date.parse(rotated.expiresAt as string)).toBeGreaterThan(Date.parse(first.expiresAt as string));
    expect(rotated.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(typeof rotated.secondsLeft).toBe('number');
    expect(typeof rotated.previousSecondsLeft).toBe('number');
    const result = await cli.stop('SIGINT');
    expect(result.code).toBe(0);
  });

  it('warns when the SVID nears expiry without rotation (stalled rotation), then says it expired', async () => {
    t = await startAgent({ ttlMs: 2000 });
    const cli = startCli(['watch', '--socket', t.address, '--expiry-warning', '0.05']);
    await cli.output(/svid +spiffe:\/\/example\.org\/api .*expires \S+ \(in \d+\.\ds\)/, 'the first SVID');
    // The agent stops answering: no rotation comes.
    t.agent.failNext('FetchX509SVID', status.UNAVAILABLE, { count: 10_000 });
    t.agent.endStreams(status.UNAVAILABLE);
    await cli.output(
      /WARNING +the X509-SVID spiffe:\/\/example\.org\/api expires in \d+\.\ds .*rotation is stalled/,
      'the stall warning',
      'stderr',
    );
    await cli.output(
      /EXPIRED +the X509-SVID spiffe:\/\/example\.org\/api expired at/,
      'the expiry',
      'stderr',
    );
    expect((await cli.stop('SIGTERM')).code).toBe(0);
  });
});
