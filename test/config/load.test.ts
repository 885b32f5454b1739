// loadStoreOptions(): storage.conf search, key tables → driver option strings,
// STORAGE_DRIVER / STORAGE_OPTS, defaults, and typed errors for bad files.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isStorageError, loadStoreOptions, OVERRIDE_CONFIG_FILE, SYSTEM_CONFIG_FILE } from '../../src/storage/index.js';

let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'berth-config-')); });
after(() => rm(dir, { recursive: true, force: true }));

async function confFile(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('loadStoreOptions() file search', () => {
  it('reads CONTAINERS_STORAGE_CONF and nothing else when it is set', async () => {
    const path = await confFile('env.conf', '[storage]\ndriver = "vfs"\ngraphroot = "/g"\nrunroot = "/r"\n');
    const { options, configFile } = await loadStoreOptions({ env: { CONTAINERS_STORAGE_CONF: path }, uid: 0 });
    assert.equal(configFile, path);
    assert.deepEqual(options, { graphRoot: '/g', runRoot: '/r', driverName: 'vfs', driverOptions: [] });
  });

  it('fails with config-invalid when CONTAINERS_STORAGE_CONF names a missing file', async () => {
    await assert.rejects(
      loadStoreOptions({ env: { CONTAINERS_STORAGE_CONF: join(dir, 'nope.conf') }, uid: 0 }),
      (err) => isStorageError(err, 'config-invalid') && err.message.includes('nope.conf'),
    );
  });

  it('uses /etc/containers/storage.conf for root when present, else the /usr/share default', async () => {
    const { configFile } = await loadStoreOptions({ env: {}, uid: 0 });
    const expected = existsSync(OVERRIDE_CONFIG_FILE) ? OVERRIDE_CONFIG_FILE : existsSync(SYSTEM_CONFIG_FILE) ? SYSTEM_CONFIG_FILE : undefined;
    assert.equal(configFile, expected);
  });

  it('gives root the standard roots and overlay when the file sets none', async () => {
    const path = await confFile('empty.conf', '');
    const { options } = await loadStoreOptions({ env: {}, configPath: path, uid: 0 });
    assert.equal(options.graphRoot, '/var/lib/containers/storage');
    assert.equal(options.runRoot, '/run/containers/storage');
    assert.equal(options.driverName, 'overlay');
  });

  it('reads a rootless user\'s own file from XDG_CONFIG_HOME and gives per-user roots', async () => {
    const home = join(dir, 'home');
    await mkdir(join(home, 'cfg', 'containers'), { recursive: true });
    await writeFile(join(home, 'cfg', 'containers', 'storage.conf'), '[storage]\ndriver = "vfs"\n');
    const env = { HOME: home, XDG_CONFIG_HOME: join(home, 'cfg'), XDG_DATA_HOME: join(home, 'data'), XDG_RUNTIME_DIR: join(home, 'run') };
    const { options, configFile } = await loadStoreOptions({ env, uid: 1000 });
    assert.equal(configFile, join(home, 'cfg', 'containers', 'storage.conf'));
    assert.equal(options.driverName, 'vfs');
    assert.equal(options.graphRoot, join(home, 'data', 'containers', 'storage'));
    assert.equal(options.runRoot, join(home, 'run', 'containers'));
  });

  it('expands $UID and environment variables in rootless_storage_path', async () => {
    const path = await confFile('rootless.conf', '[storage]\ndriver = "overlay"\nrootless_storage_path = "$BASE/u$UID"\n');
    const { options } = await loadStoreOptions({ env: { CONTAINERS_STORAGE_CONF: path, BASE: '/srv', XDG_RUNTIME_DIR: '/run/user/1234' }, uid: 1234 });
    assert.equal(options.graphRoot, '/srv/u1234');
    assert.equal(options.runRoot, '/run/user/1234/containers');
  });
});

describe('loadStoreOptions() keys', () => {
  it('turns [storage.options] and [storage.options.overlay] into overlay option strings', async () => {
    const path = await confFile('overlay.conf', [
      '[storage]', 'driver = "overlay"', 'graphroot = "/g"', 'runroot = "/r"', 'transient_store = true',
      '[storage.options]', 'additionalimagestores = ["/ro1", "/ro2"]', 'mountopt = "nodev,metacopy=on"',
      'skip_mount_home = "true"', 'ignore_chown_errors = true',
      'pull_options = {enable_partial_images = "false", use_hard_links = "false"}',
      '[storage.options.overlay]', 'mountopt = "nodev"', 'force_mask = "shared"', 'inodes = "100"', '',
    ].join('\n'));
    const { options, warnings } = await loadStoreOptions({ env: {}, configPath: path, uid: 0 });
    assert.deepEqual(options.driverOptions, [
      'overlay.imagestore=/ro1', 'overlay.imagestore=/ro2',
      'overlay.skip_mount_home=true', 'overlay.ignore_chown_errors=true', 'overlay.mountopt=nodev,metacopy=on',
      'overlay.ignore_chown_errors=true', 'overlay.mountopt=nodev', 'overlay.inodes=100',
      'overlay.skip_mount_home=true', 'overlay.force_mask=shared',
    ]);
    assert.equal(options.transientStore, true);
    assert.deepEqual(options.pullOptions, { enable_partial_images: 'false', use_hard_links: 'false' });
    assert.deepEqual(warnings, []);
  });

  it('reads the automatic user namespace settings', async () => {
    const path = await confFile('userns.conf', [
      '[storage]', 'driver = "vfs"', '[storage.options]',
      'root-auto-userns-user = "berthns"', 'auto-userns-min-size = 2048', 'auto-userns-max-size = 32768', '',
    ].join('\n'));
    const { options, warnings } = await loadStoreOptions({ env: {}, configPath: path, uid: 0 });
    assert.deepEqual([options.autoUsernsUser, options.autoNsMinSize, options.autoNsMaxSize], ['berthns', 2048, 32768]);
    assert.deepEqual(warnings, []);
  });

  it('maps driver overlay2 to overlay but keeps Go\'s overlay2. prefix on generic options', async () => {
    const path = await confFile('overlay2.conf', '[storage]\ndriver = "overlay2"\n[storage.options]\nsize = "10G"\n');
    const { options } = await loadStoreOptions({ env: {}, configPath: path, uid: 0 });
    assert.equal(options.driverName, 'overlay');
    assert.deepEqual(options.driverOptions, ['overlay2.size=10G', 'overlay.size=10G']);
  });

  it('writes a numeric force_mask in octal', async () => {
    const path = await confFile('mask.conf', '[storage]\ndriver = "vfs"\n[storage.options]\nforce_mask = 0o750\n');
    const { options } = await loadStoreOptions({ env: {}, configPath: path, uid: 0 });
    assert.deepEqual(options.driverOptions, ['vfs.force_mask=750']);
  });

  it('uses only the vfs table for the vfs driver', async () => {
    const path = await confFile('vfs.conf', '[storage]\ndriver = "vfs"\n[storage.options.overlay]\nmountopt = "nodev"\n[storage.options.vfs]\nignore_chown_errors = "true"\n');
    const { options } = await loadStoreOptions({ env: {}, configPath: path, uid: 0 });
    assert.deepEqual(options.driverOptions, ['vfs.ignore_chown_errors=true']);
  });

  it('returns unknown keys as Go\'s warning text instead of failing', async () => {
    const path = await confFile('unknown.conf', '[storage]\ndriver = "vfs"\nbogus = 1\n[storage.options]\nalso_bogus = "x"\n');
    const { warnings, options } = await loadStoreOptions({ env: {}, configPath: path, uid: 0 });
    assert.equal(options.driverName, 'vfs');
    assert.deepEqual(warnings, [`Failed to decode the keys ["storage.bogus" "storage.options.also_bogus"] from "${path}"`]);
  });

  it('takes [storage] imagestore as the root of a split store', async () => {
    const path = await confFile('split.conf', '[storage]\ndriver = "vfs"\ngraphroot = "/g"\nrunroot = "/r"\nimagestore = "/images"\n');
    const { options, warnings } = await loadStoreOptions({ env: {}, configPath: path, uid: 0 });
    assert.equal(options.imageStore, '/images');
    assert.deepEqual(warnings, []);
  });

  it('reads remap-uids and remap-gids as the store\'s default maps, without a warning', async () => {
    const path = await confFile('remap.conf', '[storage]\ndriver = "vfs"\n[storage.options]\nremap-uids = "0:100000:1000:1000:300000:64536"\nremap-gids = "0:200000:65536"\n');
    const { options, warnings } = await loadStoreOptions({ env: {}, configPath: path, uid: 0 });
    assert.deepEqual(warnings, []);
    assert.deepEqual(options.uidMap, [{ containerId: 0, hostId: 100000, size: 1000 }, { containerId: 1000, hostId: 300000, size: 64536 }]);
    assert.deepEqual(options.gidMap, [{ containerId: 0, hostId: 200000, size: 65536 }]);
  });

  it('takes remap-user ranges from the subordinate-ID files, the user standing in for a missing group', async () => {
    const subuid = await confFile('subuid', 'other:1:2\nbuilder:400000:1000\nbuilder:500000:2000\n');
    const subgid = await confFile('subgid', 'builder:600000:65536\n');
    const path = await confFile('remap-user.conf', '[storage]\ndriver = "vfs"\n[storage.options]\nremap-uids = "0:1:1"\nremap-user = "builder"\n');
    const { options } = await loadStoreOptions({ env: {}, configPath: path, uid: 0, subIdFiles: { subuid, subgid } });
    assert.deepEqual(options.uidMap, [{ containerId: 0, hostId: 400000, size: 1000 }, { containerId: 1000, hostId: 500000, size: 2000 }]);
    assert.deepEqual(options.gidMap, [{ containerId: 0, hostId: 600000, size: 65536 }]);
  });

  it('refuses a malformed remap-uids or a remap-group without ranges with config-invalid', async () => {
    const bad = await confFile('remap-bad.conf', '[storage]\ndriver = "vfs"\n[storage.options]\nremap-uids = "0:100000"\n');
    await assert.rejects(loadStoreOptions({ env: {}, configPath: bad, uid: 0 }), (err) => isStorageError(err, 'config-invalid') && err.message.includes('remap-uids setting is malformed'));
    const subuid = await confFile('subuid2', 'builder:400000:1000\n');
    const none = await confFile('remap-none.conf', '[storage]\ndriver = "vfs"\n[storage.options]\nremap-group = "builder"\n');
    await assert.rejects(loadStoreOptions({ env: {}, configPath: none, uid: 0, subIdFiles: { subuid, subgid: subuid.replace('subuid2', 'nosubgid') } }), (err) => isStorageError(err, 'config-invalid'));
  });

});

describe('loadStoreOptions() environment', () => {
  it('lets STORAGE_DRIVER override the file\'s driver', async () => {
    const path = await confFile('drv.conf', '[storage]\ndriver = "overlay"\n[storage.options.overlay]\nmountopt = "nodev"\n');
    const { options } = await loadStoreOptions({ env: { STORAGE_DRIVER: 'vfs' }, configPath: path, uid: 0 });
    assert.equal(options.driverName, 'vfs');
    assert.deepEqual(options.driverOptions, []);
  });

  it('lets STORAGE_OPTS replace every driver option from the file', async () => {
    const path = await confFile('opts.conf', '[storage]\ndriver = "overlay"\n[storage.options.overlay]\nmountopt = "nodev"\n');
    const { options } = await loadStoreOptions({ env: { STORAGE_OPTS: 'overlay.mountopt=noexec,overlay.size=1G' }, configPath: path, uid: 0 });
    assert.deepEqual(options.driverOptions, ['overlay.mountopt=noexec', 'overlay.size=1G']);
  });

  it('treats an empty STORAGE_OPTS as no driver options', async () => {
    const path = await confFile('opts-empty.conf', '[storage]\ndriver = "overlay"\n[storage.options.overlay]\nmountopt = "nodev"\n');
    const { options } = await loadStoreOptions({ env: { STORAGE_OPTS: '' }, configPath: path, uid: 0 });
    assert.deepEqual(options.driverOptions, []);
  });

  it('turns overlay\'s idmapped mounts off only for _CONTAINERS_OVERLAY_DISABLE_IDMAP=yes, as Go\'s driver reads it', async () => {
    const path = await confFile('idmap.conf', '[storage]\ndriver = "overlay"\n');
    for (const [value, disabled] of [['yes', true], ['1', undefined], [undefined, undefined]] as const) {
      const { options } = await loadStoreOptions({ env: value === undefined ? {} : { _CONTAINERS_OVERLAY_DISABLE_IDMAP: value }, configPath: path, uid: 0 });
      assert.equal(options.disableIdmappedMounts, disabled, String(value));
    }
  });
});

describe('loadStoreOptions() driver choice', () => {
  it('picks the driver whose directory exists in the graph root when none is configured', async () => {
    const graph = join(dir, 'detect-graph');
    await mkdir(join(graph, 'vfs'), { recursive: true });
    const path = await confFile('detect.conf', `[storage]\ngraphroot = "${graph}"\ndriver_priority = ["overlay", "vfs"]\n`);
    const { options } = await loadStoreOptions({ env: {}, configPath: path, uid: 0 });
    assert.equal(options.driverName, 'vfs');
  });

  it('refuses a graph root holding several driver directories', async () => {
    const graph = join(dir, 'several-graph');
    await mkdir(join(graph, 'vfs'), { recursive: true });
    await mkdir(join(graph, 'overlay'), { recursive: true });
    const path = await confFile('several.conf', `[storage]\ngraphroot = "${graph}"\ndriver_priority = ["overlay", "vfs"]\n`);
    await assert.rejects(loadStoreOptions({ env: {}, configPath: path, uid: 0 }),
      (err) => isStorageError(err, 'config-invalid') && /several valid graphdrivers/.test(err.message));
  });

  it('refuses a driver Berth does not have', async () => {
    const path = await confFile('btrfs.conf', '[storage]\ndriver = "btrfs"\n');
    await assert.rejects(loadStoreOptions({ env: {}, configPath: path, uid: 0 }),
      (err) => isStorageError(err, 'config-invalid') && err.message.includes('"btrfs"'));
  });
});

describe('loadStoreOptions() bad files', () => {
  it('rejects malformed TOML with config-invalid naming the file', async () => {
    const path = await confFile('bad.conf', '[storage\ndriver = "overlay"\n');
    await assert.rejects(loadStoreOptions({ env: {}, configPath: path, uid: 0 }),
      (err) => isStorageError(err, 'config-invalid') && err.message.includes(path) && err.cause !== undefined);
  });

  it('rejects a value of the wrong type with the key named', async () => {
    const path = await confFile('type.conf', '[storage]\ndriver = 3\n');
    await assert.rejects(loadStoreOptions({ env: {}, configPath: path, uid: 0 }),
      (err) => isStorageError(err, 'config-invalid') && err.message.includes('"storage.driver"'));
  });
});
