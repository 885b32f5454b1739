// resolveStoreOptions(): which StoreOptions the global flags and storage.conf give,
// with the Go CLI's rule that store flags before the verb set storage.conf aside.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseFlags } from '../../src/cli/storage/flags.js';
import { GLOBAL_FLAGS } from '../../src/cli/storage/global-flags.js';
import { resolveStoreOptions } from '../../src/cli/storage/store-options.js';
import { isStorageError } from '../../src/storage/index.js';

let dir: string;
let env: NodeJS.ProcessEnv;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-cli-options-'));
  const conf = join(dir, 'storage.conf');
  await writeFile(conf, '[storage]\ndriver = "vfs"\ngraphroot = "/conf/graph"\nrunroot = "/conf/run"\n[storage.options.vfs]\nignore_chown_errors = "true"\n');
  env = { CONTAINERS_STORAGE_CONF: conf };
});
after(() => rm(dir, { recursive: true, force: true }));

const flags = (...args: string[]) => parseFlags(args, GLOBAL_FLAGS);

describe('resolveStoreOptions()', () => {
  it('uses storage.conf when no store flag comes before the verb', async () => {
    const { options } = await resolveStoreOptions(flags(), flags(), env);
    assert.deepEqual(options, { graphRoot: '/conf/graph', runRoot: '/conf/run', driverName: 'vfs', driverOptions: ['vfs.ignore_chown_errors=true'] });
  });

  it('sets storage.conf aside when a store flag comes before the verb, filling only the missing root', async () => {
    const { options } = await resolveStoreOptions(flags('--graph', join(dir, 'g'), '-s', 'overlay'), flags(), env);
    assert.deepEqual(options, { graphRoot: join(dir, 'g'), runRoot: '/conf/run', driverName: 'overlay', driverOptions: [] });
  });

  it('lets store flags after the verb override single fields of storage.conf', async () => {
    const { options } = await resolveStoreOptions(flags(), flags('--root', join(dir, 'g2'), '--storage-opt', 'vfs.x=1'), env);
    assert.deepEqual(options, { graphRoot: join(dir, 'g2'), runRoot: '/conf/run', driverName: 'vfs', driverOptions: ['vfs.ignore_chown_errors=true', 'vfs.x=1'] });
  });

  it('makes relative roots absolute and picks overlay when no driver is named', async () => {
    const { options } = await resolveStoreOptions(flags('-g', 'rel/graph', '--runroot', 'rel/run'), flags(), env);
    assert.equal(options.graphRoot, join(process.cwd(), 'rel/graph'));
    assert.equal(options.runRoot, join(process.cwd(), 'rel/run'));
    assert.equal(options.driverName, 'overlay');
  });

  it('refuses store flags that name neither root, as Go\'s GetStore does', async () => {
    await assert.rejects(resolveStoreOptions(flags('-s', 'vfs'), flags(), env), (err) => isStorageError(err, 'incomplete-options'));
  });
});
