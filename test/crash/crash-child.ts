// The victim of the crash test: opens a store and loops putLayer (a layer of a
// few MB), createImage and deleteImage (which removes the image's layer) until
// it is killed. Prints one line per step so the parent can tell where it died.
// Usage: node crash-child.js GRAPH_ROOT RUN_ROOT LAYER_TAR

import { createReadStream } from 'node:fs';
import { openStore } from '../../src/storage/index.js';

const [graphRoot, runRoot, tarPath] = process.argv.slice(2);
if (!graphRoot || !runRoot || !tarPath) {
  process.stderr.write('usage: crash-child GRAPH_ROOT RUN_ROOT LAYER_TAR\n');
  process.exit(2);
}

const store = await openStore({ graphRoot, runRoot, driverName: 'overlay', driverOptions: [] });
const step = (name: string) => process.stdout.write(`${name}\n`);
step('ready');
// Keep a couple of images alive (also those an earlier, killed child made) so
// that every round deletes one, and the delete cascades to its layer.
const images = (await store.images()).map((image) => image.id);
for (;;) {
  step('put-layer');
  const { layer } = await store.putLayer(createReadStream(tarPath));
  step('create-image');
  const image = await store.createImage({ layer: layer.id });
  images.push(image.id);
  while (images.length > 2) {
    step('delete-image');
    await store.deleteImage(images.shift()!);
  }
}
