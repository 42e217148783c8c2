import { AsnConvert } from '@peculiar/asn1-schema';
import { describe, expect, it } from 'vitest';
import { CertificateParseError } from '../../../src/internal/x509/errors.js';
import { readCertificateInfo } from '../../../src/internal/x509/read-certificate.js';
import {
  authorityKeyId,
  basicConstraints,
  buildCertificate,
  children,
  CLIENT_AUTH,
  concat,
  editTbs,
  ext,
  extKeyUsage,
  KU,
  keyUsage,
  name,
  oid,
  rawExtension,
  SERVER_AUTH,
  subjectAltName,
  subjectKeyId,
  svidLeaf,
  tlv,
  withRawExtensions,
  x,
} from './support.js';
import { rejects } from './expect.js';

describe('readCertificateInfo: a typical SVID leaf', () => {
  const der = svidLeaf('spiffe://example.org/ns/prod/sa/api');
  const info = readCertificateInfo(der);

  it('reads the version, empty subject and issuer DER', () => {
    expect(info.version).toBe(2);
    expect(info.subjectIsEmpty).toBe(true);
    expect(Array.from(info.subjectDer)).toEqual([0x30, 0x00]);
    const issuer = name(['2.5.4.6', 'US'], ['2.5.4.10', 'SPIFFE']);
    expect(Buffer.from(info.issuerDer)).toEqual(Buffer.from(AsnConvert.serialize(issuer)));
  });

  it('lists every extension in order with its critical flag', () => {
    expect(info.extensions).toEqual([
      { oid: '2.5.29.15', critical: true },
      { oid: '2.5.29.37', critical: false },
      { oid: '2.5.29.19', critical: true },
      { oid: '2.5.29.14', critical: false },
      { oid: '2.5.29.35', critical: false },
      { oid: '2.5.29.17', critical: true },
    ]);
  });

  it('X-8: reads cA=false, no pathLen', () => {
    expect(info.basicConstraints).toEqual({ critical: true, ca: false, pathLen: undefined });
  });

  it('X-10/X-12: reads the key usage bits and the critical flag', () => {
    expect(info.keyUsage).toEqual({
      critical: true,
      digitalSignature: true,
      nonRepudiation: false,
      keyEncipherment: true,
      dataEncipherment: false,
      keyAgreement: true,
      keyCertSign: false,
      cRLSign: false,
      encipherOnly: false,
      decipherOnly: false,
    });
  });

  it('X-13: reads the EKU purposes', () => {
    expect(info.extKeyUsage).toEqual({ critical: false, oids: [SERVER_AUTH, CLIENT_AUTH] });
  });

  it('X-1/X-4: reads the URI SAN and that it is critical', () => {
    expect(info.subjectAltName).toEqual({
      critical: true,
      uris: ['spiffe://example.org/ns/prod/sa/api'],
      dnsNames: [],
      ipAddresses: [],
      emails: [],
      otherCount: 0,
    });
  });

  it('reads the key identifiers as views into the input (no copy)', () => {
    expect(Array.from(info.subjectKeyId ?? [])).toEqual(new Array<number>(20).fill(0x11));
    expect(Array.from(info.authorityKeyId ?? [])).toEqual(new Array<number>(20).fill(0x22));
    expect(info.subjectKeyId?.buffer).toBe(der.buffer);
    expect(info.issuerDer.buffer).toBe(der.buffer);
  });

  it('has no name constraints', () => {
    expect(info.nameConstraints).toBeUndefined();
  });

  it('reads a Buffer (views are then Buffers) as well as a Uint8Array', () => {
    const plain = (v: object): unknown =>
      Object.fromEntries(
        Object.entries(v).map(([k, val]) => [k, val instanceof Uint8Array ? Array.from(val) : val]),
      );
    const fromBuffer = readCertificateInfo(Buffer.from(der));
    expect(plain(fromBuffer)).toEqual(plain(info));
    expect(Buffer.isBuffer(fromBuffer.subjectDer)).toBe(true);
  });
});

