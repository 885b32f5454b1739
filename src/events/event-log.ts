// podman's events, as its file logger keeps them: one JSON line per event in
// a file of the run root (`<runroot>/berth/events.log`), appended with one
// write by whichever process acted, read back by `berth events`. An event
// that cannot be recorded is a warning, never the failure of what it tells.

import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { goTimeNow, isErrno } from '../util/index.js';

/** podman's event record (its JSON field names). */
export interface BerthEvent {
  ContainerExitCode?: number;
  ID?: string;
  Image?: string;
  /** A network event's container name (a network's own create and remove have none). */
  Name?: string;
  /** A network event's network (podman's JSON key is lower-case). */
  network?: string;
  Status: string;
  Time: string;
  Type: 'container' | 'volume' | 'network' | 'image';
  /** A health_status event's result (podman's JSON key). */
  health_status?: string;
  Attributes: Record<string, string> | null;
}

/** Where events go: an EventLog, or whatever a library user gives a component instead. */
export interface EventRecorder {
  record(event: Omit<BerthEvent, 'Time'>): void;
}

/** Past this size the log moves to events.log.1 (the one before it is dropped), as podman caps its own. */
const ROTATE_AT = 1 << 20;

export class EventLog implements EventRecorder {
  readonly path: string;
  /** Where the log goes once it is large; the one before it is dropped. */
  readonly rotatedPath: string;

  constructor(runRoot: string) {
    this.path = join(runRoot, 'berth', 'events.log');
    this.rotatedPath = `${this.path}.1`;
  }

  record(event: Omit<BerthEvent, 'Time'>): void {
    const line = `${JSON.stringify(inPodmanOrder(event, goTimeNow()))}\n`;
    try {
      this.#rotateIfLarge();
      // One write with O_APPEND: writers in several processes do not interleave their lines.
      const fd = this.#openForAppend();
      try {
        writeSync(fd, line);
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      process.stderr.write(`WARN[0000] recording the event ${event.Type} ${event.Status} ${event.Name ?? event.network}: ${(err as Error).message}\n`);
    }
  }

  /** The log opened for appending; its directory is made when missing (a run root only image verbs have used). */
  #openForAppend(): number {
    try {
      return openSync(this.path, 'a', 0o600);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    return openSync(this.path, 'a', 0o600);
  }

  #rotateIfLarge(): void {
    let size = 0;
    try {
      size = statSync(this.path).size;
    } catch {
      return;
    }
    if (size > ROTATE_AT) renameSync(this.path, this.rotatedPath);
  }
}

/** The events appended to the log since the last call (from its start at the first), a line cut short kept for the next. */
export class EventTail {
  readonly #path: string;
  #offset = 0;
  #pending = '';

  constructor(path: string) {
    this.#path = path;
  }

  next(): BerthEvent[] {
    let fd: number;
    try {
      fd = openSync(this.#path, 'r');
    } catch {
      return [];
    }
    let text = '';
    try {
      // Rotated: the new file starts from nothing.
      if (fstatSync(fd).size < this.#offset) this.#offset = 0;
      const chunk = Buffer.alloc(1 << 16);
      for (let read = readSync(fd, chunk, 0, chunk.length, this.#offset); read > 0; read = readSync(fd, chunk, 0, chunk.length, this.#offset)) {
        this.#offset += read;
        text += chunk.subarray(0, read).toString('utf8');
      }
    } finally {
      closeSync(fd);
    }
    const lines = (this.#pending + text).split('\n');
    this.#pending = lines.pop() ?? '';
    const events: BerthEvent[] = [];
    for (const line of lines) {
      try {
        events.push(JSON.parse(line) as BerthEvent);
      } catch {
        // A line cut short by a crash.
      }
    }
    return events;
  }
}

/**
 * The fields in podman's order (its Event struct's), those podman tags
 * omitempty left out when empty: ID, Image, Name and network when the event
 * has none, the exit code when it is 0.
 */
function inPodmanOrder(event: Omit<BerthEvent, 'Time'>, time: string): BerthEvent {
  return {
    ...(event.ContainerExitCode ? { ContainerExitCode: event.ContainerExitCode } : {}),
    ...(event.ID !== undefined ? { ID: event.ID } : {}),
    ...(event.Image !== undefined ? { Image: event.Image } : {}),
    ...(event.Name ? { Name: event.Name } : {}),
    ...(event.network ? { network: event.network } : {}),
    Status: event.Status,
    Time: time,
    Type: event.Type,
    ...(event.health_status ? { health_status: event.health_status } : {}),
    Attributes: event.Attributes,
  };
}
