import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCertificateInfo } from '../../../src/internal/x509/read-certificate.js';
import type { CertificateInfo } from '../../../src/internal/x509/types.js';
import {
  authorityKeyId,
  basicConstraints,
  buildCertificate,
  concat,
  ext,
  extKeyUsage,
  KU,
  keyUsage,
  oid,
  oidBytes,
  rawExtension,
  subjectAltName,
  tlv,
  withRawExtensions,
  x,
} from './support.js';
import { rejects } from './expect.js';

const read = (...extensions: x.Extension[]): CertificateInfo =>
  readCertificateInfo(buildCertificate({ extensions }));
/** A certificate with one extension `extnId` whose extnValue is `value` (raw bytes). */
const raw = (extnId: string, value: Uint8Array | number[], critical?: number): Uint8Array =>
  withRawExtensions(rawExtension(extnId, critical, Uint8Array.from(value)));

const BC = '2.5.29.19';
const KU_OID = '2.5.29.15';
const EKU = '2.5.29.37';
const SAN = '2.5.29.17';
const NC = '2.5.29.30';
const SKI = '2.5.29.14';
const AKI = '2.5.29.35';

describe('basicConstraints (2.5.29.19)', () => {
  it('X-8: reads cA=true with and without pathLenConstraint', () => {
    expect(read(basicConstraints(true)).basicConstraints).toEqual({
      critical: true,
      ca: true,
      pathLen: undefined,
    });
    expect(read(basicConstraints(true, 0)).basicConstraints).toEqual({
      critical: true,
      ca: true,
      pathLen: 0,
    });
    expect(read(basicConstraints(true, 7, false)).basicConstraints).toEqual({
      critical: false,
      ca: true,
      pathLen: 7,
    });
  });

  it('X-8: reads cA=false from an empty sequence (DEFAULT FALSE) and from an explicit FALSE', () => {
    expect(read(basicConstraints(false)).basicConstraints?.ca).toBe(false);
    expect(readCertificateInfo(raw(BC, tlv(0x30, [0x01, 0x01, 0x00]))).basicConstraints?.ca).toBe(false);
  });

  it('is undefined when absent', () => {
    expect(read(keyUsage(KU.digitalSignature)).basicConstraints).toBeUndefined();
  });

  it('reads a pathLenConstraint with cA=false (Go writes it, Go and OpenSSL accept it)', () => {
    const der = raw(BC, tlv(0x30, tlv(0x02, [0x00])));
    expect(readCertificateInfo(der).basicConstraints).toEqual({ critical: false, ca: false, pathLen: 0 });
  });

  it('reads the largest pathLenConstraint (2^31 - 1)', () => {
    const der = raw(BC, tlv(0x30, [0x01, 0x01, 0xff], tlv(0x02, [0x7f, 0xff, 0xff, 0xff])));
    expect(readCertificateInfo(der).basicConstraints?.pathLen).toBe(0x7fffffff);
  });

  it.each([
    ['a negative pathLenConstraint', tlv(0x30, [0x01, 0x01, 0xff], tlv(0x02, [0xff])), 'negative INTEGER'],
    ['pathLenConstraint 2^31', tlv(0x30, [0x01, 0x01, 0xff], tlv(0x02, [0x00, 0x80, 0, 0, 0])), '2^31 - 1'],
    ['a non-DER BOOLEAN', tlv(0x30, [0x01, 0x01, 0x01]), 'must be 0x00 or 0xFF'],
    ['a trailing element', tlv(0x30, [0x01, 0x01, 0xff], [0x05, 0x00]), 'unexpected trailing'],
    ['bytes after the SEQUENCE', concat(tlv(0x30), [0x00]), 'unexpected trailing'],
    ['no SEQUENCE', [0x01, 0x01, 0xff], 'expected tag 0x30'],
    ['an empty extnValue', [], 'missing element'],
  ])('rejects %s', (_label, value, fragment) => {
    rejects(raw(BC, value), fragment);
    rejects(raw(BC, value), 'basicConstraints extension (2.5.29.19)');
  });
});

