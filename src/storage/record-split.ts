// Finding the records of a record file without parsing them. A listing of
// 10,000 containers used to JSON.parse the whole 3 MB containers.json and
// then copy every object into a record: about 15 MB of short-lived objects,
// and on this kind of VM every fresh heap page costs a ~12 µs fault (the load
// was ~100 ms of a 236 ms listing). Records split out here are decoded one
// at a time, and only as far as the caller needs (lazy-container.ts).

/** A JSON string, escapes included (regular expression source). */
export const JSON_STRING = '"[^"\\\\]*(?:\\\\.[^"\\\\]*)*"';
/** Anything between strings and brackets: punctuation, numbers, literals, white space. */
const OTHER = '[^"{}\\[\\]]+';

/**
 * A JSON object with up to `depth` levels of objects or arrays inside it
 * (regular expression source). Brackets are only balanced, not matched by
 * kind, and the tokens between strings are not checked: the parser of the
 * text found reports anything else.
 */
export function jsonObjectPattern(depth: number): string {
  let members = `(?:${OTHER}|${JSON_STRING})*`;
  for (let level = 0; level < depth; level++) members = `(?:${OTHER}|${JSON_STRING}|[{\\[]${members}[}\\]])*`;
  return `\\{${members}\\}`;
}

/** An element with three levels inside: a record's ID maps need two, its flags may hold more. Made at first use. */
let element: RegExp | undefined;

/** The end of the object that starts at `start`, or -1 when there is none this splitter knows. */
export function objectEnd(text: string, start: number): number {
  element ??= new RegExp(jsonObjectPattern(3), 'y');
  element.lastIndex = start;
  return element.test(text) ? element.lastIndex : -1;
}

/**
 * Calls `read(start)` for each element of a JSON array, in order; `read`
 * returns where the element ends, or -1 when it cannot read it. Returns
 * whether the text was such an array, whole (having perhaps read some
 * elements when it was not).
 */
export function forEachArrayElement(text: string, read: (start: number) => number): boolean {
  let at = skipSpace(text, 0);
  if (text.charCodeAt(at) !== 0x5b) return false; // [
  at = skipSpace(text, at + 1);
  if (text.charCodeAt(at) === 0x5d) return skipSpace(text, at + 1) === text.length; // ]
  for (;;) {
    const end = read(at);
    if (end < 0) return false;
    at = skipSpace(text, end);
    const next = text.charCodeAt(at);
    if (next === 0x5d) return skipSpace(text, at + 1) === text.length;
    if (next !== 0x2c) return false; // ,
    at = skipSpace(text, at + 1);
  }
}

function skipSpace(text: string, at: number): number {
  for (let code = text.charCodeAt(at); code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09; code = text.charCodeAt(at)) at++;
  return at;
}
