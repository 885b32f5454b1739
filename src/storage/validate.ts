// Checks on caller-given IDs and names before they reach a path or a record.
// Go validates neither (`dd/dd` makes nested driver dirs); Berth accepts what
// Go tools produce (64-hex, and other simple IDs such as `aaaa` or `x`) and
// refuses anything that could escape or collide with a store file.

import { StorageError } from './errors.js';

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

// Names next to layer/image/container dirs that an ID must not take over.
const RESERVED_IDS = new Set(['l', 'staging', 'dir', 'mounts', 'tmp', 'userdata']);
const RESERVED_SUFFIXES = ['.json', '.lock', '.tar-split.gz'];

export function validateId(id: string | undefined, kind: 'layer' | 'image' | 'container'): void {
  if (id === undefined) return;
  const bad =
    !SAFE_ID.test(id) || id.length > 255 || id.includes('..') || RESERVED_IDS.has(id) || RESERVED_SUFFIXES.some((s) => id.endsWith(s));
  if (bad) throw new StorageError('invalid-id', `${kind} ID ${JSON.stringify(id)}`, { id, kind });
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export function validateNames(names: readonly string[], kind: 'layer' | 'image' | 'container'): void {
  for (const name of names) {
    if (name === '' || CONTROL.test(name)) throw new StorageError('invalid-name', `${kind} name ${JSON.stringify(name)}`, { name, kind });
  }
}
