// A whole stream in memory: small things only (a config blob, a runtime's
// output, a big-data item, a password on stdin).

import type { Readable } from 'node:stream';

/** Everything `stream` gives until its end, as one Buffer (string chunks as UTF-8). */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer | string>) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}
