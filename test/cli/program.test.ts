// The top level of `berth`: version, help, unknown commands, and routing to `berth storage`.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
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

it('berth with an unknown command exits 125 with an error, as podman', async () => {
  const result = await berth('frobnicate');
  assert.equal(result.code, 125);
  assert.match(result.stderr, /unknown command 'frobnicate'/);
});

it('a command line that names a verb gets that verb alone; help, none or an unknown one get every verb', async () => {
  const { verbOf } = await import('../../src/cli/verb-selection.js');
  assert.equal(verbOf(['--root', '/r', '--runroot=/rr', '--storage-driver', 'overlay', 'run', '--rm', 'busybox']), 'run');
  assert.equal(verbOf(['--storage-opt', 'x=y', 'container', 'ls', '-a']), 'ls');
  assert.equal(verbOf(['image', 'rm', 'busybox']), 'rm');
  assert.equal(verbOf(['--help']), undefined);
  // Only `run` is declared for `run --help`; `help run` and the full listing still see every verb.
  const runHelp = await berth('run', '--help');
  assert.equal(runHelp.code, 0);
  assert.match(runHelp.stdout.toString(), /^Usage: berth run \[options\] <image> \[command\.\.\.\]/);
  const helpRun = await berth('help', 'run');
  assert.equal(helpRun.stdout.toString(), runHelp.stdout.toString());
  const listing = (await berth('--help')).stdout.toString();
  for (const verb of ['run', 'ps', 'exec', 'pull', 'images', 'login', 'container', 'image']) assert.match(listing, new RegExp(`^ {2}${verb}\\b`, 'm'), verb);
  const groupListing = (await berth('container', '--help')).stdout.toString();
  for (const verb of ['run', 'ps|ls', 'exists', 'cleanup']) assert.match(groupListing, new RegExp(`^ {2}${verb.replace('|', '\\|')}\\b`, 'm'), verb);
});

it('berth storage --help lists the verbs, as containers-storage --help does', async () => {
  const result = await berth('storage', '--help');
  assert.equal(result.code, 0);
  assert.match(result.stdout.toString(), /^Usage: berth storage command \[options \[\.\.\.\]\]\n\nCommands:\n\n {2}check {2,}/);
  assert.match(result.stdout.toString(), /^ {2}layers {24}List layers$/m);
});

it('the executable runs each CLI bundle (the whole CLI, the storage verbs) with the build\'s V8 code caches (common and per verb), and this Node takes them', async () => {
  const probe = `
    const { loadCli, readCodeCache, BUNDLES, VERB_CACHES } = require(${JSON.stringify(BERTH_BIN)});
    console.log(JSON.stringify(Object.entries(BUNDLES).flatMap(([name, bundle]) =>
      [undefined, ...new Set(Object.values(VERB_CACHES[name]))].map((cacheName) => {
        const cache = readCodeCache(bundle, cacheName);
        const { cli, script } = loadCli(bundle, cache);
        return { name, cacheName: cacheName ?? 'common', cache: cache !== undefined, rejected: script.cachedDataRejected, main: typeof cli.main };
      }))));`;
  const result = await runTool(process.execPath, ['-e', probe]);
  assert.equal(result.code, 0, result.stderr);
  const loaded = JSON.parse(result.stdout.toString()) as Array<{ name: string; cacheName: string }>;
  assert.deepEqual(loaded.map(({ name, cacheName }) => `${name}/${cacheName}`), ['program/common', 'program/run', 'storage/common', 'storage/container-writes', 'storage/listing']);
  for (const entry of loaded) assert.deepEqual(entry, { ...entry, cache: true, rejected: false, main: 'function' });
});

it('the executable picks a verb\'s own code cache from the command line as typed', () => {
  const { verbOf } = createRequire(import.meta.url)(BERTH_BIN) as { verbOf: (argv: string[]) => string | undefined };
  assert.equal(verbOf(['--root', '/r', '--runroot', '/rr', '--storage-driver', 'overlay', 'run', '--rm', 'busybox']), 'run');
  assert.equal(verbOf(['--root=/r', 'container', 'run', 'busybox']), 'run');
  assert.equal(verbOf(['storage', '--graph', 'create-container', '-s', 'vfs', 'create-container', 'img']), 'create-container');
  assert.equal(verbOf(['--runtime', 'crun']), undefined);
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

it('a verb declares the options its command line names: its errors, help and group listings still see every option', async () => {
  const misspelt = await berth('run', '--nmae', 'web', 'busybox');
  assert.equal(misspelt.code, 125, 'podman\'s exit code for a command line it refuses');
  assert.equal(misspelt.stderr, "error: unknown option '--nmae'\n(Did you mean --name?)\n");
  const missing = await berth('run', '--rm', '--name');
  assert.equal(missing.code, 125);
  assert.equal(missing.stderr, "error: option '--name <name>' argument missing\n");
  const help = (await berth('run', '--help')).stdout.toString();
  for (const flag of ['--memory <size>', '--pids-limit <n>', '--no-hosts', '-e, --env <env>']) assert.ok(help.includes(flag), flag);
  // A verb the program does not have gets every verb and option at once: its error comes once.
  const unknownVerb = await berth('--nope', 'frobnicate');
  assert.equal(unknownVerb.code, 125);
  assert.equal(unknownVerb.stderr, "error: unknown option '--nope'\n");
  const group = (await berth('network')).stdout.toString();
  assert.match(group, /^ {2}create \[options\] \[name\]/m);
});