describe('keyUsage (2.5.29.15)', () => {
  const names = [
    'digitalSignature',
    'nonRepudiation',
    'keyEncipherment',
    'dataEncipherment',
    'keyAgreement',
    'keyCertSign',
    'cRLSign',
    'encipherOnly',
    'decipherOnly',
  ] as const;

  it.each(names.map((n, bit) => [n, bit] as const))(
    'X-11/X-12: reads bit %s (%d) on its own',
    (flag, bit) => {
      const ku = read(keyUsage(1 << bit)).keyUsage;
      for (const n of names) expect(ku?.[n]).toBe(n === flag);
    },
  );

  it('reads any combination of bits (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0x1ff }), fc.boolean(), (flags, critical) => {
        const ku = read(keyUsage(flags, critical)).keyUsage;
        expect(ku?.critical).toBe(critical);
        names.forEach((n, bit) => expect(ku?.[n]).toBe((flags & (1 << bit)) !== 0));
      }),
      { numRuns: 60 },
    );
  });

  it('X-10: reads the critical flag', () => {
    expect(read(keyUsage(KU.digitalSignature, true)).keyUsage?.critical).toBe(true);
    expect(read(keyUsage(KU.digitalSignature, false)).keyUsage?.critical).toBe(false);
  });

  it('reads a BIT STRING with no bits as all false, and ignores bits past decipherOnly', () => {
    const none = readCertificateInfo(raw(KU_OID, [0x03, 0x01, 0x00])).keyUsage;
    expect(names.some((n) => none?.[n])).toBe(false);
    const extra = readCertificateInfo(raw(KU_OID, [0x03, 0x03, 0x06, 0x80, 0x40])).keyUsage;
    expect(extra?.digitalSignature).toBe(true);
    expect(extra?.decipherOnly).toBe(false);
  });

  it.each([
    ['non-zero unused bits', [0x03, 0x02, 0x07, 0x81], 'unused bits are not zero'],
    ['too many unused bits', [0x03, 0x02, 0x08, 0x80], '8 unused bits'],
    ['an OCTET STRING', [0x04, 0x01, 0x80], 'expected tag 0x03'],
    ['trailing bytes', [0x03, 0x02, 0x07, 0x80, 0x00], 'unexpected trailing'],
  ])('rejects %s', (_label, value, fragment) => {
    rejects(raw(KU_OID, value), fragment);
    rejects(raw(KU_OID, value), 'keyUsage extension (2.5.29.15)');
  });
});

describe('extKeyUsage (2.5.29.37)', () => {
  it('X-13: reads the purpose OIDs in order and the critical flag', () => {
    const eku = read(
      extKeyUsage(['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.1', '2.5.29.37.0'], true),
    ).extKeyUsage;
    expect(eku).toEqual({ critical: true, oids: ['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.1', '2.5.29.37.0'] });
  });

  it.each([
    ['an empty sequence (SIZE 1..MAX)', tlv(0x30), 'empty sequence'],
    ['a non-OID element', tlv(0x30, tlv(0x0c, Buffer.from('serverAuth'))), 'expected tag 0x06'],
    ['a malformed OID', tlv(0x30, [0x06, 0x02, 0x2b, 0x86]), 'ends inside an arc'],
  ])('rejects %s', (_label, value, fragment) => {
    rejects(raw(EKU, value), fragment);
    rejects(raw(EKU, value), 'extKeyUsage extension (2.5.29.37)');
  });
});

