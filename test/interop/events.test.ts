// Events against podman's: the same image verbs run by each tool on one store
// record the same events (status, image ID, name, in order) in each tool's
// log; and podman, pointed at Berth's log, prints every event of it (images,
// containers, volumes, networks) as `berth events` does.

import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { podman } from '../helpers/podman.js';
import { makeBusyboxRootfs, tarOfDirectory } from '../helpers/rootfs.js';
import { BUSYBOX_IMAGE } from '../engine/engine-fixture.js';
import { berthAndPodmanOnOneStore } from './shared-store.js';

describe('events (bin/berth.cjs, podman alongside)', () => {
  const { fixture, ok, podmanOk } = berthAndPodmanOnOneStore();

  /** The image verbs, run by one tool; the files they write are removed first, as the names are at their end. */
  async function imageVerbs(run: (...args: string[]) => Promise<string>, prefix: string): Promise<void> {
    const dir = fixture().temp.dir;
    await rm(join(dir, `${prefix}.tar`), { force: true });
    await rm(join(dir, `${prefix}-dir`), { recursive: true, force: true });
    const [x, y, imported] = [`localhost/${prefix}/x:1`, `localhost/${prefix}/y:2`, `localhost/${prefix}/imported:1`];
    await run('tag', BUSYBOX_IMAGE, x, y);
    await run('rmi', x);
    await run('save', '-q', '-o', join(dir, `${prefix}.tar`), y);
    await run('untag', y, y);
    await run('load', '-q', '-i', join(dir, `${prefix}.tar`));
    await run('push', '-q', y, `dir:${join(dir, `${prefix}-dir`)}`);
    await run('import', '-q', join(dir, 'rootfs.tar'), imported);
    await run('rmi', imported);
    await run('rmi', y);
    await run('pull', '-q', `dir:${join(dir, `${prefix}-dir`)}`);
  }

  /** The image events of a log: what is compared (the time and an imported image's ID vary). */
  const imageEvents = async (path: string, importedId: string): Promise<string[]> =>
    (await readFile(path, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((event) => event['Type'] === 'image')
      .map((event) => JSON.stringify({ ...event, Time: 'T', ...(event['ID'] === importedId ? { ID: 'IMPORTED' } : {}) }));

  it('record what podman records for tag, rmi, save, untag, load, push, import and pull', async () => {
    const dir = fixture().temp.dir;
    await makeBusyboxRootfs(join(dir, 'import-rootfs'));
    await writeFile(join(dir, 'rootfs.tar'), await tarOfDirectory(join(dir, 'import-rootfs')));
    await imageVerbs(ok, 'ev');
    const berthLog = join(fixture().temp.runRoot, 'berth', 'events.log');
    const berthImported = JSON.parse((await readFile(berthLog, 'utf8')).split('\n').filter((l) => l.includes('imported:1'))[0]!).ID as string;
    await imageVerbs(podmanOk, 'ev');
    const podmanImported = JSON.parse((await readFile(join(dir, 'events.log'), 'utf8')).split('\n').filter((l) => l.includes('imported:1'))[0]!).ID as string;
    const mine = await imageEvents(berthLog, berthImported);
    assert.ok(mine.length >= 12, mine.join('\n'));
    assert.deepEqual(mine, await imageEvents(join(dir, 'events.log'), podmanImported));

    await samePrintedByPodman();
  });

  it('podman prints the container, volume and network events of Berth\'s log as berth events does', async () => {
    await ok('run', '-d', '--name', 'evc', '-l', 'tier=web', BUSYBOX_IMAGE, '/bin/busybox', 'sleep', '100');
    await ok('exec', 'evc', '/bin/busybox', 'true');
    await ok('exec', 'evc', '/bin/sh', '-c', 'exit 0');
    await ok('exec', '-d', 'evc', '/bin/busybox', 'true');
    await ok('pause', 'evc');
    await ok('unpause', 'evc');
    await ok('rm', '-f', '-t', '0', 'evc');
    await ok('run', '--rm', '--name', 'evd', BUSYBOX_IMAGE, '/bin/busybox', 'true');
    await ok('volume', 'create', 'evvol');
    await ok('volume', 'rm', 'evvol');
    await ok('network', 'create', 'evnet');
    await ok('network', 'rm', 'evnet');
    const printed = await samePrintedByPodman();
    for (const status of ['create', 'exec', 'exec_died', 'pause', 'died', 'remove']) assert.match(printed, new RegExp(`container ${status} `));
    assert.match(printed, /volume create evvol/);
    assert.match(printed, /network create  \(container=, name=evnet\)/);
  });

  /** Asserts that podman, pointed at Berth's log, prints what `berth events` prints; returns that. */
  async function samePrintedByPodman(): Promise<string> {
    const { dir, graphRoot, runRoot } = fixture().temp;
    const conf = join(dir, 'containers-berth-events.conf');
    const berthLog = join(runRoot, 'berth', 'events.log');
    await writeFile(conf, (await readFile(join(dir, 'containers.conf'), 'utf8')).replace(/events_logfile_path = .*/, `events_logfile_path = "${berthLog}"`));
    const theirs = await podman({ args: ['--root', graphRoot, '--runroot', runRoot, '--tmpdir', join(dir, 'podman-tmp')], env: { ...process.env, CONTAINERS_CONF: conf } }, ['events', '--stream=false']);
    assert.equal(theirs.code, 0, theirs.stderr.toString());
    const mine = await ok('events', '--stream=false');
    assert.equal(mine, theirs.stdout.toString());
    return mine;
  }
});
