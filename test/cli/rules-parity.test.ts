/**
 * `inspect` checks each X509-SVID rule on its own so that it can list them all; the SDK's parser
 * stops at the first. These tests keep the two in step: for every single defect FakeCa can mint,
 * the CLI's list holds the code the SDK reports (and nothing else at error level).
 */
import { describe, expect, it } from 'vitest';
import { SvidError, verifyX509Svid } from '../../src/svid/index.js';
import { FakeCa, type IssueX509SvidOptions } from '../../src/testing/index.js';
import { chainFindings } from '../../src/cli/x509-rules.js';

const ca = new FakeCa({ trustDomain: 'example.org' });
const ID = 'spiffe://example.org/workload';

const LEAF_DEFECTS: [string, Omit<IssueX509SvidOptions, 'id'> & { id?: string }][] = [
  ['X-2, X-19: two URI SANs', { uris: [ID, 'spiffe://example.org/other'] }],
  ['X-1: no URI SAN', { uris: [] }],
  ['X-17: not a SPIFFE ID', { uris: ['https://example.org/x'] }],
  ['X-17, ID-6: an upper-case trust domain', { uris: ['spiffe://Example.org/x'] }],
  ['X-3, X-18: root path', { id: 'spiffe://example.org' }],
  ['X-15: cA=true', { basicConstraints: { ca: true } }],
  ['X-16: keyCertSign', { keyUsage: { usages: ['digitalSignature', 'keyCertSign'] } }],
  ['X-16: cRLSign', { keyUsage: { usages: ['digitalSignature', 'cRLSign'] } }],
  ['X-12: no digitalSignature', { keyUsage: { usages: ['keyEncipherment'] } }],
  ['X-10: no key usage', { keyUsage: null }],
  ['X-10: non-critical key usage', { keyUsage: { usages: ['digitalSignature'], critical: false } }],
  ['X-13: EKU without clientAuth', { extKeyUsage: { usages: ['serverAuth'] } }],
  ['X-4: empty subject, non-critical SAN', { subject: '', sanCritical: false }],
];

describe('inspect rules agree with the SDK (X509Svid.parseRaw)', () => {
  it.each(LEAF_DEFECTS)('%s', (_name, options) => {
    const svid = ca.issueX509Svid({ id: ID, ...options });
    let code: string | undefined;
    try {
      svid.toX509Svid();
    } catch (error) {
      code = (error as SvidError).code;
    }
    expect(code, 'the SDK refuses it').toBeDefined();
    const errors = chainFindings(svid.certificates, new Date()).filter((f) => f.level === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(new Set(errors.map((f) => f.code))).toEqual(new Set([code]));
  });

  it.each([
    ['X-5, X-8: intermediate without cA', { basicConstraints: null }],
    ['X-11: intermediate without keyCertSign', { keyUsage: { usages: ['cRLSign' as const] } }],
    ['X-6: CA ID with a path', { uris: ['spiffe://example.org/ca'] }],
  ])('%s', (_name, options) => {
    const svid = ca.intermediate(options).issueX509Svid({ id: ID });
    let code: string | undefined;
    try {
      svid.toX509Svid();
    } catch (error) {
      code = (error as SvidError).code;
    }
    const errors = chainFindings(svid.certificates, new Date()).filter((f) => f.level === 'error');
    expect(new Set(errors.map((f) => f.code))).toEqual(new Set([code]));
  });

  it('X-14: an expired leaf and an unknown critical extension, as verifyX509Svid reports them', () => {
    const now = Date.now();
    for (const options of [
      { notBefore: new Date(now - 7200_000), notAfter: new Date(now - 3600_000) },
      { extensions: [{ oid: '1.2.3.4', critical: true, value: new Uint8Array([5, 0]) }] },
    ]) {
      const svid = ca.issueX509Svid({ id: ID, ...options });
      let code: string | undefined;
      try {
        verifyX509Svid(svid.certificates, ca.x509Bundle());
      } catch (error) {
        code = (error as SvidError).code;
      }
      const errors = chainFindings(svid.certificates, new Date()).filter((f) => f.level === 'error');
      expect(errors.map((f) => f.code)).toEqual([code]);
    }
  });

  it('a valid SVID has no error findings', () => {
    const svid = ca.intermediate().issueX509Svid({ id: ID });
    expect(chainFindings(svid.certificates, new Date())).toEqual([]);
  });
});
