// A store the Go containers-storage CLI (v1.43) populated is read, mounted
// and diffed by Berth: the same records, the same bytes, the same changes.

import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChangeKind } from '../../src/archive/index.js';
import type { Store } from '../../src/storage/index.js';
import { checkProblems, openTestStore } from '../helpers/berth.js';
import { goStorage, goStorageJson, type GoContainer, type GoImage, type GoLayer } from '../helpers/go-cli.js';
import { sha256Hex } from '../helpers/oci-image.js';
import { makeBusyboxRootfs, tarOfDirectory } from '../helpers/rootfs.js';
import { readAll } from '../helpers/streams.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

const GO_CHANGE_KIND: Record<string, ChangeKind> = { Modify: ChangeKind.Modify, Add: ChangeKind.Add, Delete: ChangeKind.Delete };

describe('a store written by the Go containers-storage CLI, read by Berth', () => {
  let temp: TempStore;
  let store: Store;
  let baseTar: Buffer;
  let topTar: Buffer;
  let goLayers: GoLayer[];
  let goImage: GoImage;
  let goContainer: GoContainer;
  let baseId: string;
  let topId: string;

  before(async () => {
    temp = await makeTempStore('berth-interop-g2b-');
    await makeBusyboxRootfs(join(temp.dir, 'rootfs'));
    baseTar = await tarOfDirectory(join(temp.dir, 'rootfs'));
    await mkdir(join(temp.dir, 'top', 'etc'), { recursive: true });
    await writeFile(join(temp.dir, 'top', 'etc', 'motd'), 'written by go\n');
    await writeFile(join(temp.dir, 'top', 'hello.txt'), 'hello\n');
    topTar = await tarOfDirectory(join(temp.dir, 'top'));
    await writeFile(join(temp.dir, 'base.tar'), baseTar);
    await writeFile(join(temp.dir, 'top.tar'), topTar);
    await writeFile(join(temp.dir, 'config.json'), '{"config":true}');

    baseId = (await goStorageJson<GoLayer>(temp, 'import-layer', ['--file', join(temp.dir, 'base.tar'), '--name', 'go-base'])).id;
    topId = (await goStorageJson<GoLayer>(temp, 'create-layer', ['--name', 'go-top', baseId])).id;
    await goStorage(temp, ['applydiff', '--file', join(temp.dir, 'top.tar'), topId]);
    await goStorage(temp, ['set-metadata', '--metadata', 'go layer meta', topId]);
    const imageId = (await goStorageJson<GoImage>(temp, 'create-image', ['--name', 'localhost/go/img:1', '--metadata', 'go image meta', topId])).id;
    await goStorage(temp, ['set-image-data', '--file', join(temp.dir, 'config.json'), imageId, 'config']);
    await goStorage(temp, ['create-container', '--name', 'go-ctr', '--metadata', 'go ctr meta', imageId]);
    await goStorage(temp, ['set-container-data', '--file', join(temp.dir, 'config.json'), 'go-ctr', 'ctr.json']);

    goLayers = await goStorageJson<GoLayer[]>(temp, 'layers');
    [goImage] = await goStorageJson<GoImage[]>(temp, 'images') as [GoImage];
    [goContainer] = await goStorageJson<GoContainer[]>(temp, 'containers') as [GoContainer];
    store = await openTestStore(temp);
  });

  after(async () => {
    await store?.close();
    await temp?.dispose();
  });

  it('lists the Go layers with the same IDs, parents, names, metadata and digests', async () => {
    const ours = new Map((await store.layers()).map((l) => [l.id, l]));
    assert.equal(ours.size, goLayers.length);
    for (const theirs of goLayers) {
      const layer = ours.get(theirs.id);
      assert.ok(layer, `Berth lists layer ${theirs.id}`);
      assert.deepEqual(layer.names, theirs.names ?? []);
      assert.equal(layer.parent, theirs.parent);
      assert.equal(layer.metadata, theirs.metadata);
      assert.equal(layer.uncompressedDigest, theirs['diff-digest']);
      assert.equal(layer.uncompressedSize, theirs['diff-size']);
      assert.equal(layer.compressedDigest, theirs['compressed-diff-digest']);
      assert.deepEqual(layer.uidSet ?? [], theirs.uidset ?? []);
    }
    assert.equal(ours.get(topId)?.metadata, 'go layer meta');
    assert.equal(await store.lookup('go-base'), baseId);
  });

  it('reads the Go image and its big data', async () => {
    const image = await store.image('localhost/go/img:1');
    assert.equal(image.id, goImage.id);
    assert.equal(image.topLayer, topId);
    assert.equal(image.metadata, 'go image meta');
    assert.deepEqual(image.bigDataDigests, goImage['big-data-digests']);
    assert.deepEqual(image.bigDataSizes, goImage['big-data-sizes']);
    assert.equal((await store.imageBigData(image.id, 'config')).toString(), '{"config":true}');
    assert.equal(await store.imageBigDataDigest(image.id, 'config'), `sha256:${sha256Hex('{"config":true}')}`);
  });

  it('reads the Go container and its big data', async () => {
    const container = await store.container('go-ctr');
    assert.equal(container.id, goContainer.id);
    assert.equal(container.imageId, goImage.id);
    assert.equal(container.layerId, goContainer.layer);
    assert.equal(container.metadata, 'go ctr meta');
    assert.deepEqual(container.bigDataDigests, goContainer['big-data-digests']);
    assert.equal((await store.containerBigData(container.id, 'ctr.json')).toString(), '{"config":true}');
    assert.deepEqual((await store.containerByLayer(goContainer.layer)).id, goContainer.id);
  });

  it('mounts the Go container and reads the files of both image layers', async () => {
    const merged = await store.mount('go-ctr');
    try {
      assert.equal(await readFile(join(merged, 'etc', 'motd'), 'utf8'), 'written by go\n');
      assert.equal(sha256Hex(await readFile(join(merged, 'bin', 'busybox'))), sha256Hex(await readFile('/bin/busybox')));
      const { stdout } = await goStorage(temp, ['mounted', 'go-ctr']);
      assert.match(stdout.toString(), /go-ctr mounted/, 'Go sees the mount Berth recorded');
    } finally {
      assert.equal(await store.unmount('go-ctr'), false);
    }
    const { stdout } = await goStorage(temp, ['mounted', 'go-ctr']);
    assert.equal(stdout.toString().trim(), '', 'the Go CLI prints nothing for a layer that is not mounted');
  });

  it('diffs each Go layer to the same bytes as the Go CLI and the input tar', async () => {
    for (const [id, tar] of [[baseId, baseTar], [topId, topTar]] as const) {
      const ours = sha256Hex(await readAll(await store.diff(id)));
      const theirs = sha256Hex((await goStorage(temp, ['diff', '--uncompressed', id])).stdout);
      assert.equal(ours, theirs, `diff of ${id}`);
      assert.equal(ours, sha256Hex(tar));
    }
  });

  it('reports the same changes and diff size as the Go CLI', async () => {
    const goChanges = (await goStorage(temp, ['changes', topId])).stdout.toString().trim().split('\n').map((line) => {
      const m = /^(\w+) "(.*)"$/.exec(line);
      assert.ok(m, `Go change line ${line}`);
      return { path: JSON.parse(`"${m[2]}"`) as string, kind: GO_CHANGE_KIND[m[1]!] };
    });
    const ours = (await store.changes(topId)).map((c) => ({ path: c.path, kind: c.kind }));
    const byPath = (a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path);
    assert.deepEqual(ours.sort(byPath), goChanges.sort(byPath));
    const goSize = Number((await goStorage(temp, ['diffsize', topId])).stdout.toString().trim());
    assert.equal(await store.diffSize(topId), goSize);
  });

  it('checks the Go store clean', async () => {
    assert.deepEqual(checkProblems(await store.check()), []);
  });
});

