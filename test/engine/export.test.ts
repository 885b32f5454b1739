// `export`: a container's root filesystem as a tar, to stdout or to a file
// (complete or not at all), stopped or running, and back in as an image with
// `import`.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { BERTH_BIN } from '../helpers/berth.js';
import { readAll } from '../helpers/streams.js';
import { runTool, runToolOk } from '../helpers/run-tool.js';
import { BUSYBOX_IMAGE, openEngineFixture, type EngineFixture } from './engine-fixture.js';

/** `tar -t` of an archive, and one member's content. */
async function tarNames(archive: Buffer): Promise<string[]> {
  return (await runToolOk('tar', ['-tf', '-'], { input: archive })).stdout.toString().split('\n').filter(Boolean);
}
async function tarMember(archive: Buffer, name: string): Promise<string> {
  return (await runToolOk('tar', ['-xOf', '-', name], { input: archive })).stdout.toString();
}

describe('export', () => {
  let fx: EngineFixture;
  let stopped: string;
  let running: string;
  const cli = (...args: string[]): string[] => [BERTH_BIN, '--root', fx.temp.graphRoot, '--runroot', fx.temp.runRoot, ...args];
  const mountedRoots = (): string[] => readFileSync('/proc/mounts', 'utf8').split('\n').filter((line) => line.includes(fx.temp.dir));

  before(async () => {
    fx = await openEngineFixture();
    const made = await fx.engine.create({ image: BUSYBOX_IMAGE, command: ['/bin/sh', '-c', 'busybox mkdir -p /data; echo written inside > /data/hello; busybox chown 1234:5678 /data/hello'] });
    await fx.engine.start(made.id);
    assert.equal(await fx.engine.wait(made.id), 0);
    stopped = made.id;
    const live = await fx.engine.create({ image: BUSYBOX_IMAGE, command: ['/bin/sh', '-c', 'echo live > /tmp/live; while :; do sleep 0.1; done'] });
    await fx.engine.start(live.id);
    running = live.id;
  });
  after(async () => fx.dispose());

  it("writes a stopped container's files, the image's and its own with their owners, and unmounts it after", async () => {
    const before = mountedRoots();
    const out = new PassThrough();
    const [archive] = await Promise.all([readAll(out), fx.engine.export(stopped, out)]);
    const names = await tarNames(archive);
    assert.ok(names.includes('bin/busybox'), names.slice(0, 20).join(' '));
    assert.ok(names.includes('data/hello'));
    assert.equal(await tarMember(archive, 'data/hello'), 'written inside\n');
    const listing = (await runToolOk('tar', ['-tvf', '-', '--numeric-owner', 'data/hello'], { input: archive })).stdout.toString();
    assert.match(listing, / 1234\/5678 /);
    assert.deepEqual(mountedRoots(), before);
  });

  it('exports a running container, which stays mounted and running', async () => {
    for (let i = 0; i < 100 && !(await fx.engine.exec(running, ['/bin/busybox', 'cat', '/tmp/live']).then((r) => r.stdout.toString() === 'live\n', () => false)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const out = new PassThrough();
    const [archive] = await Promise.all([readAll(out), fx.engine.export(running, out)]);
    assert.equal(await tarMember(archive, 'tmp/live'), 'live\n');
    assert.equal((await fx.engine.exec(running, ['/bin/busybox', 'cat', '/tmp/live'])).stdout.toString(), 'live\n');
  });

  it('through bin/berth.cjs: to stdout, to a file with -o, as container export, and back with import', async () => {
    const piped = await runToolOk(process.execPath, cli('export', stopped));
    assert.equal(await tarMember(piped.stdout, 'data/hello'), 'written inside\n');

    const file = join(fx.temp.dir, 'exported.tar');
    await runToolOk(process.execPath, cli('container', 'export', '-o', file, stopped));
    assert.equal(await tarMember(readFileSync(file), 'data/hello'), 'written inside\n');
    assert.deepEqual(readdirSync(fx.temp.dir).filter((name) => name.startsWith('.tmp-')), []);

    await runToolOk(process.execPath, cli('import', '-q', file, 'localhost/exported:latest'));
    const rerun = await runToolOk(process.execPath, cli('run', '--rm', 'localhost/exported:latest', '/bin/busybox', 'cat', '/data/hello'));
    assert.equal(rerun.stdout.toString(), 'written inside\n');
  });

  it('fails with nothing written for an unknown container, and refuses nothing else', async () => {
    const file = join(fx.temp.dir, 'none.tar');
    writeFileSync(join(fx.temp.dir, 'keep.tar'), 'old');
    const unknown = await runTool(process.execPath, cli('export', '-o', file, 'no-such-container'));
    assert.equal(unknown.code, 125);
    assert.match(unknown.stderr, /no-such-container/);
    assert.equal(existsSync(file), false);
    assert.deepEqual(readdirSync(fx.temp.dir).filter((name) => name.startsWith('.tmp-')), []);
    // An export over an existing file replaces it only once complete.
    await runToolOk(process.execPath, cli('export', '-o', join(fx.temp.dir, 'keep.tar'), stopped));
    assert.equal(await tarMember(readFileSync(join(fx.temp.dir, 'keep.tar')), 'data/hello'), 'written inside\n');
  });

  it('onto a full filesystem: the disk\'s error, exit 125, no file or temp left, an old file kept, the root unmounted', async () => {
    const full = join(fx.temp.dir, 'full');
    mkdirSync(full);
    await runToolOk('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', full]);
    try {
      writeFileSync(join(full, 'keep.tar'), 'old');
      const before = mountedRoots().filter((line) => !line.includes(full));
      const result = await runTool(process.execPath, cli('export', '-o', join(full, 'keep.tar'), stopped));
      assert.equal(result.code, 125, result.stderr);
      assert.equal(result.stderr, 'Error: ENOSPC: no space left on device, write\n');
      assert.deepEqual(readdirSync(full), ['keep.tar']);
      assert.equal(readFileSync(join(full, 'keep.tar'), 'utf8'), 'old');
      assert.deepEqual(mountedRoots().filter((line) => !line.includes(full)), before);
    } finally {
      await runToolOk('umount', [full]);
    }
  });
});
