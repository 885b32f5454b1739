// The flags every `berth storage` verb takes: containers-storage's, plus podman's
// --root/--runroot spellings. Kept apart from store-options.ts so that help and
// flag errors never load the storage module.

import { flagBool, type FlagSpec, type ParsedFlags } from './flags.js';

export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { names: ['debug', 'D'], kind: 'bool', help: 'Print debugging information' },
  { names: ['graph', 'g', 'root'], kind: 'string', help: 'Root of the storage tree' },
  { names: ['run', 'R', 'runroot'], kind: 'string', help: 'Root of the runtime state tree' },
  { names: ['image-store'], kind: 'string', help: 'Root of the separate image store' },
  { names: ['storage-driver', 's'], kind: 'string', help: 'Storage driver to use ($STORAGE_DRIVER)' },
  { names: ['storage-opt'], kind: 'list', help: 'Set storage driver options ($STORAGE_OPTS)' },
];

export function debugEnabled(...parsed: ParsedFlags[]): boolean {
  return parsed.some((flags) => flagBool(flags, 'debug'));
}
