// Reading a whole file as text, fast for the common case of ASCII content.

import { readFileSync } from 'node:fs';
import { loadNativeAddon } from './native-addon.js';

interface TextFileAddon {
  /** The file's text as an external Latin-1 string when every byte is ASCII, else null; throws fs-style errors. */
  readAscii(path: string): string | null;
}

const textfile = loadNativeAddon<TextFileAddon>('textfile');

/**
 * The file's bytes as a UTF-8 string. An all-ASCII file (the record JSON files
 * nearly always are: Go escapes nothing but writes names as they are) comes
 * from the textfile addon as a string over the bytes it read, off V8's heap:
 * for a 3 MB containers.json that saves Node's Buffer, the ASCII check and the
 * Latin-1 copy (about 11 ms here) and their garbage. Anything else is decoded
 * as UTF-8 from a second read.
 */
export function readTextSync(path: string): string {
  return textfile.readAscii(path) ?? readFileSync(path, 'utf8');
}
