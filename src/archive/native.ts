// Loads the xattr addon (native/xattr): extended attributes on links, mknod,
// and Go's CRC-64/ISO, none of which Node's fs offers.

import { loadNativeAddon } from '../util/native-addon.js';

/** A path or name as the addon takes it: a string (UTF-8) or its bytes (names that are not UTF-8). */
type FsName = string | Buffer;

export interface XattrAddon {
  /** lsetxattr(2): sets the attribute on the path itself (never follows a final symlink). */
  lsetxattr(path: FsName, name: FsName, value: Buffer): void;
  /** lgetxattr(2): the value, or null when the attribute is absent. */
  lgetxattr(path: FsName, name: string): Buffer | null;
  /** llistxattr(2): attribute names. */
  llistxattr(path: FsName): string[];
  /** mknod(2); `mode` includes the type bits (S_IFCHR, S_IFBLK, S_IFIFO). */
  mknod(path: FsName, mode: number, major: number, minor: number): void;
  /**
   * A descriptor of the directory at `path` (O_PATH|O_DIRECTORY|O_NOFOLLOW: no read permission
   * needed) for createFile; close it with closeDirectory.
   */
  openDirectory(path: FsName): number;
  /** Closes a descriptor from openDirectory (fs.closeSync would warn in a worker thread). */
  closeDirectory(fd: number): void;
  /**
   * Creates the regular file `name` (one component) in the directory `dirFd` in one call:
   * openat(O_CREAT|O_EXCL|O_NOFOLLOW, mode & 0777), write content[start, end), fchown
   * (EPERM/EINVAL ignored when asked) and fchmod only where fstat shows the owner or mode differ,
   * futimens (seconds, fractions kept), close. Throws a Node-style error; EEXIST when something
   * is in the way.
   */
  createFile(dirFd: number, name: FsName, content: Buffer, start: number, end: number, mode: number, uid: number, gid: number,
    atime: number, mtime: number, ignoreChownErrors: boolean): void;
  /**
   * createFile for the run of small regular files that follows in a writer batch (layout in
   * apply-worker-protocol.ts) from `cursor` = [number index of an entry, string index of its
   * name], while each is named `prefix` + one plain component (no whiteout, UTF-8), has no xattrs,
   * is not sparse, has at most `maxSize` bytes, all in the batch. Stops at the first other entry
   * or the first failure of any kind, leaving it to the caller; moves `cursor` past the files
   * written and returns their count (at most hadContent.length); hadContent[k] is 1 when file k
   * had content.
   */
  createFiles(dirFd: number, numbers: Float64Array, strings: string[], bytes: Buffer, cursor: Float64Array, prefix: string,
    maxSize: number, ignoreChownErrors: boolean, hadContent: Uint8Array): number;
  /**
   * On the libuv threadpool: reads file i (O_NOFOLLOW) into `target` at `spans[2i]`, up to
   * `spans[2i+1]` bytes; `got[i]` gets the bytes read and `crcs[8i…8i+8]` the running CRC-64.
   * Rejects with a Node-style error for the first file that cannot be opened or read.
   */
  readFiles(paths: FsName[], target: Buffer, spans: Float64Array, got: Uint32Array, crcs: Buffer): Promise<void>;
  /**
   * Writes the standard base64 ('=' padded) of the parts' concatenation into `target` at
   * `offset`; returns the offset after it. RangeError when it does not fit.
   */
  base64Encode(parts: Buffer[], target: Buffer, offset: number): number;
  /** Go's crc64.Update with the ISO table; `state` is the running sum as 8 big-endian bytes. */
  crc64Update(state: Buffer, data: Buffer): void;
}

export const xattrAddon = loadNativeAddon<XattrAddon>('xattr');
