// Builds layer tars in code for tests and benchmarks: every entry type, PAX
// records (long names, xattrs with binary values such as security.capability),
// GNU long names, GNU sparse files, whiteouts, hard links, raw bytes for
// hostile cases, and bulk trees of thousands of files.
//
//   const tar = new TarBuilder()
//     .dir('etc')
//     .file('etc/passwd', 'root:x:0:0::/root:/bin/sh\n', { mode: 0o644 })
//     .symlink('etc/localtime', '/usr/share/zoneinfo/UTC')
//     .hardlink('etc/passwd-', 'etc/passwd')
//     .whiteout('var/cache')          // `.wh.cache` in var/
//     .opaque('usr/share')            // `usr/share/.wh..wh..opq`
//     .toBuffer();                    // or .writeTo(path), .chunks()
//
// Names are written as given (no `./` added); use `prefixDotSlash` for the
// `./name` style GNU tar and many image builders use.

import { closeSync, openSync, writeSync } from 'node:fs';
import { encodeTarHeader, paddingFor, TarEntryType, type TarHeaderInput } from '../../src/archive/index.js';
import { encodeFileName } from '../../src/util/index.js';

export interface EntryOptions {
  mode?: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  /** Seconds since the epoch (default 1700000000). */
  mtime?: number;
  /** Extended attributes, `SCHILY.xattr.<name>` PAX records; values byte for byte. */
  xattrs?: Record<string, string | Uint8Array>;
  /** Extra PAX records for this entry. */
  pax?: Record<string, string | Uint8Array>;
  /** Write long names/link names as GNU `L`/`K` entries instead of PAX `path`/`linkpath`. */
  gnuLongNames?: boolean;
}

export interface BuilderOptions {
  /** Prepend `./` to every name (as `tar -C dir .` does). Default false. */
  prefixDotSlash?: boolean;
  /** Zero bytes after the two end blocks; default pads the archive to a 10240-byte record as GNU tar does. */
  trailingBytes?: number;
  /** Leave out the end-of-archive marker (a truncated or concatenated tar). */
  omitEndMarker?: boolean;
}

/** `security.capability` value granting cap_net_bind_service (VFS_CAP_REVISION_2), as setcap writes it. */
export const CAP_NET_BIND_SERVICE = Buffer.from('0000000200040000000000000000000000000000', 'hex');

/** The whole content of a file: bytes, or a size filled with deterministic pseudo-random bytes. */
export type Content = string | Uint8Array | { size: number; seed?: number };

type Piece = Buffer | (() => Generator<Buffer>);

const DEFAULT_MTIME = 1700000000;

export class TarBuilder {
  private readonly pieces: Piece[] = [];
  private length = 0;
  /** Names and types added, in order (for assertions). */
  readonly entries: Array<{ name: string; type: TarEntryType }> = [];

  constructor(private readonly options: BuilderOptions = {}) {}

  dir(name: string, options: EntryOptions = {}): this {
    return this.header({ name: withSlash(this.name(name)), type: TarEntryType.Directory, mode: 0o755 }, options);
  }

  file(name: string, content: Content = '', options: EntryOptions = {}): this {
    const size = contentSize(content);
    this.header({ name: this.name(name), type: TarEntryType.File, size, mode: 0o644 }, options);
    this.pieces.push(() => contentChunks(content));
    this.length += size;
    this.push(Buffer.alloc(paddingFor(size)));
    return this;
  }

  symlink(name: string, target: string, options: EntryOptions = {}): this {
    return this.header({ name: this.name(name), type: TarEntryType.Symlink, linkname: target, mode: 0o777 }, options);
  }

  /** A hard link to `target`, named as in the archive (the builder adds `./` to it too when asked). */
  hardlink(name: string, target: string, options: EntryOptions = {}): this {
    return this.header({ name: this.name(name), type: TarEntryType.HardLink, linkname: this.name(target), mode: 0o644 }, options);
  }

  /** A hard link whose link name is written exactly as given (hostile cases). */
  rawHardlink(name: string, linkname: string, options: EntryOptions = {}): this {
    return this.header({ name: this.name(name), type: TarEntryType.HardLink, linkname, mode: 0o644 }, options);
  }

  charDevice(name: string, major: number, minor: number, options: EntryOptions = {}): this {
    return this.header({ name: this.name(name), type: TarEntryType.CharDevice, devmajor: major, devminor: minor, mode: 0o666 }, options);
  }

