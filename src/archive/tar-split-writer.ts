// Writes tar-split metadata as vbatts/tar-split's JSON packer does: one JSON
// object per line, gzipped. Raw bytes (headers, padding, end marker) are
// segments (type 2, base64 payload); each entry is a file record (type 1)
// with its name, size and CRC-64/ISO of the content. Positions count records.

import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { createGzip, constants as zlibConstants, type Gzip } from 'node:zlib';
import { encodeFileName, goQuote, hasEscapedBytes } from '../util/index.js';
import { xattrAddon } from './native.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LESS = 0x3c;
const GREATER = 0x3e;
const AMPERSAND = 0x26;

/** Room a file line needs besides its name: the JSON around it, two numbers, the CRC's base64. */
const FILE_LINE_ROOM = 128;

/**
 * Lines are written straight into buffers of this size, handed to gzip when full: one gzip
 * write per 256 KiB, and no JS string holding a whole batch of lines (building one with `+=`
 * then encoding it cost ~0.1 s of main-thread time for a 30,000-file layer's 36 MB of JSON).
 */
const OUTPUT_BUFFER = 256 * 1024;

const NAME_KEY = '"name":';

/**
 * A file record's name field. tar-split keeps a name that is not UTF-8 (Go's strings are bytes)
 * as `name_raw`, its bytes in base64, instead of `name`, which JSON would mangle.
 */
function nameField(name: string): string {
  if (hasEscapedBytes(name)) return `"name_raw":"${encodeFileName(name).toString('base64')}"`;
  return NAME_KEY + goQuote(name);
}

export class TarSplitWriter {
  private readonly gzip: Gzip;
  private readonly output: WriteStream;
  private buffer: Buffer = Buffer.allocUnsafeSlow(OUTPUT_BUFFER);
  private used = 0;
  /**
   * Output buffers gzip has consumed, filled again: a fresh buffer per 256 KiB cost a page fault
   * per 4 KiB written (~0.02 s for the 36 MB of JSON of a 30,000-file layer).
   */
  private readonly spare: Buffer[] = [];
  private position = 0;
  private readonly done: Promise<void>;

  constructor(private readonly path: string) {
    // Go's layer store writes its tar-split with gzip at best speed; the bytes of the .gz need
    // not match, only the JSON inside.
    this.gzip = createGzip({ level: zlibConstants.Z_BEST_SPEED, chunkSize: OUTPUT_BUFFER });
    this.output = createWriteStream(path, { mode: 0o600 });
    this.gzip.pipe(this.output);
    this.done = finished(this.output);
    this.done.catch(() => { /* reported by finish() */ });
  }

  /**
   * A raw segment. Go's encoder writes a nil payload as `null` and an empty one as `""`;
   * `parts === null` stands for nil (tar-split passes nil only for an empty raw read).
   */
  segment(parts: Buffer[] | null): void {
    const position = this.position++;
    if (parts === null) {
      this.writeText(`{"type":2,"payload":null,"position":${position}}\n`);
      return;
    }
    this.writeText('{"type":2,"payload":"');
    this.writeBase64(parts);
    this.writeText(`","position":${position}}\n`);
  }

  /**
   * A file record; `crc` is null when the entry has no content (Go: `"payload":null`). Written
   * byte by byte into the output buffer: building each line as a string, quoting included, made
   * ~18 MB of garbage for a 30,000-file layer.
   */
  file(name: string, size: number, crc: Buffer | null): void {
    const position = this.position++;
    // UTF-8 takes at most 3 bytes per UTF-16 unit, and Go's escapes at most 6.
    if (this.used + name.length * 6 + FILE_LINE_ROOM > this.buffer.length) this.flush();
    if (name.length * 6 + FILE_LINE_ROOM > this.buffer.length) {
      this.writeText(`{"type":1,${nameField(name)},`);
    } else {
      this.ascii('{"type":1,');
      if (!this.plainName(name)) this.used += this.buffer.write(nameField(name), this.used, 'utf8');
      this.ascii(',');
    }
    if (this.used + FILE_LINE_ROOM > this.buffer.length) this.flush();
    if (size > 0) {
      this.ascii('"size":');
      this.ascii(String(size));
      this.ascii(',');
    }
    this.ascii('"payload":');
    if (crc === null) {
      this.ascii('null');
    } else {
      this.ascii('"');
      this.used = xattrAddon.base64Encode([crc], this.buffer, this.used);
      this.ascii('"');
    }
    this.ascii(',"position":');
    this.ascii(String(position));
    this.ascii('}\n');
  }

  /** Resolves when gzip can take more (back-pressure for the apply loop); undefined if it can now. */
  drained(): Promise<void> | undefined {
    if (!this.gzip.writableNeedDrain) return undefined;
    return new Promise((resolve) => this.gzip.once('drain', resolve));
  }

  async finish(): Promise<void> {
    this.flush();
    this.gzip.end();
    await this.done;
  }

  /** Stops writing and removes the partial file. */
  async abort(): Promise<void> {
    this.gzip.destroy();
    this.output.destroy();
    await rm(this.path, { force: true });
  }

  /**
   * The base64 of the parts' concatenation, encoded straight into the output buffer: no string
   * per raw header (~20 MB of strings for a 30,000-file layer, then copied again as UTF-8).
   * More than the buffer holds (bytes after the end marker) goes to gzip on its own.
   */
  private writeBase64(parts: Buffer[]): void {
    let size = 0;
    for (const part of parts) size += part.length;
    const encoded = Math.ceil(size / 3) * 4;
    if (this.used + encoded > this.buffer.length) this.flush();
    if (encoded > this.buffer.length) {
      this.gzip.write(Buffer.from(Buffer.concat(parts).toString('base64'), 'latin1'));
      return;
    }
    this.used = xattrAddon.base64Encode(parts, this.buffer, this.used);
  }

  /** ASCII text the caller made room for, byte by byte (no encoder call for a few bytes). */
  private ascii(text: string): void {
    const buffer = this.buffer;
    let at = this.used;
    for (let i = 0; i < text.length; i++) buffer[at++] = text.charCodeAt(i);
    this.used = at;
  }

  /**
   * Writes `"name":"s"` when every character of `s` is printable ASCII that JSON and Go leave as
   * is (most names); otherwise writes nothing and returns false.
   */
  private plainName(s: string): boolean {
    const buffer = this.buffer;
    let at = this.used;
    for (let i = 0; i < NAME_KEY.length; i++) buffer[at++] = NAME_KEY.charCodeAt(i);
    buffer[at++] = QUOTE;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH || c === LESS || c === GREATER || c === AMPERSAND) return false;
      buffer[at++] = c;
    }
    buffer[at++] = QUOTE;
    this.used = at;
    return true;
  }

  /** UTF-8 text into the output buffer (a piece bigger than the buffer goes to gzip on its own). */
  private writeText(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.used + text.length * 3 > this.buffer.length) {
      this.flush();
      if (text.length * 3 > this.buffer.length) {
        this.gzip.write(Buffer.from(text, 'utf8'));
        return;
      }
    }
    this.used += this.buffer.write(text, this.used, 'utf8');
  }

  private flush(): void {
    if (this.used === 0) return;
    const full = this.buffer;
    // The write callback runs once gzip has taken in the whole chunk.
    this.gzip.write(full.subarray(0, this.used), () => this.spare.push(full));
    this.buffer = this.spare.pop() ?? Buffer.allocUnsafeSlow(OUTPUT_BUFFER);
    this.used = 0;
  }
}
