// Image archives as tar files (docker-archive, oci-archive): an index of the
// entries of an archive on disk, read back by byte range; and a writer that
// appends entries one at a time, in the order callers get its turn.

import { open, type FileHandle } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { encodeTarHeader, END_OF_ARCHIVE, paddingFor, parseHeaderBlock, parsePaxRecords, BLOCK_SIZE, TarEntryType } from '../../archive/index.js';
import { ImageError } from '../errors.js';

export interface TarIndexEntry {
  name: string;
  type: TarEntryType;
  /** Offset of the content in the file. */
  offset: number;
  size: number;
  linkname: string;
}

/** Cleaned names (no `./`, no trailing `/`) → entries; the last entry of a name wins, as tar extraction would. */
export async function indexTarFile(path: string): Promise<Map<string, TarIndexEntry>> {
  const entries = new Map<string, TarIndexEntry>();
  const handle = await open(path, 'r');
  try {
    const { size: fileSize } = await handle.stat();
    const block = Buffer.alloc(BLOCK_SIZE);
    let offset = 0;
    let longName: string | undefined;
    let pax: Map<string, Buffer> | undefined;
    while (offset + BLOCK_SIZE <= fileSize) {
      await readExactly(handle, block, offset);
      if (block.every((b) => b === 0)) break;
      const header = parseHeaderBlock(block, 0);
      const contentOffset = offset + BLOCK_SIZE;
      const size = header.type === TarEntryType.Directory || header.type === TarEntryType.Symlink || header.type === TarEntryType.HardLink ? 0 : header.size;
      if (contentOffset + size > fileSize) throw new ImageError('archive-invalid', `${path}: truncated at entry ${JSON.stringify(header.name)}`, { path });
      offset = contentOffset + size + paddingFor(size);
      if (header.type === TarEntryType.GnuLongName || header.type === TarEntryType.PaxHeader) {
        const data = Buffer.alloc(size);
        await readExactly(handle, data, contentOffset);
        if (header.type === TarEntryType.GnuLongName) longName = data.toString('utf8').replace(/\0+$/, '');
        else pax = parsePaxRecords(data);
        continue;
      }
      if (header.type === TarEntryType.PaxGlobalHeader || header.type === TarEntryType.GnuLongLink) continue;
      const name = cleanName(pax?.get('path')?.toString('utf8') ?? longName ?? header.name);
      const linkname = pax?.get('linkpath')?.toString('utf8') ?? header.linkname;
      longName = undefined;
      pax = undefined;
      entries.set(name, { name, type: header.type, offset: contentOffset, size, linkname });
    }
  } finally {
    await handle.close();
  }
  return entries;
}

/** The regular file `name` refers to, following symlinks and hard links inside the archive. */
export function resolveTarEntry(entries: Map<string, TarIndexEntry>, name: string, archive: string): TarIndexEntry {
  let current = cleanName(name);
  for (let hops = 0; hops < 32; hops++) {
    const entry = entries.get(current);
    if (!entry) break;
    if (entry.type === TarEntryType.Symlink) {
      current = cleanName(posix.join(posix.dirname(current), entry.linkname));
      continue;
    }
    if (entry.type === TarEntryType.HardLink) {
      current = cleanName(entry.linkname);
      continue;
    }
    if (entry.type === TarEntryType.File || entry.type === TarEntryType.OldFile || entry.type === TarEntryType.Contiguous) return entry;
    break;
  }
  throw new ImageError('archive-invalid', `${archive}: no file ${JSON.stringify(name)}`, { archive, name });
}

export function readTarEntry(path: string, entry: TarIndexEntry): Readable {
  if (entry.size === 0) return Readable.from([]);
  return createReadStream(path, { start: entry.offset, end: entry.offset + entry.size - 1, highWaterMark: 1 << 20 });
}

export async function readTarEntryBytes(path: string, entry: TarIndexEntry, limit: number): Promise<Buffer> {
  if (entry.size > limit) throw new ImageError('archive-invalid', `${path}: ${entry.name} is over the limit of ${limit} bytes`, { path, name: entry.name });
  const handle = await open(path, 'r');
  try {
    const data = Buffer.alloc(entry.size);
    await readExactly(handle, data, entry.offset);
    return data;
  } finally {
    await handle.close();
  }
}

/** Appends entries to a new tar file; `turn()` serialises callers that write from parallel copies. */
export class TarFileWriter {
  private queue: Promise<void> = Promise.resolve();

  private constructor(private readonly handle: FileHandle, private position: number) {}

  static async create(path: string): Promise<TarFileWriter> {
    return new TarFileWriter(await open(path, 'wx', 0o644), 0);
  }

  /** Runs `write` when every earlier turn is done. */
  turn<T>(write: () => Promise<T>): Promise<T> {
    const result = this.queue.then(write);
    this.queue = result.then(() => undefined, () => undefined);
    return result;
  }

  async addFile(name: string, data: Buffer): Promise<void> {
    await this.write(encodeTarHeader({ name, type: TarEntryType.File, size: data.length, mode: 0o644, mtime: 0 }));
    await this.write(data);
    await this.write(Buffer.alloc(paddingFor(data.length)));
  }

  /** A file of exactly `size` bytes from `stream`; fails (and the archive is to be dropped) on any other count. */
  async addStream(name: string, size: number, stream: Readable): Promise<void> {
    await this.write(encodeTarHeader({ name, type: TarEntryType.File, size, mode: 0o644, mtime: 0 }));
    let written = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      written += chunk.length;
      if (written > size) throw new ImageError('blob-size-mismatch', `${name}: more than ${size} bytes`, { name, size });
      await this.write(chunk);
    }
    if (written !== size) throw new ImageError('blob-size-mismatch', `${name}: ${written} bytes, expected ${size}`, { name, size, written });
    await this.write(Buffer.alloc(paddingFor(size)));
  }

  async addDirectory(name: string): Promise<void> {
    await this.write(encodeTarHeader({ name: name.endsWith('/') ? name : `${name}/`, type: TarEntryType.Directory, mode: 0o755, mtime: 0 }));
  }

  async finish(): Promise<void> {
    await this.write(END_OF_ARCHIVE);
    await this.handle.sync();
    await this.handle.close();
  }

  async abandon(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }

  private async write(data: Buffer): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.handle.write(data, done, data.length - done, this.position);
      done += bytesWritten;
      this.position += bytesWritten;
    }
  }
}

function cleanName(name: string): string {
  const cleaned = posix.normalize(`/${name}`).slice(1).replace(/\/+$/, '');
  return cleaned;
}

async function readExactly(handle: FileHandle, target: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < target.length) {
    const { bytesRead } = await handle.read(target, done, target.length - done, position + done);
    if (bytesRead === 0) throw new ImageError('archive-invalid', 'archive ends early', { position });
    done += bytesRead;
  }
}

/** Which archive transport reads the tar at `path`: one with an `oci-layout` file is an OCI archive. */
export async function archiveTransportOf(path: string): Promise<'oci-archive' | 'docker-archive'> {
  const entries = await indexTarFile(path);
  return entries.has('oci-layout') ? 'oci-archive' : 'docker-archive';
}
