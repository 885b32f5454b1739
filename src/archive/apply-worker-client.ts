// The main-thread side of the writer worker: batches the parser's entry/data/
// end calls (encoded compactly, a batch per input chunk or per 512 KiB of small ones),
// bounds the batches in flight, and reports the worker's first error. Idle
// workers are kept (unref'd) for the next apply: starting one costs ~40 ms.

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
const MAX_IDLE_WORKERS = 2;
const idleWorkers: Worker[] = [];

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
  private readonly onMessage = (reply: WorkerReply): void => this.receive(reply);
  private readonly onCrash = (err: Error): void => {
    this.dead = true;
    this.receive({ kind: 'error', code: 'write-failed', message: `layer writer thread failed: ${err.message}`, detail: {} });
    this.ended?.({ kind: 'aborted' });
  };

  private constructor(private readonly worker: Worker) {
    worker.on('message', this.onMessage);
    worker.on('error', this.onCrash);
  }

  static start(root: string, options: LayerWriterOptions): WriterClient {
    const worker = idleWorkers.pop() ?? new Worker(new URL('./apply-worker.js', import.meta.url));
    worker.ref();
    const client = new WriterClient(worker);
    client.post({ kind: 'start', root, options });
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
      this.post({ kind: 'batch', batch }, [batch.numbers.buffer as ArrayBuffer, bytes]);
      this.inFlight.push(size);
      this.inFlightBytes += size;
    }
    while (this.inFlightBytes >= MAX_IN_FLIGHT_BYTES && !this.failure) await new Promise<void>((resolve) => { this.wake = resolve; });
    this.throwIfFailed();
  }

  /** Flushes, lets the worker set directory times, and hands the worker back to the pool. */
  async finish(): Promise<void> {
    await this.flush(true);
    const reply = await this.request({ kind: 'finish' }, 'done');
    this.release();
    if (reply.kind === 'error') throw this.failure;
  }

  /** Stops the worker's job (closing an open file) and hands the worker back. */
  async abort(): Promise<void> {
    if (this.released) return;
    await this.request({ kind: 'abort' }, 'aborted');
    this.release();
  }

  private request(request: WorkerRequest, until: 'done' | 'aborted'): Promise<WorkerReply> {
    return new Promise((resolve) => {
      this.ended = (reply) => {
        if (reply.kind === until || (reply.kind === 'error' && until === 'done')) resolve(reply);
      };
      if (this.dead) resolve({ kind: 'aborted' });
      else if (this.failure && until === 'done') resolve({ kind: 'error', code: this.failure.code, message: this.failure.message, detail: this.failure.detail });
      else this.post(request);
    });
  }

  private receive(reply: WorkerReply): void {
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
    this.worker.postMessage(request, transfer);
  }

  private release(): void {
    this.released = true;
    this.worker.off('message', this.onMessage);
    this.worker.off('error', this.onCrash);
    if (!this.dead && idleWorkers.length < MAX_IDLE_WORKERS) {
      this.worker.unref();
      idleWorkers.push(this.worker);
    } else {
      void this.worker.terminate();
    }
  }
}
