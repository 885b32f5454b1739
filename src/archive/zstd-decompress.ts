// zstd decompression as a Transform over zstd-napi's binding (its DCtx).
// zstd-napi's own DecompressStream allocates a fresh 128 KiB Buffer for every
// piece of output: 178 MB of new memory per bench layer, whose pages fault in
// one by one as zstd writes them (~12 µs each on this VM: ~10,000 more faults
// on the main thread when nothing freed lay around for malloc to hand back).
// Here the output goes into 2 MiB huge-page buffers, filled piece after piece
// and handed on as slices; a slice is never written again.

import { Transform, type TransformCallback } from 'node:stream';
// A CommonJS module whose exports Node cannot list for named imports.
import zstd from 'zstd-napi/binding.js';
import { hugeBuffer } from '../util/index.js';

const OUTPUT_BUFFER = 2 << 20;
/** zstd's recommended output size: with less room left, the next piece goes to a new buffer. */
const MIN_ROOM = zstd.dStreamOutSize();
const EMPTY = Buffer.alloc(0);

export class ZstdDecompressStream extends Transform {
  private readonly dctx = new zstd.DCtx();
  private output: Buffer = EMPTY;
  private used = 0;
  /** Whether the input so far ends inside a frame (then its end is an error). */
  private inFrame = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      let input = chunk;
      for (;;) {
        if (this.output.length - this.used < MIN_ROOM) {
          this.output = hugeBuffer(OUTPUT_BUFFER);
          this.used = 0;
        }
        const room = this.output.length - this.used;
        const [left, produced, consumed] = this.dctx.decompressStream(this.output.subarray(this.used), input);
        if (produced > 0) {
          this.push(this.output.subarray(this.used, this.used + produced));
          this.used += produced;
        }
        input = input.subarray(consumed);
        // All input taken, and zstd stopped short of the room it had (or ended a frame): done.
        if (input.length === 0 && (produced < room || left === 0)) {
          this.inFrame = left !== 0;
          break;
        }
      }
    } catch (err) {
      callback(err as Error);
      return;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    callback(this.inFrame ? new Error('the zstd stream ended inside a frame') : null);
  }
}
