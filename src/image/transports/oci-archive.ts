// `oci-archive:FILE[:REF]`: an OCI layout in a tar. Read by unpacking the
// layout's files (oci-layout, index.json, blobs/sha256/<hex>; nothing else)
// into a temp dir, as containers/image does; written as a layout in a temp
// dir, tarred into a temp file and renamed over FILE on commit.

import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { TarEntryType } from '../../archive/index.js';
import { OciLayoutDestination, OciLayoutSource } from './oci-layout.js';
import type { ParsedReference } from './reference.js';
import { indexTarFile, readTarEntry, TarFileWriter } from './tar-file.js';
import type { ImageSource } from './types.js';

const LAYOUT_FILE = /^(oci-layout|index\.json|blobs\/sha256\/[a-f0-9]{64})$/;

export async function openOciArchiveSource(reference: ParsedReference): Promise<ImageSource> {
  const archive = reference.path as string;
  const dir = await mkdtemp(join(tmpdir(), 'berth-oci-archive-'));
  try {
    const entries = await indexTarFile(archive);
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    for (const entry of entries.values()) {
      if (entry.type !== TarEntryType.File && entry.type !== TarEntryType.OldFile) continue;
      if (!LAYOUT_FILE.test(entry.name)) continue;
      await pipeline(readTarEntry(archive, entry), createWriteStream(join(dir, entry.name)));
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const source = new OciLayoutSource(reference, dir, reference.refName);
  source.close = () => rm(dir, { recursive: true, force: true });
  return source;
}

export class OciArchiveDestination extends OciLayoutDestination {
  private constructor(reference: ParsedReference, private readonly archive: string, private readonly layoutDir: string) {
    super(reference, layoutDir, reference.refName);
  }

  static async open(reference: ParsedReference): Promise<OciArchiveDestination> {
    const archive = reference.path as string;
    return new OciArchiveDestination(reference, archive, await mkdtemp(join(tmpdir(), 'berth-oci-archive-')));
  }

  override async commit(): Promise<void> {
    await super.commit();
    const temp = join(dirname(this.archive), `.${basename(this.archive)}.tmp-${randomBytes(6).toString('hex')}`);
    const tar = await TarFileWriter.create(temp);
    try {
      await tar.addFile('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
      await tar.addDirectory('blobs');
      await tar.addDirectory('blobs/sha256');
      for (const name of (await readdir(join(this.layoutDir, 'blobs', 'sha256'))).sort()) {
        if (name.startsWith('.')) continue;
        const path = join(this.layoutDir, 'blobs', 'sha256', name);
        await tar.addStream(`blobs/sha256/${name}`, (await stat(path)).size, createReadStream(path));
      }
      const indexPath = join(this.layoutDir, 'index.json');
      await tar.addStream('index.json', (await stat(indexPath)).size, createReadStream(indexPath));
      await tar.finish();
      await rename(temp, this.archive);
    } catch (err) {
      await tar.abandon();
      await rm(temp, { force: true });
      throw err;
    }
  }

  override async close(): Promise<void> {
    await rm(this.layoutDir, { recursive: true, force: true });
  }
}
