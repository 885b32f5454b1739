// Messages between applyLayer (main thread) and its writer worker.

import type { ErrorDetail } from '../util/index.js';
import type { LayerWriterOptions } from './apply-writer.js';
import type { ArchiveErrorCode } from './errors.js';
import type { TarHeader } from './tar/header.js';

/** One parser callback, replayed on the worker's LayerWriter in order. */
export type WriterOp =
  | { kind: 'entry'; header: TarHeader }
  /** Content bytes at `offset` in the batch's content buffer. */
  | { kind: 'data'; offset: number; length: number }
  | { kind: 'end' };

export type WorkerRequest =
  | { kind: 'start'; root: string; options: LayerWriterOptions }
  /** `content` is transferred, not copied. */
  | { kind: 'batch'; ops: WriterOp[]; content: Uint8Array }
  | { kind: 'finish' }
  | { kind: 'abort' };

export type WorkerReply =
  | { kind: 'ack' }
  | { kind: 'done' }
  | { kind: 'aborted' }
  | { kind: 'error'; code: ArchiveErrorCode; message: string; detail: ErrorDetail };
