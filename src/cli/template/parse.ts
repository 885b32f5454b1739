// Go text/template source → a tree: the part of the language that podman's
// `--format` users write (fields, variables, pipelines, functions, if/else,
// range, with, comments and trim markers).

import { TemplateError } from './errors.js';

export type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipeline; pos: string }
  | { kind: 'if' | 'with'; pipe: Pipeline; then: Node[]; otherwise: Node[]; pos: string }
  | { kind: 'range'; pipe: Pipeline; body: Node[]; otherwise: Node[]; pos: string };

export interface Pipeline {
  /** `$x :=` / `$i, $e :=` (declare) or `$x =` (assign). */
  vars: string[];
  assign: boolean;
  commands: Command[];
}

/** One command of a pipeline: its operands, the first of which may name a function. */
export type Command = Operand[];

export type Operand =
  | { kind: 'dot'; fields: string[] }
  | { kind: 'variable'; name: string; fields: string[] }
  | { kind: 'function'; name: string }
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'sub'; pipe: Pipeline; fields: string[] };

/**
 * Parses `source`; errors name the template and the line and column where they
 * were found. As Go's, a call of a function that `isFunction` does not know is one.
 */
export function parseTemplate(name: string, source: string, isFunction: (name: string) => boolean = () => true): Node[] {
  return new Parser(name, tokenizeActions(name, source), isFunction).list(new Set());
}

interface RawAction {
  kind: 'text' | 'action';
  text: string;
  pos: string;
}

/** Splits the source into text and the insides of `{{…}}`, applying trim markers and dropping comments. */
/** Go's place of an offset in a template: `line:column`, both from 1. */
function locate(source: string, offset: number): string {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  return `${line}:${offset - before.lastIndexOf('\n')}`;
}

function tokenizeActions(name: string, source: string): RawAction[] {
  const out: RawAction[] = [];
  let at = 0;
  let trimNext = false;
  while (at <= source.length) {
    const open = source.indexOf('{{', at);
    let text = source.slice(at, open < 0 ? source.length : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    trimNext = false;
    if (open < 0) {
      if (text) out.push({ kind: 'text', text, pos: locate(source, at) });
      break;
    }
    let inner = open + 2;
    if (/^- /.test(source.slice(inner, inner + 2)) || source.slice(inner, inner + 2) === '-\t' || source.slice(inner, inner + 2) === '-\n') {
      text = text.replace(/\s+$/, '');
      inner += 1;
    }
    if (text) out.push({ kind: 'text', text, pos: locate(source, at) });
    const close = findClose(source, inner);
    if (close < 0) throw new TemplateError(name, locate(source, open), 'unclosed action');
    let body = source.slice(inner, close);
    if (/[ \t\n]-$/.test(body)) {
      body = body.slice(0, -1);
      trimNext = true;
    }
    const trimmed = body.trim();
    if (!(trimmed.startsWith('/*') && trimmed.endsWith('*/'))) out.push({ kind: 'action', text: body, pos: locate(source, open) });
    at = close + 2;
  }
  return out;
}

/** The `}}` that ends the action starting at `from`, skipping quoted strings. */
function findClose(source: string, from: number): number {
  for (let i = from; i < source.length; i++) {
    const ch = source[i];
    if (ch === '"' || ch === '`' || ch === "'") {
      const end = ch === '`' ? source.indexOf('`', i + 1) : closingQuote(source, i);
      if (end < 0) return -1;
      i = end;
    } else if (ch === '}' && source[i + 1] === '}') {
      return i;
    }
  }
  return -1;
}

function closingQuote(source: string, open: number): number {
  for (let i = open + 1; i < source.length; i++) {
    if (source[i] === '\\') i++;
    else if (source[i] === source[open]) return i;
    else if (source[i] === '\n') return -1;
  }
  return -1;
}

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);

class Parser {
  #at = 0;
  /** The keyword action ({{else}}, {{end}}) that ended the last list, if any. */
  pending: { word: string; rest: string; pos: string } | undefined;

  constructor(private readonly name: string, private readonly actions: RawAction[], private readonly isFunction: (name: string) => boolean) {}

