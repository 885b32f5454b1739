// Writes tar-split metadata as vbatts/tar-split's JSON packer does: one JSON
// object per line, gzipped. Raw bytes (headers, padding, end marker) are
// segments (type 2, base64 payload); each entry is a file record (type 1)
// with its name, size and CRC-64/ISO of the content. Positions count records.

import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { createGzip, constants as zlibConstants, type Gzip } from 'node:zlib';
import { goQuote } from '../util/index.js';
import { xattrAddon } from './native.js';

function fileLine(name: string, size: number, crc: Buffer | null, position: number): string {
  const sizeField = size > 0 ? `"size":${size},` : '';
  const payload = crc === null ? 'null' : '"' + crc.toString('base64') + '"';
  return `{"type":1,"name":${goQuote(name)},${sizeField}"payload":${payload},"position":${position}}\n`;
}

/**
 * Lines are written straight into buffers of this size, handed to gzip when full: one gzip
 * write per 256 KiB, and no JS string holding a whole batch of lines (building one with `+=`
 * then encoding it cost ~0.1 s of main-thread time for a 30,000-file layer's 36 MB of JSON).
 */
const OUTPUT_BUFFER = 256 * 1024;

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

  /** A file record; `crc` is null when the entry has no content (Go: `"payload":null`). */
  file(name: string, size: number, crc: Buffer | null): void {
    this.writeText(fileLine(name, size, crc, this.position++));
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
   * per raw header (~0.04 s of main-thread time for a 30,000-file layer, with the UTF-8 copies).
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
