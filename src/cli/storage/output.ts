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
