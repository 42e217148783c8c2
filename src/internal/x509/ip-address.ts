/**
 * Formats the 4 or 16 address octets at `buf[start..start+len)` as text: IPv4 dotted decimal, IPv6
 * in the RFC 5952 canonical form (lower-case hex groups without leading zeros, the longest run of
 * two or more zero groups shortened to `::`, the first such run on a tie, no embedded IPv4), the
 * form `new URL('http://[...]').hostname` gives too.
 */
export function formatIpAddress(buf: Uint8Array, start: number, len: 4 | 16): string {
  if (len === 4) {
    return `${buf[start]}.${buf[start + 1]}.${buf[start + 2]}.${buf[start + 3]}`;
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push(((buf[start + i] as number) << 8) | (buf[start + i + 1] as number));
  let bestStart = -1;
  let bestLen = 1; // a single zero group is not shortened
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

/** True when the mask octets `buf[start..start+len)` are ones followed only by zeros (a CIDR prefix). */
export function isContiguousMask(buf: Uint8Array, start: number, len: number): boolean {
  let zeroSeen = false;
  for (let i = start; i < start + len; i++) {
    const b = buf[i] as number;
    if (zeroSeen) {
      if (b !== 0) return false;
    } else if (b !== 0xff) {
      // 0b1..10..0: the complement plus one is a power of two (0 counts for b = 0)
      const inv = ~b & 0xff;
      if ((inv & (inv + 1)) !== 0) return false;
      zeroSeen = true;
    }
  }
  return true;
}
