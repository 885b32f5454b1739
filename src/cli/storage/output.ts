// Where a verb's text goes. Verbs build whole blocks and write them once: many
// small writes to a pipe cost more than the verb itself on large stores.

import type { Writable } from 'node:stream';
import { goJsonStringify } from '../../util/index.js';

export class Output {
  constructor(readonly stdout: Writable = process.stdout, readonly stderr: Writable = process.stderr) {}

  out(text: string | Buffer): void {
    if (text.length) this.stdout.write(text);
  }

  err(text: string): void {
    if (text.length) this.stderr.write(text);
  }

  /** Go's `json.NewEncoder(os.Stdout).Encode(v)`: compact, HTML-escaped, newline-terminated. */
  json(value: unknown): void {
    this.out(goJsonStringify(value) + '\n');
  }
}
