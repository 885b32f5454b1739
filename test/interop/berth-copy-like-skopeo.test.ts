// Berth's copy of an OCI layout into containers-storage writes what skopeo
// (containers/image) writes, byte for byte: images.json, layers.json (but
// the times), big data files, tar-split files and layer contents.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Store } from '../../src/storage/index.js';
import { openTestStore } from '../helpers/berth.js';
import { containersImageLayerIds, writeOciLayout, type OciImage } from '../helpers/oci-image.js';
import { runToolOk } from '../helpers/run-tool.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';
import { copyBetween, filesUnder, layersJsonWithoutTimes, threeLayerImage } from '../image/helpers.js';

for (const gzip of [true, false]) {
  describe(`a copy from an OCI layout into containers-storage (${gzip ? 'gzip' : 'uncompressed'} layers) matches skopeo's`, () => {
    let work: TempStore;
    let berth: TempStore;
    let skopeo: TempStore;
    let store: Store;
    let image: OciImage;

    before(async () => {
      work = await makeTempStore('berth-copy-work-');
      berth = await makeTempStore('berth-copy-berth-');
      skopeo = await makeTempStore('berth-copy-skopeo-');
      image = threeLayerImage({ gzip });
      await writeOciLayout(join(work.dir, 'oci'), image, 'v1');
      await runToolOk('skopeo', ['copy', '--quiet', `oci:${join(work.dir, 'oci')}:v1`, `containers-storage:[overlay@${skopeo.graphRoot}+${skopeo.runRoot}]test/three:v1`]);
      store = await openTestStore(berth);
      await copyBetween(`oci:${join(work.dir, 'oci')}:v1`, 'containers-storage:test/three:v1', store);
    });

    after(async () => {
      await store?.close();
      for (const t of [work, berth, skopeo]) await t?.dispose();
    });

    it('images.json is byte-identical', () => {
      const read = (t: TempStore) => readFileSync(join(t.graphRoot, 'overlay-images', 'images.json'), 'utf8');
      assert.equal(read(berth), read(skopeo));
    });

    it('layers.json is identical but for the creation times', () => {
      assert.deepEqual(layersJsonWithoutTimes(berth.graphRoot), layersJsonWithoutTimes(skopeo.graphRoot));
    });

    it('the image big data files are byte-identical, the tar-split files hold the same JSON', () => {
      const id = image.configDigest.slice(7);
      assert.deepEqual(filesUnder(join(berth.graphRoot, 'overlay-images', id)), filesUnder(join(skopeo.graphRoot, 'overlay-images', id)));
      for (const layer of containersImageLayerIds(image.diffIds)) {
        const split = (t: TempStore) => tarSplitRecords(join(t.graphRoot, 'overlay-layers', `${layer}.tar-split.gz`));
        assert.deepEqual(split(berth), split(skopeo));
      }
    });

    it('each layer diff holds the same files, whiteouts and owners', () => {
      for (const layer of containersImageLayerIds(image.diffIds)) {
        const list = (t: TempStore) => execFileSync('find', [join(t.graphRoot, 'overlay', layer, 'diff'), '-mindepth', '1', '-printf', '%P %y %m %U %G %s\\n'], { encoding: 'utf8' }).split('\n').sort();
        assert.deepEqual(list(berth), list(skopeo));
      }
    });
  });
}

/**
 * The tar-split's records with runs of raw segments joined: the gzip wrapping
 * differs (Go's and zlib's deflate), and how Go cuts the bytes after the end
 * marker into segments depends on its reader's read sizes; the file list,
 * CRCs and the raw bytes they rebuild are what must match.
 */
function tarSplitRecords(path: string): unknown[] {
  const records: Array<{ type: number; payload?: string; name?: string; size?: number }> = gunzipSync(readFileSync(path)).toString('utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
  const out: unknown[] = [];
  let raw: Buffer[] = [];
  const flush = () => {
    if (raw.length) out.push({ raw: Buffer.concat(raw).toString('base64') });
    raw = [];
  };
  for (const record of records) {
    if (record.type === 2) raw.push(Buffer.from(record.payload ?? '', 'base64'));
    else {
      flush();
      out.push({ name: record.name, size: record.size, payload: record.payload });
    }
  }
  flush();
  return out;
}
