// `berth top` against `podman top`: the same command in a container of each,
// on one store, printed under the same descriptors.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUSYBOX_IMAGE } from '../engine/engine-fixture.js';
import { berthAndPodmanOnOneStore } from './shared-store.js';

describe('berth top (bin/berth.cjs, podman top alongside)', () => {
  const { ok, podmanOk } = berthAndPodmanOnOneStore();

  it('prints what podman prints for the descriptors that do not change from run to run', async () => {
    const command = ['/bin/sh', '-c', 'sleep 100 & exec /bin/busybox sleep 100'];
    await ok('run', '-d', '--name', 'b-top', BUSYBOX_IMAGE, ...command);
    await podmanOk('run', '-d', '--name', 'p-top', BUSYBOX_IMAGE, ...command);
    // Not pid (podman's own top joins the namespace, and the PIDs it takes move the child's), not uid and
    // huid (podman 4.3's psgo has none yet), not capprm, capeff, capbnd (this podman's containers.conf adds
    // AUDIT_WRITE, MKNOD and NET_RAW to the default set Berth keeps, newer containers.conf's).
    const descriptors = ['ppid', 'user', 'group', 'groups', 'ruser', 'rgroup', 'comm', 'args', 'nice', 'pgid', 'tty', 'state', 'seccomp', 'capamb', 'capinh', 'label', 'huser', 'hgroup', 'hgroups'];
    // The shell's child sleep and the exec'd init: wait until both are past their execve in each.
    const settled = async (top: () => Promise<string>): Promise<string> => {
      let out = '';
      for (let tries = 0; tries < 50; tries++) {
        out = await top();
        if (out.split('\n').filter((line) => line.includes('sleep 100')).length === 2) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return out;
    };
    const mine = await settled(() => ok('top', 'b-top', ...descriptors));
    const theirs = await settled(() => podmanOk('top', 'p-top', ...descriptors));
    assert.equal(mine, theirs);
    assert.equal(await ok('top', 'b-top', 'pid', 'capeff'), 'PID         EFFECTIVE CAPS\n1           CHOWN,DAC_OVERRIDE,FOWNER,FSETID,KILL,NET_BIND_SERVICE,SETFCAP,SETGID,SETPCAP,SETUID,SYS_CHROOT\n2           CHOWN,DAC_OVERRIDE,FOWNER,FSETID,KILL,NET_BIND_SERVICE,SETFCAP,SETGID,SETPCAP,SETUID,SYS_CHROOT\n');
    // The default columns, with the times masked.
    const masked = (text: string): string => text.replace(/\d+\.\d{3} +\S+ +\? +\S+/g, 'CPU ELAPSED ? TIME').replace(/^(\S+ +)\d+/gm, '$1PID').replace(/ {2,}/g, '  ');
    assert.equal(masked(await ok('top', 'b-top')), masked(await podmanOk('top', 'p-top')));
    await ok('rm', '-f', '-t', '0', 'b-top');
    await podmanOk('rm', '-f', '-t', '0', 'p-top');
  });
});
