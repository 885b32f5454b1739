// The worker-thread side of applyLayer: replays the parser's entry/data/end
// calls on a LayerWriter, so file creation (syscall-bound) runs in parallel
// with decompression, hashing, parsing and tar-split on the main thread. One
// worker serves several layers applied at once (a pull), each a job with its
// own writer: starting a worker costs ~90 ms of CPU here, so a pull of six
// layers on two cores starts two of them, not six.

import { parentPort } from 'node:worker_threads';
import { LayerWriter } from './apply-writer.js';
import { ArchiveError } from './errors.js';
import { replayBatch, type WorkerReply, type WorkerRequest } from './apply-worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('apply-worker.js must run in a worker thread');

interface Job {
  writer: LayerWriter;
  failed: boolean;
  /** The entry being written, for error messages. */
  currentName: string | undefined;
}

const jobs = new Map<number, Job>();

port.on('message', (request: WorkerRequest) => {
  const reply = handle(request);
  if (reply?.kind === 'ack') port.postMessage(reply, [reply.bytes]);
  else if (reply) port.postMessage(reply);
});

function handle(request: WorkerRequest): WorkerReply | undefined {
  const { job: id } = request;
  switch (request.kind) {
    case 'start':
      jobs.set(id, { writer: new LayerWriter(request.root, request.options), failed: false, currentName: undefined });
      return undefined;
    case 'batch': {
      const job = jobs.get(id);
      if (!job || job.failed) return undefined;
      run(id, job, () => {
        replayBatch(request.batch, tracked(job));
        // The bytes buffer goes back to be filled again: what the writer keeps, it copies.
        job.writer.copyHeldBytes();
      });
      return job.failed ? undefined : { kind: 'ack', job: id, bytes: request.batch.bytes.buffer as ArrayBuffer };
    }
    case 'finish': {
      const job = jobs.get(id);
      jobs.delete(id);
      if (!job || job.failed) return undefined;
      run(id, job, () => job.writer.finish());
      return job.failed ? undefined : { kind: 'done', job: id };
    }
    case 'abort':
      jobs.get(id)?.writer.abort();
      jobs.delete(id);
      return { kind: 'aborted', job: id };
  }
}

/** The job's writer, plus the entry name for error messages. */
function tracked(job: Job): Parameters<typeof replayBatch>[1] {
  const { writer } = job;
  return {
    entry(header) {
      job.currentName = header.name;
      writer.entry(header);
    },
    data(bytes, start, end) {
      writer.data(bytes, start, end);
    },
    entryEnd() {
      writer.entryEnd();
      job.currentName = undefined;
    },
    smallFiles(numbers, strings, bytes, cursor) {
      return writer.smallFiles(numbers, strings, bytes, cursor);
    },
  };
}

function run(id: number, job: Job, step: () => void): void {
  try {
    step();
  } catch (err) {
    job.failed = true;
    job.writer.abort();
    port?.postMessage(errorReply(id, job, err));
  }
}

function errorReply(id: number, job: Job, err: unknown): WorkerReply {
  if (err instanceof ArchiveError) return { kind: 'error', job: id, code: err.code, message: err.message, detail: err.detail };
  const e = err as NodeJS.ErrnoException;
  const name = job.currentName ?? '';
  return {
    kind: 'error',
    job: id,
    code: 'write-failed',
    message: `cannot apply tar entry "${name}": ${e.message}`,
    detail: { name, errno: e.code, syscall: e.syscall, path: e.path },
  };
}
