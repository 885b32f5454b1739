// Writes tar-split metadata as vbatts/tar-split's JSON packer does: one JSON
// object per line, gzipped. Raw bytes (headers, padding, end marker) are
// segments (type 2, base64 payload); each entry is a file record (type 1)
// with its name, size and CRC-64/ISO of the content. Positions count records.

import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { createGzip, constants as zlibConstants, type Gzip } from 'node:zlib';
import { goQuote } from '../util/index.js';

interface AwaitingRecord {
  name: string;
  size: number;
  position: number;
  crc?: Buffer;
}

function fileLine(name: string, size: number, crc: Buffer | null, position: number): string {
  const sizeField = size > 0 ? `"size":${size},` : '';
  const payload = crc === null ? 'null' : '"' + crc.toString('base64') + '"';
  return `{"type":1,"name":${goQuote(name)},${sizeField}"payload":${payload},"position":${position}}\n`;
}

/** Lines are handed to gzip in batches: one write per 256 KiB instead of one per entry. */
const FLUSH_AT = 256 * 1024;

export class TarSplitWriter {
  private readonly gzip: Gzip;
  private readonly output: WriteStream;
  private pending = '';
  private position = 0;
  /** Lines held back behind file records whose CRC-64 has not arrived yet, in order. */
  private held: Array<string | AwaitingRecord> = [];
  private awaiting: AwaitingRecord[] = [];
  private readonly done: Promise<void>;

  constructor(private readonly path: string) {
    // Go's layer store writes its tar-split with gzip at best speed; the bytes of the .gz need
    // not match, only the JSON inside.
    this.gzip = createGzip({ level: zlibConstants.Z_BEST_SPEED });
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
    const payload = parts === null ? 'null' : '"' + (parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts)).toString('base64') + '"';

    this.push(`{"type":2,"payload":${payload},"position":${this.position++}}\n`);
  }

  /** A file record; `crc` is null when the entry has no content (Go: `"payload":null`). */
  file(name: string, size: number, crc: Buffer | null): void {
    this.push(fileLine(name, size, crc, this.position++));
  }

  /** A file record whose CRC-64 comes later through `resolveCrcs` (computed by the writer thread). */
  fileAwaitingCrc(name: string, size: number): void {
    const record: AwaitingRecord = { name, size, position: this.position++ };
    this.awaiting.push(record);
    this.held.push(record);
  }

  /** CRC-64s (8 bytes each) for the oldest awaiting records, in order; releases held lines. */
  resolveCrcs(crcs: Buffer): void {
    for (let at = 0; at < crcs.length; at += 8) {
      const record = this.awaiting.shift();
      if (!record) throw new Error('tar-split: more checksums than awaiting file records');
      record.crc = Buffer.from(crcs.subarray(at, at + 8));
    }
    let released = 0;
    for (const item of this.held) {
      if (typeof item !== 'string' && !item.crc) break;
      this.pending += typeof item === 'string' ? item : fileLine(item.name, item.size, item.crc as Buffer, item.position);
      released++;
    }
    this.held.splice(0, released);
    if (this.pending.length >= FLUSH_AT) this.flush();
  }

  /** Resolves when gzip can take more (back-pressure for the apply loop); undefined if it can now. */
  drained(): Promise<void> | undefined {
    if (!this.gzip.writableNeedDrain) return undefined;
    return new Promise((resolve) => this.gzip.once('drain', resolve));
  }

  async finish(): Promise<void> {
    if (this.held.length > 0) throw new Error('tar-split: finished while file checksums are outstanding');
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

  private push(line: string): void {
    if (this.held.length > 0) {
      this.held.push(line);
      return;
    }
    this.pending += line;
    if (this.pending.length >= FLUSH_AT) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.gzip.write(this.pending);
    this.pending = '';
  }
}
