// The part of YAML that registries.d files are written in: nested block
// mappings (indentation by spaces) of plain, single- or double-quoted
// scalars, with comments and an optional leading `---`. Anything else
// (sequences, flow collections, anchors, block scalars, several documents)
// is refused with the file and line, never guessed at: a signature location
// read wrongly would silently weaken verification.

export type YamlScalar = { kind: 'scalar'; text: string; quoted: boolean; line: number };
export type YamlMapping = { kind: 'mapping'; entries: Map<string, YamlNode>; line: number };
export type YamlNode = YamlScalar | YamlMapping | { kind: 'null'; line: number };

export class YamlSubsetError extends Error {
  constructor(readonly line: number, message: string) {
    super(`line ${line}: ${message}`);
  }
}

interface Line {
  number: number;
  indent: number;
  key: string;
  /** The value after `key:` on the same line; undefined when nothing follows. */
  value?: string;
}

/** The document's top-level mapping (empty for an empty document). */
export function parseYamlMapping(text: string): YamlMapping {
  const lines = significantLines(text);
  const root: YamlMapping = { kind: 'mapping', entries: new Map(), line: 1 };
  let i = 0;
  const parseBlock = (target: YamlMapping, indent: number): void => {
    while (i < lines.length) {
      const line = lines[i] as Line;
      if (line.indent < indent) return;
      if (line.indent > indent) throw new YamlSubsetError(line.number, 'unexpected indentation');
      i++;
      if (target.entries.has(line.key)) throw new YamlSubsetError(line.number, `key ${JSON.stringify(line.key)} appears twice`);
      if (line.value !== undefined) {
        target.entries.set(line.key, scalar(line.value, line.number));
        continue;
      }
      const next = lines[i];
      if (next && next.indent > indent) {
        const child: YamlMapping = { kind: 'mapping', entries: new Map(), line: next.number };
        target.entries.set(line.key, child);
        parseBlock(child, next.indent);
      } else {
        target.entries.set(line.key, { kind: 'null', line: line.number });
      }
    }
  };
  parseBlock(root, lines[0]?.indent ?? 0);
  return root;
}

function significantLines(text: string): Line[] {
  const out: Line[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const number = index + 1;
    const content = stripComment(raw, number).trimEnd();
    if (content.trim() === '') return;
    if (content === '---' && out.length === 0) return;
    const indent = content.length - content.trimStart().length;
    if (content.slice(0, indent).includes('\t')) throw new YamlSubsetError(number, 'tabs are not allowed for indentation');
    const body = content.slice(indent);
    if (body === '---' || body === '...') throw new YamlSubsetError(number, 'only one YAML document is supported');
    if (body.startsWith('- ') || body === '-') throw new YamlSubsetError(number, 'sequences are not supported in registries.d files');
    const { key, rest } = splitKey(body, number);
    out.push({ number, indent, key, ...(rest !== '' ? { value: rest } : {}) });
  });
  return out;
}

function splitKey(body: string, number: number): { key: string; rest: string } {
  if (body.startsWith('"') || body.startsWith("'")) {
    const { value, end } = quoted(body, number);
    const after = body.slice(end).trimStart();
    if (!after.startsWith(':')) throw new YamlSubsetError(number, 'expected ":" after the key');
    return { key: value, rest: after.slice(1).trim() };
  }
  const colon = body.search(/:(\s|$)/);
  if (colon <= 0) throw new YamlSubsetError(number, `expected "key: value", found ${JSON.stringify(body)}`);
  return { key: body.slice(0, colon).trim(), rest: body.slice(colon + 1).trim() };
}

function scalar(text: string, number: number): YamlNode {
  if (text.startsWith('"') || text.startsWith("'")) {
    const { value, end } = quoted(text, number);
    if (text.slice(end).trim() !== '') throw new YamlSubsetError(number, 'text after a quoted value');
    return { kind: 'scalar', text: value, quoted: true, line: number };
  }
  if (text === '{}') return { kind: 'mapping', entries: new Map(), line: number };
  if (/^[[{&*!|>%@`]/.test(text)) throw new YamlSubsetError(number, `${JSON.stringify(text)}: flow collections, anchors, tags and block scalars are not supported`);
  if (text === '~' || text === 'null' || text === 'Null' || text === 'NULL') return { kind: 'null', line: number };
  return { kind: 'scalar', text, quoted: false, line: number };
}

// A quoted scalar at the start of `text`: '…' with '' for a quote, "…" with JSON's escapes.
function quoted(text: string, number: number): { value: string; end: number } {
  const quote = text[0] as string;
  for (let i = 1; i < text.length; i++) {
    if (quote === "'" && text[i] === "'") {
      if (text[i + 1] === "'") {
        i++;
        continue;
      }
      return { value: text.slice(1, i).replace(/''/g, "'"), end: i + 1 };
    }
    if (quote === '"' && text[i] === '\\') {
      i++;
      continue;
    }
    if (quote === '"' && text[i] === '"') {
      try {
        return { value: JSON.parse(text.slice(0, i + 1)) as string, end: i + 1 };
      } catch {
        throw new YamlSubsetError(number, `unsupported escape in ${text.slice(0, i + 1)}`);
      }
    }
  }
  throw new YamlSubsetError(number, 'unterminated quoted string');
}

// `#` starts a comment at the line start or after a space, outside quotes.
function stripComment(raw: string, number: number): string {
  let quote: string | undefined;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      const before = raw.slice(0, i).trimEnd();
      if (before === '' || before.endsWith(':')) quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(raw[i - 1] as string))) {
      return raw.slice(0, i);
    }
  }
  if (quote) throw new YamlSubsetError(number, 'unterminated quoted string');
  return raw;
}
