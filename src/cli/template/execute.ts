// Runs a parsed template on a value as Go's text/template does: plain objects
// are structs (an unknown field is an error), Maps are Go maps (a missing key
// is the zero value), values print as fmt's %v prints them.

import { TemplateError } from './errors.js';
import { goPrint, goPrintf } from './print.js';
import type { Command, Node, Operand, Pipeline } from './parse.js';

export type TemplateFunction = (...args: unknown[]) => unknown;

/**
 * What a `table` format's header row runs on: each field is its column's
 * header, the field's words in capitals (CreatedAt → CREATED AT) unless
 * `overrides` names it otherwise (ID → CONTAINER ID).
 */
export class ColumnHeaders {
  constructor(private readonly overrides: Readonly<Record<string, string>>) {}

  header(field: string): string {
    return this.overrides[field] ?? field.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2').toUpperCase();
  }
}

/** A time that prints as Go's time.Time does (`2026-12-05 00:27:21.607870968 +0000 UTC`) and marshals as RFC 3339. */
export class GoTime {
  constructor(readonly iso: string) {}

  toString(): string {
    const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(this.iso);
    if (!m) return this.iso;
    const fraction = m[3]?.replace(/0+$/, '');
    const zone = m[4] === 'Z' ? '+0000 UTC' : `${m[4]!.replace(':', '')} ${m[4]!.replace(':', '')}`;
    return `${m[1]} ${m[2]}${fraction ? `.${fraction}` : ''} ${zone}`;
  }

  toJSON(): string {
    return this.iso;
  }
}

