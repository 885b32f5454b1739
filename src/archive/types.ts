// The contract of src/archive: layer tars in and out of a directory, as
// containers/storage's pkg/archive and tar-split do it.

import type { Readable } from 'node:stream';
import type { IdMappings } from '../idmap/index.js';

/** Compression of a layer blob; the numbers are what layers.json records. */
export enum Compression {
  None = 0,
  Bzip2 = 1,
  Gzip = 2,
  Xz = 3,
  Zstd = 4,
}

/**
 * How AUFS whiteouts in a tar become files:
 * - `overlay`: `.wh.NAME` → 0:0 character device NAME; `.wh..wh..opq` → xattr trusted.overlay.opaque=y.
 * - `delete`: the whited-out path is removed from the (copied) tree; opaque dirs lose the
 *   children this layer did not write (vfs).
 */
export type WhiteoutFormat = 'overlay' | 'delete';

export interface ApplyOptions {
  whiteoutFormat: WhiteoutFormat;
  /** Where to write the gzipped tar-split of the uncompressed tar; none when absent. */
  tarSplitPath?: string;
  /** Refuse a stream that decompresses to more than this many bytes (decompression bomb guard). */
  maxUncompressedSize?: number;
  /** Ignore EPERM/EINVAL from chown (storage.conf ignore_chown_errors). */
  ignoreChownErrors?: boolean;
  /** Mode to force on everything (storage.conf force_mask); none when absent. */
  forceMask?: number;
  /** The layer's ID mappings: entries carry container IDs, files get the host IDs. */
  idMappings?: IdMappings;
}

/** What containers/storage records on a layer after applying its diff. */
export interface ApplyResult {
  compression: Compression;
  /** Digest and size of the bytes as given (compressed or not). */
  compressedDigest: string;
  compressedSize: number;
  /** Digest and size of the uncompressed tar (the diffID). */
  uncompressedDigest: string;
  uncompressedSize: number;
  /** Sorted unique owners of entries, whiteout entries excluded. */
  uidSet: number[];
  gidSet: number[];
  /** Whether the tar had an entry for the root directory itself (`./`), which sets the root's mode and owner. */
  rootEntry: boolean;
}

/** The Go library's change kinds (pkg/archive ChangeModify, ChangeAdd, ChangeDelete). */
export enum ChangeKind {
  Modify = 0,
  Add = 1,
  Delete = 2,
}

export interface Change {
  /** Absolute inside the layer: `/etc/passwd`. */
  path: string;
  kind: ChangeKind;
}

/** A tar stream of a layer's diff; the caller reads it once. */
export type TarStream = Readable;
