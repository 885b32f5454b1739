// A containers.json large enough that Berth reads it record by record
// (src/storage/lazy-container.ts), written by the Go CLI in its own encoding:
// Berth's listings equal the Go CLI's byte for byte, and after Berth rewrites
// the file the Go CLI still reads every record as it was.

import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../src/storage/index.js';
import { berthStorage, openTestStore } from '../helpers/berth.js';
import { goStorage } from '../helpers/go-cli.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

const COUNT = 400;

describe('a containers.json of hundreds of records, written by the Go CLI, read record by record by Berth', () => {
  let temp: TempStore;
  const roots = () => ({ graphRoot: temp.graphRoot, runRoot: temp.runRoot, driver: 'vfs' as const });
  const go = async (...args: string[]) => (await goStorage(roots(), args)).stdout.toString();
  const berth = async (...args: string[]) => (await berthStorage(roots(), args)).stdout.toString();

  before(async () => {
    temp = await makeTempStore('berth-interop-lazy-');
    let store: Store = await openTestStore(roots());
    try {
      const { layer } = await store.putLayer(undefined);
      const image = await store.createImage({ layer: layer.id, names: ['localhost/lazy:1'] });
      for (let i = 0; i < COUNT; i++) {
        // Names as Go writes them plainly, and some it escapes (quotes; <, > and & as \u003c…): those records are decoded whole.
        const names = i % 50 === 7 ? [`odd "${i}" <&>`, `caf\u00e9-${i}`] : i % 3 === 0 ? [] : [`ctr-${i}`, ...(i % 5 === 0 ? [`alias-${i}`] : [])];
        const container = await store.createContainer({ image: image.id, names, metadata: i % 4 === 0 ? `{"pod":"p${i}","note":"]}{\\"x"}` : '' });
        if (i % 10 === 0) await store.setContainerBigData(container.id, 'config.json', Buffer.from(`{"n":${i}}`));
      }
    } finally {
      await store.close();
    }
    // One write by the Go CLI: it saves every record again in its own encoding.
    writeFileSync(join(temp.dir, 'data'), 'from go');
    await go('create-container', '--name', 'from-go', '--metadata', 'go meta', 'localhost/lazy:1');
    await go('set-container-data', '--file', join(temp.dir, 'data'), 'from-go', 'go.json');
    store = await openTestStore(roots());
    await store.close();
  });

  after(async () => temp?.dispose());

  it('is read record by record (64 KiB or more), and lists as the Go CLI lists it, text and JSON', async () => {
    assert.ok(statSync(join(temp.graphRoot, 'vfs-containers', 'containers.json')).size >= 64 << 10);
    assert.equal(await berth('containers'), await go('containers'));
    assert.equal(await berth('containers', '--json'), await go('containers', '--json'));
    assert.equal(await berth('container', 'from-go'), await go('container', 'from-go'));
  });

  it('rewritten by Berth (names changed, big data added), still reads the same in the Go CLI', async () => {
    await berth('set-names', '-n', 'renamed-by-berth', 'ctr-1');
    writeFileSync(join(temp.dir, 'more'), 'from berth');
    await berth('set-container-data', '-f', join(temp.dir, 'more'), 'ctr-2', 'berth.json');
    assert.equal(await go('containers', '--json'), await berth('containers', '--json'));
    assert.match(await go('container', 'renamed-by-berth'), /renamed-by-berth/);
    assert.equal(await go('get-container-data', 'ctr-2', 'berth.json'), 'from berth');
    assert.equal(await go('get-container-data', 'from-go', 'go.json'), 'from go');
    assert.equal((await go('containers')).match(/^[0-9a-f]{64}$/gm)?.length, COUNT + 1);
  });
});
