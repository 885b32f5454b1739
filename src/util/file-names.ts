// Linux file names are bytes, Berth's names are JS strings. A name that is
// valid UTF-8 is its decoded string; a name that is not (a Latin-1 `café` in an
// old tar) keeps each byte that is not part of a valid UTF-8 sequence as a lone
// low surrogate U+DC80–U+DCFF (Python's "surrogateescape"). Decoded UTF-8 never
// holds a lone surrogate, so the mapping is lossless both ways and two names
// that differ in such bytes stay two strings. Node's fs encodes strings as
// UTF-8 (a lone surrogate as U+FFFD), so a name holding escapes goes to it as
// a Buffer of its bytes (`fsPath`), and names read back come as bytes when
// Node's decoding replaced something.

import { isUtf8 } from 'node:buffer';
import { promises as fsp, readdirSync, readlinkSync, type Dirent } from 'node:fs';

const ESCAPE_BASE = 0xdc00;
/** With the `u` flag a character class matches lone surrogates only, never half of a pair. */
const ESCAPED_BYTE = /[\udc80-\udcff]/u;
const REPLACEMENT = '\ufffd';

/** The name of `bytes[start, end)`: its UTF-8 text, with bytes outside valid sequences escaped. */
export function decodeFileName(bytes: Buffer, start = 0, end = bytes.length): string {
  const text = bytes.toString('utf8', start, end);
  // U+FFFD is either a replaced byte or a real U+FFFD in valid UTF-8: only then look closer.
  if (!text.includes(REPLACEMENT) || isUtf8(bytes.subarray(start, end))) return text;
  let out = '';
  let i = start;
  while (i < end) {
    const length = utf8SequenceLength(bytes, i, end);
    if (length === 0) {
      out += String.fromCharCode(ESCAPE_BASE + (bytes[i] as number));
      i++;
    } else {
      out += bytes.toString('utf8', i, i + length);
      i += length;
    }
  }
  return out;
}

/** The bytes of a name: UTF-8, escaped bytes as themselves. */
export function encodeFileName(name: string): Buffer {
  if (!ESCAPED_BYTE.test(name)) return Buffer.from(name, 'utf8');
  const parts: Buffer[] = [];
  let run = 0;
  for (let i = 0; i < name.length; i++) {
    const unit = name.charCodeAt(i);
    if (unit < 0xdc80 || unit > 0xdcff || (i > 0 && isHighSurrogate(name.charCodeAt(i - 1)))) continue;
    if (i > run) parts.push(Buffer.from(name.slice(run, i), 'utf8'));
    parts.push(Buffer.of(unit - ESCAPE_BASE));
    run = i + 1;
  }
  if (run < name.length) parts.push(Buffer.from(name.slice(run), 'utf8'));
  return Buffer.concat(parts);
}

/** True when the name holds bytes that are not UTF-8 (escapes). */
export function hasEscapedBytes(name: string): boolean {
  return ESCAPED_BYTE.test(name);
}

/** The path as Node's fs takes it: the string itself, or its bytes when it holds escapes. */
export function fsPath(path: string): string | Buffer {
  return ESCAPED_BYTE.test(path) ? encodeFileName(path) : path;
}

/** readdirSync of names, byte-exact (a second, Buffer read only when Node's decoding replaced bytes). */
export function readdirNamesSync(dir: string): string[] {
  const names = readdirSync(fsPath(dir));
  if (!names.some((n) => n.includes(REPLACEMENT))) return names;
  return readdirSync(fsPath(dir), { encoding: 'buffer' }).map((n) => decodeFileName(n));
}

/** The async readdir of names, byte-exact. */
export async function readdirNames(dir: string): Promise<string[]> {
  const names = await fsp.readdir(fsPath(dir));
  if (!names.some((n) => n.includes(REPLACEMENT))) return names;
  return (await fsp.readdir(fsPath(dir), { encoding: 'buffer' })).map((n) => decodeFileName(n));
}

/** A directory entry: its byte-exact name and its type as readdir saw it. */
export interface NamedDirent {
  name: string;
  isDirectory(): boolean;
}

/** readdirSync with file types, names byte-exact. */
export function readdirEntriesSync(dir: string): NamedDirent[] {
  const entries: Dirent[] = readdirSync(fsPath(dir), { withFileTypes: true });
  if (!entries.some((e) => e.name.includes(REPLACEMENT))) return entries;
  return readdirSync(fsPath(dir), { withFileTypes: true, encoding: 'buffer' }).map((e) => {
    const name = decodeFileName(e.name as unknown as Buffer);
    return { name, isDirectory: () => e.isDirectory() };
  });
}

/** readlinkSync, the target byte-exact. */
export function readlinkNameSync(path: string): string {
  const target = readlinkSync(fsPath(path));
  if (!target.includes(REPLACEMENT)) return target;
  return decodeFileName(readlinkSync(fsPath(path), { encoding: 'buffer' }));
}

/** The async readlink, the target byte-exact. */
export async function readlinkName(path: string): Promise<string> {
  const target = await fsp.readlink(fsPath(path));
  if (!target.includes(REPLACEMENT)) return target;
  return decodeFileName(await fsp.readlink(fsPath(path), { encoding: 'buffer' }));
}

/**
 * Orders names by their bytes, as Go compares strings. UTF-16 units sort the same way except
 * surrogates against U+E000–U+FFFF, which the first differing unit is remapped for; a name with
 * escaped bytes is compared as bytes.
 */
export function compareFileNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    if ((isSurrogate(ca) || isSurrogate(cb)) && (ESCAPED_BYTE.test(a) || ESCAPED_BYTE.test(b))) {
      return Buffer.compare(encodeFileName(a), encodeFileName(b));
    }
    return codePointRank(ca) - codePointRank(cb);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (isSurrogate(unit)) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

function isSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdfff;
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

/**
 * The length of the well-formed UTF-8 sequence at `i` (Unicode's table 3-7: no overlong forms,
 * no surrogates, nothing above U+10FFFF), or 0 when the byte there starts none.
 */
function utf8SequenceLength(bytes: Buffer, i: number, end: number): number {
  const b0 = bytes[i] as number;
  if (b0 < 0x80) return 1;
  let length: number;
  let low = 0x80;
  let high = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) length = 2;
  else if (b0 >= 0xe0 && b0 <= 0xef) {
    length = 3;
    if (b0 === 0xe0) low = 0xa0;
    else if (b0 === 0xed) high = 0x9f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    length = 4;
    if (b0 === 0xf0) low = 0x90;
    else if (b0 === 0xf4) high = 0x8f;
  } else return 0;
  if (i + length > end) return 0;
  const b1 = bytes[i + 1] as number;
  if (b1 < low || b1 > high) return 0;
  for (let k = 2; k < length; k++) {
    const b = bytes[i + k] as number;
    if (b < 0x80 || b > 0xbf) return 0;
  }
  return length;
}
