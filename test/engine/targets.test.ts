// podman's ways of naming the containers a verb acts on, through the shipped
// executable: --all (each verb's own set), --latest, --cidfile (written by
// run/create --cidfile), stop/rm --ignore; --latest also on the verbs of one
// container (logs, exec, inspect, port, top, diff, stats, mount, wait, init).

import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { engineCli } from './engine-cli.js';

describe('berth --all, --latest, --cidfile (bin/berth.cjs)', () => {
  const { fixture, berth, ok } = engineCli();
  const states = async (): Promise<string> => (await ok('ps', '-a', '--format', '{{.Names}}={{.State}}')).split('\n').filter(Boolean).sort().join(' ');
  const idOf = async (name: string): Promise<string> => (await ok('inspect', '--format', '{{.Id}}', name)).trim();

  it('run --cidfile writes the ID, refuses a taken path before anything is made, and verbs read it back', async () => {
    const cidfile = join(fixture().temp.dir, 'web.cid');
    await ok('run', '-d', '--cidfile', cidfile, '--name', 'web', 'busybox', '/bin/busybox', 'sleep', '100');
    const id = await idOf('web');
    assert.equal(readFileSync(cidfile, 'utf8'), id);
    const taken = await berth('create', '--cidfile', cidfile, '--name', 'other', 'busybox');
    assert.equal(taken.code, 125);
    assert.equal(taken.stderr, `Error: container id file exists. Ensure another container is not using it or delete ${cidfile}\n`);
    assert.equal(await states(), 'web=running', 'nothing was made');
    assert.equal(await ok('stop', '-t', '0', '--cidfile', cidfile), `${id}\n`);
    // A create that fails takes its new file back.
    const failed = join(fixture().temp.dir, 'failed.cid');
    assert.equal((await berth('create', '--cidfile', failed, '--name', 'web', 'busybox')).code, 125, 'the name is taken');
    assert.equal(existsSync(failed), false);
    writeFileSync(join(fixture().temp.dir, 'junk.cid'), 'not an id');
    assert.match((await berth('rm', '--cidfile', join(fixture().temp.dir, 'junk.cid'))).stderr, /does not hold a container ID/);
    assert.equal(await ok('rm', '--cidfile', cidfile), `${id}\n`);
    assert.equal(await states(), '');
  });

  it('--all takes each verb\'s own set; --latest the container made last', async () => {
    await ok('run', '-d', '--name', 'one', 'busybox', '/bin/busybox', 'sleep', '100');
    await ok('create', '--name', 'two', 'busybox', '/bin/busybox', 'sleep', '100');
    await ok('run', '-d', '--name', 'three', 'busybox', '/bin/busybox', 'sleep', '100');
    assert.equal((await ok('pause', '--all')).trim().split('\n').length, 2, 'the running ones');
    assert.equal(await states(), 'one=paused three=paused two=created');
    assert.equal(await ok('unpause', '-a'), `${await idOf('one')}\n${await idOf('three')}\n`, 'by age');
    assert.equal(await ok('stop', '-l', '-t', '0'), `${await idOf('three')}\n`);
    assert.equal(await states(), 'one=running three=exited two=created');
    assert.equal((await ok('start', '--all')).trim().split('\n').length, 2, 'the ones not running');
    assert.equal(await states(), 'one=running three=running two=running');
    assert.equal((await ok('kill', '--all')).trim().split('\n').length, 3);
    assert.equal(await ok('stop', '-i', 'nosuch'), '');
    assert.equal(await ok('rm', '-i', 'nosuch'), '');
    for (const [args, message] of [
      [['stop'], /^Error: you must provide at least one container name or ID\n$/],
      [['kill', '-a', 'one'], /cannot be used together/],
      [['stop', 'nosuch'], /no container with name or ID "nosuch" found/],
    ] as const) {
      const refused = await berth(...args);
      assert.equal(refused.code, 125, args.join(' '));
      assert.match(refused.stderr, message);
    }
    await ok('rm', '-a');
    assert.equal(await states(), '');
  });

  it('-l/--latest names the container made last on the verbs of one container too: logs, exec (every operand its command), inspect, port, top, diff, stats, mount, wait, init, attach', async () => {
    await ok('run', '-d', '--name', 'older', 'busybox', '/bin/busybox', 'sh', '-c', 'echo older; sleep 100');
    await ok('run', '-d', '--name', 'newest', 'busybox', '/bin/busybox', 'sh', '-c', 'echo newest; sleep 100');
    const id = await idOf('newest');
    assert.equal(await ok('logs', '-l'), 'newest\n');
    assert.equal(await ok('exec', '-l', '/bin/busybox', 'echo', 'inside', 'newest'), 'inside newest\n');
    assert.equal(await ok('inspect', '-l', '--format', '{{.Name}}'), 'newest\n');
    assert.equal(await ok('port', '-l'), '');
    assert.match(await ok('top', '-l', 'pid', 'args'), /^PID +COMMAND\n1 +sleep 100/);
    assert.equal(await ok('diff', '-l'), await ok('diff', 'newest'));
    assert.equal(await ok('stats', '-l', '--no-stream', '--format', '{{.Name}}'), 'newest\n');
    assert.equal(await ok('mount', '-l'), await ok('mount', 'newest'));
    await ok('kill', 'newest');
    assert.equal(await ok('wait', '-l'), '137\n');
    assert.equal(await ok('container', 'init', '-l'), `${id}\n`);
    for (const [args, message] of [
      [['logs', '-l', 'older'], /^Error: --latest and containers cannot be used together\n$/],
      [['logs'], /^Error: you must provide at least one container name or ID, or --latest\n$/],
      [['exec', 'older'], /^Error: must provide a non-empty command to start an exec session: invalid argument\n$/],
      [['attach'], /^Error: you must provide a container name or ID, or --latest\n$/],
    ] as const) {
      const refused = await berth(...args);
      assert.equal(refused.code, 125, args.join(' '));
      assert.match(refused.stderr, message);
    }
    await ok('rm', '-a', '-f', '-t', '0');
    const none = await berth('logs', '-l');
    assert.equal(none.code, 125);
    assert.match(none.stderr, /there is no latest container/);
  });

  it('--filter chooses the containers of stop, start, rm and the rest as ps filters them (any state), refused beside names; container prune --filter prunes only those that pass', async () => {
    await ok('run', '-d', '--name', 'web-1', '-l', 'team=web', 'busybox', '/bin/busybox', 'sleep', '100');
    await ok('run', '-d', '--name', 'db-1', '-l', 'team=db', 'busybox', '/bin/busybox', 'sleep', '100');
    await ok('create', '--name', 'web-2', '-l', 'team=web', 'busybox', '/bin/busybox', 'true');
    assert.equal(await ok('stop', '-t', '0', '--filter', 'label=team=web'), `${await idOf('web-1')}\n${await idOf('web-2')}\n`, 'by age, the created one too, as podman\'s');
    assert.equal(await states(), 'db-1=running web-1=exited web-2=created');
    assert.equal(await ok('start', '--filter', 'name=web-1'), `${await idOf('web-1')}\n`);
    assert.equal(await ok('pause', '--filter', 'status=running', '--filter', 'name=^db'), `${await idOf('db-1')}\n`);
    assert.equal(await states(), 'db-1=paused web-1=running web-2=created');
    const refused = await berth('stop', '--filter', 'name=web', 'db-1');
    assert.deepEqual([refused.code, refused.stderr], [125, 'Error: --filter takes no arguments\n']);
    const unknown = await berth('stop', '--filter', 'colour=red');
    assert.equal(unknown.code, 125);
    assert.match(unknown.stderr, /invalid filter "colour"/);
    assert.equal(await ok('container', 'prune', '-f', '--filter', 'label=team=db'), '', 'db-1 is paused: not pruned');
    const web2 = await idOf('web-2');
    assert.equal(await ok('container', 'prune', '-f', '--filter', 'label=team=web'), `${web2}\n`, 'web-1 runs');
    const ids = [await idOf('web-1'), await idOf('db-1')].sort();
    assert.deepEqual((await ok('rm', '-f', '-t', '0', '--filter', 'name=-1$')).trim().split('\n').sort(), ids);
    assert.equal(await states(), '');
  });
});
