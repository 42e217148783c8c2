/** One PEM block (RFC 7468): its label and its base64 body, whitespace removed. */
export interface PemBlock {
  type: string;
  body: string;
}

const BEGIN = '-----BEGIN ';
const DASHES = '-----';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Reads raw input as text; PEM is ASCII, so latin1 maps every byte to one character. */
export function pemText(input: string | Uint8Array): string {
  if (typeof input === 'string') return input;
  return Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1');
}

/**
 * Splits PEM text into its blocks, in order. Text between blocks is ignored, as Go's
 * `pem.Decode` does. Unlike Go, which silently stops there, a BEGIN line without its END line
 * (a truncated file) is reported: `complete` is then false.
 */
export function pemBlocks(text: string): { blocks: PemBlock[]; complete: boolean } {
  const blocks: PemBlock[] = [];
  let pos = 0;
  for (;;) {
    const begin = text.indexOf(BEGIN, pos);
    if (begin === -1) return { blocks, complete: true };
    const typeStart = begin + BEGIN.length;
    const typeEnd = text.indexOf(DASHES, typeStart);
    if (typeEnd === -1) return { blocks, complete: false };
    const type = text.slice(typeStart, typeEnd);
    if (!/^[A-Z0-9 ]{1,64}$/.test(type)) {
      pos = typeStart;
      continue;
    }
    const bodyStart = typeEnd + DASHES.length;
    const endLine = `-----END ${type}-----`;
    const end = text.indexOf(endLine, bodyStart);
    if (end === -1) return { blocks, complete: false };
    blocks.push({ type, body: text.slice(bodyStart, end).replace(/\s+/g, '') });
    pos = end + endLine.length;
  }
}

/** Decodes a block body as standard base64 (RFC 4648 §4, padded); undefined when malformed. */
export function pemBlockDer(block: PemBlock): Buffer | undefined {
  const { body } = block;
  if (body.length === 0 || body.length % 4 !== 0 || !BASE64.test(body)) return undefined;
  return Buffer.from(body, 'base64');
}

/** Encodes DER as one PEM block with 64-character lines. */
export function encodePem(type: string, der: Uint8Array): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  let out = `-----BEGIN ${type}-----\n`;
  for (let i = 0; i < b64.length; i += 64) out += `${b64.slice(i, i + 64)}\n`;
  return `${out}-----END ${type}-----\n`;
}
