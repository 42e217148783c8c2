import * as crypto from 'node:crypto';
import * as px from '@peculiar/x509';
import { readCertificateInfo } from '../src/internal/x509/read-certificate.js';
import { name, svidLeaf } from '../test/internal/x509/support.js';
import type { Benchmark } from './harness.js';

// A SPIRE-like leaf of about 480 bytes: P-256, subject C=US, O=SPIRE, URI SAN, KU, EKU, basic
// constraints, SKID, AKID.
const leaf = svidLeaf('spiffe://example.org/ns/prod/sa/api', name(['2.5.4.6', 'US'], ['2.5.4.10', 'SPIRE']));

const readWithReader = () => {
  const info = readCertificateInfo(leaf);
  return [
    info.keyUsage?.digitalSignature,
    info.basicConstraints?.ca,
    info.extKeyUsage?.oids,
    info.subjectAltName?.uris,
  ];
};

/** What the reader replaces: a pure-JS ASN.1 parse plus decoding the same extensions. */
const readWithPeculiar = () => {
  const c = new px.X509Certificate(leaf);
  return [
    c.getExtension(px.KeyUsagesExtension)?.usages,
    c.getExtension(px.BasicConstraintsExtension)?.ca,
    c.getExtension(px.ExtendedKeyUsageExtension)?.usages,
    c.getExtension(px.SubjectAlternativeNameExtension)?.names.items.map((n) => n.value),
  ];
};

/**
 * The internal DER reader (src/internal/x509) against what it replaces (@peculiar/x509) and against
 * the node:crypto parse that every certificate goes through anyway.
 */
export const benchmarks: Benchmark[] = [
  {
    name: 'x509: read extensions of an SVID leaf',
    subject: { name: 'readCertificateInfo(der)', fn: readWithReader },
    baseline: { name: '@peculiar/x509 parse + KU/BC/EKU/SAN', fn: readWithPeculiar },
    target: { ratio: 50, description: 'read at least 50x as fast as @peculiar/x509' },
  },
  {
    name: 'x509: read extensions vs node:crypto parse',
    subject: { name: 'readCertificateInfo(der)', fn: readWithReader },
    baseline: { name: 'new crypto.X509Certificate(der)', fn: () => new crypto.X509Certificate(leaf) },
    target: { ratio: 10, description: 'cost under 10% of the node:crypto parse' },
  },
];
