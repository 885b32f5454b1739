// The top level of `berth`: version, help, unknown commands, and routing to `berth storage`.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { BERTH_BIN, REPO_ROOT } from '../helpers/berth.js';
import { runTool } from '../helpers/run-tool.js';

const berth = (...args: string[]) => runTool(process.execPath, [BERTH_BIN, ...args]);

it('berth --version prints the package version', async () => {
  const { version } = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const result = await berth('--version');
  assert.equal(result.code, 0);
  assert.equal(result.stdout.toString(), `${version}\n`);
});

it('berth --help lists the storage command', async () => {
  const result = await berth('--help');
  assert.equal(result.code, 0);
  assert.match(result.stdout.toString(), /^ {2}storage \[args\.\.\.\]/m);
});

it('berth with an unknown command exits 1 with an error', async () => {
  const result = await berth('frobnicate');
  assert.equal(result.code, 1);
  assert.match(result.stderr, /unknown command 'frobnicate'/);
});

it('berth storage --help lists the verbs, as containers-storage --help does', async () => {
  const result = await berth('storage', '--help');
  assert.equal(result.code, 0);
  assert.match(result.stdout.toString(), /^Usage: berth storage command \[options \[\.\.\.\]\]\n\nCommands:\n\n {2}check {2,}/);
  assert.match(result.stdout.toString(), /^ {2}layers {24}List layers$/m);
});

it('the executable runs each CLI bundle (the whole CLI, the storage verbs) with the build\'s V8 code cache, and this Node takes the caches', async () => {
  const probe = `
    const { loadCli, readCodeCache, BUNDLES } = require(${JSON.stringify(BERTH_BIN)});
    console.log(JSON.stringify(Object.entries(BUNDLES).map(([name, bundle]) => {
      const cache = readCodeCache(bundle);
      const { cli, script } = loadCli(bundle, cache);
      return { name, cache: cache !== undefined, rejected: script.cachedDataRejected, main: typeof cli.main };
    })));`;
  const result = await runTool(process.execPath, ['-e', probe]);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout.toString()), [
    { name: 'program', cache: true, rejected: false, main: 'function' },
    { name: 'storage', cache: true, rejected: false, main: 'function' },
  ]);
});

it('--storage-driver drops storage.conf\'s driver options for the container and image verbs, as podman does', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-driver-flag-'));
  try {
    const conf = join(dir, 'storage.conf');
    await writeFile(conf, '[storage]\ndriver = "overlay"\n[storage.options.overlay]\nmountopt = "nodev"\n');
    const env = { ...process.env, CONTAINERS_STORAGE_CONF: conf };
    for (const verb of [['ps', '-a'], ['images']]) {
      const result = await runTool(process.execPath, [BERTH_BIN, '--root', join(dir, 'graph'), '--runroot', join(dir, 'run'), '--storage-driver', 'vfs', ...verb], { env });
      assert.equal(result.code, 0, `${verb.join(' ')}: ${result.stderr}`);
      assert.equal(result.stderr, '');
    }
    const opted = await runTool(process.execPath, [BERTH_BIN, '--root', join(dir, 'graph'), '--runroot', join(dir, 'run'), '--storage-driver', 'vfs', '--storage-opt', 'overlay.mountopt=nodev', 'ps'], { env });
    assert.equal(opted.code, 125);
    assert.match(opted.stderr, /vfs driver does not support overlay\.mountopt options/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
