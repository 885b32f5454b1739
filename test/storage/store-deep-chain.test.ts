// An overlay image of 300 layers (v1.50.2 allows 500): the mount data of its
// container names 300 lowers, more than fit in the page mount(2) takes even as
// relative `l/<name>` links, and the container still sees every layer's file,
// mounted with the store's mount options (nodev here) as any other mount.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { openStore, type Store } from '../../src/storage/index.js';
import { TarBuilder } from '../helpers/tar-builder.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

const DEPTH = 300;
let temp: TempStore;
let store: Store;

before(async () => {
  temp = await makeTempStore('berth-deep-chain-');
  store = await openStore({ graphRoot: temp.graphRoot, runRoot: temp.runRoot, driverName: 'overlay', driverOptions: ['overlay.mountopt=nodev'] });
});
after(async () => {
  await store.shutdown({ force: true });
  await temp.dispose();
});

test(`a container on a ${DEPTH}-layer overlay image mounts and shows every layer's file`, async () => {
  let parent: string | undefined;
  for (let i = 0; i < DEPTH; i++) {
    const tar = new TarBuilder().file(`layer-${i}`, `${i}\n`).toBuffer();
    parent = (await store.putLayer(Readable.from([tar]), { parent })).layer.id;
  }
  const image = await store.createImage({ layer: parent });
  const container = await store.createContainer({ image: image.id });
  const lowers = readFileSync(join(temp.graphRoot, 'overlay', container.layerId, 'lower'), 'utf8');
  assert.equal(lowers.split(':').length, DEPTH);
  assert.ok(lowers.length > 4096, `even the relative lowers (${lowers.length} bytes) outgrow a page`);
  const root = await store.mount(container.id);
  const entry = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((line) => line.split(' ')[4] === root);
  assert.ok(entry, `${root} is a mount point`);
  assert.match(entry.split(' ')[5]!, /(^|,)nodev(,|$)/);
  for (let i = 0; i < DEPTH; i++) assert.equal(readFileSync(join(root, `layer-${i}`), 'utf8'), `${i}\n`, `layer ${i}`);
  await store.unmount(container.id);
  assert.equal(existsSync(join(root, 'layer-0')), false);
});
