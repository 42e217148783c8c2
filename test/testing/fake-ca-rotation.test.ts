import { describe, expect, it } from 'vitest';
import { JwtSvid, verifyX509Svid } from '../../src/svid/index.js';
import { FakeCa, ManualClock, type Clock, type ClockTimer } from '../../src/testing/index.js';

const TD = 'example.org';
const ID = 'spiffe://example.org/workload';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** What the bundle shows: sequence, X.509 authorities and JWT kids by name. */
function view(ca: FakeCa, names: Map<string, string>) {
  const name = (key: string) => {
    if (!names.has(key)) names.set(key, `#${names.size}`);
    return names.get(key)!;
  };
  const bundle = ca.spiffeBundle();
  return {
    seq: Number(bundle.sequenceNumber),
    x509: bundle.x509Authorities().map((c) => name(c.fingerprint256)),
    jwt: [...bundle.jwtAuthorities().keys()].map(name),
  };
}

describe('FakeCa.rotate (F-1)', () => {
  it('prepare publishes, rotate switches signing, the old authority leaves once what it signed expired', () => {
    const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
    const ca = new FakeCa({ trustDomain: TD, clock });
    const names = new Map<string, string>();
    const events: ReturnType<typeof view>[] = [];
    ca.onBundleChange(() => events.push(view(ca, names)));
    expect(view(ca, names)).toEqual({ seq: 1, x509: ['#0'], jwt: ['#1'] });
    const oldRoot = ca.certificate;

    const oldSvid = ca.issueX509Svid({ id: ID }); // expires 01:00:00
    const oldJwt = ca.issueJwtSvid({ id: ID, audience: 'a' }); // expires 00:05:00

    // Stage 1: the next authority is published but does not sign yet (F-1: publish before use).
    ca.prepareRotation();
    expect(view(ca, names)).toEqual({ seq: 2, x509: ['#0', '#2'], jwt: ['#1', '#3'] });
    ca.prepareRotation(); // already prepared: no change
    expect(ca.sequenceNumber).toBe(2n);
    expect(ca.certificate).toBe(oldRoot);
    expect(ca.issueX509Svid({ id: ID }).certificates[0]!.verify(oldRoot.publicKey)).toBe(true);
    expect(ca.issueJwtSvid({ id: ID, audience: 'a' }).kid).toBe(oldJwt.kid);

    // Stage 2: signing switches; the bundle content (and so the sequence) stays.
    clock.advance(MINUTE);
    ca.rotate();
    expect(ca.sequenceNumber).toBe(2n);
    expect(ca.certificate).not.toBe(oldRoot);
    const newSvid = ca.issueX509Svid({ id: ID });
    const newJwt = ca.issueJwtSvid({ id: ID, audience: 'a' });
    expect(newSvid.certificates[0]!.verify(ca.certificate.publicKey)).toBe(true);
    expect(newJwt.kid).not.toBe(oldJwt.kid);
    for (const svid of [oldSvid, newSvid]) {
      expect(verifyX509Svid(svid.certificates, ca.x509Bundle(), { time: clock.now() }).id.toString()).toBe(
        ID,
      );
    }
    for (const jwt of [oldJwt, newJwt]) {
      expect(
        JwtSvid.parseAndValidate(jwt.token, ca.jwtBundle(), 'a', { time: clock.now() }).id.toString(),
      ).toBe(ID);
    }

    // Stage 3: the old JWT key goes when its last token (issued at 00:00, 5 min) has expired.
    clock.advance(4 * MINUTE); // 00:05:00, the expiry instant itself
    expect(view(ca, names).jwt).toEqual(['#1', '#3']);
    clock.advance(1);
    expect(view(ca, names)).toEqual({ seq: 3, x509: ['#0', '#2'], jwt: ['#3'] });

    // Stage 4: the old root goes when its last leaf (notAfter 01:00:00) has expired.
    clock.set(new Date('2030-01-01T01:00:00Z'));
    expect(view(ca, names).x509).toEqual(['#0', '#2']);
    clock.advance(1);
    expect(view(ca, names)).toEqual({ seq: 4, x509: ['#2'], jwt: ['#3'] });

    // Each change was seen once, in order, by the listener (a fake agent pushes on these).
    expect(events).toEqual([
      { seq: 2, x509: ['#0', '#2'], jwt: ['#1', '#3'] },
      { seq: 3, x509: ['#0', '#2'], jwt: ['#3'] },
      { seq: 4, x509: ['#2'], jwt: ['#3'] },
    ]);
  });

  it('rotate() without prepare publishes and switches in one change; unused authorities leave at once', () => {
    const clock = new ManualClock();
    const ca = new FakeCa({ trustDomain: TD, clock });
    const names = new Map<string, string>();
    const before = view(ca, names);
    let changes = 0;
    ca.onBundleChange(() => changes++);
    ca.rotate(); // nothing was signed by the first authority: it is dropped right away
    expect(changes).toBe(1);
    expect(view(ca, names)).toEqual({ seq: before.seq + 1, x509: ['#2'], jwt: ['#3'] });
  });

  it('an explicit notAfter keeps the old root as long as that leaf is valid', () => {
    const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
    const ca = new FakeCa({ trustDomain: TD, clock });
    const oldRoot = ca.certificate;
    ca.issueX509Svid({ id: ID, notAfter: new Date(clock.now().getTime() + 3 * HOUR) });
    ca.rotate();
    clock.advance(3 * HOUR);
    expect(ca.rootCertificates()).toContain(oldRoot);
    clock.advance(1000);
    expect(ca.rootCertificates()).not.toContain(oldRoot);
  });

  it('tokens with exp removed do not hold a key back', () => {
    const clock = new ManualClock();
    const ca = new FakeCa({ trustDomain: TD, clock });
    const { kid } = ca.issueJwtSvid({ id: ID, audience: 'a', claims: { exp: undefined } });
    ca.rotate();
    expect(ca.jwtAuthorities().has(kid!)).toBe(false);
  });

  it('every family in use rotates; the new keys are published before they sign', () => {
    const clock = new ManualClock();
    const ca = new FakeCa({ trustDomain: TD, clock });
    const es384 = ca.issueJwtSvid({ id: ID, audience: 'a', alg: 'ES384' });
    ca.prepareRotation();
    expect(ca.jwtAuthorities().size).toBe(4);
    const published = new Set(ca.jwtAuthorities().keys());
    ca.rotate();
    const next = ca.issueJwtSvid({ id: ID, audience: 'a', alg: 'ES384' });
    expect(next.kid).not.toBe(es384.kid);
    expect(published.has(next.kid!)).toBe(true);
  });

  it('drops due authorities on read even when the clock has not run the timer', () => {
    // A clock whose timers never fire, as with a real clock between timer ticks.
    let now = Date.parse('2030-01-01T00:00:00Z');
    const timers: ClockTimer[] = [];
    const lazy: Clock = {
      now: () => new Date(now),
      setTimeout: (_callback, delayMs) => {
        const timer = { dueAt: new Date(now + delayMs) };
        timers.push(timer);
        return timer;
      },
      clearTimeout: () => {},
    };
    const ca = new FakeCa({ trustDomain: TD, clock: lazy });
    const oldRoot = ca.certificate;
    const svid = ca.issueX509Svid({ id: ID });
    ca.rotate();
    expect(timers.map((t) => t.dueAt.getTime())).toContain(svid.expiresAt.getTime() + 1);
    expect(ca.rootCertificates()).toHaveLength(2);
    now = svid.expiresAt.getTime() + 1;
    expect(ca.rootCertificates()).toEqual([ca.certificate]);
    expect(ca.rootCertificates()).not.toContain(oldRoot);
    // 2: rotate (new authority in, unused old JWT key out at once); 3: the old root out.
    expect(ca.sequenceNumber).toBe(3n);
  });
});

