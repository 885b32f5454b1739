// `berth events` through the shipped executable: what each verb records, in
// podman's text and JSON, filtered, and followed while a container runs.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BERTH_BIN } from '../helpers/berth.js';
import { engineCli } from './engine-cli.js';

describe('berth events (bin/berth.cjs)', () => {
  const { fixture, berth, ok } = engineCli();
  const statuses = async (...filters: string[]): Promise<string[]> =>
    (await ok('events', '--stream=false', '--format', '{{.Status}}', ...filters.flatMap((f) => ['--filter', f]))).split('\n').filter(Boolean);

  it('a container\'s life, in order and in podman\'s text; a died event carries the exit code', async () => {
    const out = await berth('run', '--name', 'lived', '-l', 'tier=web', 'busybox', '/bin/sh', '-c', 'exit 3');
    assert.equal(out.code, 3);
    await ok('rename', 'lived', 'renamed');
    await ok('rm', 'renamed');
    assert.deepEqual(await statuses('type=container'), ['create', 'init', 'start', 'died', 'rename', 'remove']);
    // Its exit cleaned up once more (what its exit command would do, had the run not ended it): no second died.
    await ok('run', '--name', 'twice', 'busybox', '/bin/busybox', 'true');
    await ok('container', 'cleanup', 'twice');
    assert.deepEqual(await statuses('container=twice'), ['create', 'init', 'start', 'died']);
    await ok('rm', 'twice');
    const lines = (await ok('events', '--stream=false', '--filter', 'event=create', '--filter', 'container=lived')).split('\n').filter(Boolean);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC container create [0-9a-f]{64} \(image=busybox, name=lived, tier=web\)$/);
    const [died] = (await ok('events', '--stream=false', '--format', 'json', '--filter', 'event=died', '--filter', 'container=lived')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    // podman's Event struct's order; its omitempty exit code is left out when 0.
    assert.deepEqual(Object.keys(died!), ['ContainerExitCode', 'ID', 'Image', 'Name', 'Status', 'Time', 'Type', 'Attributes'], 'podman\'s fields, in its order');
    assert.deepEqual([died!['Name'], died!['ContainerExitCode'], died!['Attributes']], ['lived', 3, { tier: 'web' }]);
    const [diedOk] = (await ok('events', '--stream=false', '--format', 'json', '--filter', 'event=died', '--filter', 'container=twice')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(Object.keys(diedOk!), ['ID', 'Image', 'Name', 'Status', 'Time', 'Type', 'Attributes']);
  });

  it('exec, exec_died with the exit code when not 0, and a detached exec, whose exec_died its conmon\'s exit command records', async () => {
    await ok('run', '-d', '--name', 'execd', 'busybox', '/bin/busybox', 'sleep', '100');
    await ok('exec', 'execd', '/bin/busybox', 'true');
    assert.equal((await berth('exec', 'execd', '/bin/sh', '-c', 'exit 3')).code, 3);
    const session = (await ok('exec', '-d', 'execd', '/bin/sh', '-c', 'sleep 0.2; exit 4')).trim();
    const execEvents = async (): Promise<Array<Record<string, unknown>>> =>
      (await ok('events', '--stream=false', '--format', 'json', '--filter', 'container=execd')).split('\n').filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => String(e['Status']).startsWith('exec'));
    for (const deadline = Date.now() + 10_000; (await execEvents()).length < 6 && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual((await execEvents()).map((e) => [e['Status'], e['ContainerExitCode']]), [['exec', undefined], ['exec_died', undefined], ['exec', undefined], ['exec_died', 3], ['exec', undefined], ['exec_died', 4]]);
    // The session's files went with it, not its listing; a template sees the exit code, 0 where the JSON leaves it out, as podman's.
    assert.equal(await ok('inspect', '-f', '{{.ExecIDs}}', 'execd'), `[${session}]\n`);
    assert.ok(!existsSync(join(fixture().temp.runRoot, 'overlay-containers', await ok('inspect', '-f', '{{.Id}}', 'execd').then((id) => id.trim()), 'userdata', `exec-${session}`)));
    assert.deepEqual(await statuses('container=execd', 'event=exec_died'), ['exec_died', 'exec_died', 'exec_died']);
    assert.equal(await ok('events', '--stream=false', '--filter', 'container=execd', '--filter', 'event=exec_died', '--format', '{{.ContainerExitCode}}'), '0\n3\n4\n');
    await ok('rm', '-f', '-t', '0', 'execd');
    // Not running: refused, and no event.
    await ok('create', '--name', 'idle', 'busybox', '/bin/busybox', 'true');
    assert.notEqual((await berth('exec', 'idle', '/bin/busybox', 'true')).code, 0);
    assert.deepEqual(await statuses('container=idle'), ['create', 'init']);
    await ok('rm', 'idle');
  });

  it('stop, kill, pause, unpause and restart, volumes, and the filters', async () => {
    await ok('run', '-d', '--name', 'busy', 'busybox', '/bin/busybox', 'sleep', '100');
    await ok('pause', 'busy');
    await ok('unpause', 'busy');
    await ok('restart', '-t', '0', 'busy');
    await ok('kill', 'busy');
    await ok('rm', '-f', '-t', '0', 'busy');
    await ok('volume', 'create', 'evol');
    await ok('volume', 'rm', 'evol');
    // Its exits' died events come from its cleanup processes, whenever they run: left out of the order.
    assert.deepEqual((await statuses('container=busy')).filter((s) => s !== 'died'), ['create', 'init', 'start', 'pause', 'unpause', 'init', 'start', 'restart', 'kill', 'remove']);
    assert.deepEqual(await statuses('type=volume'), ['create', 'remove']);
    assert.deepEqual(await statuses('container=busy', 'event=start', 'event=kill'), ['start', 'start', 'kill']);
    assert.equal(await ok('events', '--stream=false', '--until', '2000-01-01T00:00:00Z'), '', 'nothing before then');
    assert.equal(await ok('events', '--stream=false', '--since', '1s', '--filter', 'volume=none'), '');
    const bad = await berth('events', '--stream=false', '--filter', 'bogus=1');
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /invalid filter "bogus"/);
  });

  it('follows the events to come until interrupted', async () => {
    const { graphRoot, runRoot } = fixture().temp;
    const follower = spawn(process.execPath, [BERTH_BIN, '--root', graphRoot, '--runroot', runRoot, 'events', '--filter', 'container=followed', '--format', '{{.Status}}'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    follower.stdout.on('data', (chunk: Buffer) => { seen += chunk.toString(); });
    const closed = new Promise((resolve) => follower.once('close', resolve));
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await ok('run', '--rm', '--name', 'followed', 'busybox', '/bin/busybox', 'true');
      for (const deadline = Date.now() + 10_000; !seen.includes('remove') && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(seen, 'create\ninit\nstart\ndied\nremove\n');
    } finally {
      follower.kill('SIGINT');
      await closed;
    }
  });
});
