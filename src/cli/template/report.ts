// podman's --format for listings (containers/common pkg/report): `\t` and
// `\n` in the text mean a tab and a newline; a format that starts with
// `table` prints a header row (the same template run on the column names) and
// aligns the tab-separated columns as Go's tabwriter (minwidth 12, padding 2).

import { ColumnHeaders, DEFAULT_FUNCTIONS, executeTemplate } from './execute.js';
import { parseTemplate } from './parse.js';

export interface ReportOptions {
  /** The template's name in errors (`ps`, `images`, `inspect`). */
  name: string;
  /** Column headers that are not the field's words in capitals (ID → CONTAINER ID). */
  headers?: Readonly<Record<string, string>>;
  /** What a bare `table` means: the verb's default columns (`table {{.ID}}\t…`). */
  defaultTable?: string;
  /** podman's --noheading: a table without its header row (the columns aligned as with it). */
  noHeading?: boolean;
}

/** True when `format` is a Go template (anything but the words json and table, which callers handle). */
export function isTemplateFormat(format: string | undefined): format is string {
  return format !== undefined && format !== '' && format !== 'json';
}

/** The text `rows` print as under `format`, one template run per row. */
export function renderReport(format: string, rows: readonly unknown[], options: ReportOptions): string {
  const chosen = format.trim() === 'table' && options.defaultTable ? options.defaultTable : format;
  const table = /^\s*table(\s|$)/.test(chosen);
  let source = table ? chosen.trim().slice('table'.length).replace(/^ /, '') : chosen;
  source = mapText(source, (text) => {
    const unescaped = text.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
    return table ? unescaped.replace(/ +/g, '\t') : unescaped;
  });
  if (!source.endsWith('\n')) source += '\n';
  const nodes = parseTemplate(options.name, source, (name) => Object.hasOwn(DEFAULT_FUNCTIONS, name));
  const lines = rows.map((row) => executeTemplate(options.name, nodes, row));
  if (!table) return lines.join('');
  const aligned = alignColumns([executeTemplate(options.name, nodes, new ColumnHeaders(options.headers ?? {})), ...lines].join(''));
  return options.noHeading ? aligned.slice(aligned.indexOf('\n') + 1) : aligned;
}

/** Applies `fn` to the text outside `{{…}}` actions. */
function mapText(source: string, fn: (text: string) => string): string {
  return source.split(/(\{\{[\s\S]*?\}\})/).map((part, i) => (i % 2 === 0 ? fn(part) : part)).join('');
}

const MIN_WIDTH = 12;
const PADDING = 2;

/** Go's tabwriter: each tab-terminated cell padded to its column's widest (at least MIN_WIDTH); a line's last cell as it is. */
function alignColumns(text: string): string {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const cells = lines.map((line) => line.split('\t'));
  const widths: number[] = [];
  for (const row of cells) {
    row.slice(0, -1).forEach((cell, col) => {
      widths[col] = Math.max(widths[col] ?? MIN_WIDTH, cell.length + PADDING);
    });
  }
  return cells.map((row) => row.map((cell, col) => (col < row.length - 1 ? cell.padEnd(widths[col]!) : cell)).join('') + '\n').join('');
}
