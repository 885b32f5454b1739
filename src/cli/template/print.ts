import { goStrconvQuote } from '../storage/go-quote.js';

// fmt's %v and Printf for template values: strings as they are, nil as
// <no value>, slices as [a b], maps as map[k:v] in key order, structs as {a b}.

/** fmt.Sprint of one value, as a template action prints it. */
export function goPrint(value: unknown): string {
  if (value === undefined || value === null) return '<no value>';
  return formatValue(value, false);
}

function formatValue(value: unknown, nested: boolean): string {
  if (value === undefined || value === null) return nested ? '<nil>' : '<no value>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `[${value.map((v) => formatValue(v, true)).join(' ')}]`;
  if (value instanceof Map) {
    const keys = [...value.keys()].sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
    return `map[${keys.map((k) => `${formatValue(k, true)}:${formatValue(value.get(k), true)}`).join(' ')}]`;
  }
  if (typeof value === 'object' && value.toString !== Object.prototype.toString) return String(value);
  if (typeof value === 'object') return `{${Object.values(value).map((v) => formatValue(v, true)).join(' ')}}`;
  return String(value);
}

function formatNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  // Go's %v of a float64 is %g: the shortest repr, exponent from 1e21 (and below 1e-4).
  const text = String(n);
  return text.replace(/e\+?(-?)(\d)$/, 'e$10$2').replace(/e\+?(-?\d\d+)$/, (_m, e: string) => `e${e.startsWith('-') ? e : `+${e}`}`);
}

/**
 * fmt.Sprintf for the verbs a format string in a template uses: %s %v %d %q %t
 * %x %X %f %e %g %c %%, with flags (- + 0 space #), width and precision.
 */
export function goPrintf(format: string, args: unknown[]): string {
  let next = 0;
  return format.replace(/%([-+# 0]*)(\d+|\*)?(?:\.(\d+|\*))?([a-zA-Z%])/g, (_whole, flags: string, width?: string, precision?: string, verb?: string) => {
    if (verb === '%') return '%';
    const w = width === '*' ? Number(args[next++]) : width === undefined ? undefined : Number(width);
    const p = precision === '*' ? Number(args[next++]) : precision === undefined ? undefined : Number(precision);
    if (next >= args.length) return `%!${verb}(MISSING)`;
    const text = formatVerb(verb!, args[next++], flags, p);
    return pad(text, w, flags, verb!);
  }) + (next < args.length ? `%!(EXTRA ${args.slice(next).map((a) => `${typeof a}=${goPrint(a)}`).join(', ')})` : '');
}

function formatVerb(verb: string, arg: unknown, flags: string, precision: number | undefined): string {
  switch (verb) {
    case 'v':
    case 's': {
      const text = arg === undefined || arg === null ? '<nil>' : formatValue(arg, true);
      return precision === undefined ? text : [...text].slice(0, precision).join('');
    }
    case 'q':
      return typeof arg === 'number' ? `'${String.fromCodePoint(arg)}'` : goStrconvQuote(formatValue(arg, true));
    case 'd':
      return typeof arg === 'number' ? withSign(Math.trunc(arg).toString(), arg, flags) : `%!d(${typeof arg}=${goPrint(arg)})`;
    case 't':
      return typeof arg === 'boolean' ? String(arg) : `%!t(${typeof arg}=${goPrint(arg)})`;
    case 'x':
    case 'X': {
      const text = typeof arg === 'number' ? Math.trunc(arg).toString(16) : Buffer.from(String(arg)).toString('hex');
      return verb === 'X' ? text.toUpperCase() : text;
    }
    case 'f':
    case 'F':
      return typeof arg === 'number' ? withSign(arg.toFixed(precision ?? 6), arg, flags) : `%!f(${typeof arg}=${goPrint(arg)})`;
    case 'e':
      return typeof arg === 'number' ? withSign(arg.toExponential(precision ?? 6).replace(/e([+-])(\d)$/, 'e$10$2'), arg, flags) : `%!e(${typeof arg}=${goPrint(arg)})`;
    case 'g':
      return typeof arg === 'number' ? withSign(precision === undefined ? formatNumber(arg) : String(Number(arg.toPrecision(precision))), arg, flags) : `%!g(${typeof arg}=${goPrint(arg)})`;
    case 'c':
      return typeof arg === 'number' ? String.fromCodePoint(arg) : `%!c(${typeof arg}=${goPrint(arg)})`;
    default:
      return `%!${verb}(${typeof arg}=${goPrint(arg)})`;
  }
}

function withSign(text: string, n: number, flags: string): string {
  if (n >= 0 && flags.includes('+')) return `+${text}`;
  if (n >= 0 && flags.includes(' ')) return ` ${text}`;
  return text;
}

function pad(text: string, width: number | undefined, flags: string, verb: string): string {
  if (width === undefined || text.length >= width) return text;
  if (flags.includes('-')) return text.padEnd(width);
  if (flags.includes('0') && 'dfFeEgxX'.includes(verb)) {
    const sign = /^[-+ ]/.test(text) ? text[0]! : '';
    return sign + text.slice(sign.length).padStart(width - sign.length, '0');
  }
  return text.padStart(width);
}