  blockDevice(name: string, major: number, minor: number, options: EntryOptions = {}): this {
    return this.header({ name: this.name(name), type: TarEntryType.BlockDevice, devmajor: major, devminor: minor, mode: 0o660 }, options);
  }

  fifo(name: string, options: EntryOptions = {}): this {
    return this.header({ name: this.name(name), type: TarEntryType.Fifo, mode: 0o644 }, options);
  }

  /** AUFS whiteout of `path`: an empty file `.wh.<base>` beside it. */
  whiteout(path: string, options: EntryOptions = {}): this {
    const slash = path.lastIndexOf('/');
    const name = slash >= 0 ? `${path.slice(0, slash)}/.wh.${path.slice(slash + 1)}` : `.wh.${path}`;
    return this.file(name, '', { mode: 0o644, ...options });
  }

  /** AUFS opaque marker for directory `dir`: `<dir>/.wh..wh..opq`. */
  opaque(dir: string, options: EntryOptions = {}): this {
    return this.file(`${dir.replace(/\/+$/, '')}/.wh..wh..opq`, '', { mode: 0o644, ...options });
  }

  /**
   * A GNU old-style sparse file ('S'): `regions` of data in a file of `realSize` bytes; the
   * data of each region is filled with its index + 1 (so holes read as zeros, data not).
   */
  gnuSparse(name: string, realSize: number, regions: Array<{ offset: number; length: number }>, options: EntryOptions = {}): this {
    if (regions.length > 4) throw new Error('gnuSparse: at most 4 regions (no extension blocks)');
    const physical = regions.reduce((sum, r) => sum + r.length, 0);
    const header = encodeTarHeader({ ...this.input({ name: this.name(name), type: TarEntryType.GnuSparse, size: physical, mode: 0o644 }, options) });
    const block = header.subarray(header.length - 512);
    if (header.length !== 512 || Buffer.byteLength(name) > 100) throw new Error('gnuSparse: the name must fit in the 100-byte field');
    // GNU layout: magic "ustar  \0", sparse entries at 386 (offset, numbytes: 12 octal bytes each), realsize at 483.
    block.write('ustar  \u0000', 257, 'latin1');
    regions.forEach((r, i) => {
      block.write(octal(r.offset, 12), 386 + i * 24, 'latin1');
      block.write(octal(r.length, 12), 386 + i * 24 + 12, 'latin1');
    });
    block.write(octal(realSize, 12), 483, 'latin1');
    fixChecksum(block);
    this.entries.push({ name: this.name(name), type: TarEntryType.GnuSparse });
    const data = Buffer.concat(regions.map((r, i) => Buffer.alloc(r.length, i + 1)));
    this.push(block, data, Buffer.alloc(paddingFor(data.length)));
    return this;
  }

  /** Any header (full control, e.g. odd types or sizes); content is up to the caller (`raw`). */
  header(input: TarHeaderInput, options: EntryOptions = {}): this {
    const full = this.input(input, options);
    this.entries.push({ name: full.name, type: full.type });
    if (options.gnuLongNames && full.linkname && encodeFileName(full.linkname).length > 100) {
      this.gnuLong(TarEntryType.GnuLongLink, full.linkname);
      full.linkname = full.linkname.slice(0, 100);
    }
    if (options.gnuLongNames && encodeFileName(full.name).length > 100) {
      this.gnuLong(TarEntryType.GnuLongName, full.name);
      full.name = full.name.slice(0, 100);
    }
    this.push(encodeTarHeader(full));
    return this;
  }

  /** Raw bytes appended as they are (hostile or malformed archives). */
  raw(bytes: Uint8Array): this {
    this.push(Buffer.from(bytes));
    return this;
  }