describe('subjectAltName (2.5.29.17)', () => {
  it('X-1/X-2: reads every URI (the caller counts them), DNS name, e-mail and IP address', () => {
    const san = read(
      subjectAltName(
        [
          { uniformResourceIdentifier: 'spiffe://example.org/a' },
          { dNSName: 'a.example.org' },
          { uniformResourceIdentifier: 'spiffe://example.org/b' },
          { rfc822Name: 'a@example.org' },
          { iPAddress: '10.1.2.3' },
          { iPAddress: '2001:db8::1' },
        ],
        false,
      ),
    ).subjectAltName;
    expect(san).toEqual({
      critical: false,
      uris: ['spiffe://example.org/a', 'spiffe://example.org/b'],
      dnsNames: ['a.example.org'],
      ipAddresses: ['10.1.2.3', '2001:db8::1'],
      emails: ['a@example.org'],
      otherCount: 0,
    });
  });

  it('X-4: reads the critical flag', () => {
    expect(read(subjectAltName([{ dNSName: 'x' }], true)).subjectAltName?.critical).toBe(true);
  });

  it('counts otherName, x400Address, directoryName, ediPartyName and registeredID', () => {
    const san = readCertificateInfo(
      raw(
        SAN,
        tlv(
          0x30,
          tlv(0xa0, oid('1.3.6.1.4.1.311.20.2.3'), tlv(0xa0, tlv(0x0c, Buffer.from('upn')))),
          tlv(0xa3, tlv(0x30)),
          tlv(0xa4, nameDer('dir')),
          tlv(0xa5, tlv(0xa1, tlv(0x0c, Buffer.from('party')))),
          tlv(0x88, oidBytes('1.2.3.4')),
          tlv(0x86, Buffer.from('spiffe://example.org/x')),
        ),
      ),
    ).subjectAltName;
    expect(san?.otherCount).toBe(5);
    expect(san?.uris).toEqual(['spiffe://example.org/x']);
  });

  it.each([
    ['an empty GeneralNames (SIZE 1..MAX)', tlv(0x30), 'empty GeneralNames'],
    ['an iPAddress of 5 octets', tlv(0x30, tlv(0x87, [1, 2, 3, 4, 5])), 'iPAddress of 5 octets'],
    ['an iPAddress of 0 octets', tlv(0x30, tlv(0x87)), 'iPAddress of 0 octets'],
    ['a non-ASCII URI', tlv(0x30, tlv(0x86, Buffer.from('spiffe://é.org'))), 'non-ASCII'],
    ['a tag outside the CHOICE ([9])', tlv(0x30, tlv(0x89, [1])), '0x89 is not a GeneralName tag'],
    ['a constructed URI', tlv(0x30, tlv(0xa6, tlv(0x16, [0x61]))), '0xa6 is not a GeneralName tag'],
    ['a primitive otherName', tlv(0x30, tlv(0x80, [1])), '0x80 is not a GeneralName tag'],
    ['a directoryName that is not a Name', tlv(0x30, tlv(0xa4, tlv(0x31))), 'expected tag 0x30'],
    ['an empty registeredID', tlv(0x30, tlv(0x88)), 'empty registeredID'],
    ['a URI past the end of the sequence', concat([0x30, 0x05, 0x86, 0x05], Buffer.from('abc')), 'runs past'],
  ])('rejects %s', (_label, value, fragment) => {
    rejects(raw(SAN, value), fragment);
    rejects(raw(SAN, value), 'subjectAltName extension (2.5.29.17)');
  });
});

/** DER of a Name with one CN attribute. */
function nameDer(cn: string): Uint8Array {
  return tlv(0x30, tlv(0x31, tlv(0x30, oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn)))));
}

describe('nameConstraints (2.5.29.30)', () => {
  const subtree = (base: Uint8Array, ...rest: Uint8Array[]): Uint8Array => tlv(0x30, base, ...rest);

  it('X-9: reads permitted and excluded subtrees of every form', () => {
    const der = raw(
      NC,
      tlv(
        0x30,
        tlv(
          0xa0,
          subtree(tlv(0x86, Buffer.from('.example.org'))),
          subtree(tlv(0x82, Buffer.from('example.org'))),
          subtree(tlv(0x81, Buffer.from('example.org'))),
          subtree(tlv(0x87, [10, 0, 0, 0, 255, 0, 0, 0])),
          subtree(tlv(0xa4, nameDer('ca'))),
        ),
        tlv(
          0xa1,
          subtree(tlv(0x87, [...new Array<number>(16).fill(0), ...new Array<number>(16).fill(0)])),
          subtree(tlv(0x88, oidBytes('1.2.3'))),
          subtree(tlv(0xa0, oid('1.2.3'), tlv(0xa0, [0x05, 0x00]))),
        ),
      ),
      0xff,
    );
    const nc = readCertificateInfo(der).nameConstraints;
    expect(nc?.critical).toBe(true);
    expect(nc?.permitted.slice(0, 3)).toEqual([
      { type: 'uri', value: '.example.org' },
      { type: 'dns', value: 'example.org' },
      { type: 'email', value: 'example.org' },
    ]);
    const ip = nc?.permitted[3];
    expect(ip?.type === 'ip' && [Array.from(ip.address), Array.from(ip.mask)]).toEqual([
      [10, 0, 0, 0],
      [255, 0, 0, 0],
    ]);
    const dir = nc?.permitted[4];
    expect(dir?.type === 'directoryName' && Buffer.from(dir.der)).toEqual(Buffer.from(nameDer('ca')));
    expect(nc?.excluded[0]?.type === 'ip' && nc.excluded[0].address.length).toBe(16);
    expect(nc?.excluded.slice(1)).toEqual([
      { type: 'other', tag: 8 },
      { type: 'other', tag: 0 },
    ]);
  });

  it('reads an extension built by @peculiar/asn1-x509 (only excluded subtrees)', () => {
    const nc = read(
      ext(
        x.id_ce_nameConstraints,
        true,
        new x.NameConstraints({
          excludedSubtrees: new x.GeneralSubtrees([
            new x.GeneralSubtree({ base: new x.GeneralName({ dNSName: 'evil.example' }) }),
          ]),
        }),
      ),
    ).nameConstraints;
    expect(nc).toEqual({ critical: true, permitted: [], excluded: [{ type: 'dns', value: 'evil.example' }] });
  });

  it.each([
    ['an empty NameConstraints', tlv(0x30), 'neither permittedSubtrees nor excludedSubtrees'],
    ['an empty permittedSubtrees', tlv(0x30, tlv(0xa0)), 'empty GeneralSubtrees'],
    ['a minimum', tlv(0x30, tlv(0xa0, subtree(tlv(0x82, [0x61]), tlv(0x80, [0x00])))), 'minimum/maximum'],
    ['a maximum', tlv(0x30, tlv(0xa0, subtree(tlv(0x82, [0x61]), tlv(0x81, [0x02])))), 'minimum/maximum'],
    [
      'a 4-octet iPAddress',
      tlv(0x30, tlv(0xa1, subtree(tlv(0x87, [10, 0, 0, 0])))),
      'iPAddress constraint of 4',
    ],
    [
      'a non-contiguous mask',
      tlv(0x30, tlv(0xa0, subtree(tlv(0x87, [10, 0, 0, 0, 255, 0, 255, 0])))),
      'not contiguous',
    ],
    [
      'subtrees in the wrong order',
      tlv(0x30, tlv(0xa1, subtree(tlv(0x82, [0x61]))), tlv(0xa0, subtree(tlv(0x82, [0x61])))),
      'unexpected trailing',
    ],
    ['a bad GeneralName tag', tlv(0x30, tlv(0xa0, subtree(tlv(0x8a, [0x61])))), 'not a GeneralName tag'],
    ['an empty GeneralSubtree', tlv(0x30, tlv(0xa0, tlv(0x30))), 'missing element'],
  ])('rejects %s', (_label, value, fragment) => {
    rejects(raw(NC, value), fragment);
    rejects(raw(NC, value), 'nameConstraints extension (2.5.29.30)');
  });
});

