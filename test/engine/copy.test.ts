// `cp` between host and container: files and trees both ways, and symlinks
// the container planted (absolute, `..`) resolve inside its root, never to
// the host's files; podman's --archive (the container's user owns what is
// copied in) and --overwrite.

import assert from 'node:assert/strict';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BERTH_BIN } from '../helpers/berth.js';
import { runTool } from '../helpers/run-tool.js';
import { BUSYBOX_IMAGE, openEngineFixture, type EngineFixture } from './engine-fixture.js';

describe('cp', () => {
  let fx: EngineFixture;
  let id: string;
  before(async () => {
    fx = await openEngineFixture();
    const container = await fx.engine.create({
      image: BUSYBOX_IMAGE,
      command: ['/bin/sh', '-c', 'busybox mkdir -p /data/sub; echo inner > /data/sub/f; busybox ln -s / /escape; busybox ln -s ../../../.. /up; echo ready > /tmp/ready; while :; do sleep 0.1; done'],
    });
    await fx.engine.start(container.id);
    id = container.id;
    for (let i = 0; i < 100; i++) {
      if ((await fx.engine.exec(id, ['/bin/busybox', 'cat', '/tmp/ready']).catch(() => undefined))?.stdout.toString() === 'ready\n') break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  after(async () => fx.dispose());

  const cat = async (path: string): Promise<string> => (await fx.engine.exec(id, ['/bin/busybox', 'cat', path])).stdout.toString();

  it('copies a host file into the container, and into a directory by its name', async () => {
    const file = join(fx.temp.dir, 'greeting.txt');
    writeFileSync(file, 'hello in\n');
    await fx.engine.copy(file, `${id}:/tmp/renamed.txt`);
    await fx.engine.copy(file, `${id}:/data`);
    assert.equal(await cat('/tmp/renamed.txt'), 'hello in\n');
    assert.equal(await cat('/data/greeting.txt'), 'hello in\n');
  });

  it('copies a file and a tree out of the container', async () => {
    const out = join(fx.temp.dir, 'out');
    mkdirSync(out);
    await fx.engine.copy(`${id}:/data/sub/f`, join(out, 'f.txt'));
    await fx.engine.copy(`${id}:/data`, out);
    assert.equal(readFileSync(join(out, 'f.txt'), 'utf8'), 'inner\n');
    assert.equal(readFileSync(join(out, 'data', 'sub', 'f'), 'utf8'), 'inner\n');
  });

  it('symlinks in the container resolve inside its root, both ways', async () => {
    const marker = join(fx.temp.dir, 'escape-marker');
    writeFileSync(join(fx.temp.dir, 'payload'), 'payload\n');
    // /escape -> / inside the container: the write lands in the container's own /tmp.
    await fx.engine.copy(join(fx.temp.dir, 'payload'), `${id}:/escape${marker}`);
    assert.equal(existsSync(`${marker}/payload`) || (existsSync(marker) && readFileSync(marker, 'utf8') === 'payload\n'), false, 'nothing written on the host');
    assert.equal(await cat(marker), 'payload\n');
    // /up -> ../../../.. reads the container's own root: its /etc/hostname is the empty file its hostname is
    // bind-mounted on (as podman's), not the host's /etc/hostname; its /etc/shadow does not exist.
    const out = join(fx.temp.dir, 'read-back');
    await fx.engine.copy(`${id}:/up/etc/hostname`, out);
    assert.equal(readFileSync(out, 'utf8'), '');
    const shadow = join(fx.temp.dir, 'shadow-back');
    await assert.rejects(fx.engine.copy(`${id}:/up/etc/shadow`, shadow), /does not exist in the container/);
    assert.equal(existsSync(shadow), false);
  });

  it('through bin/berth.cjs', async () => {
    const file = join(fx.temp.dir, 'cli.txt');
    writeFileSync(file, 'via cli\n');
    const args = [BERTH_BIN, '--root', fx.temp.graphRoot, '--runroot', fx.temp.runRoot, 'cp'];
    assert.equal((await runTool(process.execPath, [...args, file, `${id}:/tmp/cli.txt`])).code, 0);
    assert.equal(await cat('/tmp/cli.txt'), 'via cli\n');
    const bad = await runTool(process.execPath, [...args, file, join(fx.temp.dir, 'x')]);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr.toString(), /exactly one side of the form CONTAINER:PATH/);
  });

  it('through bin/berth.cjs, as podman: the container\'s user owns what is copied in unless --archive=false; a directory and a file replace each other only with --overwrite', async () => {
    const args = [BERTH_BIN, '--root', fx.temp.graphRoot, '--runroot', fx.temp.runRoot, 'cp'];
    const file = join(fx.temp.dir, 'owned.txt');
    writeFileSync(file, 'owned\n');
    chownSync(file, 1234, 2345);
    assert.equal((await runTool(process.execPath, [...args, file, `${id}:/tmp/archived.txt`])).code, 0);
    assert.equal((await runTool(process.execPath, [...args, '--archive=false', file, `${id}:/tmp/kept.txt`])).code, 0);
    const owners = (await fx.engine.exec(id, ['/bin/busybox', 'stat', '-c', '%u:%g', '/tmp/archived.txt', '/tmp/kept.txt'])).stdout.toString();
    assert.equal(owners, '0:0\n1234:2345\n');
    const tree = join(fx.temp.dir, 'ready');
    mkdirSync(join(tree, 'inside'), { recursive: true });
    const refused = await runTool(process.execPath, [...args, tree, `${id}:/tmp`]);
    assert.equal(refused.code, 125);
    assert.match(refused.stderr.toString(), /error creating "\/tmp\/ready": a file is there, and the copy is a directory \(--overwrite replaces it\)/);
    assert.equal(await cat('/tmp/ready'), 'ready\n', 'left as it was');
    assert.equal((await runTool(process.execPath, [...args, '--overwrite', tree, `${id}:/tmp`])).code, 0);
    assert.equal((await fx.engine.exec(id, ['/bin/busybox', 'ls', '/tmp/ready'])).stdout.toString(), 'inside\n');
  });
});
