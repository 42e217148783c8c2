// How the client checks FetchX509SVID messages (W-4..W-15, A-12, A-13, A-19, F-5, and the
// defence-in-depth checks beyond go-spiffe), fed hand-built messages through a scripted transport.
import { beforeAll, describe, expect, it } from 'vitest';
import { FakeCa } from '../../src/testing/index.js';
import { WorkloadApiClient, WorkloadApiError, type X509Context } from '../../src/workloadapi/index.js';
import type { X509SVID } from '../../src/workloadapi/proto/workload.js';
import { FAST, Inbox, ScriptedTransport, der, recordingLogger, svidEntry, x509Response } from './helpers.js';

const ID = 'spiffe://example.org/api';
let ca: FakeCa;
let other: FakeCa;
let federated: FakeCa;

beforeAll(() => {
  ca = new FakeCa({ trustDomain: 'example.org' });
  other = new FakeCa({ trustDomain: 'example.org' }); // same trust domain, another key
  federated = new FakeCa({ trustDomain: 'federated.org' });
});

/** Fetches the context of one message; returns it with what the logger got. */
async function fetchOne(message: ReturnType<typeof x509Response>) {
  const transport = new ScriptedTransport();
  transport.x509.script = (s) => s.push(message);
  const logger = recordingLogger();
  const client = new WorkloadApiClient({ transport, logger, backoff: FAST });
  try {
    return {
      context: await client.fetchX509Context(),
      warnings: logger.lines.filter((l) => l.level === 'warn'),
    };
  } finally {
    client.close();
  }
}

async function rejects(message: ReturnType<typeof x509Response>): Promise<WorkloadApiError> {
  const err = await fetchOne(message).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkloadApiError);
  expect((err as WorkloadApiError).code).toBe('invalid_response');
  return err as WorkloadApiError;
}

describe('FetchX509SVID response: accepted messages', () => {
  it('W-27: the default SVID is the first; bundles hold the SVID trust domain (A-12)', async () => {
    const a = svidEntry(ca, { id: ID, hint: 'internal' });
    const b = svidEntry(ca, { id: 'spiffe://example.org/other', hint: 'external' });
    const { context } = await fetchOne(x509Response([a, b]));
    expect(context.svids.map((s) => s.id.toString())).toEqual([ID, 'spiffe://example.org/other']);
    expect(context.defaultSvid.id.toString()).toBe(ID);
    expect(context.svids.map((s) => s.hint)).toEqual(['internal', 'external']);
    expect(context.bundles.size).toBe(1);
    expect(context.bundles.get('example.org')?.x509Authorities()[0]?.raw).toEqual(
      ca.rootCertificates()[0]!.raw,
    );
  });

  it('A-12: federated bundle keys are accepted as "spiffe://td" and as "td"', async () => {
    const third = new FakeCa({ trustDomain: 'third.org' });
    const { context } = await fetchOne(
      x509Response([svidEntry(ca, { id: ID })], {
        'spiffe://federated.org': der(federated.rootCertificates()),
        'third.org': der(third.rootCertificates()),
      }),
    );
    expect(context.bundles.bundles().map((b) => b.trustDomain.name)).toEqual([
      'example.org',
      'federated.org',
      'third.org',
    ]);
  });

  it('A-12: one trust domain in both key forms with the same bundle is one bundle', async () => {
    const bytes = der(federated.rootCertificates());
    const { context } = await fetchOne(
      x509Response([svidEntry(ca, { id: ID })], { 'spiffe://federated.org': bytes, 'federated.org': bytes }),
    );
    expect(context.bundles.size).toBe(2);
  });

  it('A-13: an empty federated bundle is an empty bundle', async () => {
    const { context } = await fetchOne(
      x509Response([svidEntry(ca, { id: ID })], { 'federated.org': new Uint8Array() }),
    );
    expect(context.bundles.get('federated.org')?.isEmpty()).toBe(true);
  });

  it('W-12, F-5: the SVID is verified with its own trust domain bundle, never a federated one', async () => {
    // The SVID is signed by `other`; `other`'s root is only offered as another trust domain's bundle.
    const entry = svidEntry(other, { id: ID, bundleFrom: ca });
    const good = svidEntry(ca, { id: 'spiffe://example.org/good' });
    const { context, warnings } = await fetchOne(
      x509Response([entry, good], { 'federated.org': der(other.rootCertificates()) }),
    );
    expect(context.svids.map((s) => s.id.toString())).toEqual(['spiffe://example.org/good']);
    expect(warnings[0]?.message).toMatch(
      /X509-SVID 1 "spiffe:\/\/example.org\/api" discarded: it does not verify/,
    );
  });

  it('W-14, A-19: a later SVID repeating a non-empty hint is dropped; the first is kept', async () => {
    const a = svidEntry(ca, { id: ID, hint: 'same' });
    const b = svidEntry(ca, { id: 'spiffe://example.org/b', hint: 'same' });
    const c = svidEntry(ca, { id: 'spiffe://example.org/c' });
    const d = svidEntry(ca, { id: 'spiffe://example.org/d' });
    const { context, warnings } = await fetchOne(x509Response([a, b, c, d]));
    expect(context.svids.map((s) => s.id.path)).toEqual(['/api', '/c', '/d']);
    expect(warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(/hint "same" repeats an earlier SVID's \(W-14/),
    ]);
  });

  it('ignores crl (go-spiffe parity)', async () => {
    const message = x509Response([svidEntry(ca, { id: ID })]);
    message.crl = [new Uint8Array([1, 2, 3])];
    const { context } = await fetchOne(message);
    expect(context.svids).toHaveLength(1);
  });

  it('an SVID with an intermediate CA in its chain verifies against the root bundle', async () => {
    const intermediate = ca.intermediate();
    const { context } = await fetchOne(x509Response([svidEntry(intermediate, { id: ID, bundleFrom: ca })]));
    expect(context.defaultSvid.certificates).toHaveLength(2);
  });
});

