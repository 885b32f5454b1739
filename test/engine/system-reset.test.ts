// `berth system reset` through the shipped executable: it asks first, then
// leaves no container, conmon, mount, network (but the default), volume,
// image or store directory behind.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { cniConfigDirOf, engineCli } from './engine-cli.js';

describe('berth system reset (bin/berth.cjs)', () => {
  const { fixture, berth, ok } = engineCli({ cniConfigDir: true });
  const configDir = (): string => cniConfigDirOf(fixture());

  it('asks first; then removes every container, network, volume and image, and the store\'s directories', async () => {
    const { graphRoot, runRoot } = fixture().temp;
    const bridge = `br${process.pid}`.slice(0, 15);
    await ok('network', 'create', '--subnet', `10.194.${Math.floor(Math.random() * 200 + 20)}.0/24`, '--interface-name', bridge, 'resetnet');
    await ok('volume', 'create', 'resetvol');
    const running = (await ok('run', '-d', '--network', 'resetnet', '-v', 'resetvol:/data', 'busybox', '/bin/busybox', 'sleep', '100')).trim();
    await ok('create', '--name', 'idle', 'busybox', '/bin/busybox', 'true');
    const { pid } = (await fixture().engine.get(running)).state;

    const declined = await berth('system', 'reset');
    assert.equal(declined.code, 125, 'no answer on stdin: podman\'s EOF');
    assert.match(declined.stdout.toString(), /^WARNING! This will remove:\n(.*\n)*        - the graphRoot directory: ".*"\n        - the runRoot directory: ".*"\nAre you sure you want to continue\? \[y\/N\] $/);
    assert.equal((await ok('ps', '-a', '-q')).split('\n').filter(Boolean).length, 2, 'nothing removed');

    assert.equal(await ok('system', 'reset', '-f'), '');
    assert.equal(existsSync(graphRoot), false);
    assert.equal(existsSync(runRoot), false);
    assert.equal(existsSync(`/proc/${pid}`), false, 'the container\'s process is gone');
    assert.equal(readFileSync('/proc/self/mountinfo', 'utf8').includes(graphRoot), false, 'no mount of the store left');
    assert.deepEqual(readdirSync(configDir()), [], 'no network but the default (which has no file)');
    assert.throws(() => execFileSync('ip', ['link', 'show', bridge], { stdio: 'ignore' }), 'its bridge is gone');
    // The store starts empty again.
    assert.equal(await ok('images', '-q'), '');
    assert.equal(await ok('volume', 'ls', '-q'), '');
  });
});
