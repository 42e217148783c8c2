// A source waiting for its first update is never silent (#207): after 5 s, then every 30 s by the
// client's clock (a ManualClock here), it logs what it waits for, from where, the last error and
// how to bound the wait; without a logger it emits one process warning.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeAgent, FakeCa, ManualClock } from '../../src/testing/index.js';
import { BundleSource, JwtSource, X509Source, type SourceOptions } from '../../src/workloadapi/index.js';
import type { Logger } from '../../src/internal/logger.js';
import { FAST, Inbox } from './helpers.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A logger whose lines can be awaited, by level. */
function inboxLogger(): Logger & { warn: (m: string) => void; warns: Inbox<string>; infos: Inbox<string> } {
  const warns = new Inbox<string>();
  const infos = new Inbox<string>();
  return { warns, infos, debug() {}, info: infos.push, warn: warns.push, error() {} };
}

/** An endpoint address nobody listens on. */
function unreachable(): string {
  const dir = mkdtempSync(join(tmpdir(), 'spiffe-wait-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return `unix://${join(dir, 'agent.sock')}`;
}

const creators: [string, string, string, (o: SourceOptions) => Promise<{ close(): void }>][] = [
  ['X509Source', 'X.509 context', 'FetchX509SVID', (o) => X509Source.create(o)],
  ['JwtSource', 'JWT bundles', 'FetchJWTBundles', (o) => JwtSource.create(o)],
  ['BundleSource', 'bundles', 'FetchX509Bundles', (o) => BundleSource.create(o)],
];

describe.each(creators)('%s.create waiting on an unreachable agent', (name, what, stream, create) => {
  it('logs after 5 s, then every 30 s, with the address, the last error and the way out', async () => {
    const clock = new ManualClock();
    const logger = inboxLogger();
    const address = unreachable();
    const controller = new AbortController();
    const creating = create({
      clientOptions: { address, clock, logger, backoff: FAST },
      signal: controller.signal,
    });
    // The watch reports its first failure (Unavailable) at warn: the source has a last error now.
    await logger.warns.until((m) => m.includes(stream));
    const before = logger.warns.all.length;
    clock.advance(4_999);
    expect(logger.warns.all.slice(before).filter((m) => m.includes('still waiting'))).toEqual([]);
    clock.advance(1);
    const first = await logger.warns.until((m) => m.includes('still waiting'));
    expect(first).toContain(
      `${name}.create: still waiting for the first ${what} from ${address} after 5 s: `,
    );
    expect(first).toMatch(
      new RegExp(`${stream}: agent unreachable: Unavailable, \\d+ failed attempts? \\(last error: `),
    );
    expect(first).toContain(
      `it keeps waiting (no timeoutMs; go-spiffe waits too): pass { timeoutMs } or { signal } to ${name}.create to bound the wait`,
    );
    clock.advance(29_999);
    expect(logger.warns.all.filter((m) => m.includes('still waiting'))).toHaveLength(1);
    clock.advance(1);
    expect(await logger.warns.until((m) => m.includes('still waiting'))).toContain('after 35 s');
    controller.abort();
    await expect(creating).rejects.toMatchObject({ code: 'aborted' });
    clock.advance(120_000);
    expect(logger.warns.all.filter((m) => m.includes('still waiting'))).toHaveLength(2);
  });
});

describe('waiting notices', () => {
  it('with timeoutMs, says when it gives up', async () => {
    const clock = new ManualClock();
    const logger = inboxLogger();
    const controller = new AbortController();
    const creating = X509Source.create({
      clientOptions: { address: unreachable(), clock, logger, backoff: FAST },
      timeoutMs: 600_000,
      signal: controller.signal,
    });
    await logger.warns.until((m) => m.includes('FetchX509SVID'));
    clock.advance(5_000);
    expect(await logger.warns.until((m) => m.includes('still waiting'))).toContain(
      'it gives up after timeoutMs = 600000 ms',
    );
    controller.abort();
    await expect(creating).rejects.toMatchObject({ code: 'aborted' });
  });

  it('says why (no identity issued) and, once the update comes, that it came', async () => {
    const clock = new ManualClock();
    const agent = await FakeAgent.start({ ca: new FakeCa({ trustDomain: 'example.org', clock }) });
    cleanup.push(() => agent.stop());
    const logger = inboxLogger();
    const creating = X509Source.create({
      clientOptions: { address: agent.address, clock, logger, backoff: FAST },
    });
    await logger.warns.until((m) => m.includes('FetchX509SVID'));
    clock.advance(5_000);
    expect(await logger.warns.until((m) => m.includes('still waiting'))).toMatch(
      /FetchX509SVID: no identity issued: PermissionDenied, \d+ failed attempts?/,
    );
    agent.register({ spiffeId: 'spiffe://example.org/api' });
    const source = await creating;
    cleanup.push(() => source.close());
    expect(await logger.infos.until((m) => m.includes('received'))).toBe(
      'X509Source: X.509 context received after 5 s',
    );
    clock.advance(60_000);
    expect(logger.warns.all.filter((m) => m.includes('still waiting'))).toHaveLength(1);
  });

  it('without a logger, emits one process warning (no timeoutMs) rather than wait silently', async () => {
    const clock = new ManualClock();
    const warnings = new Inbox<Error & { code?: string }>();
    process.on('warning', warnings.push);
    cleanup.push(() => process.off('warning', warnings.push));
    const address = unreachable();
    const controller = new AbortController();
    const creating = X509Source.create({
      clientOptions: { address, clock, backoff: FAST },
      signal: controller.signal,
    });
    clock.advance(5_000);
    const warning = await warnings.until((w) => w.code === 'SPIFFE_SOURCE_WAITING');
    expect(warning.message).toContain(
      `X509Source.create: still waiting for the first X.509 context from ${address}`,
    );
    clock.advance(60_000);
    // process warnings are emitted on the next tick: let any second one arrive before counting
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(warnings.all.filter((w) => w.code === 'SPIFFE_SOURCE_WAITING')).toHaveLength(1);
    controller.abort();
    await expect(creating).rejects.toMatchObject({ code: 'aborted' });
  });

  it('without a logger but with timeoutMs, emits no process warning (the timeout error says why)', async () => {
    const clock = new ManualClock();
    const warnings: unknown[] = [];
    const record = (w: unknown): void => void warnings.push(w);
    process.on('warning', record);
    cleanup.push(() => process.off('warning', record));
    const controller = new AbortController();
    const creating = X509Source.create({
      clientOptions: { address: unreachable(), clock, backoff: FAST },
      timeoutMs: 600_000,
      signal: controller.signal,
    });
    clock.advance(60_000);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(warnings).toEqual([]);
    controller.abort();
    await expect(creating).rejects.toMatchObject({ code: 'aborted' });
  });
});
