// Fuzzing: whatever the bytes, readCertificateInfo returns a result or throws CertificateParseError,
// never another exception and never a hang. Mutants the reader accepts and OpenSSL also parses
// must give the same basic constraints / EKU / URI SANs through node:crypto.
import * as crypto from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CertificateParseError } from '../../../src/internal/x509/errors.js';
import { readCertificateInfo } from '../../../src/internal/x509/read-certificate.js';
import type { CertificateInfo } from '../../../src/internal/x509/types.js';
import {
  authorityKeyId,
  basicConstraints,
  buildCertificate,
  CLIENT_AUTH,
  concat,
  derLength,
  editTbs,
  ext,
  extKeyUsage,
  haveVectors,
  KU,
  keyUsage,
  name,
  pemCertificates,
  SERVER_AUTH,
  subjectAltName,
  subjectKeyId,
  svidLeaf,
  tlv,
  vectorsDir,
  x,
} from './support.js';
import { checkAgainstNode } from './expect.js';

/** Runs the reader; any exception other than CertificateParseError fails the property. */
function readOrReject(der: Uint8Array): CertificateInfo | undefined {
  try {
    return readCertificateInfo(der);
  } catch (e) {
    if (!(e instanceof CertificateParseError)) throw new Error(`unexpected ${String(e)}`, { cause: e });
    expect(e.code).toBe('malformed_certificate');
    return undefined;
  }
}

const seeds: Uint8Array[] = [
  svidLeaf(),
  buildCertificate({
    subject: name(['2.5.4.6', 'US'], ['2.5.4.10', 'SPIFFE']),
    extensions: [
      basicConstraints(true, 2),
      keyUsage(KU.keyCertSign | KU.cRLSign | KU.decipherOnly),
      subjectKeyId(new Uint8Array(20).fill(7)),
      authorityKeyId(new Uint8Array(20).fill(8)),
      ext(
        x.id_ce_nameConstraints,
        true,
        new x.NameConstraints({
          permittedSubtrees: new x.GeneralSubtrees([
            new x.GeneralSubtree({ base: new x.GeneralName({ uniformResourceIdentifier: '.example.org' }) }),
            new x.GeneralSubtree({ base: new x.GeneralName({ iPAddress: '10.0.0.0/8' }) }),
          ]),
          excludedSubtrees: new x.GeneralSubtrees([
            new x.GeneralSubtree({ base: new x.GeneralName({ dNSName: 'evil.example' }) }),
          ]),
        }),
      ),
    ],
  }),
  buildCertificate({
    extensions: [
      extKeyUsage([SERVER_AUTH, CLIENT_AUTH], true),
      subjectAltName([
        { uniformResourceIdentifier: 'spiffe://example.org/a' },
        { dNSName: 'a.example.org' },
        { iPAddress: '2001:db8::1' },
        { rfc822Name: 'a@example.org' },
        { registeredID: '1.2.3.4' },
      ]),
    ],
  }),
  buildCertificate({ version: null }),
];
if (haveVectors) {
  const dir = join(vectorsDir, 'svid_x509svid');
  for (const file of readdirSync(dir).sort()) {
    if (!file.startsWith('corrupt')) seeds.push(...pemCertificates(readFileSync(join(dir, file), 'utf8')));
  }
}

type Mutation = {
  kind: 'xor' | 'set' | 'inc' | 'dec' | 'insert' | 'delete' | 'truncate';
  at: number;
  byte: number;
};

const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('xor', 'set', 'inc', 'dec', 'insert', 'delete', 'truncate'),
  at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  byte: fc.integer({ min: 1, max: 255 }),
});

/** Applies byte flips, overwrites, length bumps (inc/dec), insertions, deletions and truncation. */
function mutate(seed: Uint8Array, mutations: Mutation[]): Uint8Array {
  let b: Uint8Array = Uint8Array.from(seed);
  for (const m of mutations) {
    const i = Math.floor(m.at * b.length);
    if (b.length === 0) break;
    switch (m.kind) {
      case 'xor':
        b[i] = (b[i] as number) ^ m.byte;
        break;
      case 'set':
        b[i] = m.byte;
        break;
      case 'inc':
        b[i] = ((b[i] as number) + 1) & 0xff;
        break;
      case 'dec':
        b[i] = ((b[i] as number) - 1) & 0xff;
        break;
      case 'insert':
        b = concat(b.subarray(0, i), [m.byte], b.subarray(i));
        break;
      case 'delete':
        b = concat(b.subarray(0, i), b.subarray(i + 1));
        break;
      case 'truncate':
        b = b.subarray(0, i);
        break;
    }
  }
  return b;
}

/** When both the reader and OpenSSL accept a mutant, they must agree on what node:crypto shows. */
function agreeWithNode(der: Uint8Array, info: CertificateInfo): void {
  try {
    new crypto.X509Certificate(der);
  } catch {
    return; // OpenSSL refuses what the reader accepted: the SDK's callers parse with both
  }
  checkAgainstNode(der, info);
}

describe('fuzz: readCertificateInfo never throws anything but CertificateParseError', () => {
  it('on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), (bytes) => {
        readOrReject(bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it('on random bytes inside a well-formed outer SEQUENCE', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), (body) => {
        readOrReject(concat([0x30], derLength(body.length), body));
      }),
      { numRuns: 3000 },
    );
  });

  it(`on mutations of ${seeds.length} valid certificates (flips, length changes, insertions, truncation)`, () => {
    for (const seed of seeds) expect(readOrReject(seed)).toBeDefined();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (s, mutations) => {
          const der = mutate(seeds[s] as Uint8Array, mutations);
          const info = readOrReject(der);
          if (info) agreeWithNode(der, info);
        },
      ),
      { numRuns: 4000 },
    );
  });

  it('on huge declared lengths and deep nesting, without hanging', () => {
    expect(readOrReject(Uint8Array.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x30, 0x00]))).toBeUndefined();
    let deep: Uint8Array = Uint8Array.from([0x05, 0x00]);
    for (let i = 0; i < 2000; i++) deep = concat([0x30], derLength(deep.length), deep);
    expect(readOrReject(deep)).toBeUndefined();
    // 100k distinct unknown extensions (1 MB): duplicate detection must not be quadratic
    const many: Uint8Array[] = [];
    for (let i = 0; i < 100_000; i++) {
      const arc = [0x80 | ((i >> 14) + 1), 0x80 | ((i >> 7) & 0x7f), i & 0x7f];
      many.push(Uint8Array.from([0x30, 0x08, 0x06, 0x04, 0x2a, ...arc, 0x04, 0x00]));
    }
    const big = editTbs(svidLeaf(), (tbs) => [
      ...tbs.slice(0, -1),
      tlv(0xa3, tlv(0x30, Buffer.concat(many))),
    ]);
    expect(readOrReject(big)?.extensions.length).toBe(100_000);
  });
});
