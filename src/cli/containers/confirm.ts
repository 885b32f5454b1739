// podman's confirmation prompts (`prune` without -f): the question on stdout,
// one line of answer from stdin.

import { readSync } from 'node:fs';
import { EngineError } from '../../engine/index.js';

/** Prints `question` and reads the answer: true for y or yes. No answer at all (end of input) is podman's `EOF` error. */
export function confirmed(question: string): boolean {
  process.stdout.write(question);
  return /^y(es)?$/i.test(readAnswer());
}

/** One line from stdin, byte by byte (nothing beyond the answer is consumed). */
function readAnswer(): string {
  const byte = Buffer.alloc(1);
  let line = '';
  for (;;) {
    let n: number;
    try {
      n = readSync(0, byte, 0, 1, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      // A non-blocking stdin with nothing yet: wait a little rather than spin.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      continue;
    }
    if (n === 0) {
      if (line === '') throw new EngineError('invalid-option', 'EOF', {});
      return line;
    }
    if (byte[0] === 0x0a) return line;
    line += String.fromCharCode(byte[0]!);
  }
}
