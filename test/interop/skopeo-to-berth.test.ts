// An image skopeo copied from an OCI archive into containers-storage (as podman
// pulls do) is read, mounted and diffed by Berth: image record, big data, layer
// chain and bytes.

import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Compression } from '../../src/archive/index.js';
import type { Store } from '../../src/storage/index.js';
import { checkProblems, openTestStore } from '../helpers/berth.js';
import { goStorage } from '../helpers/go-cli.js';
import { buildOciImage, containersImageLayerIds, sha256Hex, writeOciLayout, type OciImage } from '../helpers/oci-image.js';
import { makeBusyboxRootfs, tarOfDirectory } from '../helpers/rootfs.js';
import { runToolOk } from '../helpers/run-tool.js';
import { readAll } from '../helpers/streams.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

const NAME = 'localhost/skopeo/bb:latest';

describe('an image skopeo copied into containers-storage, read by Berth', () => {
  let temp: TempStore;
  let store: Store;
  let oci: OciImage;
  let layerIds: string[];
  let imageId: string;

  before(async () => {
    temp = await makeTempStore('berth-interop-skopeo-');
    await makeBusyboxRootfs(join(temp.dir, 'rootfs'));
    await mkdir(join(temp.dir, 'top', 'etc'), { recursive: true });
    await writeFile(join(temp.dir, 'top', 'etc', 'hostname'), 'skopeo\n');
    const tars = [await tarOfDirectory(join(temp.dir, 'rootfs')), await tarOfDirectory(join(temp.dir, 'top'))];
    oci = buildOciImage(tars, { gzip: true });
    await writeOciLayout(join(temp.dir, 'oci'), oci);
    await runToolOk('tar', ['-C', join(temp.dir, 'oci'), '-cf', join(temp.dir, 'oci.tar'), '.']);
    await runToolOk('skopeo', ['copy', '--quiet', `oci-archive:${join(temp.dir, 'oci.tar')}:latest`, `containers-storage:[overlay@${temp.graphRoot}+${temp.runRoot}]${NAME}`]);
    layerIds = containersImageLayerIds(oci.diffIds);
    imageId = oci.configDigest.slice('sha256:'.length);
    store = await openTestStore(temp);
  });

  after(async () => {
    await store?.close();
    await temp?.dispose();
  });

  it('finds the image by name and manifest digest with the config and manifest as big data', async () => {
    const image = await store.image(NAME);
    assert.equal(image.id, imageId);
    assert.equal(image.digest, oci.manifestDigest);
    assert.ok(image.digests.includes(oci.manifestDigest));
    assert.equal(image.topLayer, layerIds.at(-1));
    assert.deepEqual(await store.imageBigData(imageId, oci.configDigest), oci.config);
    assert.deepEqual(await store.imageBigData(imageId, 'manifest'), oci.manifest);
    assert.equal(image.bigDataDigests[`manifest-${oci.manifestDigest}`], oci.manifestDigest);
    assert.deepEqual((await store.imagesByDigest(oci.manifestDigest)).map((i) => i.id), [imageId]);
  });

  it('reads the layer chain with the digests skopeo recorded', async () => {
    for (const [i, id] of layerIds.entries()) {
      const layer = await store.layer(id);
      assert.equal(layer.parent, i === 0 ? undefined : layerIds[i - 1]);
      assert.equal(layer.uncompressedDigest, oci.diffIds[i]);
      assert.equal(layer.compressedDigest, oci.layerBlobs[i]!.digest);
      assert.equal(layer.compressionType, Compression.Gzip);
      assert.deepEqual((await store.layersByUncompressedDigest(oci.diffIds[i]!)).map((l) => l.id), [id]);
    }
  });

  it('mounts the image read-only and reads its files', async () => {
    const root = await store.mountImage(imageId);
    try {
      assert.equal(await readFile(join(root, 'etc', 'hostname'), 'utf8'), 'skopeo\n');
      assert.equal(sha256Hex(await readFile(join(root, 'bin', 'busybox'))), sha256Hex(await readFile('/bin/busybox')));
    } finally {
      await store.unmountImage(imageId);
    }
  });

  it('diffs each layer to its diffID, as the Go CLI does', async () => {
    for (const [i, id] of layerIds.entries()) {
      const ours = `sha256:${sha256Hex(await readAll(await store.diff(id, { compression: Compression.None })))}`;
      assert.equal(ours, oci.diffIds[i]);
      const theirs = `sha256:${sha256Hex((await goStorage(temp, ['diff', '--uncompressed', id])).stdout)}`;
      assert.equal(ours, theirs);
    }
  });

  it('diffs a gzip layer as gzip by default, as the Go library does', async () => {
    const compressed = await readAll(await store.diff(layerIds[0]!));
    assert.deepEqual([...compressed.subarray(0, 2)], [0x1f, 0x8b]);
  });

  it('checks the skopeo store clean', async () => {
    assert.deepEqual(checkProblems(await store.check()), []);
  });
});
