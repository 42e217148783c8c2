/**
 * Splits concatenated DER values (A-13: Workload API bundles and chains are DER certificates one
 * after the other, with no outer SEQUENCE) by reading each top-level tag and length. Only the
 * framing is read; the certificates themselves are parsed by node:crypto.
 */

const SEQUENCE = 0x30;
/** Lengths of more than 4 bytes (4 GiB) cannot describe a certificate held in memory. */
const MAX_LENGTH_BYTES = 4;

/**
 * Returns one view per top-level DER SEQUENCE in `der`, in order (views share its memory).
 * Returns an error message instead when the framing is broken: another tag, an indefinite or
 * non-minimal length (not DER), or a value running past the end of the input.
 */
export function splitDer(der: Uint8Array): Uint8Array[] | string {
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos < der.length) {
    const start = pos;
    if (der[pos] !== SEQUENCE) return `byte ${start}: expected a SEQUENCE (0x30), found 0x${hex(der[pos])}`;
    pos++;
    if (pos >= der.length) return `byte ${start}: truncated before the length`;
    const first = der[pos++] ?? 0;
    let length: number;
    if (first < 0x80) {
      length = first;
    } else {
      const n = first & 0x7f;
      if (n === 0) return `byte ${start}: indefinite length is not DER`;
      if (n > MAX_LENGTH_BYTES) return `byte ${start}: length of ${n} bytes is too large`;
      if (pos + n > der.length) return `byte ${start}: truncated in the length`;
      length = 0;
      for (let i = 0; i < n; i++) length = length * 256 + (der[pos + i] ?? 0);
      if (der[pos] === 0 || length < 0x80) return `byte ${start}: length is not minimally encoded (not DER)`;
      pos += n;
    }
    if (length > der.length - pos) {
      return `byte ${start}: truncated: the value of ${length} bytes runs past the end of the input (${der.length - pos} left)`;
    }
    pos += length;
    out.push(der.subarray(start, pos));
  }
  return out;
}

function hex(byte: number | undefined): string {
  return (byte ?? 0).toString(16).padStart(2, '0');
}