describe('FakeCa.rotate with intermediates', () => {
  it('the root stays while an intermediate it signed is valid; the intermediate re-issues from the new root', () => {
    const clock = new ManualClock();
    const root = new FakeCa({ trustDomain: TD, clock });
    const intermediate = root.intermediate({ ttl: 2 * HOUR });
    const oldRoot = root.certificate;
    root.rotate();
    expect(root.rootCertificates()).toEqual([oldRoot, root.certificate]);
    // Leaves of the un-rotated intermediate still chain to the old root.
    const before = intermediate.issueX509Svid({ id: ID });
    expect(
      verifyX509Svid(before.certificates, root.x509Bundle(), { time: clock.now() }).chains[0]!.at(-1),
    ).toBe(oldRoot);

    const sequence = root.sequenceNumber;
    const oldIntermediate = intermediate.certificate;
    intermediate.rotate();
    expect(intermediate.certificate).not.toBe(oldIntermediate);
    expect(intermediate.certificate.checkIssued(root.certificate)).toBe(true);
    expect(root.sequenceNumber).toBe(sequence + 1n); // only its JWT key changed in the bundle
    const after = intermediate.issueX509Svid({ id: ID });
    expect(after.certificates[1]).toBe(intermediate.certificate);
    expect(
      verifyX509Svid(after.certificates, root.x509Bundle(), { time: clock.now() }).chains[0]!.at(-1),
    ).toBe(root.certificate);

    clock.advance(2 * HOUR + 1000); // past the old intermediate's notAfter
    expect(root.rootCertificates()).toEqual([root.certificate]);
  });
});
