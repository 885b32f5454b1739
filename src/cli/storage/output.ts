// Where a verb's text goes. Verbs build whole blocks and write them once: many
// small writes to a pipe cost more than the verb itself on large stores.

import { writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { goJsonStringify } from '../../util/index.js';

export class Output {
  /**
   * The streams default to the process's, looked up when first written:
   * process.stdout's getter builds the stream object and loads node:stream
   * (~2-4 ms of each start here), which a verb with nothing to print never needs.
   */
  constructor(private readonly given: { stdout?: Writable; stderr?: Writable } = {}) {}

  get stdout(): Writable {
    return this.given.stdout ?? process.stdout;
  }

  get stderr(): Writable {
    return this.given.stderr ?? process.stderr;
  }

  out(text: string | Buffer): void {
    if (!text.length) return;
    if (this.given.stdout) this.given.stdout.write(text);
    else writeStdout(typeof text === 'string' ? Buffer.from(text) : text);
  }

  err(text: string): void {
    if (text.length) this.stderr.write(text);
  }

  /** Go's `json.NewEncoder(os.Stdout).Encode(v)`: compact, HTML-escaped, newline-terminated. */
  json(value: unknown): void {
    this.out(goJsonStringify(value) + '\n');
  }
}

const BLOCK_SIZE = 64 << 10;
/** Pieces are joined as a string up to this many code units, then written into the block at once. */
const PENDING_MAX = 8 << 10;

/**
 * Text gathered as bytes, in blocks, for a verb that prints a line or more per record: the
 * listing of 10,000 containers built one string of them with `+=`, and those pieces lived on
 * V8's heap, copied by every young-generation collection, until the string was printed. Here
 * a piece lives until a few kilobytes of them are copied into a block (one Buffer#write per
 * piece costs more than the piece). Nothing is written before `writeTo`: a verb prints after
 * its store lock is released (a reader that stops reading would otherwise hold the lock).
 */
export class TextBlocks {
  private readonly full: Buffer[] = [];
  private block = Buffer.allocUnsafe(BLOCK_SIZE);
  private used = 0;
  private pending = '';

  add(text: string): void {
    this.pending += text;
    if (this.pending.length >= PENDING_MAX) this.copyPending();
  }

  writeTo(output: Output): void {
    this.copyPending();
    for (const bytes of this.full) output.out(bytes);
    output.out(this.block.subarray(0, this.used));
  }

  private copyPending(): void {
    const text = this.pending;
    this.pending = '';
    // UTF-8 needs at most three bytes per UTF-16 code unit.
    if (this.used + text.length * 3 > this.block.length) {
      this.full.push(this.block.subarray(0, this.used));
      this.block = Buffer.allocUnsafe(Math.max(BLOCK_SIZE, text.length * 3));
      this.used = 0;
    }
    this.used += this.block.write(text, this.used);
  }
}

/**
 * Writes to fd 1 directly, which needs no stream object (see the constructor);
 * what a non-blocking or failing descriptor leaves (EAGAIN, EPIPE) goes to
 * process.stdout, whose stream waits for the reader or ends the command as
 * bin/berth.cjs has it. Node's own stdout writes to files and pipes are
 * synchronous on Linux too, so the order of everything written stays.
 */
function writeStdout(bytes: Buffer): void {
  let written = 0;
  try {
    while (written < bytes.length) written += writeSync(1, bytes, written);
  } catch {
    process.stdout.write(bytes.subarray(written));
  }
}
