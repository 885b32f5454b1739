// The top level of `berth`: version, help, unknown commands, and routing to `berth storage`.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
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

it('the executable runs the CLI bundle with the build\'s V8 code cache, and this Node takes the cache', async () => {
  const probe = `
    const { loadCli, readCodeCache } = require(${JSON.stringify(BERTH_BIN)});
    const cache = readCodeCache();
    const { cli, script } = loadCli(cache);
    console.log(JSON.stringify({ cache: cache !== undefined, rejected: script.cachedDataRejected, main: typeof cli.main }));`;
  const result = await runTool(process.execPath, ['-e', probe]);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout.toString()), { cache: true, rejected: false, main: 'function' });
});
