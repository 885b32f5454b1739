// The package entry (`import … from 'berth'`) gives a library user storage.conf
// handling too: loadStoreOptions' result opens a Store on the configured roots.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { loadStoreOptions, openStore } from '../../src/index.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

let temp: TempStore;
before(async () => { temp = await makeTempStore('berth-entry-'); });
after(() => temp.dispose());

it('loadStoreOptions from the package entry reads storage.conf, and openStore takes its options', async () => {
  const conf = join(temp.dir, 'storage.conf');
  await writeFile(conf, `[storage]\ndriver = "vfs"\ngraphroot = "${temp.graphRoot}"\nrunroot = "${temp.runRoot}"\n`);
  const { options, configFile, warnings } = await loadStoreOptions({ env: { CONTAINERS_STORAGE_CONF: conf }, uid: 0 });
  assert.equal(configFile, conf);
  assert.deepEqual(warnings, []);
  assert.equal(options.graphRoot, temp.graphRoot);
  const store = await openStore(options);
  try {
    const layer = await store.createLayer({ names: ['from-conf'] });
    assert.equal((await store.layer('from-conf')).id, layer.id);
    assert.equal(store.graphDriverName, 'vfs');
  } finally {
    await store.shutdown({ force: true });
    await store.close();
  }
});
