// The file name a big-data item is stored under, exactly as containers/storage
// derives it (makeBigDataBaseName), so that Go tools find Berth's files.

/**
 * Keys made only of `.`, `0-9`, `a-z` are used as they are; anything else
 * becomes `=` + standard base64 of the key. Go's scan consumes the first
 * offending character before it stops and encodes only when bytes remain
 * after it, so a key whose single offending character is its last one
 * (`abc-`, `layer:` …) is kept verbatim. A multi-byte rune counts as one
 * offending character.
 */
export function bigDataFileName(key: string): string {
  const bytes = Buffer.from(key, 'utf8');
  let offset = 0;
  while (offset < bytes.length) {
    const byte = bytes[offset] as number;
    const width = runeWidth(bytes, offset);
    offset += width;
    const plain = width === 1 && (byte === 0x2e || (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7a));
    if (!plain) break;
  }
  return offset < bytes.length ? '=' + bytes.toString('base64') : key;
}

// Width of the UTF-8 sequence at `offset` as Go's ReadRune consumes it
// (an invalid byte is consumed alone).
function runeWidth(bytes: Buffer, offset: number): number {
  const lead = bytes[offset] as number;
  const width = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  if (width === 1) return 1;
  for (let i = 1; i < width; i++) {
    const next = bytes[offset + i];
    if (next === undefined || (next & 0xc0) !== 0x80) return 1;
  }
  return width;
}
