// Opens a FileChunkStream, loading its module on first use: the class extends
// Readable, and defining it while the CLI starts (util's index is loaded by
// every verb) loaded node:stream, ~3-5 ms of every `berth` start here.

import type { FileChunkStream, FileChunkStreamOptions } from './file-chunk-stream.js';

/** FileChunkStream.open: the file's bytes from `start` to `end` in 2 MiB huge-page chunks. */
export async function openFileChunks(path: string, options: FileChunkStreamOptions = {}): Promise<FileChunkStream> {
  const { FileChunkStream: Stream } = await import('./file-chunk-stream.js');
  return Stream.open(path, options);
}
