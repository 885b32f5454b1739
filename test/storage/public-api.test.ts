// The package's public entry: `import { openStore } from 'berth'` resolves
// (package self-reference through "exports") to a working Store.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTempStore } from '../helpers/temp-store.js';

test("import('berth') gives openStore, the typed errors and the enums", async () => {
  const berth = await import('berth');
  assert.equal(typeof berth.openStore, 'function');
  assert.equal(typeof berth.isStorageError, 'function');
  assert.equal(berth.Compression.Gzip, 2);
  const temp = await makeTempStore('berth-public-api-');
  try {
    const store = await berth.openStore({ graphRoot: temp.graphRoot, runRoot: temp.runRoot, driverName: 'vfs', driverOptions: [] });
    await assert.rejects(store.layer('nosuch'), (err) => berth.isStorageError(err, 'layer-unknown'));
  } finally {
    await temp.dispose();
  }
});
