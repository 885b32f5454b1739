// `berth storage create-container --uidmap/--gidmap` on overlay where idmapped
// lowers work (this kernel), beside the Go CLI (1.43, whose overlay driver
// shifts here too): the same records, no remapped copy of the image's layer,
// shifted owners in each tool's mount of the other's container, writes in the
// upper dir, and no mount left after unmount.

import assert from 'node:assert/strict';
import { chownSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { berthStorage } from '../helpers/berth.js';
import { goStorage } from '../helpers/go-cli.js';
import { TarBuilder } from '../helpers/tar-builder.js';
import { makeTempStore, mountPointsUnder, ownerOf, type TempStore } from '../helpers/temp-store.js';

const MAP_FLAGS = ['--uidmap', '0:100000:65536', '--gidmap', '0:200000:65536'];
const UIDMAP = [{ container_id: 0, host_id: 100000, size: 65536 }];
const GIDMAP = [{ container_id: 0, host_id: 200000, size: 65536 }];

const firstLine = (result: { stdout: Buffer }) => result.stdout.toString().split('\n')[0]!;
/** The one record `<verb> --json <id>` prints (a list of one). */
const record = (result: { stdout: Buffer }) => (JSON.parse(result.stdout.toString()) as Array<Record<string, unknown>>)[0]!;

describe('berth storage: containers with maps on overlay that shifts, beside the Go CLI', () => {
  let temp: TempStore;
  let image: string;
  let topLayer: string;
  let berthContainer: string;
  let goContainer: string;
  const home = () => join(temp.graphRoot, 'overlay');
  const layerMounts = async () => (await mountPointsUnder(temp.dir)).filter((m) => m !== home());

  before(async () => {
    temp = await makeTempStore('berth-cli-shifting-');
    const tarFile = join(temp.dir, 'layer.tar');
    await writeFile(tarFile, new TarBuilder().dir('etc').file('etc/f', 'root').dir('home').file('home/u', 'user', { uid: 1000, gid: 1000 }).toBuffer());
    topLayer = firstLine(await berthStorage(temp, ['import-layer', '-f', tarFile]));
    image = firstLine(await berthStorage(temp, ['create-image', topLayer]));
    berthContainer = firstLine(await berthStorage(temp, ['create-container', ...MAP_FLAGS, image]));
    goContainer = firstLine(await goStorage(temp, ['create-container', ...MAP_FLAGS, image]));
  });
  after(async () => {
    await goStorage(temp, ['shutdown']).catch(() => undefined);
    await temp.dispose();
  });

  it('records the container and its layer as the Go CLI does: maps on the container only, the layer right on the image\'s', async () => {
    for (const id of [berthContainer, goContainer]) {
      for (const read of [berthStorage, goStorage]) {
        const container = record(await read(temp, ['container', '--json', id]));
        assert.deepEqual([container.uidmap, container.gidmap], [UIDMAP, GIDMAP]);
        const layer = record(await read(temp, ['layer', '--json', container.layer as string]));
        assert.deepEqual([layer.parent, layer.uidmap, layer.gidmap], [topLayer, undefined, undefined]);
      }
    }
    const imageRecord = record(await goStorage(temp, ['image', '--json', image]));
    assert.equal(imageRecord['mapped-layers'], undefined, 'no remapped copy registered');
    const layers = JSON.parse((await berthStorage(temp, ['layers', '--json'])).stdout.toString()) as unknown[];
    assert.equal(layers.length, 3, 'the image\'s layer and two container layers');
    assert.equal(ownerOf(join(home(), topLayer, 'diff', 'home', 'u')), '1000:1000');
    assert.equal(existsSync(join(temp.runRoot, 'overlay', 'idmapped-lower-dir-true')), true);
  });

  it('each tool mounts the other\'s container with the image\'s files shifted; unmount leaves no mount', async () => {
    const tools = [[berthStorage, goContainer], [goStorage, berthContainer]] as const;
    for (const [tool, container] of tools) {
      const root = firstLine(await tool(temp, ['mount', container]));
      try {
        assert.deepEqual([ownerOf(join(root, 'etc', 'f')), ownerOf(join(root, 'home', 'u'))], ['100000:200000', '101000:201000'], `${container} through ${tool.name}`);
        assert.deepEqual(await layerMounts(), [root]);
      } finally {
        await tool(temp, ['unmount', container]);
      }
      assert.deepEqual(await layerMounts(), []);
    }
  });

  it('files written through Berth\'s mount land in the container\'s upper dir with the owners given', async () => {
    const root = firstLine(await berthStorage(temp, ['mount', berthContainer]));
    const layer = record(await berthStorage(temp, ['container', '--json', berthContainer])).layer as string;
    try {
      writeFileSync(join(root, 'written'), 'x');
      chownSync(join(root, 'written'), 100033, 200033);
      assert.equal(ownerOf(join(home(), layer, 'diff', 'written')), '100033:200033');
      assert.equal(ownerOf(join(home(), layer, 'diff')), '100000:200000', 'the upper dir belongs to the maps\' root');
    } finally {
      await berthStorage(temp, ['unmount', berthContainer]);
    }
    // The Go CLI's mount shows the same file.
    const goRoot = firstLine(await goStorage(temp, ['mount', berthContainer]));
    try {
      assert.equal(ownerOf(join(goRoot, 'written')), '100033:200033');
    } finally {
      await goStorage(temp, ['unmount', berthContainer]);
    }
    assert.deepEqual(await layerMounts(), []);
    assert.deepEqual(readdirSync(join(home(), layer, 'mapped')), ['0']);
  });

  it('with _CONTAINERS_OVERLAY_DISABLE_IDMAP=yes (store flags given) the container gets a chowned copy of the image\'s layer, which a shifting store mounts as it is', async () => {
    const env = { env: { ...process.env, _CONTAINERS_OVERLAY_DISABLE_IDMAP: 'yes' } };
    const copied = firstLine(await berthStorage(temp, ['create-container', ...MAP_FLAGS, image], env));
    const layer = record(await berthStorage(temp, ['layer', '--json', record(await berthStorage(temp, ['container', '--json', copied])).layer as string]));
    assert.deepEqual([layer.uidmap, layer.gidmap], [UIDMAP, GIDMAP]);
    assert.deepEqual(record(await berthStorage(temp, ['image', '--json', image]))['mapped-layers'], [layer.parent]);
    // Mounted where the store shifts, its files already carry host IDs and are not shifted twice (Go v1.50.2 would).
    const root = firstLine(await berthStorage(temp, ['mount', copied]));
    try {
      assert.deepEqual([ownerOf(join(root, 'etc', 'f')), ownerOf(join(root, 'home', 'u'))], ['100000:200000', '101000:201000']);
    } finally {
      await berthStorage(temp, ['unmount', copied]);
    }
    await berthStorage(temp, ['delete-container', copied]);
  });
});