describe('FetchX509SVID response: discarded messages (W-10)', () => {
  it('W-13: a message without SVIDs', async () => {
    const err = await rejects(x509Response([]));
    expect(err.message).toMatch(/response discarded: it has no SVIDs \(W-13\)/);
  });

  it.each(['spiffeId', 'x509Svid', 'x509SvidKey', 'bundle'] as const)(
    'W-10, W-13: an SVID with an empty mandatory field %s',
    async (field) => {
      const entry = svidEntry(ca, { id: ID });
      const broken: X509SVID = { ...entry, [field]: field === 'spiffeId' ? '' : new Uint8Array() };
      const err = await rejects(x509Response([svidEntry(ca, { id: 'spiffe://example.org/ok' }), broken]));
      expect(err.message).toMatch(/SVID 2 has an empty mandatory field .* \(W-10, W-13\)/);
    },
  );

  it('A-13: a bundle that is not concatenated DER', async () => {
    const entry = { ...svidEntry(ca, { id: ID }), bundle: new Uint8Array([0x30, 0x03, 1]) };
    const err = await rejects(x509Response([entry]));
    expect(err.message).toMatch(/the bundle of X509-SVID 1 .* is malformed.*\(A-13\)/);
  });

  it('A-13: a federated bundle that is not concatenated DER', async () => {
    const err = await rejects(
      x509Response([svidEntry(ca, { id: ID })], { 'federated.org': new Uint8Array([7]) }),
    );
    expect(err.message).toMatch(/federated bundle of "federated.org" is malformed/);
  });

  it.each(['spiffe://federated.org/path', 'Federated.org', 'https://federated.org', ''])(
    'A-12: a federated_bundles key %j that is not a trust domain',
    async (key) => {
      const err = await rejects(
        x509Response([svidEntry(ca, { id: ID })], { [key]: der(federated.rootCertificates()) }),
      );
      expect(err.message).toMatch(/federated_bundles key .*\(A-12\)/);
    },
  );

  it('A-12, F-5: one trust domain in both key forms with different bundles', async () => {
    const err = await rejects(
      x509Response([svidEntry(ca, { id: ID })], {
        'spiffe://federated.org': der(federated.rootCertificates()),
        'federated.org': der(ca.rootCertificates()),
      }),
    );
    expect(err.message).toMatch(/lists trust domain "federated.org" twice with different bundles/);
  });

  it('F-5: federated_bundles giving the SVID trust domain another bundle', async () => {
    const err = await rejects(
      x509Response([svidEntry(ca, { id: ID })], { 'spiffe://example.org': der(other.rootCertificates()) }),
    );
    expect(err.message).toMatch(/gives trust domain "example.org" another bundle than its SVIDs \(F-5\)/);
  });

  it('F-5: two SVIDs of one trust domain with different bundles', async () => {
    const a = svidEntry(ca, { id: ID });
    const b = {
      ...svidEntry(ca, { id: 'spiffe://example.org/b' }),
      bundle: der([...ca.rootCertificates(), ...other.rootCertificates()]),
    };
    const err = await rejects(x509Response([a, b]));
    expect(err.message).toMatch(/SVIDs of trust domain "example.org" carry different bundles/);
  });

  it('every SVID dropped: the message is discarded, naming each reason', async () => {
    const err = await rejects(
      x509Response([
        svidEntry(other, { id: ID, bundleFrom: ca }),
        svidEntry(ca, { id: 'spiffe://example.org/x', basicConstraints: { ca: true } }),
      ]),
    );
    expect(err.message).toMatch(
      /every SVID was discarded: .*X509-SVID 1 .*does not verify.*; .*X509-SVID 2 /,
    );
  });
});

