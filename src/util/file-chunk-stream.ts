// A file read as a stream of 2 MiB chunks, each read on the libuv threadpool
// into huge pages (the textfile addon's readChunk): the reader for layer
// blobs and archives given by path. fs.createReadStream reads into fresh
// malloc'd buffers, whose 4 KiB pages cost ~12 µs each to touch on this VM.

import { close, open } from 'node:fs';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import { readHugeChunk } from './huge-pages.js';

const openFile = promisify(open);

/** One huge page per chunk. */
const CHUNK_SIZE = 2 << 20;

export interface FileChunkStreamOptions {
  /** First byte to read (default 0). */
  start?: number;
  /** Last byte to read, inclusive, as fs.createReadStream takes it (default: to the end). */
  end?: number;
}

/** The file's bytes from `start` to `end`, two chunks read ahead. Chunks are never reused. */
export class FileChunkStream extends Readable {
  /**
   * Opens the file first, so that a file that cannot be opened is the promise's rejection (Node's
   * error, naming the path), not an 'error' event nobody may be listening to yet.
   */
  static async open(path: string, options: FileChunkStreamOptions = {}): Promise<FileChunkStream> {
    // A plain descriptor, not a FileHandle: Node closes a FileHandle it collects as garbage.
    return new FileChunkStream(path, await openFile(path, 'r'), options);
  }

  private position: number;
  /** The read on the threadpool, if any: the descriptor is closed only after it. */
  private reading: Promise<unknown> | undefined;
  private readonly stop: number;

  private constructor(readonly path: string, private fd: number, options: FileChunkStreamOptions) {
    super({ highWaterMark: 2 * CHUNK_SIZE });
    this.position = options.start ?? 0;
    this.stop = options.end === undefined ? Infinity : options.end + 1;
  }

  override _read(): void {
    const length = Math.min(CHUNK_SIZE, this.stop - this.position);
    if (length <= 0) {
      this.push(null);
      return;
    }
    this.reading = readHugeChunk(this.fd, this.position, length).then((chunk) => {
      this.reading = undefined;
      if (this.destroyed) return;
      this.position += chunk.length;
      // Fewer bytes than asked: the end of the file.
      if (chunk.length > 0) this.push(chunk);
      if (chunk.length < length) this.push(null);
    }, (err: NodeJS.ErrnoException) => {
      this.reading = undefined;
      err.path = this.path;
      err.message = `${err.message} '${this.path}'`;
      this.destroy(err);
    });
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (this.fd < 0) {
      callback(err);
      return;
    }
    const fd = this.fd;
    this.fd = -1;
    const closeFd = (): void => close(fd, (closeErr) => callback(err ?? closeErr));
    if (this.reading) void this.reading.finally(closeFd);
    else closeFd();
  }
}
