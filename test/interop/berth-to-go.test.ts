// Records and layers Berth writes through its library are what the Go
// containers-storage CLI (v1.43) sees: same IDs, names, metadata, big-data
// digests, mountable and diffable by Go on the same graph root.

import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Container, Image, Layer, Store } from '../../src/storage/index.js';
import { openTestStore } from '../helpers/berth.js';
import { goStorage, goStorageJson, type GoContainer, type GoImage, type GoLayer } from '../helpers/go-cli.js';
import { sha256Hex } from '../helpers/oci-image.js';
import { makeBusyboxRootfs, tarOfDirectory } from '../helpers/rootfs.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

describe('a store written by Berth, read by the Go containers-storage CLI', () => {
  let temp: TempStore;
  let store: Store;
  let baseTar: Buffer;
  let topTar: Buffer;
  let base: Layer;
  let top: Layer;
  let image: Image;
  let container: Container;

  before(async () => {
    temp = await makeTempStore('berth-interop-b2g-');
    await makeBusyboxRootfs(join(temp.dir, 'rootfs'));
    baseTar = await tarOfDirectory(join(temp.dir, 'rootfs'));
    await mkdir(join(temp.dir, 'top', 'etc'), { recursive: true });
    await writeFile(join(temp.dir, 'top', 'hello.txt'), 'hello from berth\n');
    await writeFile(join(temp.dir, 'top', 'etc', 'motd'), 'top layer\n');
    topTar = await tarOfDirectory(join(temp.dir, 'top'));
    store = await openTestStore(temp);
    base = (await store.putLayer(Readable.from([baseTar]), { names: ['berth-base'] })).layer;
    top = (await store.putLayer(Readable.from([topTar]), { parent: base.id, names: ['berth-top'] })).layer;
    await store.setMetadata(top.id, 'layer metadata <&>');
    image = await store.createImage({ names: ['localhost/berth/one:latest', 'two'], layer: top.id, metadata: 'image metadata', bigData: [{ key: 'config', data: Buffer.from('{"a":1}') }] });
    await store.setImageBigData(image.id, 'manifest', Buffer.from('{"schemaVersion":2}'));
    image = await store.image(image.id);
    container = await store.createContainer({ names: ['berth-ctr'], image: image.id, metadata: 'container metadata' });
    await store.setContainerBigData(container.id, 'state.json', Buffer.from('{"running":false}'));
    container = await store.container(container.id);
  });

  after(async () => {
    await store?.close();
    await temp?.dispose();
  });

  it('lists Berth layers with the same IDs, parents, names, metadata and digests', async () => {
    const goLayers = await goStorageJson<GoLayer[]>(temp, 'layers');
    const byId = new Map(goLayers.map((l) => [l.id, l]));
    for (const ours of [base, top, await store.layer(top.id)]) {
      const theirs = byId.get(ours.id);
      assert.ok(theirs, `Go lists layer ${ours.id}`);
      assert.deepEqual(theirs.names ?? [], ours.names);
      assert.equal(theirs.parent, ours.parent);
      assert.equal(theirs['diff-digest'], ours.uncompressedDigest);
      assert.equal(theirs['diff-size'], ours.uncompressedSize);
      assert.equal(theirs['compressed-diff-digest'], ours.compressedDigest);
    }
    assert.equal(byId.get(base.id)?.['diff-digest'], `sha256:${sha256Hex(baseTar)}`);
    assert.equal(byId.get(top.id)?.metadata, 'layer metadata <&>');
    assert.ok(byId.has(container.layerId), 'Go lists the container layer');
  });

  it('shows Berth images with the same names, top layer, metadata and big-data digests', async () => {
    const [theirs] = await goStorageJson<GoImage[]>(temp, 'image', [image.id]);
    assert.ok(theirs);
    assert.equal(theirs.id, image.id);
    assert.deepEqual(theirs.names, image.names);
    assert.equal(theirs.layer, top.id);
    assert.equal(theirs.metadata, 'image metadata');
    assert.deepEqual(theirs['big-data-digests'], image.bigDataDigests);
    assert.deepEqual(theirs['big-data-sizes'], image.bigDataSizes);
    assert.equal(theirs['big-data-digests']?.config, `sha256:${sha256Hex('{"a":1}')}`);
    const { stdout } = await goStorage(temp, ['get-image-data', 'two', 'manifest']);
    assert.equal(stdout.toString(), '{"schemaVersion":2}');
  });

  it('shows Berth containers with the same image, layer, names, metadata and big data', async () => {
    const [theirs] = await goStorageJson<GoContainer[]>(temp, 'container', ['berth-ctr']);
    assert.ok(theirs);
    assert.equal(theirs.id, container.id);
    assert.equal(theirs.image, image.id);
    assert.equal(theirs.layer, container.layerId);
    assert.equal(theirs.metadata, 'container metadata');
    assert.deepEqual(theirs['big-data-digests'], container.bigDataDigests);
    const { stdout } = await goStorage(temp, ['get-container-data', container.id, 'state.json']);
    assert.equal(stdout.toString(), '{"running":false}');
  });

  it('lets the Go CLI mount a Berth container and read the files of both image layers', async () => {
    const { stdout } = await goStorage(temp, ['mount', 'berth-ctr']);
    const merged = stdout.toString().trim();
    try {
      assert.equal(await readFile(join(merged, 'hello.txt'), 'utf8'), 'hello from berth\n');
      assert.equal(sha256Hex(await readFile(join(merged, 'bin', 'busybox'))), sha256Hex(await readFile('/bin/busybox')));
      assert.equal(await store.mounted(container.id), 1, 'Berth sees the mount count Go recorded');
    } finally {
      await goStorage(temp, ['unmount', 'berth-ctr']);
    }
    assert.equal(await store.mounted(container.id), 0);
  });

  it('shares mount counts with the Go CLI when Berth mounts first', async () => {
    const ours = await store.mount(container.id);
    await writeFile(join(ours, 'written-by-berth'), 'x');
    const theirs = (await goStorage(temp, ['mount', container.id])).stdout.toString().trim();
    assert.equal(theirs, ours);
    assert.equal(await readFile(join(theirs, 'written-by-berth'), 'utf8'), 'x');
    await goStorage(temp, ['unmount', container.id]);
    assert.equal(await store.mounted(container.id), 1, 'Go only dropped its own reference');
    assert.equal(await store.unmount(container.id), false);
    const { stdout } = await goStorage(temp, ['mounted', container.id]);
    assert.equal(stdout.toString().trim(), '', 'the Go CLI prints nothing for a layer that is not mounted');
  });

  it('gives the Go CLI the original tar bytes as the diff of layers Berth applied', async () => {
    const baseDiff = (await goStorage(temp, ['diff', '--uncompressed', base.id])).stdout;
    assert.equal(sha256Hex(baseDiff), sha256Hex(baseTar));
    const topDiff = (await goStorage(temp, ['diff', '--uncompressed', top.id])).stdout;
    assert.equal(sha256Hex(topDiff), sha256Hex(topTar));
  });

  it('sees a container the Go CLI deleted as gone', async () => {
    const extra = await store.createContainer({ names: ['doomed'], image: image.id });
    await goStorage(temp, ['delete-container', 'doomed']);
    const ids = (await store.containers()).map((c) => c.id);
    assert.ok(!ids.includes(extra.id));
    assert.ok(!(await store.layers()).some((l) => l.id === extra.layerId), 'its layer went with it');
  });
});
