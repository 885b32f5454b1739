// Layer tars built in code for the driver tests: entries with explicit
// metadata, content and AUFS whiteouts, encoded by the archive module's codec.

import { encodeTarHeader, END_OF_ARCHIVE, paddingFor, TarEntryType } from '../../src/archive/index.js';

export interface TarSpecEntry {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink';
  content?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  linkname?: string;
}

const TYPES = { file: TarEntryType.File, dir: TarEntryType.Directory, symlink: TarEntryType.Symlink, hardlink: TarEntryType.HardLink };

export function buildTar(entries: TarSpecEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const content = Buffer.from(entry.content ?? '');
    const size = type === 'file' ? content.length : 0;
    parts.push(encodeTarHeader({
      name: entry.name,
      type: TYPES[type],
      mode: entry.mode ?? (type === 'dir' ? 0o755 : 0o644),
      uid: entry.uid ?? 0,
      gid: entry.gid ?? 0,
      size,
      mtime: 1_600_000_000,
      linkname: entry.linkname ?? '',
    }));
    if (size > 0) parts.push(content, Buffer.alloc(paddingFor(size)));
  }
  parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}
