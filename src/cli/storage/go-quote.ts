// Go's strconv.Quote (what `%q` prints): double quotes, C-style escapes for
// control characters and bytes that are not UTF-8, everything printable kept as
// is (unlike JSON escaping).

const SIMPLE: Record<string, string> = {
  '"': '\\"', '\\': '\\\\', '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v',
};

export function goStrconvQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const simple = SIMPLE[ch];
    if (simple) { out += simple; continue; }
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    // A byte of a name that is not UTF-8 (util/file-names): Go prints invalid bytes as \xNN.
    else if (code >= 0xdc80 && code <= 0xdcff) out += `\\x${(code - 0xdc00).toString(16)}`;
    else if ((code >= 0x80 && code < 0xa0) || code === 0xfffd) out += code === 0xfffd ? ch : `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}
