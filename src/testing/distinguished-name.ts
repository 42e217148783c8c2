import * as x from '@peculiar/asn1-x509';
import { quote } from '../internal/errors.js';
import { TestingError } from './errors.js';

const ATTRIBUTE_OIDS: Record<string, string> = {
  CN: '2.5.4.3',
  SERIALNUMBER: '2.5.4.5',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  DC: '0.9.2342.19200300.100.1.25',
};
const DOMAIN_COMPONENT = ATTRIBUTE_OIDS.DC;
const OID = /^[0-2](\.(0|[1-9][0-9]*))+$/;
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/**
 * Parses a distinguished name such as `C=US,O=SPIFFE` into an X.509 Name, one attribute per RDN,
 * **in the order written** (the order of the encoding and of `openssl x509 -subject`; RFC 4514
 * strings are written in the reverse order). Attribute types: C, ST, L, O, OU, CN, serialNumber,
 * DC (case-insensitive) or a dotted OID. Values are PrintableString where possible (as Go
 * encodes them), else UTF8String; DC is IA5String. The empty string gives the empty Name.
 * Escapes are not supported: a value cannot contain `,`, `+` or `\`.
 * @throws {TestingError} `invalid_option` for a malformed name.
 */
export function parseDistinguishedName(dn: string): x.Name {
  if (typeof dn !== 'string')
    throw new TestingError('invalid_option', 'a distinguished name must be a string');
  if (dn.trim() === '') return new x.Name([]);
  if (/[\\+]/.test(dn)) {
    throw new TestingError(
      'invalid_option',
      `distinguished name ${quote(dn)}: escapes and multi-valued RDNs are not supported`,
    );
  }
  const rdns = dn.split(',').map((part) => {
    const eq = part.indexOf('=');
    const type = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    const oid = OID.test(type) ? type : ATTRIBUTE_OIDS[type.toUpperCase()];
    if (eq < 0 || oid === undefined || value === '') {
      throw new TestingError(
        'invalid_option',
        `distinguished name ${quote(dn)}: bad attribute ${quote(part)}; expected TYPE=value with TYPE one of ` +
          `${Object.keys(ATTRIBUTE_OIDS).join(', ')} or a dotted OID`,
      );
    }
    let attributeValue: x.AttributeValue;
    if (oid === DOMAIN_COMPONENT) attributeValue = new x.AttributeValue({ ia5String: value });
    else if (PRINTABLE.test(value)) attributeValue = new x.AttributeValue({ printableString: value });
    else attributeValue = new x.AttributeValue({ utf8String: value });
    return new x.RelativeDistinguishedName([
      new x.AttributeTypeAndValue({ type: oid, value: attributeValue }),
    ]);
  });
  return new x.Name(rdns);
}
