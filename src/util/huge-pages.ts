// Memory in transparent huge pages from the textfile addon: on this VM a fresh
// 4 KiB page costs ~12 µs to touch, a 2 MiB huge page about as much as eight.

import { loadNativeAddon } from './native-addon.js';

interface HugePageAddon {
  readChunk(fd: number, position: number, length: number): Promise<Buffer>;
  hugeBuffer(length: number): Buffer;
}

let addon: HugePageAddon | undefined;

function hugePages(): HugePageAddon {
  return (addon ??= loadNativeAddon<HugePageAddon>('textfile'));
}

/**
 * Up to `length` bytes of the file at `position` (fewer only at its end), read on the libuv
 * threadpool into huge pages (the mapping of a collected chunk when the addon kept one); the
 * Buffer owns them and spans only the bytes read.
 */
export function readHugeChunk(fd: number, position: number, length: number): Promise<Buffer> {
  return hugePages().readChunk(fd, position, length);
}

/**
 * A Buffer of at least `length` bytes (whole 2 MiB pages: it spans them all) over populated huge
 * pages, released when it is collected. Its content is undefined (a kept mapping holds old bytes).
 */
export function hugeBuffer(length: number): Buffer {
  return hugePages().hugeBuffer(length);
}
