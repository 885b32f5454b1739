// Attaching to a container through conmon's attach socket (AF_UNIX
// SOCK_SEQPACKET, which Node cannot open: native/seqpacket connects it) and
// resizing its terminal through the ctl FIFO. runtime-conmon.md §4, §5.

import { closeSync, constants, openSync, read, write, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { loadNativeAddon } from '../util/native-addon.js';
import { DetachKeyFilter } from './detach-keys.js';
import { OciError } from './errors.js';

interface SeqpacketAddon {
  connectSeqpacket(path: string): number;
  shutdownWrite(fd: number): void;
  shutdownRead(fd: number): void;
}

const addon = loadNativeAddon<SeqpacketAddon>('seqpacket');

const STDOUT = 2;
const STDERR = 3;
/** conmon sends ≤ 8192 payload bytes after the stream byte. */
const PACKET = 8193;
/** conmon reads 32768 bytes per input packet and drops the rest of a longer one. */
const INPUT_PACKET = 32768;

export interface AttachStreams {
  /** Sent to the container's stdin (conmon `-i` or a terminal); its end half-closes the socket. */
  stdin?: Readable;
  stdout: Writable;
  stderr: Writable;
  /** Typed into stdin, these bytes end the session and leave the container running (parseDetachKeys); none: no detaching. */
  detachKeys?: Buffer;
}

/** How a session ended: conmon closed the socket (the container exited) or it was closed; or the detach keys were typed. */
export type AttachEnd = 'closed' | 'detached';

export interface AttachSession {
  done: Promise<AttachEnd>;
  close(): void;
}

/**
 * Connects to `<socketDir>/<id>/attach` and copies packets both ways. Output
 * produced while nobody is attached is not replayed (it is in the log): attach
 * before `start` to see everything.
 */
export function attachSocket(socketPath: string, streams: AttachStreams): AttachSession {
  let fd: number;
  try {
    fd = addon.connectSeqpacket(socketPath);
  } catch (err) {
    throw new OciError('invalid-state', `cannot attach: ${(err as Error).message}`, { socketPath }, { cause: err });
  }
  let closed = false;
  let detached = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    closeSync(fd);
  };
  const output = (async () => {
    const buffer = Buffer.allocUnsafe(PACKET);
    for (;;) {
      const n = await readPacket(fd, buffer).catch(() => 0);
      if (n <= 0 || closed) return;
      const target = buffer[0] === STDERR ? streams.stderr : buffer[0] === STDOUT ? streams.stdout : undefined;
      if (target && !target.write(Buffer.from(buffer.subarray(1, n)))) await new Promise((resolve) => target.once('drain', resolve));
    }
  })();
  if (streams.stdin) {
    void copyInput(fd, streams.stdin, new DetachKeyFilter(streams.detachKeys ?? Buffer.alloc(0)), () => closed, () => {
      detached = true;
      // Ends the output loop's read without telling conmon the input ended (which would close the container's stdin).
      addon.shutdownRead(fd);
    });
  }
  const done = output.then((): AttachEnd => (detached ? 'detached' : 'closed')).finally(close);
  return { done, close };
}

async function copyInput(fd: number, stdin: Readable, keys: DetachKeyFilter, isClosed: () => boolean, onDetach: () => void): Promise<void> {
  try {
    for await (const raw of stdin as AsyncIterable<Buffer>) {
      const { data: chunk, detach } = keys.filter(raw);
      for (let at = 0; at < chunk.length && !isClosed(); at += INPUT_PACKET) {
        await writePacket(fd, chunk.subarray(at, at + INPUT_PACKET));
      }
      if (detach) {
        onDetach();
        return;
      }
      if (isClosed()) return;
    }
    if (!isClosed()) addon.shutdownWrite(fd);
  } catch {
    // The socket went away with the container: nothing more to send.
  }
}

function readPacket(fd: number, buffer: Buffer): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buffer, 0, buffer.length, null, (err, n) => (err ? reject(err) : resolve(n))));
}

function writePacket(fd: number, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => write(fd, data, (err) => (err ? reject(err) : resolve())));
}

/**
 * `1 <rows> <cols>\n` into the bundle's ctl FIFO: conmon applies it to the
 * terminal. Non-blocking: a blocking open would hang once conmon is gone.
 */
export function resizeTerminal(bundlePath: string, rows: number, cols: number): void {
  sendControl(bundlePath, `1 ${Math.floor(rows)} ${Math.floor(cols)}\n`);
}

/** `2 0 0\n`: conmon reopens its log, truncating it: the caller renames the old one first to keep it. */
export function reopenLog(bundlePath: string): void {
  sendControl(bundlePath, '2 0 0\n');
}

function sendControl(bundlePath: string, message: string): void {
  let fd: number;
  try {
    fd = openSync(join(bundlePath, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new OciError('invalid-state', `conmon's control FIFO is not open (the container is not running): ${(err as Error).message}`, { bundlePath }, { cause: err });
  }
  try {
    writeSync(fd, message);
  } finally {
    closeSync(fd);
  }
}
