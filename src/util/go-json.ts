// JSON text byte-identical to what containers/storage writes (json-iterator in
// std-lib-compatible mode): compact, object keys in the order given (records
// are built in Go struct order), map keys sorted bytewise by the caller via
// `sortedMap`, and Go's string escaping (`<`, `>`, `&`, U+2028, U+2029 as
// \u escapes; lone surrogates as U+FFFD). No trailing newline.

const ESCAPES: Record<string, string> = {
  '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t',
  '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029',
};

// Characters that need escaping, plus lone surrogates (invalid UTF-8 in Go).
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f<>&\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escapeChar(ch: string): string {
  const known = ESCAPES[ch];
  if (known) return known;
  const code = ch.charCodeAt(0);
  if (code >= 0xd800 && code <= 0xdfff) return '\ufffd';
  return '\\u' + code.toString(16).padStart(4, '0');
}

// The same set without the global flag: a test that keeps no state between calls.
const HAS_ESCAPE = new RegExp(NEEDS_ESCAPE.source);

export function goQuote(s: string): string {
  // Most strings (IDs, names, times, digests) need no escape: skip the replace's new string.
  return HAS_ESCAPE.test(s) ? '"' + s.replace(NEEDS_ESCAPE, escapeChar) + '"' : '"' + s + '"';
}

/**
 * What V8's JSON.stringify writes differently from Go, in its output: `<`, `>`,
 * `&`, U+2028 and U+2029 unescaped, lone surrogates as `\udXXX` escapes, and
 * `\b`/`\f` short escapes. A match may be a false alarm (an escaped backslash
 * before `b`); it only sends the value to the slower exact encoder.
 */
const V8_DIFFERS_FROM_GO = /[<>&\u2028\u2029]|\\u[dD][89a-fA-F]|\\[bf]/;

/**
 * Encodes plain data (strings, numbers, bigints, booleans, null, arrays and
 * plain objects): objects keep their insertion order; `undefined` members are
 * skipped. V8's native JSON.stringify writes the same text for nearly every
 * record and is several times faster on a listing of 10,000 records (it makes
 * no intermediate strings for the collector); the rare text it writes
 * differently is encoded again by Go's rules.
 */
export function goJsonStringify(value: unknown): string {
  let native: string | undefined;
  try {
    native = JSON.stringify(value);
  } catch {
    // A bigint: V8 refuses it, Go writes its digits.
  }
  if (native !== undefined && !V8_DIFFERS_FROM_GO.test(native)) return native;
  return encodeGoJson(value);
}

/** Go's encoding of `value`, by its rules alone. Plain loops: no entries or mapped arrays. */
function encodeGoJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return goQuote(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + encodeGoJson(value[i]);
        return out + ']';
      }
      const object = value as Record<string, unknown>;
      let out = '';
      for (const key of Object.keys(object)) {
        const member = object[key];
        if (member === undefined) continue;
        out += (out ? ',' : '') + goQuote(key) + ':' + encodeGoJson(member);
      }
      return '{' + out + '}';
    }
    default:
      throw new TypeError(`cannot encode a ${typeof value} as JSON`);
  }
}

/** A copy of `map` with keys in Go's bytewise order (Go sorts map keys when encoding). */
export function sortedMap<V>(map: Record<string, V>): Record<string, V> {
  const keys = Object.keys(map);
  // Maps read from Go's files come sorted already: a plain copy is a tenth of the sort's cost.
  if (isSorted(keys)) return { ...map };
  const out: Record<string, V> = {};
  for (const key of keys.sort(compareBytewise)) out[key] = map[key] as V;
  return out;
}

function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) {
    if (compareBytewise(keys[i - 1]!, keys[i]!) > 0) return false;
  }
  return true;
}

/**
 * UTF-8 byte order. UTF-16 code units sort the same way up to their first
 * difference unless both are at or above U+D800 (surrogates against
 * U+E000–U+FFFF), where the bytes decide: no buffers for the common keys.
 */
function compareBytewise(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) return Buffer.compare(Buffer.from(a), Buffer.from(b));
    return x - y;
  }
  return a.length - b.length;
}

/**
 * A Go `time.Time` in RFC 3339 with nanoseconds, trailing zeros trimmed, as
 * json-iterator writes it. Node has milliseconds; the sub-millisecond part
 * comes from the monotonic clock so that IDs made in one millisecond still
 * sort by creation time.
 */
export function goTimeNow(): string {
  const now = Date.now();
  const subMillis = Number(process.hrtime.bigint() % 1_000_000n);
  return formatGoTime(now, subMillis);
}

/** A caller's time as Go's RFC 3339 nanosecond text: a string is kept as given, a Date is formatted, none is now. */
export function goTimeOf(value: string | Date | undefined): string {
  if (value === undefined) return goTimeNow();
  return typeof value === 'string' ? value : formatGoTime(value.getTime());
}

/**
 * Without Date: the first Date#toISOString of a process sets up V8's date cache, which reads
 * the time zone (/etc/localtime, ICU) even for UTC: ~1 ms of every verb that writes a record.
 */
function formatGoTime(epochMillis: number, subMillisNanos = 0): string {
  const millis = ((epochMillis % 1000) + 1000) % 1000;
  const nanos = millis * 1_000_000 + subMillisNanos;
  const fraction = nanos === 0 ? '' : '.' + String(nanos).padStart(9, '0').replace(/0+$/, '');
  return `${utcSeconds(epochMillis - millis)}${fraction}Z`;
}

/** What Date#toISOString gives (`2026-12-04T10:00:00.123Z`, years 0-9999), without its first-call cost (above). */
export function isoTime(epochMillis: number = Date.now()): string {
  const millis = ((epochMillis % 1000) + 1000) % 1000;
  return `${utcSeconds(epochMillis - millis)}.${pad(millis, 3)}Z`;
}

/** `YYYY-MM-DDTHH:MM:SS` of a whole second. */
function utcSeconds(epochMillis: number): string {
  const seconds = epochMillis / 1000;
  const secondOfDay = ((seconds % 86400) + 86400) % 86400;
  const [year, month, day] = civilFromDays((seconds - secondOfDay) / 86400);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(Math.floor(secondOfDay / 3600), 2)}:${pad(Math.floor(secondOfDay / 60) % 60, 2)}:${pad(secondOfDay % 60, 2)}`;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** The proleptic Gregorian [year, month, day] of a count of days since 1970-01-01 (H. Hinnant's civil_from_days). */
function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  return [yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

/** The zero `time.Time`, which Go writes for a record that has no creation time. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';
