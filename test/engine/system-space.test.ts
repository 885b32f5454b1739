// `berth system df`, `system prune` and `container prune` through the shipped
// executable, with podman's `system df` on the same store as the reference.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BERTH_BIN } from '../helpers/berth.js';
import { podman, type PodmanEnv } from '../helpers/podman.js';
import { runTool, type ToolResult } from '../helpers/run-tool.js';
import { addBusyboxVariant, openEngineFixtureWithPodman, type EngineFixture } from './engine-fixture.js';

describe('berth system df|prune and container prune (bin/berth.cjs, podman alongside)', () => {
  let fx: EngineFixture;
  let pod: PodmanEnv;
  before(async () => { ({ fx, pod } = await openEngineFixtureWithPodman()); });
  after(async () => fx.dispose());

  const berth = (args: string[], input?: string): Promise<ToolResult> =>
    runTool(process.execPath, [BERTH_BIN, '--root', fx.temp.graphRoot, '--runroot', fx.temp.runRoot, '--storage-driver', 'overlay', ...args], { input });
  const ok = async (...args: string[]): Promise<string> => {
    const result = await berth(args);
    assert.equal(result.code, 0, `berth ${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stderr, '');
    return result.stdout.toString();
  };
  type Row = { Type: string; Total: number; Active: number; RawSize: number; RawReclaimable: number; Size: string; Reclaimable: string };
  const rows = async (): Promise<Record<string, Row>> => Object.fromEntries((JSON.parse(await ok('system', 'df', '--format', 'json')) as Row[]).map((row) => [row.Type, row]));

  it('system df prints podman\'s table, the same as podman\'s for a store with only images', async () => {
    const expected = await podman(pod, ['system', 'df']);
    assert.equal(expected.code, 0, expected.stderr);
    assert.equal(await ok('system', 'df'), expected.stdout.toString());
    assert.match(await ok('system', 'df'), /^TYPE {11}TOTAL {7}ACTIVE {6}SIZE {8}RECLAIMABLE\nImages {9}1 {11}0 {11}\d[\d.]*[kM]?B {3,}[\d.]+[kM]?B \(100%\)\n/);
  });

  it('system df counts what containers and volumes hold, and what of it no running container uses', async () => {
    await ok('run', '-d', '--name', 'live', '-v', 'kept:/data', 'busybox', '/bin/sh', '-c', 'head -c 3000 /dev/zero > /data/f; head -c 5000 /dev/zero > /own; sleep 100');
    await ok('run', '--name', 'done', 'busybox', '/bin/sh', '-c', 'head -c 7000 /dev/zero > /own');
    await ok('volume', 'create', 'spare');
    writeFileSync(join(fx.temp.graphRoot, 'volumes', 'spare', '_data', 'g'), Buffer.alloc(11000));
    for (let tries = 0; (await rows())['Local Volumes']!.RawSize < 14000 && tries < 50; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
    const now = await rows();
    assert.deepEqual([now['Images']!.Total, now['Images']!.Active, now['Images']!.RawReclaimable], [1, 1, 0]);
    assert.deepEqual([now['Containers']!.Total, now['Containers']!.Active], [2, 1]);
    assert.ok(now['Containers']!.RawSize >= 12000, `containers hold ${now['Containers']!.RawSize}`);
    assert.ok(now['Containers']!.RawReclaimable >= 7000 && now['Containers']!.RawReclaimable < now['Containers']!.RawSize);
    assert.deepEqual([now['Local Volumes']!.Total, now['Local Volumes']!.Active, now['Local Volumes']!.RawSize, now['Local Volumes']!.RawReclaimable], [2, 1, 14000, 11000]);
    assert.equal(now['Local Volumes']!.Reclaimable, '11kB (79%)');
    assert.equal(await ok('system', 'df', '--format', '{{.Type}}:{{.Total}}'), 'Images:1\nContainers:2\nLocal Volumes:2\n');
  });

  it('system prune asks first, then removes the containers not running, the unused volumes with --volumes, and dangling images', async () => {
    await ok('create', '--name', 'made', 'busybox');
    await addBusyboxVariant(fx, 'localhost/berth/soon-dangling:latest', { Cmd: ['/bin/busybox', 'true'], Labels: { dangling: 'soon' } });
    await ok('untag', 'localhost/berth/soon-dangling:latest');
    const refused = await berth(['system', 'prune', '--volumes']);
    assert.equal(refused.code, 125);
    assert.equal(refused.stderr, 'Error: EOF\n');
    assert.equal(refused.stdout.toString(), 'WARNING! This command removes:\n\t- all stopped containers\n\t- all volumes not used by at least one container\n\t- all dangling images\n\nAre you sure you want to continue? [y/N] ');
    const out = (await berth(['system', 'prune', '--volumes'], 'y\n')).stdout.toString();
    const sections = /\[y\/N\] Deleted Containers\n((?:[0-9a-f]{64}\n){2})Deleted Volumes\nspare\nDeleted Images\n([0-9a-f]{64})\nTotal reclaimed space: (\S+)\n$/.exec(out);
    assert.ok(sections, out);
    assert.equal(await ok('ps', '-a', '--format', '{{.Names}}'), 'live\n', 'the running one stays; the exited and the created one went');
    assert.equal(await ok('volume', 'ls', '-q'), 'kept\n');
    assert.equal((await ok('images', '-q')).trim().split('\n').length, 1);
    assert.match(sections[3]!, /^\d[\d.]*[kM]B$/, 'the removed containers\', volume\'s and image\'s bytes');
  });

  it('container prune asks as podman does, and with -f removes every container that is not running', async () => {
    await ok('create', '--name', 'c1', 'busybox');
    await ok('run', '--name', 'c2', 'busybox', '/bin/busybox', 'true');
    const refused = await berth(['container', 'prune'], 'n\n');
    assert.equal(refused.code, 0);
    assert.equal(refused.stdout.toString(), 'WARNING! This will remove all non running containers.\nAre you sure you want to continue? [y/N] ');
    assert.equal((await ok('container', 'prune', '-f')).trim().split('\n').length, 2);
    assert.equal(await ok('ps', '-a', '--format', '{{.Names}}'), 'live\n');
    await ok('rm', '-f', '-t', '0', 'live');
    await ok('volume', 'rm', 'kept');
  });
});
