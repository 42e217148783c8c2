import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeCa } from '../../src/testing/index.js';
import { runCli } from './cli.js';
import { run, runJson } from './in-process.js';

const dir = mkdtempSync(join(tmpdir(), 'spiffe-inspect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(content: string | Uint8Array, name = `f${++n}.pem`): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const ca = new FakeCa({ trustDomain: 'example.org' });
const other = new FakeCa({ trustDomain: 'other.org' });
const ID = 'spiffe://example.org/workload';
type Finding = { rule: string; level: string; code?: string; where: string; message: string };
const rules = (findings: Finding[]) => findings.filter((f) => f.level === 'error').map((f) => f.rule);

describe('spiffe inspect: X.509', () => {
  it('a valid X509-SVID chain with an intermediate and its key: exit 0, no violations, key never shown', async () => {
    const inter = ca.intermediate();
    const svid = inter.issueX509Svid({ id: ID });
    const r = await run(['inspect', file(svid.certificatesPem + svid.privateKeyPem)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/X509-SVID chain \(2 certificates, leaf first\) and a key/);
    expect(r.stdout).toContain(`SPIFFE ID  ${ID}`);
    expect(r.stdout).toMatch(/\[2\] CA/);
    expect(r.stdout).toContain('PRIVATE KEY  private key EC P-256, belongs to the leaf (not shown)');
    expect(r.stdout).toContain('No SPIFFE rule violations found.');
    expect(r.stdout).not.toContain('BEGIN PRIVATE KEY');
  });

  it('lists EVERY rule a broken leaf breaks, not just the first: X-19, X-15, X-10, X-12, X-16, X-13 (exit 4; subprocess, stdin)', async () => {
    const bad = ca.issueX509Svid({
      id: ID,
      uris: [ID, 'spiffe://example.org/second'],
      basicConstraints: { ca: true },
      keyUsage: { usages: ['keyEncipherment', 'keyCertSign'], critical: false },
      extKeyUsage: { usages: ['serverAuth'] },
    });
    const r = await runCli(['inspect', '-', '--json'], { input: bad.certificatesPem });
    expect(r.code).toBe(4);
    const report = JSON.parse(r.stdout);
    expect(report.kind).toBe('x509-svid');
    expect(report.valid).toBe(false);
    expect(rules(report.findings)).toEqual([
      'X-1, X-2, X-19',
      'X-8, X-15',
      'X-10',
      'X-12',
      'X-12, X-16',
      'X-13',
    ]);
    const human = await run(['inspect', file(bad.certificatesPem)]);
    expect(human.code).toBe(4);
    expect(human.stdout).toMatch(/SPIFFE rule violations \(6\):/);
    expect(human.stdout).toMatch(/✗ X-8, X-15 +certificate 1 \(leaf\): has cA=true/);
  });

  it('X-4 and X-3/X-18 together: an empty subject with a non-critical SAN, and a root path', async () => {
    const bad = ca.issueX509Svid({ id: 'spiffe://example.org', subject: '', sanCritical: false });
    const { code, json } = await runJson(['inspect', file(bad.certificatesPem)]);
    expect(code).toBe(4);
    expect(rules(json.findings)).toEqual(['X-3, X-18', 'X-4']);
  });

  it('signing certificates: X-5/X-8 (no cA), X-5/X-11 (no keyCertSign), X-6 (ID with a path), and a chain that does not link (X-14)', async () => {
    const noCa = ca.intermediate({
      basicConstraints: null,
      keyUsage: { usages: ['cRLSign'] },
      uris: ['spiffe://example.org/ca'],
    });
    const svid = noCa.issueX509Svid({ id: ID });
    const { code, json } = await runJson(['inspect', file(svid.certificatesPem)]);
    expect(code).toBe(4);
    expect(rules(json.findings)).toEqual(['X-5, X-8', 'X-5, X-11', 'X-6']);
    const unlinked =
      ca.issueX509Svid({ id: ID }).certificatesPem + other.intermediate().certificate.toString();
    const r = await runJson(['inspect', file(unlinked)]);
    expect(r.json.findings).toContainEqual(
      expect.objectContaining({ rule: 'X-14', where: 'certificate 2', code: 'untrusted_chain' }),
    );
  });

  it('X-14: an expired leaf and an unknown critical extension', async () => {
    const now = Date.now();
    const bad = ca.issueX509Svid({
      id: ID,
      notBefore: new Date(now - 7200_000),
      notAfter: new Date(now - 3600_000),
      extensions: [{ oid: '1.2.3.4.5', critical: true, value: new Uint8Array([5, 0]) }],
    });
    const { json } = await runJson(['inspect', file(bad.certificatesPem)]);
    expect(json.findings.map((f: Finding) => f.code)).toEqual([
      'unknown_critical_extension',
      'certificate_expired',
    ]);
  });

  it('a key that is not the leaf’s: key_mismatch; a SEC1 key: a PKCS#8 warning', async () => {
    const svid = ca.issueX509Svid({ id: ID, mismatchedPrivateKey: true });
    const { code, json } = await runJson(['inspect', file(svid.certificatesPem + svid.privateKeyPem)]);
    expect(code).toBe(4);
    expect(json.findings).toContainEqual(expect.objectContaining({ code: 'key_mismatch', level: 'error' }));
    expect(json.keys).toEqual([
      { label: 'PRIVATE KEY', kind: 'private', keyType: 'EC P-256', matchesLeaf: false },
    ]);
    const sec1 = svid.privateKey.export({ type: 'sec1', format: 'pem' }) as string;
    const r = await runJson(['inspect', file(sec1)]);
    expect(r.code).toBe(0);
    expect(r.json.kind).toBe('keys');
    expect(r.json.findings).toEqual([expect.objectContaining({ rule: 'PKCS#8', level: 'warning' })]);
  });

  it('a bundle.pem of CA certificates is read as a trust bundle (X-5, X-11 rules), not as a broken leaf', async () => {
    const { code, json } = await runJson([
      'inspect',
      file(ca.x509Bundle().marshal() + other.x509Bundle().marshal()),
    ]);
    expect(code).toBe(0);
    expect(json.kind).toBe('x509-bundle');
    expect(json.certificates).toHaveLength(2);
    const badRoot = new FakeCa({ trustDomain: 'bad.org', keyUsage: { usages: ['cRLSign'] } });
    const r = await runJson(['inspect', file(badRoot.x509Bundle().marshal())]);
    expect(r.code).toBe(4);
    expect(rules(r.json.findings)).toEqual(['X-5, X-11']);
  });

  it('DER input (one certificate) is read too', async () => {
    const svid = ca.issueX509Svid({ id: ID });
    const { code, json } = await runJson(['inspect', file(svid.certificates[0]!.raw, 'leaf.der')]);
    expect(code).toBe(0);
    expect(json).toMatchObject({ kind: 'x509-svid', spiffeId: ID });
  });

  it('--bundle verifies the chain against the leaf trust domain’s bundle: X-14 untrusted_chain for a foreign CA', async () => {
    const svid = ca.issueX509Svid({ id: ID });
    const good = await run([
      'inspect',
      file(svid.certificatesPem),
      '--bundle',
      file(ca.x509Bundle().marshal()),
    ]);
    expect(good.code).toBe(0);
    const bad = await runJson([
      'inspect',
      file(svid.certificatesPem),
      '--bundle',
      file(other.spiffeBundle().marshal()),
    ]);
    expect(bad.code).toBe(4);
    expect(bad.json.findings).toContainEqual(
      expect.objectContaining({ code: 'untrusted_chain', where: 'chain' }),
    );
  });

  it('a truncated PEM file is an error finding', async () => {
    const pem = ca.issueX509Svid({ id: ID }).certificatesPem;
    const { code, json } = await runJson(['inspect', file(pem + pem.slice(0, 80))]);
    expect(code).toBe(4);
    expect(json.findings).toContainEqual(expect.objectContaining({ rule: 'PEM', code: 'invalid_pem' }));
  });
});

describe('spiffe inspect: JWT-SVID', () => {
  it('a valid token: header and claims, never the token; exit 0', async () => {
    const { token } = ca.issueJwtSvid({ id: ID, audience: 'spiffe://example.org/db' });
    const r = await run(['inspect', file(token)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('JWT-SVID (compact JWS; the token itself is not shown)');
    expect(r.stdout).toMatch(/sub +spiffe:\/\/example\.org\/workload/);
    expect(r.stdout).toMatch(/exp +\S+Z \(in 4m \d+s\)/);
    expect(r.stdout).not.toContain(token.split('.')[2]);
  });

  it('lists every broken rule: J-3/J-4 (alg), J-6 (typ), J-7 (sub), J-8/J-9 (aud), J-12 (exp)', async () => {
    const { token } = ca.issueJwtSvid({
      id: ID,
      audience: 'x',
      alg: 'HS256',
      header: { typ: 'wit+jwt' },
      claims: { sub: 'https://example.org/x', aud: undefined, exp: undefined },
    });
    const { code, json } = await runJson(['inspect', file(token)]);
    expect(code).toBe(4);
    expect(json.kind).toBe('jwt-svid');
    expect(rules(json.findings)).toEqual([
      'J-3, J-4',
      'J-6',
      expect.stringMatching(/^J-7/),
      'J-8, J-9',
      'J-12',
    ]);
  });

  it('J-12: an expired token; J-11: several audiences and A-4: no kid are warnings', async () => {
    const { token } = ca.issueJwtSvid({
      id: ID,
      audience: ['a', 'b'],
      kid: null,
      claims: { exp: 1_000_000 },
    });
    const { code, json } = await runJson(['inspect', file(token)]);
    expect(code).toBe(4);
    expect(json.findings.map((f: Finding) => `${f.level}:${f.rule}`)).toEqual([
      'warning:J-5, A-4',
      'warning:J-11',
      'error:J-12',
    ]);
  });

  it('J-1: a JWE (5 parts) is not a JWT-SVID', async () => {
    const { json } = await runJson(['inspect', file('eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d')]);
    expect(json.findings).toEqual([expect.objectContaining({ rule: 'J-1', code: 'malformed_token' })]);
  });

  it('--bundle checks the signature with the bundle of sub’s trust domain (J-17)', async () => {
    const { token } = ca.issueJwtSvid({ id: ID, audience: 'api' });
    expect((await run(['inspect', file(token), '--bundle', file(ca.spiffeBundle().marshal())])).code).toBe(0);
    const forged = ca.issueJwtSvid({ id: ID, audience: 'api', invalidSignature: true }).token;
    const r = await runJson(['inspect', file(forged), '--bundle', file(ca.spiffeBundle().marshal())]);
    expect(r.code).toBe(4);
    expect(r.json.findings).toContainEqual(expect.objectContaining({ code: 'invalid_signature' }));
  });
});

describe('spiffe inspect: bundles', () => {
  it('a SPIFFE bundle: trust domain (from the CA URI), sequence, refresh hint, authorities; exit 0', async () => {
    const r = await run(['inspect', file(ca.spiffeBundle().marshal(), 'bundle.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('trust domain example.org');
    expect(r.stdout).toMatch(/spiffe_sequence \d+ +spiffe_refresh_hint 300s/);
    expect(r.stdout).toMatch(
      /X\.509 authorities \(1\)[\s\S]*JWT authorities \(\d+\)\n {4}kid \S+ {2}EC P-256/,
    );
  });

  it('lists every rule a broken bundle breaks: X-20 (kid on an X.509 key), J-15 (no kid), B-10 (no use), B-3 (no sequence)', async () => {
    const doc = JSON.parse(ca.spiffeBundle().marshal());
    delete doc.spiffe_sequence;
    const x509 = doc.keys.find((k: { use: string }) => k.use === 'x509-svid');
    const jwt = doc.keys.find((k: { use: string }) => k.use === 'jwt-svid');
    x509.kid = 'should-not-be-here';
    const noUse = { ...jwt, kid: 'other' };
    delete noUse.use;
    delete jwt.kid;
    doc.keys.push(noUse);
    const { code, json } = await runJson(['inspect', file(JSON.stringify(doc), 'broken.json')]);
    expect(code).toBe(4);
    expect(json.findings.map((f: Finding) => `${f.level}:${f.rule}`)).toEqual([
      'warning:B-3',
      'error:X-20',
      'error:J-15',
      'error:B-10',
    ]);
  });

  it('a bundle map: every trust domain; a repeated trust domain is B-13', async () => {
    const a = ca.spiffeBundle().marshal();
    const b = other.spiffeBundle().marshal();
    const ok = await runJson([
      'inspect',
      file(`{"trust_domains":{"example.org":${a},"other.org":${b}}}`, 'map.json'),
    ]);
    expect(ok.json.kind).toBe('bundle-map');
    expect(ok.json.bundles.map((x: { trustDomain: string }) => x.trustDomain)).toEqual([
      'example.org',
      'other.org',
    ]);
    const dup = await runJson([
      'inspect',
      file(`{"trust_domains":{"example.org":${a},"example.org":${a}}}`, 'dup.json'),
    ]);
    expect(dup.code).toBe(4);
    expect(dup.json.findings).toEqual([
      expect.objectContaining({ rule: 'B-13', code: 'duplicate_trust_domain' }),
    ]);
  });

  it('B-5: a single JWK is not a bundle', async () => {
    const jwk = JSON.parse(ca.spiffeBundle().marshal()).keys[0];
    const { code, json } = await runJson(['inspect', file(JSON.stringify(jwk), 'jwk.json')]);
    expect(code).toBe(4);
    expect(json.findings[0]).toMatchObject({ rule: 'B-5' });
  });
});

describe('spiffe inspect: bad input', () => {
  it('a file that is none of these: exit 4 and what inspect takes', async () => {
    const r = await run(['inspect', file('hello world\n', 'notes.txt')]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(
      /is not a PEM certificate or key, a DER certificate, a JWT-SVID, or a SPIFFE bundle/,
    );
    expect(r.stderr).toContain('hint:');
  });

  it('a file that does not exist: exit 1, "no such file" (subprocess)', async () => {
    const r = await runCli(['inspect', join(dir, 'missing.pem')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot read ".*missing\.pem": no such file/);
  });
});
