import { ANY_TAG, type DerReader, fail, TAG_SEQUENCE, TAG_SET } from './der.js';

/**
 * Checks the structure of a Name (RFC 5280 §4.1.2.4) whose RDNSequence contents `r` covers:
 * SEQUENCE OF RelativeDistinguishedName, each a non-empty SET OF AttributeTypeAndValue
 * { type OID, value ANY }. Attribute values are not decoded: names are compared as DER.
 */
export function checkName(r: DerReader, what: string): void {
  while (!r.done) {
    const rdn = r.enter(TAG_SET, what);
    if (rdn.done) fail(what, 'empty RelativeDistinguishedName', rdn.pos);
    while (!rdn.done) {
      const atv = rdn.enter(TAG_SEQUENCE, what);
      atv.skipOid(what);
      atv.next(ANY_TAG, what);
      atv.expectEnd(what);
    }
  }
}
