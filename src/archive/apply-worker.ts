// The worker-thread side of applyLayer: replays the parser's entry/data/end
// calls on a LayerWriter, so file creation (syscall-bound) runs in parallel
// with decompression, hashing, parsing and tar-split on the main thread.

import { parentPort } from 'node:worker_threads';
import { LayerWriter } from './apply-writer.js';
import { ArchiveError } from './errors.js';
import { xattrAddon } from './native.js';
import { replayBatch, type WorkerReply, type WorkerRequest } from './apply-worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('apply-worker.js must run in a worker thread');

let writer: LayerWriter | undefined;
let failed = false;
let currentName: string | undefined;
/** CRC-64 of the current entry's content, when the main thread asked for it (tar-split). */
let crc: Buffer | undefined;
let crcs: Buffer[] = [];

port.on('message', (request: WorkerRequest) => {
  const reply = handle(request);
  if (reply) port.postMessage(reply);
});

function handle(request: WorkerRequest): WorkerReply | undefined {
  switch (request.kind) {
    case 'start':
      writer = new LayerWriter(request.root, request.options);
      failed = false;
      crcs = [];
      return undefined;
    case 'batch': {
      if (!failed) run(() => replayBatch(request.batch, tracked(writer as LayerWriter)));
      const done = Buffer.concat(crcs);
      crcs = [];
      return failed ? undefined : { kind: 'ack', crcs: done };
    }
    case 'finish':
      if (!failed) run(() => writer?.finish());
      writer = undefined;
      return failed ? undefined : { kind: 'done' };
    case 'abort':
      writer?.abort();
      writer = undefined;
      return { kind: 'aborted' };
  }
}

/** The writer, plus the entry name for error messages and the CRC-64s tar-split asked for. */
function tracked(target: LayerWriter): Parameters<typeof replayBatch>[1] {
  return {
    entry(header, wantCrc) {
      currentName = header.name;
      crc = wantCrc ? Buffer.alloc(8) : undefined;
      target.entry(header);
    },
    data(chunk) {
      if (crc) xattrAddon.crc64Update(crc, chunk);
      target.data(chunk);
    },
    entryEnd() {
      target.entryEnd();
      if (crc) crcs.push(crc);
      currentName = undefined;
    },
  };
}

function run(step: () => void): void {
  try {
    step();
  } catch (err) {
    failed = true;
    writer?.abort();
    port?.postMessage(errorReply(err));
  }
}

function errorReply(err: unknown): WorkerReply {
  if (err instanceof ArchiveError) return { kind: 'error', code: err.code, message: err.message, detail: err.detail };
  const e = err as NodeJS.ErrnoException;
  const name = currentName ?? '';
  return {
    kind: 'error',
    code: 'write-failed',
    message: `cannot apply tar entry "${name}": ${e.message}`,
    detail: { name, errno: e.code, syscall: e.syscall, path: e.path },
  };
}
