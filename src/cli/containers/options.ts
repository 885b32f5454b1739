// podman's option values: sizes (`64m`), env lists and files, filters.

import { readFileSync } from 'node:fs';
import { EngineError } from '../../engine/index.js';
import { fromHumanSize } from '../../util/index.js';

/** `512`, `64k`, `64m`, `1g` (podman's units are powers of 1024). */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([bkmg]?)b?$/i.exec(text.trim());
  if (!match) throw new EngineError('invalid-option', `invalid size ${JSON.stringify(text)}: want a number with an optional b, k, m or g`, { value: text });
  const unit = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]!.toLowerCase() as '' | 'b' | 'k' | 'm' | 'g'];
  return Math.round(Number(match[1]) * unit);
}

/** `--log-opt max-size` as podman reads it (fromHumanSize: decimal units, so that inspect shows `10MB` for `10mb`). */
export function parseHumanSize(text: string): number {
  try {
    return fromHumanSize(text);
  } catch (err) {
    throw new EngineError('invalid-option', (err as Error).message, { value: text });
  }
}

export function parsePositive(text: string, what: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new EngineError('invalid-option', `invalid ${what} ${JSON.stringify(text)}`, { value: text });
  return value;
}

/** A whole number from `min` to `max`, as podman's range checks word it. */
export function parseInRange(text: string, what: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || value < min || value > max) {
    throw new EngineError('invalid-option', `invalid value: ${text}, valid ${what} range is ${min}-${max}`, { value: text });
  }
  return value;
}

/** `-e KEY=VALUE`, or `-e KEY` for the caller's own value; `--env-file` lines the same way. */
export function environment(entries: string[], files: string[], env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  const add = (entry: string): void => {
    if (entry.includes('=')) out.push(entry);
    else if (env[entry] !== undefined) out.push(`${entry}=${env[entry]}`);
  };
  for (const file of files) entryLines(file, 'env file').forEach(add);
  entries.forEach(add);
  return out;
}

/** The entries of an --env-file or --label-file: its lines, trimmed, without blank lines and # comments. */
export function entryLines(file: string, what: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new EngineError('invalid-option', `${what} ${file}: ${(err as Error).message}`, { file }, { cause: err });
  }
  return text.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--filter key=value` pairs; several values of one key are alternatives, as podman treats them. */
export function parseFilters(filters: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const filter of filters) {
    const eq = filter.indexOf('=');
    if (eq <= 0) throw new EngineError('invalid-option', `invalid filter ${JSON.stringify(filter)}: want key=value`, { filter });
    const key = filter.slice(0, eq);
    out.set(key, [...(out.get(key) ?? []), filter.slice(eq + 1)]);
  }
  return out;
}

/**
 * podman's --filter semantics: several values of one key are alternatives,
 * and every key given must pass. `tests` says what each key means for a
 * `what` (containers, volumes, networks); another key is an error.
 */
export function passesFilters<T>(item: T, filters: Map<string, string[]>, tests: Record<string, (item: T, value: string) => boolean>, what: string): boolean {
  for (const [key, values] of filters) {
    const test = tests[key];
    if (!test) throw new EngineError('invalid-option', `invalid filter ${JSON.stringify(key)}: ${what} take ${Object.keys(tests).join(', ')}`, { filter: key });
    if (!values.some((value) => test(item, value))) return false;
  }
  return true;
}

/** A `label=` filter's value: `KEY` (the label is set, to anything) or `KEY=VALUE`. */
export function hasLabel(labels: Readonly<Record<string, string>>, filter: string): boolean {
  const eq = filter.indexOf('=');
  return eq < 0 ? Object.hasOwn(labels, filter) : labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}

/** `KEY=VALUE` entries (labels, annotations, sysctls, driver options) as a map; `KEY` alone is an empty value; a later key wins. */
export function keyValues(entries: readonly string[]): Record<string, string> {
  return Object.fromEntries(entries.map((entry) => {
    const eq = entry.indexOf('=');
    return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
  }));
}

/** RFC 3339, or a duration back from now (`10m`, `2h`, `30s`). */
export function pointInTime(text: string): Date {
  const relative = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (relative) {
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[relative[2] as 'ms' | 's' | 'm' | 'h'];
    return new Date(Date.now() - Number(relative[1]) * unit);
  }
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw new EngineError('invalid-option', `invalid time ${JSON.stringify(text)}: want RFC 3339 or a duration like 10m`, { value: text });
  return new Date(time);
}
