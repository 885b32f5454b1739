// The diff a layer call is given (LayerDiff), as the stream the appliers read.

import type { Readable } from 'node:stream';
import { openFileChunks } from '../util/index.js';
import type { LayerDiff } from './types.js';

/**
 * Runs `use` with `diff` as a stream. A path is read as a FileChunkStream, destroyed after `use`
 * whether or not it was read to its end (a call that fails first leaves no descriptor open).
 */
export async function withDiffStream<T, D extends LayerDiff | undefined>(diff: D, use: (stream: Exclude<D, string>) => Promise<T>): Promise<T> {
  if (typeof diff !== 'string') return use(diff as Exclude<D, string>);
  const stream = await openFileChunks(diff);
  try {
    return await use(stream as Readable as Exclude<D, string>);
  } finally {
    stream.destroy();
  }
}