  /** Nodes up to (not including) an action whose keyword is in `stops`, left in `pending`. */
  list(stops: Set<string>): Node[] {
    const nodes: Node[] = [];
    this.pending = undefined;
    while (this.#at < this.actions.length) {
      const raw = this.actions[this.#at++]!;
      if (raw.kind === 'text') {
        nodes.push({ kind: 'text', text: raw.text });
        continue;
      }
      const source = raw.text.trim();
      const word = /^[a-z]+\b/.exec(source)?.[0];
      if (word && KEYWORDS.has(word)) {
        const rest = source.slice(word.length).trim();
        if (stops.has(word)) {
          this.pending = { word, rest, pos: raw.pos };
          return nodes;
        }
        nodes.push(this.control(word, rest, raw.pos));
        continue;
      }
      nodes.push({ kind: 'action', pipe: this.pipeline(source, raw.pos), pos: raw.pos });
    }
    return nodes;
  }

  private control(word: string, rest: string, pos: string): Node {
    if (word === 'else' || word === 'end') throw new TemplateError(this.name, pos, `unexpected {{${word}}}`);
    if (word !== 'if' && word !== 'range' && word !== 'with') throw new TemplateError(this.name, pos, `{{${word}}} is not supported`);
    if (!rest) throw new TemplateError(this.name, pos, `missing value for ${word}`);
    const pipe = this.pipeline(rest, pos);
    const body = this.list(new Set(['else', 'end']));
    let otherwise: Node[] = [];
    const stop = this.pending as { word: string; rest: string; pos: string } | undefined;
    if (!stop) throw new TemplateError(this.name, pos, `unexpected EOF: {{${word}}} has no {{end}}`);
    if (stop.word === 'else') {
      if (stop.rest.startsWith('if ') && word === 'if') {
        // {{else if X}} … is {{else}}{{if X}} … {{end}} sharing the outer {{end}}.
        otherwise = [this.control('if', stop.rest.slice(3).trim(), stop.pos)];
      } else {
        if (stop.rest) throw new TemplateError(this.name, stop.pos, `unexpected "${stop.rest}" in else`);
        otherwise = this.list(new Set(['end']));
        if (!this.pending) throw new TemplateError(this.name, pos, `unexpected EOF: {{${word}}} has no {{end}}`);
      }
    }
    this.pending = undefined;
    return word === 'range' ? { kind: 'range', pipe, body, otherwise, pos } : { kind: word, pipe, then: body, otherwise, pos };
  }

  pipeline(source: string, pos: string): Pipeline {
    const tokens = tokenize(this.name, source, pos);
    const unknown = tokens.find((token) => token.type === 'ident' && !['true', 'false', 'nil'].includes(token.text) && !this.isFunction(token.text));
    if (unknown) throw new TemplateError(this.name, pos, `function "${unknown.text}" not defined`);
    const reader = new TokenReader(this.name, tokens, pos);
    const pipe = reader.pipeline();
    if (!reader.done) throw new TemplateError(this.name, pos, `unexpected ${JSON.stringify(reader.peek()!.text)} in command`);
    return pipe;
  }
}

type Token = (
  | { type: 'field'; text: string }
  | { type: 'dot'; text: string }
  | { type: 'variable'; text: string }
  | { type: 'ident'; text: string }
  | { type: 'string'; text: string; value: string }
  | { type: 'number'; text: string; value: number }
  | { type: 'punct'; text: '|' | '(' | ')' | ',' | ':=' | '=' }
) & { spaced?: boolean };

function tokenize(name: string, source: string, pos: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s+|(:=|=|\||\(|\)|,)|("(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)+')|(\$[A-Za-z0-9_]*)|((?:\.[A-Za-z_][A-Za-z0-9_]*)+)|(\.)|([-+]?(?:0x[0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?))|([A-Za-z_][A-Za-z0-9_]*)/y;
  let at = 0;
  let spaced = false;
  while (at < source.length) {
    pattern.lastIndex = at;
    const m = pattern.exec(source);
    if (!m) throw new TemplateError(name, pos, `unexpected ${JSON.stringify(source.slice(at, at + 10))} in command`);
    at = pattern.lastIndex;
    const [space, punct, quoted, variable, field, dot, number, ident] = m;
    if (/^\s/.test(space!)) {
      spaced = true;
      continue;
    }
    const count = tokens.length;
    if (punct) tokens.push({ type: 'punct', text: punct as ':=' });
    else if (quoted) tokens.push({ type: 'string', text: quoted, value: unquote(name, pos, quoted) });
    else if (variable) tokens.push({ type: 'variable', text: variable });
    else if (field) tokens.push({ type: 'field', text: field });
    else if (dot) tokens.push({ type: 'dot', text: dot });
    else if (number) tokens.push({ type: 'number', text: number, value: Number(number) });
    else if (ident) tokens.push({ type: 'ident', text: ident });
    if (tokens.length > count) tokens[count]!.spaced = spaced;
    spaced = false;
  }
  return tokens;
}

function unquote(name: string, pos: string, quoted: string): string {
  if (quoted.startsWith('`')) return quoted.slice(1, -1);
  if (quoted.startsWith("'")) {
    // A character constant is its code point, as Go's rune literals.
    const text = JSON.parse(`"${quoted.slice(1, -1).replace(/"/g, '\\"')}"`) as string;
    return String(text.codePointAt(0));
  }
  try {
    return JSON.parse(quoted.replace(/\\([abfv'])/g, (_m, c: string) => ({ a: '\\u0007', b: '\\b', f: '\\f', v: '\\u000b', "'": "'" })[c]!)) as string;
  } catch {
    throw new TemplateError(name, pos, `bad string ${quoted}`);
  }
}

class TokenReader {
  #at = 0;

  constructor(private readonly name: string, private readonly tokens: Token[], private readonly pos: string) {}

  get done(): boolean {
    return this.#at >= this.tokens.length;
  }

  peek(): Token | undefined {
    return this.tokens[this.#at];
  }

  pipeline(): Pipeline {
    const vars: string[] = [];
    let assign = false;
    // `$x :=`, `$i, $e :=` or `$x =` before the commands.
    const declared = this.tokens.slice(this.#at, this.#at + 4);
    if (declared[0]?.type === 'variable') {
      if (declared[1]?.text === ':=' || declared[1]?.text === '=') {
        vars.push(declared[0].text);
        assign = declared[1].text === '=';
        this.#at += 2;
      } else if (declared[1]?.text === ',' && declared[2]?.type === 'variable' && declared[3]?.text === ':=') {
        vars.push(declared[0].text, declared[2].text);
        this.#at += 4;
      }
    }
    const commands: Command[] = [this.command()];
    while (this.peek()?.text === '|') {
      this.#at++;
      commands.push(this.command());
    }
    return { vars, assign, commands };
  }

  private command(): Command {
    const operands: Operand[] = [];
    for (let token = this.peek(); token && token.text !== '|' && token.text !== ')'; token = this.peek()) {
      operands.push(this.operand());
    }
    if (operands.length === 0) throw new TemplateError(this.name, this.pos, 'missing value for command');
    return operands;
  }

  private operand(): Operand {
    const token = this.tokens[this.#at++]!;
    switch (token.type) {
      case 'dot':
        return { kind: 'dot', fields: [] };
      case 'field':
        return { kind: 'dot', fields: token.text.slice(1).split('.') };
      case 'variable':
        return { kind: 'variable', name: token.text, fields: this.fieldChain() };
      case 'string':
      case 'number':
        return { kind: 'literal', value: token.value };
      case 'ident':
        if (token.text === 'true' || token.text === 'false') return { kind: 'literal', value: token.text === 'true' };
        if (token.text === 'nil') return { kind: 'literal', value: null };
        return { kind: 'function', name: token.text };
      case 'punct':
        if (token.text === '(') {
          const pipe = this.pipeline();
          if (this.tokens[this.#at++]?.text !== ')') throw new TemplateError(this.name, this.pos, 'unclosed left paren');
          return { kind: 'sub', pipe, fields: this.fieldChain() };
        }
    }
    throw new TemplateError(this.name, this.pos, `unexpected ${JSON.stringify(token.text)} in operand`);
  }

  /** `.A.B` right after a variable or a parenthesised pipeline. */
  private fieldChain(): string[] {
    const next = this.peek();
    if (next?.type !== 'field' || next.spaced) return [];
    this.#at++;
    return next.text.slice(1).split('.');
  }
}
