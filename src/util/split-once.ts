// A string split at the first occurrence of a separator, as the `NAME[:OPTIONS]`
// and `KEY=VALUE` arguments of the CLI and the engine are read.

/** `text` split at the first `separator`: before it, and after it (undefined without one). */
export function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}
