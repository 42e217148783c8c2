/** One PEM block (RFC 7468): its label, its body with whitespace removed, and where it starts. */
export interface PemBlock {
  label: string;
  body: string;
  offset: number;
}

/** The blocks of a PEM text; `truncated` names a BEGIN line that has no END line. */
export interface PemBlocks {
  blocks: PemBlock[];
  truncated: { label: string; offset: number } | undefined;
}

const BEGIN = '-----BEGIN ';
const DASHES = '-----';
const LABEL = /^[\x21-\x2c\x2e-\x7e]+(?:[- ][\x21-\x2c\x2e-\x7e]+)*$/; // RFC 7468 §3 label
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const WHITESPACE = /[ \t\r\n\v\f]+/g;

/** Reads raw input as text; PEM is ASCII, so latin1 maps every byte to one character. */
export function pemText(input: string | Uint8Array): string {
  if (typeof input === 'string') return input;
  return Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1');
}

/**
 * Splits PEM text into its blocks, in order. Text outside blocks is ignored (as Go's `pem.Decode`
 * does); a BEGIN line counts only at the start of a line. Unlike Go, which silently stops there,
 * a BEGIN line without its END line (a truncated file) is reported in `truncated`, and the
 * scan stops. Linear in the input.
 */
export function pemBlocks(text: string): PemBlocks {
  const blocks: PemBlock[] = [];
  let pos = 0;
  for (;;) {
    const begin = text.indexOf(BEGIN, pos);
    if (begin === -1) return { blocks, truncated: undefined };
    const labelStart = begin + BEGIN.length;
    const labelEnd = text.indexOf(DASHES, labelStart);
    if (labelEnd === -1) return { blocks, truncated: { label: '', offset: begin } };
    const label = text.slice(labelStart, labelEnd);
    if ((begin > 0 && text[begin - 1] !== '\n') || (label !== '' && !LABEL.test(label))) {
      pos = labelStart;
      continue;
    }
    const bodyStart = labelEnd + DASHES.length;
    const endLine = `-----END ${label}-----`;
    const end = text.indexOf(endLine, bodyStart);
    if (end === -1) return { blocks, truncated: { label, offset: begin } };
    blocks.push({ label, body: text.slice(bodyStart, end).replace(WHITESPACE, ''), offset: begin });
    pos = end + endLine.length;
  }
}

/** Decodes a block body as standard padded base64 (RFC 7468 §3); undefined when it is not. */
export function pemBlockDer(block: PemBlock): Buffer | undefined {
  const { body } = block;
  if (body.length === 0 || body.length % 4 !== 0 || !BASE64.test(body)) return undefined;
  return Buffer.from(body, 'base64');
}

/** Encodes DER as one PEM block with 64-character lines. */
export function encodePem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  let out = `-----BEGIN ${label}-----\n`;
  for (let i = 0; i < b64.length; i += 64) out += `${b64.slice(i, i + 64)}\n`;
  return `${out}-----END ${label}-----\n`;
}
