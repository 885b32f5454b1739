// Detach keys, as podman and Docker take them (`--detach-keys ctrl-p,ctrl-q`):
// the byte sequence that, typed into an attached session, leaves the container
// running and ends the session; and the filter that watches stdin for it.

import { OciError } from './errors.js';

/** podman's default. */
export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

// ctrl-@ is 0, ctrl-a 1, … ctrl-z 26, then ctrl-[ ctrl-\ ctrl-] ctrl-^ ctrl-_ (27–31).
const CONTROL_KEYS = ['@', ...'abcdefghijklmnopqrstuvwxyz', '[', '\\', ']', '^', '_'];

/**
 * `ctrl-p,ctrl-q` → [0x10, 0x11]: each comma-separated key is one character,
 * `ctrl-<c>` or `DEL` (Docker's term.ToBytes). The empty string means no
 * detach keys; none given, podman's default.
 */
export function parseDetachKeys(spec: string = DEFAULT_DETACH_KEYS): Buffer {
  if (spec === '') return Buffer.alloc(0);
  const bytes: number[] = [];
  for (const key of spec.split(',')) {
    if (key.length === 1) {
      bytes.push(key.charCodeAt(0));
      continue;
    }
    const control = key.startsWith('ctrl-') ? CONTROL_KEYS.indexOf(key.slice(5)) : -1;
    if (control >= 0) bytes.push(control);
    else if (key === 'DEL') bytes.push(127);
    else throw new OciError('invalid-option', `invalid detach keys ${JSON.stringify(spec)}: unknown key ${JSON.stringify(key)}`, { detachKeys: spec });
  }
  if (bytes.some((b) => b > 0xff)) throw new OciError('invalid-option', `invalid detach keys ${JSON.stringify(spec)}: keys must be single bytes`, { detachKeys: spec });
  return Buffer.from(bytes);
}

/**
 * Passes input on, holding back bytes while they could be the start of the
 * detach sequence: a complete sequence is swallowed and reported; a
 * sequence broken off is passed on as typed (Docker's escape proxy).
 */
export class DetachKeyFilter {
  #matched = 0;

  constructor(private readonly keys: Buffer) {}

  /** What to send for `chunk`, and whether the sequence was completed in it (the rest of the chunk is dropped). */
  filter(chunk: Buffer): { data: Buffer; detach: boolean } {
    if (this.keys.length === 0) return { data: chunk, detach: false };
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.keys[this.#matched]) {
        this.#matched++;
        if (this.#matched === this.keys.length) return { data: Buffer.from(out), detach: true };
        continue;
      }
      // The held-back bytes were typed, not a sequence: they go through, then this byte is looked at afresh.
      for (let i = 0; i < this.#matched; i++) out.push(this.keys[i]!);
      this.#matched = byte === this.keys[0] ? 1 : 0;
      if (this.#matched === 0) out.push(byte);
    }
    return { data: Buffer.from(out), detach: false };
  }
}