describe('FetchX509SVID response: SVIDs dropped by defence in depth (beyond go-spiffe)', () => {
  const good = (): X509SVID => svidEntry(ca, { id: 'spiffe://example.org/good' });

  async function dropped(entry: X509SVID): Promise<string> {
    const { context, warnings } = await fetchOne(x509Response([entry, good()]));
    expect(context.svids.map((s) => s.id.toString())).toEqual(['spiffe://example.org/good']);
    expect(context.defaultSvid.id.toString()).toBe('spiffe://example.org/good');
    expect(warnings).toHaveLength(1);
    return warnings[0]!.message;
  }

  it('X-14: a chain that does not verify against the bundle sent with it', async () => {
    expect(await dropped(svidEntry(other, { id: ID, bundleFrom: ca }))).toMatch(
      /does not verify against the bundle of "example.org"/,
    );
  });

  it('an expired SVID', async () => {
    const past = new Date(Date.now() - 60_000);
    const entry = svidEntry(ca, { id: ID, notBefore: new Date(Date.now() - 3_600_000), notAfter: past });
    expect(await dropped(entry)).toMatch(/does not verify.*expired/);
  });

  it('a not-yet-valid SVID', async () => {
    const entry = svidEntry(ca, {
      id: ID,
      notBefore: new Date(Date.now() + 3_600_000),
      notAfter: new Date(Date.now() + 7_200_000),
    });
    expect(await dropped(entry)).toMatch(/does not verify/);
  });

  it('X-15: a leaf with cA=true', async () => {
    expect(await dropped(svidEntry(ca, { id: ID, basicConstraints: { ca: true } }))).toMatch(
      /X509-SVID 1 .* discarded: /,
    );
  });

  it('X-19: a leaf with two URI SANs', async () => {
    expect(await dropped(svidEntry(ca, { id: ID, uris: [ID, 'spiffe://example.org/two'] }))).toMatch(
      /discarded/,
    );
  });

  it('a key that does not match the leaf', async () => {
    expect(await dropped(svidEntry(ca, { id: ID, mismatchedPrivateKey: true }))).toMatch(/discarded: .*key/i);
  });

  it('a spiffe_id field that differs from the certificate URI SAN', async () => {
    const entry = { ...svidEntry(ca, { id: ID }), spiffeId: 'spiffe://example.org/impostor' };
    expect(await dropped(entry)).toMatch(/URI SAN is "spiffe:\/\/example.org\/api", not the spiffe_id field/);
  });

  it('a spiffe_id field that is not a SPIFFE ID', async () => {
    const entry = { ...svidEntry(ca, { id: ID }), spiffeId: 'https://example.org/api' };
    expect(await dropped(entry)).toMatch(/spiffe_id is not a SPIFFE ID/);
  });

  it('checks validity with the client clock', async () => {
    // Valid now, but expired by the client's clock an hour and a half later.
    const transport = new ScriptedTransport();
    transport.x509.script = (s) => s.push(x509Response([svidEntry(ca, { id: ID })]));
    const later = new Date(Date.now() + 90 * 60_000);
    const client = new WorkloadApiClient({
      transport,
      clock: { now: () => later, setTimeout: () => 0, clearTimeout: () => {} },
    });
    await expect(client.fetchX509Context()).rejects.toMatchObject({
      code: 'invalid_response',
      message: expect.stringMatching(/expired/),
    });
    client.close();
  });
});

