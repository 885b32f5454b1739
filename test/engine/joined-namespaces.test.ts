// podman's `container:NAME` modes: a container that joins another's network,
// PID, IPC and UTS namespaces (the same namespaces, read from inside each),
// joined anew at each start (the other started first if it has stopped); the
// container joined is not removed while one joins it, and what cannot go with
// joining is refused with nothing left; --requires, which keeps the same
// dependents list and starts what a container requires first.
// Through bin/berth.cjs, with the real conmon and crun.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { engineCli } from './engine-cli.js';

describe('berth run --network/--pid/--ipc/--uts container:NAME (bin/berth.cjs)', () => {
  const { berth, ok } = engineCli();
  const NAMESPACES = 'for n in net pid ipc uts; do readlink /proc/self/ns/$n; done; hostname';
  const sh = (script: string): string[] => ['busybox', '/bin/busybox', 'sh', '-c', script];
  const JOIN = ['--network', 'container:target', '--pid', 'container:target', '--ipc', 'container:target', '--uts', 'container:target'];

  it('joins a running container\'s namespaces, again after both restart; the container joined is kept while it is joined', async () => {
    const target = (await ok('run', '-d', '--name', 'target', ...sh('sleep 1000'))).trim();
    const targetNamespaces = await ok('exec', 'target', '/bin/busybox', 'sh', '-c', NAMESPACES);
    assert.equal(await ok('run', '--rm', ...JOIN, ...sh(NAMESPACES)), targetNamespaces);
    // Its PID namespace: the target's sleep is there to see.
    assert.match(await ok('run', '--rm', '--pid', 'container:target', ...sh('ps -o args')), /sleep 1000/);

    const dependent = (await ok('create', '--name', 'dependent', ...JOIN, ...sh(NAMESPACES))).trim();
    assert.equal(await ok('inspect', '-f', '{{.HostConfig.NetworkMode}} {{.HostConfig.PidMode}} {{.HostConfig.IpcMode}} {{.HostConfig.UTSMode}}', dependent),
      `container:${target} container:${target} container:${target} container:${target}\n`);
    const refused = await berth('rm', '-f', 'target');
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, new RegExp(`container ${target} has dependent containers which must be removed before it: ${dependent}`));
    assert.equal(await ok('inspect', '-f', '{{.State.Status}}', 'target'), 'running\n', 'refused before any stop');

    // The target runs again with a new init (the kernel may give its namespaces the old numbers): the
    // dependent's next start joins that one's namespaces, where the old init's /proc paths are gone.
    const pid = await ok('inspect', '-f', '{{.State.Pid}}', 'target');
    await ok('restart', '-t', '0', 'target');
    assert.notEqual(await ok('inspect', '-f', '{{.State.Pid}}', 'target'), pid);
    const restartedNamespaces = await ok('exec', 'target', '/bin/busybox', 'sh', '-c', NAMESPACES);
    assert.equal((await berth('start', '-a', 'dependent')).stdout.toString(), restartedNamespaces);
    // A stopped target is started first, as podman starts a container's dependencies.
    await ok('stop', '-t', '0', 'target');
    assert.equal((await berth('start', '-a', 'dependent')).stdout.toString(), await ok('exec', 'target', '/bin/busybox', 'sh', '-c', NAMESPACES));
    assert.equal(await ok('inspect', '-f', '{{.State.Status}}', 'target'), 'running\n');

    await ok('rm', 'dependent');
    await ok('rm', '-f', '-t', '0', 'target');
    assert.equal(await ok('ps', '-a', '-q'), '');
  });

  it('rm of several, or rm -a, removes the joining containers before the one they join, whatever the order given', async () => {
    await ok('run', '-d', '--name', 'joined', ...sh('sleep 1000'));
    await ok('run', '-d', '--name', 'joiner', '--network', 'container:joined', ...sh('sleep 1000'));
    await ok('create', '--name', 'second', '--pid', 'container:joiner', ...sh('true'));
    assert.equal((await ok('rm', '-f', '-t', '0', 'joined', 'joiner', 'second')).split('\n').filter(Boolean).length, 3);
    await ok('run', '-d', '--name', 'joined', ...sh('sleep 1000'));
    await ok('create', '--name', 'joiner', '--ipc', 'container:joined', ...sh('true'));
    await ok('rm', '-fa', '-t', '0');
    assert.equal(await ok('ps', '-a', '-q'), '');
  });

  it('refuses an unknown or stopped container to join, a hostname or ports with it, and leaves nothing', async () => {
    await ok('create', '--name', 'made', ...sh('true'));
    const before = await ok('ps', '-a', '-q');
    for (const [args, message] of [
      [['--network', 'container:nosuch'], /no such container|nosuch/],
      [['--network', 'container:made'], /is not running: cannot join its network namespace/],
      [['--uts', 'container:made', '--hostname', 'h'], /cannot set hostname when joining the container's UTS namespace/],
      [['--network', 'container:made', '-p', '8080:80'], /--publish needs a CNI network/],
      [['--pid', 'container:'], /--pid container: needs a container's name or ID/],
    ] as const) {
      const refused = await berth('run', '--rm', ...args, ...sh('true'));
      assert.equal(refused.code, 125, args.join(' '));
      assert.match(refused.stderr, message, args.join(' '));
    }
    assert.equal(await ok('ps', '-a', '-q'), before);
    await ok('rm', 'made');
  });

  it('--requires: what a container requires is started first at each of its starts, listed in inspect\'s Dependencies, and not removed before it', async () => {
    const db = (await ok('create', '--name', 'db', ...sh('sleep 1000'))).trim();
    const cache = (await ok('create', '--name', 'cache', ...sh('sleep 1000'))).trim();
    const app = (await ok('create', '--name', 'app', '--requires', 'db,cache', ...sh('sleep 1000'))).trim();
    const states = async (): Promise<string> => (await ok('ps', '-a', '--format', '{{.Names}}={{.State}}')).trim().split('\n').sort().join(' ');
    assert.equal(await states(), 'app=created cache=created db=created', 'a create starts nothing');
    assert.equal(await ok('inspect', '-f', '{{.Dependencies}}', 'app'), `[${db} ${cache}]\n`);
    await ok('start', 'app');
    assert.equal(await states(), 'app=running cache=running db=running');
    await ok('stop', '-t', '0', 'app', 'db', 'cache');
    await ok('start', 'app');
    assert.equal(await states(), 'app=running cache=running db=running', 'again at a rerun');
    const refused = await berth('rm', '-f', '-t', '0', 'db');
    assert.equal(refused.code, 125);
    assert.equal(refused.stderr, `Error: container ${db} has dependent containers which must be removed before it: ${app}\n`);
    assert.equal(await ok('run', '--rm', '--requires', 'db', ...sh('echo ran')), 'ran\n');
    const unknown = await berth('run', '--rm', '--requires', 'nosuch', ...sh('true'));
    assert.equal(unknown.code, 125);
    assert.match(unknown.stderr, /no container with name or ID "nosuch" found/);
    await ok('rm', '-f', '-t', '0', 'db', 'cache', 'app');
    assert.equal(await ok('ps', '-a', '-q'), '');
  });

  it('rm --depend removes a container with every container that depends on it (joins or requires it, transitively), those first', async () => {
    const base = (await ok('run', '-d', '--name', 'base', ...sh('sleep 1000'))).trim();
    const joiner = (await ok('run', '-d', '--name', 'joiner', '--network', 'container:base', ...sh('sleep 1000'))).trim();
    const requirer = (await ok('create', '--name', 'requirer', '--requires', 'joiner', ...sh('true'))).trim();
    const other = (await ok('create', '--name', 'other', ...sh('true'))).trim();
    const removed = (await ok('rm', '-f', '-t', '0', '--depend', 'base')).trim().split('\n');
    assert.deepEqual(removed, [requirer, joiner, base]);
    assert.equal(await ok('ps', '-aq', '--no-trunc'), `${other}\n`);
    await ok('rm', 'other');
  });
});