describe('readCertificateInfo: certificate structure', () => {
  it('reads a non-empty subject as DER', () => {
    const subject = name(['2.5.4.6', 'US'], ['2.5.4.3', 'workload']);
    const info = readCertificateInfo(buildCertificate({ subject, extensions: [basicConstraints(false)] }));
    expect(info.subjectIsEmpty).toBe(false);
    expect(Buffer.from(info.subjectDer)).toEqual(Buffer.from(AsnConvert.serialize(subject)));
  });

  it('reads a v1 certificate (no version field, no extensions)', () => {
    const info = readCertificateInfo(buildCertificate({ version: null }));
    expect(info.version).toBe(0);
    expect(info.extensions).toEqual([]);
    expect(info.keyUsage).toBeUndefined();
    expect(info.basicConstraints).toBeUndefined();
    expect(info.subjectAltName).toBeUndefined();
  });

  it('reads a v3 certificate without extensions', () => {
    const info = readCertificateInfo(buildCertificate({ extensions: null }));
    expect(info.version).toBe(2);
    expect(info.extensions).toEqual([]);
  });

  it('accepts issuer and subject unique IDs in a v3 certificate', () => {
    const der = editTbs(buildCertificate({ extensions: [basicConstraints(false)] }), (tbs) => [
      ...tbs.slice(0, 7),
      tlv(0x81, [0x00, 0xaa]),
      tlv(0x82, [0x00, 0xbb]),
      ...tbs.slice(7),
    ]);
    expect(readCertificateInfo(der).basicConstraints?.ca).toBe(false);
  });

  it('rejects unique IDs in a v1 certificate', () => {
    const der = editTbs(buildCertificate({ version: null }), (tbs) => [...tbs, tlv(0x81, [0x00])]);
    rejects(der, 'issuerUniqueID): only allowed in a v2 or v3 certificate');
  });

  it('rejects extensions in a v1 or v2 certificate', () => {
    const v3 = buildCertificate({ extensions: [basicConstraints(true)] });
    const extensions = children(children(v3)[0] as Uint8Array).at(-1) as Uint8Array;
    rejects(
      editTbs(buildCertificate({ version: null }), (tbs) => [...tbs, extensions]),
      'only allowed in a v3 certificate',
    );
    rejects(
      buildCertificate({ version: x.Version.v2, extensions: [basicConstraints(true)] }),
      'only allowed in a v3 certificate',
    );
  });

  it('rejects an unknown version', () => {
    rejects(buildCertificate({ version: 3 }), 'unknown version 3');
  });

  it('rejects an empty extensions sequence (SIZE 1..MAX)', () => {
    rejects(withRawExtensions(), 'empty Extensions');
  });

  it('rejects an extension that appears twice (RFC 5280 §4.2)', () => {
    const der = buildCertificate({
      extensions: [keyUsage(KU.digitalSignature), keyUsage(KU.digitalSignature)],
    });
    rejects(der, 'extension 2.5.29.15): appears more than once');
    const unknown = rawExtension('1.2.3.4', undefined, new Uint8Array([0x05, 0x00]));
    rejects(withRawExtensions(unknown, unknown), 'extension 1.2.3.4): appears more than once');
  });

  it('rejects a signatureAlgorithm that differs from tbsCertificate.signature', () => {
    const good = buildCertificate({ extensions: [basicConstraints(false)] });
    const [tbs, , sig] = children(good) as [Uint8Array, Uint8Array, Uint8Array];
    const rsa = tlv(0x30, oid('1.2.840.113549.1.1.11'), [0x05, 0x00]);
    rejects(tlv(0x30, tbs, rsa, sig), 'differs from tbsCertificate.signature');
  });

  it('rejects an empty serial number and a bad time tag', () => {
    const good = buildCertificate({ extensions: [basicConstraints(false)] });
    rejects(
      editTbs(good, (t) => [t[0]!, tlv(0x02, []), ...t.slice(2)]),
      'serialNumber): empty INTEGER',
    );
    const badValidity = tlv(0x30, tlv(0x04, [0x31]), tlv(0x17, Buffer.from('300101000000Z')));
    rejects(
      editTbs(good, (t) => [...t.slice(0, 4), badValidity, ...t.slice(5)]),
      'expected UTCTime or GeneralizedTime',
    );
  });

  it('rejects an empty RelativeDistinguishedName and a malformed attribute', () => {
    const good = buildCertificate({ extensions: [basicConstraints(false)] });
    const emptyRdn = tlv(0x30, tlv(0x31));
    rejects(
      editTbs(good, (t) => [...t.slice(0, 5), emptyRdn, ...t.slice(6)]),
      'subject): empty RelativeDistinguishedName',
    );
    const noValue = tlv(0x30, tlv(0x31, tlv(0x30, oid('2.5.4.3'))));
    rejects(
      editTbs(good, (t) => [...t.slice(0, 3), noValue, ...t.slice(4)]),
      '(issuer): missing element',
    );
  });

  describe('rejects trailing bytes at every level', () => {
    const good = buildCertificate({ extensions: [basicConstraints(false)] });
    const [tbs, alg, sig] = children(good) as [Uint8Array, Uint8Array, Uint8Array];
    const extra = (el: Uint8Array): Uint8Array => {
      const [first, ...rest] = children(el);
      return tlv(el[0] as number, first as Uint8Array, ...rest, [0x05, 0x00]);
    };
    it.each([
      ['after the certificate', concat(good, [0x00]), 'Certificate): 1 unexpected trailing'],
      ['inside the certificate', tlv(0x30, tbs, alg, sig, [0x05, 0x00]), 'Certificate): 2 unexpected'],
      [
        'inside signatureAlgorithm',
        tlv(0x30, tbs, tlv(0x30, ...children(alg), [0x05, 0x00], [0x05, 0x00]), sig),
        'signatureAlgorithm',
      ],
      [
        'inside tbsCertificate',
        editTbs(good, (t) => [...t, [0x05, 0x00]].map((p) => Uint8Array.from(p))),
        'tbsCertificate): 2 unexpected',
      ],
      [
        'inside validity',
        editTbs(good, (t) => [...t.slice(0, 4), extra(t[4]!), ...t.slice(5)]),
        'validity): 2 unexpected',
      ],
      [
        'inside subjectPublicKeyInfo',
        editTbs(good, (t) => [...t.slice(0, 6), extra(t[6]!), ...t.slice(7)]),
        'subjectPublicKeyInfo): 2 unexpected',
      ],
    ])('%s', (_label, der, fragment) => {
      rejects(der, fragment);
    });

    it('inside an Extension and inside an extnValue', () => {
      const bc = concat(tlv(0x30, [0x01, 0x01, 0xff]));
      rejects(
        withRawExtensions(concat(tlv(0x30, oid('2.5.29.19'), tlv(0x04, bc), [0x05, 0x00]))),
        'extension 2.5.29.19): 2 unexpected',
      );
      rejects(
        withRawExtensions(rawExtension('2.5.29.19', undefined, concat(bc, [0x00]))),
        'basicConstraints',
      );
    });
  });

  it('rejects input that is not a Uint8Array, empty, or a single byte', () => {
    expect(() => readCertificateInfo('MIIB' as unknown as Uint8Array)).toThrow(CertificateParseError);
    expect(() => readCertificateInfo(undefined as unknown as Uint8Array)).toThrow(CertificateParseError);
    rejects(new Uint8Array(0), 'missing element');
    rejects(new Uint8Array([0x30]), 'truncated length');
  });

  it('reads an unknown extension (listed, not decoded) and a UUID OID', () => {
    const uuidOid = '2.25.329800735698586629295641978511506172918';
    const der = withRawExtensions(
      rawExtension('1.3.6.1.4.1.99999.1', 0xff, new Uint8Array([0xde, 0xad])),
      rawExtension(uuidOid, undefined, new Uint8Array([])),
    );
    expect(readCertificateInfo(der).extensions).toEqual([
      { oid: '1.3.6.1.4.1.99999.1', critical: true },
      { oid: uuidOid, critical: false },
    ]);
  });

  it('accepts an explicit critical FALSE (as OpenSSL and Go do) and rejects a non-DER BOOLEAN', () => {
    const bc = tlv(0x30, [0x01, 0x01, 0xff]);
    expect(readCertificateInfo(withRawExtensions(rawExtension('2.5.29.19', 0x00, bc))).extensions).toEqual([
      { oid: '2.5.29.19', critical: false },
    ]);
    rejects(withRawExtensions(rawExtension('2.5.29.19', 0x01, bc)), 'must be 0x00 or 0xFF');
  });

  it('rejects an extension without its OCTET STRING value', () => {
    rejects(withRawExtensions(tlv(0x30, oid('2.5.29.19'), [0x01, 0x01, 0xff])), 'missing element');
  });

  it('reads every feature at once: a CA with name constraints', () => {
    const der = buildCertificate({
      subject: name(['2.5.4.10', 'SPIFFE']),
      extensions: [
        basicConstraints(true, 1),
        keyUsage(KU.keyCertSign | KU.cRLSign),
        subjectKeyId(Uint8Array.from([1, 2, 3])),
        authorityKeyId(Uint8Array.from([4, 5])),
        subjectAltName([{ uniformResourceIdentifier: 'spiffe://example.org' }]),
        ext(
          x.id_ce_nameConstraints,
          true,
          new x.NameConstraints({
            permittedSubtrees: new x.GeneralSubtrees([
              new x.GeneralSubtree({
                base: new x.GeneralName({ uniformResourceIdentifier: '.example.org' }),
              }),
            ]),
          }),
        ),
        extKeyUsage([SERVER_AUTH]),
      ],
    });
    const info = readCertificateInfo(der);
    expect(info.basicConstraints).toEqual({ critical: true, ca: true, pathLen: 1 });
    expect(info.keyUsage?.keyCertSign && info.keyUsage.cRLSign && !info.keyUsage.digitalSignature).toBe(true);
    expect(info.nameConstraints).toEqual({
      critical: true,
      permitted: [{ type: 'uri', value: '.example.org' }],
      excluded: [],
    });
    expect(Array.from(info.subjectKeyId ?? [])).toEqual([1, 2, 3]);
    expect(Array.from(info.authorityKeyId ?? [])).toEqual([4, 5]);
    expect(info.subjectAltName?.uris).toEqual(['spiffe://example.org']);
    expect(info.extKeyUsage?.oids).toEqual([SERVER_AUTH]);
    expect(info.extensions.map((e) => e.oid)).toEqual([
      '2.5.29.19',
      '2.5.29.15',
      '2.5.29.14',
      '2.5.29.35',
      '2.5.29.17',
      '2.5.29.30',
      '2.5.29.37',
    ]);
  });
});
