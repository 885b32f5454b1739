// Deep copies of JSON-shaped data (strings, numbers, booleans, arrays, plain
// objects): the free-form parts of records (flags) handed to library callers,
// who may change them without touching the store's own. structuredClone does
// the same through a serializer at many times the cost.

/** A deep copy of `value`; a value that is not JSON-shaped (a Buffer in flags, say) is copied by structuredClone. */
export function copyPlain<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyPlain(value[i] as unknown);
    return out as T;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  // for…in with an own-key check: no array of keys per object copied.
  for (const key in source) {
    if (!Object.hasOwn(source, key)) continue;
    // A record read from JSON may hold a "__proto__" key: keep it as data.
    if (key === '__proto__') Object.defineProperty(out, key, { value: copyPlain(source[key]), enumerable: true, writable: true, configurable: true });
    else out[key] = copyPlain(source[key]);
  }
  return out as T;
}
