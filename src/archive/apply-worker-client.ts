// The main-thread side of the writer workers: batches the parser's entry/data/
// end calls (encoded compactly, a batch per input chunk or per 512 KiB of small ones),
// bounds the batches in flight, and reports the worker's first error. Workers
// are pooled: a layer applied while others are goes to the least busy one
// once as many exist as the machine has cores (starting one costs ~90 ms of
// CPU, and more writers than cores only take turns), and idle ones are kept
// (unref'd) for the next apply.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { LayerWriterOptions } from './apply-writer.js';
import { WriterBatchEncoder, type WorkerReply, type WorkerRequest } from './apply-worker-protocol.js';
import { ArchiveError } from './errors.js';
import type { TarHeader } from './tar/header.js';

/**
 * Bytes queued at the worker before the parser waits. Slack matters when the machine is busy:
 * with 4 MiB a descheduled worker stalled the parser (1.5-2.2 s for a 30,000-file layer at
 * load 5 on 2 cores); with 16 MiB it ran 1.5-1.6 s.
 */
const MAX_IN_FLIGHT_BYTES = 16 << 20;
/**
 * A batch is sent once it holds this much; smaller input chunks are gathered first. A stream
 * in 64 KiB chunks (fs.createReadStream's default, a pipe) made one message and one
 * acknowledgement per chunk, 2,700 of each for a 178 MB layer, and every one wakes a thread:
 * on a busy machine each wake waits its turn for a core.
 */
const MIN_BATCH_BYTES = 512 << 10;
/** Writer workers at most: one per core, and no more than four (a pull applies six layers at most at once). */
const MAX_WORKERS = Math.max(1, Math.min(availableParallelism(), 4));

/** A writer worker and the jobs (layers) it is writing now. */
class PooledWorker {
  readonly jobs = new Map<number, WriterClient>();

  constructor(readonly worker: Worker) {
    worker.on('message', (reply: WorkerReply) => this.jobs.get(reply.job)?.receive(reply));
    worker.on('error', (err: Error) => {
      workers.splice(workers.indexOf(this), 1);
      const clients = [...this.jobs.values()];
      this.jobs.clear();
      for (const client of clients) client.crashed(err);
    });
    worker.unref();
  }

  attach(job: number, client: WriterClient): void {
    if (this.jobs.size === 0) this.worker.ref();
    this.jobs.set(job, client);
  }

  detach(job: number): void {
    if (this.jobs.delete(job) && this.jobs.size === 0) this.worker.unref();
  }
}

const workers: PooledWorker[] = [];
let lastJob = 0;

/** An idle worker, else a new one while there are fewer than MAX_WORKERS, else the least busy. */
function pickWorker(): PooledWorker {
  const idle = workers.find((w) => w.jobs.size === 0);
  if (idle) return idle;
  if (workers.length < MAX_WORKERS) {
    const started = new PooledWorker(new Worker(new URL('./apply-worker.js', import.meta.url)));
    workers.push(started);
    return started;
  }
  return workers.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
}

export class WriterClient {
  private readonly batch = new WriterBatchEncoder();
  /** Sizes of the batches the worker has not acknowledged yet, oldest first. */
  private readonly inFlight: number[] = [];
  private inFlightBytes = 0;
  private failure: ArchiveError | undefined;
  private wake: (() => void) | undefined;
  private ended: ((reply: WorkerReply) => void) | undefined;
  private dead = false;
  private released = false;

  private constructor(private readonly pooled: PooledWorker, private readonly job: number) {
    pooled.attach(job, this);
  }

  static start(root: string, options: LayerWriterOptions): WriterClient {
    const client = new WriterClient(pickWorker(), ++lastJob);
    client.post({ kind: 'start', job: client.job, root, options });
    return client;
  }

  /** The worker's first error, if any (then nothing more is written). */
  get error(): ArchiveError | undefined {
    return this.failure;
  }

  entry(header: TarHeader): void {
    this.batch.entry(header);
  }

  data(chunk: Buffer): void {
    this.batch.data(chunk);
  }

  entryEnd(): void {
    this.batch.entryEnd();
  }

  /**
   * Sends what was collected once it makes a batch of MIN_BATCH_BYTES (all of it when `all`);
   * resolves when less than MAX_IN_FLIGHT_BYTES are queued.
   */
  async flush(all = false): Promise<void> {
    this.throwIfFailed();
    if (all ? !this.batch.isEmpty : this.batch.transferSize >= MIN_BATCH_BYTES) {
      const batch = this.batch.take();
      const bytes = batch.bytes.buffer as ArrayBuffer;
      const size = bytes.byteLength + batch.numbers.byteLength;
      this.post({ kind: 'batch', job: this.job, batch }, [batch.numbers.buffer as ArrayBuffer, bytes]);
      this.inFlight.push(size);
      this.inFlightBytes += size;
    }
    while (this.inFlightBytes >= MAX_IN_FLIGHT_BYTES && !this.failure) await new Promise<void>((resolve) => { this.wake = resolve; });
    this.throwIfFailed();
  }

  /** Flushes, lets the worker set directory times, and hands the worker back to the pool. */
  async finish(): Promise<void> {
    await this.flush(true);
    const reply = await this.request({ kind: 'finish', job: this.job }, 'done');
    this.release();
    if (reply.kind === 'error') throw this.failure;
  }

  /** Stops the worker's job (closing an open file) and hands the worker back. */
  async abort(): Promise<void> {
    if (this.released) return;
    await this.request({ kind: 'abort', job: this.job }, 'aborted');
    this.release();
  }

  private request(request: WorkerRequest, until: 'done' | 'aborted'): Promise<WorkerReply> {
    return new Promise((resolve) => {
      this.ended = (reply) => {
        if (reply.kind === until || (reply.kind === 'error' && until === 'done')) resolve(reply);
      };
      if (this.dead) resolve({ kind: 'aborted', job: this.job });
      else if (this.failure && until === 'done') resolve({ kind: 'error', job: this.job, code: this.failure.code, message: this.failure.message, detail: this.failure.detail });
      else this.post(request);
    });
  }

  /** The worker thread died: this job fails, and a pending finish or abort ends. */
  crashed(err: Error): void {
    this.dead = true;
    this.receive({ kind: 'error', job: this.job, code: 'write-failed', message: `layer writer thread failed: ${err.message}`, detail: {} });
    this.ended?.({ kind: 'aborted', job: this.job });
  }

  /** A reply of this job's worker. */
  receive(reply: WorkerReply): void {
    if (reply.kind === 'ack') {
      this.inFlightBytes -= this.inFlight.shift() ?? 0;
      this.batch.recycle(reply.bytes);
    } else if (reply.kind === 'error' && !this.failure) {
      this.failure = new ArchiveError(reply.code, reply.message, reply.detail);
    }
    this.wake?.();
    this.wake = undefined;
    this.ended?.(reply);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private post(request: WorkerRequest, transfer: ArrayBuffer[] = []): void {
    this.pooled.worker.postMessage(request, transfer);
  }

  private release(): void {
    this.released = true;
    this.pooled.detach(this.job);
  }
}
