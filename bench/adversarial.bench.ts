/**
 * Hostile chains (issue #13) against the legitimate verification of bench/fixtures.ts: the ratio
 * is (hostile refusals/s) ÷ (legitimate verifications/s), so 0.02 means one hostile chain costs
 * as much as 50 legitimate ones. Each hostile case cycles through more distinct chains than the
 * SDK's caches hold (256 issuer keys, 1,024 remembered CA signatures), so it measures the
 * uncached worst case an attacker minting fresh chains gets.
 */
import { parseAndVerifyX509Svid, SvidError } from '../src/svid/index.js';
import { createCertificate } from '../src/testing/index.js';
import { hugeExponentRing, validRing } from '../test/svid/hostile-chains.js';
import { x509Bundles, x509Verify } from './fixtures.js';
import type { Benchmark, BenchFn } from './harness.js';

const ID = 'spiffe://example.org/ns/prod/sa/api';

/** Cycles through `chains`; every call must be refused with one of `codes`. */
function refusing(name: string, chains: Uint8Array[][], codes: readonly string[]): BenchFn {
  let next = 0;
  return {
    name,
    fn: () => {
      const chain = chains[(next = (next + 1) % chains.length)]!;
      try {
        parseAndVerifyX509Svid(chain, x509Bundles);
      } catch (error) {
        if (error instanceof SvidError && codes.includes(error.code)) return error.code;
        throw error;
      }
      throw new Error(`${name}: a hostile chain verified`);
    },
  };
}

/** `count` chains made by `make` (called in a benchmark's setup: key generation takes seconds). */
function lazyChains(count: number, make: () => Uint8Array[]): Uint8Array[][] {
  const chains: Uint8Array[][] = [];
  for (let i = 0; i < count; i++) chains.push(make());
  return chains;
}

/** Leaf + 9 look-alike CAs (same subject, no key ids), each with its own P-521 key: every candidate costs an import and a slow check. */
function p521LookAlikes(): Uint8Array[] {
  const cas = Array.from({ length: 9 }, () =>
    createCertificate({
      keyType: 'ec-p521',
      subject: 'O=Ring',
      basicConstraints: { ca: true },
      subjectKeyId: false,
      authorityKeyId: false,
    }),
  );
  const signer = createCertificate({ keyType: 'ec-p521', subject: 'O=Ring', basicConstraints: { ca: true } });
  const leaf = createCertificate({
    issuer: { certificate: signer.certificate, privateKey: signer.keyPair.privateKey },
    uris: [ID],
    authorityKeyId: false,
  });
  return [leaf.der, ...cas.map((c) => c.der)];
}

const cases: { name: string; make: () => Uint8Array[][]; codes: string[] }[] = [
  {
    name: 'huge-exponent RSA-3072 CA ring without key ids (leaf + 9)',
    make: () =>
      lazyChains(4, () => {
        const { leaf, ring } = hugeExponentRing(ID, 9);
        return [leaf.der, ...ring.map((c) => c.der)];
      }),
    codes: ['unsupported_key'],
  },
  {
    name: 'P-256 CA ring, every pair links with a valid signature (leaf + 9), 160 distinct rings',
    make: () =>
      lazyChains(160, () => {
        const { leaf, ring } = validRing(ID, 9);
        return [leaf.der, ...ring.map((c) => c.der)];
      }),
    codes: ['untrusted_chain'],
  },
  {
    name: 'P-521 look-alike CAs with distinct keys (leaf + 9), 32 distinct chains',
    make: () => lazyChains(32, p521LookAlikes),
    codes: ['untrusted_chain'],
  },
];

export const benchmarks: Benchmark[] = cases.map((c) => {
  let chains: Uint8Array[][] = [];
  const subject = refusing(`refuse: ${c.name}`, [], c.codes);
  return {
    name: `adversarial: ${c.name}`,
    subject: {
      name: subject.name,
      fn: () => subject.fn(),
    },
    baseline: x509Verify,
    target: {
      ratio: 0.015,
      description: 'a hostile chain costs at most ≈65 legitimate verifications (the 100-unit budget, ≈6 ms)',
    },
    setup: async () => {
      chains = c.make();
      Object.assign(subject, refusing(subject.name, chains, c.codes));
    },
  };
});