describe('FetchX509SVID watch: full-state replacement and discarded messages', () => {
  it('W-4, W-7, W-8: each message replaces the state; an absent federated bundle is dropped', async () => {
    const transport = new ScriptedTransport();
    const client = new WorkloadApiClient({ transport, backoff: FAST });
    const updates = new Inbox<X509Context>();
    const watch = client.watchX509Context({ onUpdate: updates.push });
    await transport.x509.opened(1);
    const stream = transport.x509.current;
    stream.push(
      x509Response([svidEntry(ca, { id: ID })], { 'federated.org': der(federated.rootCertificates()) }),
    );
    expect((await updates.take()).bundles.has('federated.org')).toBe(true);
    stream.push(x509Response([svidEntry(ca, { id: 'spiffe://example.org/new' })]));
    const second = await updates.take();
    expect(second.bundles.has('federated.org')).toBe(false);
    expect(second.svids.map((s) => s.id.path)).toEqual(['/new']);
    watch.close();
    client.close();
  });

  it('W-10: a discarded message is reported, the last good state stays, the stream goes on', async () => {
    const transport = new ScriptedTransport();
    const client = new WorkloadApiClient({ transport, backoff: FAST });
    const updates = new Inbox<X509Context>();
    const errors = new Inbox<WorkloadApiError>();
    const watch = client.watchX509Context({ onUpdate: updates.push, onError: errors.push });
    await transport.x509.opened(1);
    const stream = transport.x509.current;
    stream.push(x509Response([svidEntry(ca, { id: ID })]));
    const first = await updates.take();
    stream.push(x509Response([]));
    expect((await errors.take()).message).toMatch(/no SVIDs \(W-13\)/);
    stream.push(x509Response([svidEntry(ca, { id: 'spiffe://example.org/next' })]));
    expect((await updates.take()).defaultSvid.id.path).toBe('/next');
    expect(updates.all).toHaveLength(2);
    expect(first.defaultSvid.id.path).toBe('/api');
    expect(transport.x509.streams).toHaveLength(1);
    // The iterator starts with the newest accepted snapshot.
    const it = watch[Symbol.asyncIterator]();
    expect((await it.next()).value?.defaultSvid.id.path).toBe('/next');
    await it.return?.();
    await watch.stopped;
    client.close();
  });

  it('a partly bad message: each dropped SVID reaches onError before the update', async () => {
    const transport = new ScriptedTransport();
    const client = new WorkloadApiClient({ transport, backoff: FAST });
    const seen: string[] = [];
    const watch = client.watchX509Context({
      onUpdate: (ctx) => seen.push(`update ${ctx.svids.length}`),
      onError: (e) => seen.push(`error ${e.code}`),
    });
    await transport.x509.opened(1);
    transport.x509.current.push(
      x509Response([
        svidEntry(other, { id: ID, bundleFrom: ca }),
        svidEntry(ca, { id: 'spiffe://example.org/ok' }),
      ]),
    );
    for await (const ctx of watch) {
      expect(ctx.svids).toHaveLength(1);
      break;
    }
    expect(seen).toEqual(['error invalid_response', 'update 1']);
    client.close();
  });

  it('unchanged bundles are reused between messages, yet each snapshot owns its copies', async () => {
    const transport = new ScriptedTransport();
    const client = new WorkloadApiClient({ transport, backoff: FAST });
    const updates = new Inbox<X509Context>();
    const watch = client.watchX509Context({ onUpdate: updates.push });
    await transport.x509.opened(1);
    const fed = { 'federated.org': der(federated.rootCertificates()) };
    transport.x509.current.push(x509Response([svidEntry(ca, { id: ID })], fed));
    const first = await updates.take();
    // A caller changing its snapshot's bundles must not change the next snapshot.
    first.bundles.get('federated.org')!.setX509Authorities([]);
    first.bundles.get('example.org')!.setX509Authorities([]);
    transport.x509.current.push(x509Response([svidEntry(ca, { id: ID })], fed));
    const second = await updates.take();
    expect(second.bundles.get('federated.org')!.x509Authorities()).toHaveLength(1);
    expect(second.bundles.get('example.org')!.x509Authorities()).toHaveLength(1);
    // Changed bytes are parsed anew.
    const rotated = new FakeCa({ trustDomain: 'federated.org' });
    transport.x509.current.push(
      x509Response([svidEntry(ca, { id: ID })], { 'federated.org': der(rotated.rootCertificates()) }),
    );
    const third = await updates.take();
    expect(third.bundles.get('federated.org')!.x509Authorities()[0]!.fingerprint256).toBe(
      rotated.rootCertificates()[0]!.fingerprint256,
    );
    watch.close();
    client.close();
  });
});