describe('subjectKeyIdentifier (2.5.29.14) and authorityKeyIdentifier (2.5.29.35)', () => {
  it('reads the key identifiers', () => {
    const info = read(
      ext(x.id_ce_subjectKeyIdentifier, false, new x.SubjectKeyIdentifier(Uint8Array.from([9, 8, 7]))),
      authorityKeyId(Uint8Array.from([1, 2])),
    );
    expect(Array.from(info.subjectKeyId ?? [])).toEqual([9, 8, 7]);
    expect(Array.from(info.authorityKeyId ?? [])).toEqual([1, 2]);
  });

  it('gives no authorityKeyId when only issuer and serial are present', () => {
    const value = tlv(0x30, tlv(0xa1, tlv(0xa4, nameDer('ca'))), tlv(0x82, [0x01]));
    const info = readCertificateInfo(raw(AKI, value));
    expect(info.authorityKeyId).toBeUndefined();
    expect(info.extensions).toEqual([{ oid: AKI, critical: false }]);
  });

  it('reads all three authorityKeyIdentifier fields', () => {
    const value = tlv(0x30, tlv(0x80, [0xab]), tlv(0xa1, tlv(0x82, [0x61])), tlv(0x82, [0x01]));
    expect(Array.from(readCertificateInfo(raw(AKI, value)).authorityKeyId ?? [])).toEqual([0xab]);
  });

  it.each([
    [SKI, 'a SEQUENCE', tlv(0x30), 'expected tag 0x04'],
    [SKI, 'trailing bytes', concat(tlv(0x04, [1]), [0]), 'unexpected trailing'],
    [AKI, 'fields out of order', tlv(0x30, tlv(0x82, [0x01]), tlv(0x80, [0xab])), 'unexpected trailing'],
    [AKI, 'an unknown field', tlv(0x30, tlv(0x83, [0x01])), 'unexpected trailing'],
    [AKI, 'an OCTET STRING', tlv(0x04, [1]), 'expected tag 0x30'],
  ])('%s: rejects %s', (extnId, _label, value, fragment) => {
    rejects(raw(extnId, value), fragment);
  });
});

describe('unknown extensions', () => {
  it('lists an unknown extension, critical or not, without decoding its value', () => {
    const der = withRawExtensions(
      rawExtension('2.5.29.32', 0xff, Uint8Array.from([0xff, 0xff])), // certificatePolicies, garbage value
      rawExtension('1.3.6.1.5.5.7.1.1', undefined, tlv(0x30)),
    );
    expect(readCertificateInfo(der).extensions).toEqual([
      { oid: '2.5.29.32', critical: true },
      { oid: '1.3.6.1.5.5.7.1.1', critical: false },
    ]);
  });
});
