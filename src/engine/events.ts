// podman's events, as its file logger keeps them: one JSON line per event in
// a file of the run root (`<runroot>/berth/events.log`), appended with one
// write by whichever process acted, read back by `berth events`. An event
// that cannot be recorded is a warning, never the failure of what it tells.

import { closeSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { goTimeNow } from '../util/index.js';

/** podman's event record (its JSON field names). */
export interface BerthEvent {
  ID?: string;
  Image?: string;
  Name: string;
  Status: string;
  Time: string;
  Type: 'container' | 'volume' | 'network' | 'image';
  Attributes: Record<string, string> | null;
  ContainerExitCode?: number;
}

/** Past this size the log moves to events.log.1 (the one before it is dropped), as podman caps its own. */
const ROTATE_AT = 1 << 20;

export class EventLog {
  readonly path: string;

  constructor(runRoot: string) {
    this.path = join(runRoot, 'berth', 'events.log');
  }

  record(event: Omit<BerthEvent, 'Time'>): void {
    const line = `${JSON.stringify(inPodmanOrder(event, goTimeNow()))}\n`;
    try {
      this.#rotateIfLarge();
      // One write with O_APPEND: writers in several processes do not interleave their lines.
      const fd = openSync(this.path, 'a', 0o600);
      try {
        writeSync(fd, line);
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      process.stderr.write(`WARN[0000] recording the event ${event.Type} ${event.Status} ${event.Name}: ${(err as Error).message}\n`);
    }
  }

  /** Every event recorded (the rotated file's first), oldest first; lines that are not events are skipped. */
  read(): BerthEvent[] {
    const events: BerthEvent[] = [];
    for (const file of [`${this.path}.1`, this.path]) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) {
        if (!line) continue;
        try {
          events.push(JSON.parse(line) as BerthEvent);
        } catch {
          // A line cut short by a crash or a full disk.
        }
      }
    }
    return events;
  }

  /** The bytes recorded so far (where a follower goes on from). */
  size(): number {
    try {
      return statSync(this.path).size;
    } catch {
      return 0;
    }
  }

  #rotateIfLarge(): void {
    if (this.size() > ROTATE_AT) renameSync(this.path, `${this.path}.1`);
  }
}

/** The fields in podman's order (ID and Image only when the event has them, as podman leaves them out). */
function inPodmanOrder(event: Omit<BerthEvent, 'Time'>, time: string): BerthEvent {
  return {
    ...(event.ID !== undefined ? { ID: event.ID } : {}),
    ...(event.Image !== undefined ? { Image: event.Image } : {}),
    Name: event.Name,
    Status: event.Status,
    Time: time,
    Type: event.Type,
    Attributes: event.Attributes,
    ...(event.ContainerExitCode !== undefined ? { ContainerExitCode: event.ContainerExitCode } : {}),
  };
}
