import {
  ANY_TAG,
  type DerReader,
  fail,
  TAG_BMP_STRING,
  TAG_IA5_STRING,
  TAG_NUMERIC_STRING,
  TAG_PRINTABLE_STRING,
  TAG_SEQUENCE,
  TAG_SET,
  TAG_TELETEX_STRING,
  TAG_UNIVERSAL_STRING,
  TAG_UTF8_STRING,
} from './der.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/**
 * Attribute value tags that OpenSSL's X509_NAME parser takes (its DirectoryString-like "mstring"
 * accepts only some universal types, and fails the whole certificate on another tag, e.g. 0x00 or
 * VisibleString, found by fuzzing): the universal string types below, which it takes. A value with any other tag is not vouched for, so the
 * certificate goes through node:crypto's own parse (fuzzed in test/internal/x509).
 */
const STRING_TAGS = new Set([
  TAG_UTF8_STRING,
  TAG_NUMERIC_STRING,
  TAG_PRINTABLE_STRING,
  TAG_TELETEX_STRING,
  TAG_IA5_STRING,
  TAG_UNIVERSAL_STRING,
  TAG_BMP_STRING,
]);

/**
 * Checks the structure of a Name (RFC 5280 §4.1.2.4) whose RDNSequence contents `r` covers:
 * SEQUENCE OF RelativeDistinguishedName, each a non-empty SET OF AttributeTypeAndValue
 * { type OID, value ANY }. Attribute values are not decoded: names are compared as DER.
 *
 * Returns whether every value is a string type OpenSSL's name parser takes (`STRING_TAGS`) and one
 * it can convert to UTF-8 when it parses the certificate (it canonicalises names then, and fails
 * the whole parse otherwise): UTF8String
 * valid UTF-8, BMPString whole UCS-2 code units, UniversalString whole UCS-4 ones, neither with
 * surrogates or values beyond U+10FFFF. Other string types convert byte by byte.
 */
export function checkName(r: DerReader, what: string): boolean {
  let convertible = true;
  while (!r.done) {
    const rdn = r.enter(TAG_SET, what);
    if (rdn.done) fail(what, 'empty RelativeDistinguishedName', rdn.pos);
    while (!rdn.done) {
      const atv = rdn.enter(TAG_SEQUENCE, what);
      atv.skipOid(what);
      atv.next(ANY_TAG, what);
      if (!STRING_TAGS.has(atv.tag)) convertible = false;
      else if (
        atv.tag === TAG_UTF8_STRING ||
        atv.tag === TAG_BMP_STRING ||
        atv.tag === TAG_UNIVERSAL_STRING
      ) {
        convertible &&= convertibleString(atv.tag, atv.buf.subarray(atv.valueStart, atv.valueEnd));
      }
      atv.expectEnd(what);
    }
  }
  return convertible;
}

function convertibleString(tag: number, value: Uint8Array): boolean {
  if (tag === TAG_UTF8_STRING) {
    try {
      utf8.decode(value);
      return true;
    } catch {
      return false;
    }
  }
  const width = tag === TAG_BMP_STRING ? 2 : 4;
  if (value.length % width !== 0) return false;
  for (let i = 0; i < value.length; i += width) {
    let c = 0;
    for (let j = 0; j < width; j++) c = c * 256 + (value[i + j] as number);
    if ((c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff) return false;
  }
  return true;
}
