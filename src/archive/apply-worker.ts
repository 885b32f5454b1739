// The worker-thread side of applyLayer: replays the parser's entry/data/end
// calls on a LayerWriter, so file creation (syscall-bound) runs in parallel
// with decompression, hashing, parsing and tar-split on the main thread.

import { parentPort } from 'node:worker_threads';
import { LayerWriter } from './apply-writer.js';
import { ArchiveError } from './errors.js';
import { replayBatch, type WorkerReply, type WorkerRequest } from './apply-worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('apply-worker.js must run in a worker thread');

let writer: LayerWriter | undefined;
let failed = false;
let currentName: string | undefined;

port.on('message', (request: WorkerRequest) => {
  const reply = handle(request);
  if (reply?.kind === 'ack') port.postMessage(reply, [reply.bytes]);
  else if (reply) port.postMessage(reply);
});

function handle(request: WorkerRequest): WorkerReply | undefined {
  switch (request.kind) {
    case 'start':
      writer = new LayerWriter(request.root, request.options);
      failed = false;
      return undefined;
    case 'batch': {
      if (!failed) {
        run(() => {
          replayBatch(request.batch, tracked(writer as LayerWriter));
          // The bytes buffer goes back to be filled again: what the writer keeps, it copies.
          writer?.copyHeldBytes();
        });
      }
      return failed ? undefined : { kind: 'ack', bytes: request.batch.bytes.buffer as ArrayBuffer };
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

/** The writer, plus the entry name for error messages. */
function tracked(target: LayerWriter): Parameters<typeof replayBatch>[1] {
  return {
    entry(header) {
      currentName = header.name;
      target.entry(header);
    },
    data(bytes, start, end) {
      target.data(bytes, start, end);
    },
    entryEnd() {
      target.entryEnd();
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