  /**
   * A bulk tree: `dirs` × `filesPerDir` small files (0-`maxSmall` bytes) under `root`, a
   * symlink and a hard link per directory, and `largeFiles` files of `largeSize` bytes.
   */
  tree(root: string, shape: { dirs: number; filesPerDir: number; maxSmall?: number; largeFiles?: number; largeSize?: number; seed?: number }): this {
    const random = prng(shape.seed ?? 1);
    this.dir(root);
    for (let d = 0; d < shape.dirs; d++) {
      const dir = `${root}/d${d}`;
      this.dir(dir, { mode: d % 5 === 0 ? 0o700 : 0o755 });
      for (let f = 0; f < shape.filesPerDir; f++) {
        this.file(`${dir}/f${f}`, { size: Math.floor(random() * ((shape.maxSmall ?? 4096) + 1)), seed: d * 100000 + f }, { mode: f % 7 === 0 ? 0o755 : 0o644, uid: f % 3, gid: f % 4 });
      }
      this.symlink(`${dir}/link`, 'f0');
      this.hardlink(`${dir}/hard`, `${dir}/f1`);
    }
    for (let l = 0; l < (shape.largeFiles ?? 0); l++) this.file(`${root}/large${l}.bin`, { size: shape.largeSize ?? 1 << 20, seed: 7_000_000 + l });
    return this;
  }

  /** The archive in pieces, generated lazily (large archives never sit in memory whole). */
  *chunks(): Generator<Buffer> {
    for (const piece of this.pieces) {
      if (Buffer.isBuffer(piece)) yield piece;
      else yield* piece();
    }
    if (this.options.omitEndMarker) return;
    const end = 1024;
    const trailing = this.options.trailingBytes ?? paddingToRecord(this.byteLength() + end);
    yield Buffer.alloc(end + trailing);
  }

  toBuffer(): Buffer {
    return Buffer.concat([...this.chunks()]);
  }

  /** Writes the archive to `path` without holding it in memory. */
  writeTo(path: string): void {
    const fd = openSync(path, 'w');
    try {
      for (const chunk of this.chunks()) writeSync(fd, chunk);
    } finally {
      closeSync(fd);
    }
  }

  /** Bytes before the end marker. */
  byteLength(): number {
    return this.length;
  }

  private push(...buffers: Buffer[]): void {
    for (const buffer of buffers) {
      this.pieces.push(buffer);
      this.length += buffer.length;
    }
  }

  private gnuLong(type: TarEntryType, value: string): void {
    const data = Buffer.concat([encodeFileName(value), Buffer.alloc(1)]);
    const header = encodeTarHeader({ name: '././@LongLink', type, size: data.length, mode: 0o644 });
    header.write('ustar  \u0000', 257, 'latin1');
    fixChecksum(header);
    this.push(header, data, Buffer.alloc(paddingFor(data.length)));
  }

  private input(input: TarHeaderInput, options: EntryOptions): TarHeaderInput {
    const xattrs = new Map(Object.entries(options.xattrs ?? {}).map(([k, v]) => [k, Buffer.from(v)]));
    const pax = options.pax ? new Map(Object.entries(options.pax).map(([k, v]) => [k, Buffer.from(v)])) : undefined;
    return {
      mtime: options.mtime ?? DEFAULT_MTIME,
      uid: options.uid ?? 0,
      gid: options.gid ?? 0,
      uname: options.uname ?? '',
      gname: options.gname ?? '',
      ...input,
      ...(options.mode !== undefined ? { mode: options.mode } : {}),
      xattrs,
      ...(pax ? { pax } : {}),
    };
  }

  private name(name: string): string {
    return this.options.prefixDotSlash && !name.startsWith('./') && !name.startsWith('/') ? './' + name : name;
  }
}

function withSlash(name: string): string {
  return name.endsWith('/') ? name : name + '/';
}

function contentSize(content: Content): number {
  if (typeof content === 'string') return Buffer.byteLength(content);
  if (content instanceof Uint8Array) return content.length;
  return content.size;
}

function* contentChunks(content: Content): Generator<Buffer> {
  if (typeof content === 'string' || content instanceof Uint8Array) {
    yield Buffer.from(content);
    return;
  }
  const random = prng(content.seed ?? content.size);
  let left = content.size;
  while (left > 0) {
    const chunk = Buffer.allocUnsafe(Math.min(left, 1 << 20));
    // Compressible bytes: each from a 64-letter alphabet (about 1.3x with gzip).
    for (let i = 0; i < chunk.length; i++) chunk[i] = 0x40 + ((random() * 64) | 0);
    yield chunk;
    left -= chunk.length;
  }
}

function paddingToRecord(length: number): number {
  const rest = length % 10240;
  return rest === 0 ? 0 : 10240 - rest;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function fixChecksum(block: Buffer): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += block[i] as number;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
}

/** A small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