/** The builtins of text/template that podman users reach for. */
const BUILTINS: Record<string, TemplateFunction> = {
  and: (...args) => args.find((a) => !truth(a)) ?? args[args.length - 1],
  or: (...args) => args.find((a) => truth(a)) ?? args[args.length - 1],
  not: (a) => !truth(a),
  len: (a) => {
    if (typeof a === 'string' || Array.isArray(a)) return a.length;
    if (a instanceof Map) return a.size;
    throw new Error(`len of ${typeName(a)}`);
  },
  index: (a, ...keys) => keys.reduce((value, key) => indexValue(value, key), a),
  print: (...args) => args.map((a, i) => (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string' ? ' ' : '') + goPrint(a)).join(''),
  println: (...args) => `${args.map(goPrint).join(' ')}\n`,
  printf: (format, ...args) => goPrintf(String(format), args),
  eq: (a, ...rest) => rest.some((b) => comparable(a) === comparable(b)),
  ne: (a, b) => comparable(a) !== comparable(b),
  lt: (a, b) => order(a, b) < 0,
  le: (a, b) => order(a, b) <= 0,
  gt: (a, b) => order(a, b) > 0,
  ge: (a, b) => order(a, b) >= 0,
};

/** podman's additions (containers/common report.DefaultFuncs). */
const PODMAN_FUNCTIONS: Record<string, TemplateFunction> = {
  json: (a) => JSON.stringify(a, mapsAsObjects) ?? 'null',
  lower: (s) => String(s).toLowerCase(),
  upper: (s) => String(s).toUpperCase(),
  title: (s) => String(s).replace(/(^|[^\p{L}\p{N}'])(\p{L})/gu, (_m, before: string, letter: string) => before + letter.toUpperCase()),
  join: (list, sep) => (list as unknown[]).map(goPrint).join(String(sep)),
  split: (s, sep) => String(s).split(String(sep)),
  truncate: (s, n) => String(s).slice(0, Number(n)),
  pad: (s, before, after) => ' '.repeat(Number(before)) + String(s) + ' '.repeat(Number(after)),
};

export const DEFAULT_FUNCTIONS: Readonly<Record<string, TemplateFunction>> = { ...BUILTINS, ...PODMAN_FUNCTIONS };

/** Runs `nodes` on `data`; the result is the text they print. */
export function executeTemplate(name: string, nodes: Node[], data: unknown, functions: Readonly<Record<string, TemplateFunction>> = DEFAULT_FUNCTIONS): string {
  const run = new Run(name, functions);
  run.nodes(nodes, data, [{ name: '$', value: data }]);
  return run.output;
}

interface Variable {
  name: string;
  value: unknown;
}

class Run {
  output = '';

  constructor(private readonly name: string, private readonly functions: Readonly<Record<string, TemplateFunction>>) {}

  nodes(nodes: Node[], dot: unknown, vars: Variable[]): void {
    const depth = vars.length;
    for (const node of nodes) this.node(node, dot, vars);
    vars.length = depth;
  }

  private node(node: Node, dot: unknown, vars: Variable[]): void {
    switch (node.kind) {
      case 'text':
        this.output += node.text;
        return;
      case 'action': {
        const value = this.pipeline(node.pipe, dot, vars, node.pos);
        if (node.pipe.vars.length === 0) this.output += goPrint(value);
        return;
      }
      case 'if':
      case 'with': {
        const depth = vars.length;
        const value = this.pipeline(node.pipe, dot, vars, node.pos);
        if (truth(value)) this.nodes(node.then, node.kind === 'with' ? value : dot, vars);
        else this.nodes(node.otherwise, dot, vars);
        vars.length = depth;
        return;
      }
      case 'range':
        this.range(node, dot, vars);
    }
  }

  private range(node: Extract<Node, { kind: 'range' }>, dot: unknown, vars: Variable[]): void {
    const depth = vars.length;
    const { vars: names } = node.pipe;
    const value = this.pipeline({ ...node.pipe, vars: [] }, dot, vars, node.pos);
    const entries: Array<[unknown, unknown]> =
      Array.isArray(value) ? value.map((v, i) => [i, v])
      : value instanceof Map ? [...value.entries()].sort(([a], [b]) => order(a, b))
      : typeof value === 'number' && Number.isInteger(value) ? Array.from({ length: value }, (_, i) => [i, i])
      : value === null || value === undefined ? []
      : this.fail(node.pos, `range can't iterate over ${goPrint(value)}`);
    if (entries.length === 0) this.nodes(node.otherwise, dot, vars);
    for (const [key, element] of entries) {
      if (names.length === 1) vars.push({ name: names[0]!, value: element });
      if (names.length === 2) vars.push({ name: names[0]!, value: key }, { name: names[1]!, value: element });
      this.nodes(node.body, element, vars);
      vars.length = depth;
    }
  }

  private pipeline(pipe: Pipeline, dot: unknown, vars: Variable[], pos: string): unknown {
    let value: unknown;
    pipe.commands.forEach((command, i) => {
      value = this.command(command, dot, vars, pos, i === 0 ? [] : [value]);
    });
    if (pipe.vars.length > 0) {
      const name = pipe.vars[0]!;
      if (pipe.assign) {
        const variable = [...vars].reverse().find((v) => v.name === name);
        if (!variable) this.fail(pos, `undefined variable: ${name}`);
        variable.value = value;
      } else {
        vars.push({ name, value });
      }
    }
    return value;
  }

  private command(command: Command, dot: unknown, vars: Variable[], pos: string, piped: unknown[]): unknown {
    const [first, ...rest] = command;
    if (first!.kind === 'function') {
      const fn = this.functions[first!.name];
      if (!fn) this.fail(pos, `function "${first!.name}" not defined`);
      const args = [...rest.map((operand) => this.operand(operand, dot, vars, pos)), ...piped];
      try {
        return fn(...args);
      } catch (err) {
        this.fail(pos, `error calling ${first!.name}: ${(err as Error).message}`);
      }
    }
    if (rest.length > 0 || piped.length > 0) this.fail(pos, `can't give argument to non-function ${describe(first!)}`);
    return this.operand(first!, dot, vars, pos);
  }

  private operand(operand: Operand, dot: unknown, vars: Variable[], pos: string): unknown {
    switch (operand.kind) {
      case 'literal':
        return operand.value;
      case 'function': {
        const fn = this.functions[operand.name];
        if (!fn) this.fail(pos, `function "${operand.name}" not defined`);
        return fn();
      }
      case 'dot':
        return this.fields(dot, operand.fields, pos);
      case 'variable': {
        const variable = [...vars].reverse().find((v) => v.name === operand.name);
        if (!variable) this.fail(pos, `undefined variable: ${operand.name}`);
        return this.fields(variable.value, operand.fields, pos);
      }
      case 'sub':
        return this.fields(this.pipeline(operand.pipe, dot, vars, pos), operand.fields, pos);
    }
  }

  private fields(value: unknown, fields: string[], pos: string): unknown {
    let current = value;
    for (const field of fields) {
      if (current instanceof ColumnHeaders) return current.header(field);
      if (current instanceof Map) {
        current = current.has(field) ? current.get(field) : zeroOfMap(current);
      } else if (isStruct(current) && Object.hasOwn(current, field)) {
        current = current[field];
      } else {
        this.fail(pos, `can't evaluate field ${field} in type ${typeName(current)}`);
      }
    }
    return current;
  }

  private fail(pos: string, message: string): never {
    throw new TemplateError(this.name, pos, `executing "${this.name}": ${message}`);
  }
}

function isStruct(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Map) && !(value instanceof GoTime);
}

/** A missing key's value: "" in a map of strings (as podman's labels), else <no value>. */
function zeroOfMap(map: Map<unknown, unknown>): unknown {
  return [...map.values()].every((v) => typeof v === 'string') ? '' : undefined;
}

/** Go's truth: false, 0, nil, and empty strings, slices and maps are false. */
export function truth(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map) return value.size > 0;
  return true;
}

function indexValue(value: unknown, key: unknown): unknown {
  if (value instanceof Map) return value.has(key) ? value.get(key) : zeroOfMap(value);
  if (Array.isArray(value) || typeof value === 'string') {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= value.length) throw new Error(`index out of range: ${goPrint(key)}`);
    return value[i];
  }
  if (isStruct(value)) return value[String(key)];
  throw new Error(`can't index item of type ${typeName(value)}`);
}

function comparable(value: unknown): unknown {
  return value instanceof GoTime ? value.iso : value;
}

function order(a: unknown, b: unknown): number {
  const x = comparable(a);
  const y = comparable(b);
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  if (typeof x === 'string' && typeof y === 'string') return x < y ? -1 : x > y ? 1 : 0;
  throw new Error(`incompatible types for comparison: ${typeName(a)} and ${typeName(b)}`);
}

function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'interface {}';
  if (Array.isArray(value)) return '[]interface {}';
  if (value instanceof Map) return 'map[string]interface {}';
  if (value instanceof GoTime) return 'time.Time';
  return typeof value === 'object' ? 'struct' : typeof value;
}

function describe(operand: Operand): string {
  switch (operand.kind) {
    case 'dot':
      return operand.fields.length ? `.${operand.fields.join('.')}` : '.';
    case 'variable':
      return operand.name + (operand.fields.length ? `.${operand.fields.join('.')}` : '');
    case 'literal':
      return JSON.stringify(operand.value);
    default:
      return 'value';
  }
}

/** Go's json.Marshal writes a map's keys sorted. */
function mapsAsObjects(_key: string, value: unknown): unknown {
  return value instanceof Map ? Object.fromEntries([...value].sort(([a], [b]) => order(String(a), String(b)))) : value;
}
