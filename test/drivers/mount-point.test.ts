// isMountPoint, which the overlay driver asks at every store opened (Go's
// MakePrivate binds the home onto itself unless it is a mount point): the
// kernel answers through statx, as Go's mountinfo.Mounted asks it first,
// instead of a scan of /proc/self/mountinfo. Needs root (real mounts).

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { detachMount, isMountPoint, mountSyscall, MS_BIND } from '../../src/storage/drivers/mount-syscalls.js';

describe('isMountPoint', () => {
  let dir: string;
  const mounted: string[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-mount-point-'));
  });
  after(() => {
    for (const target of mounted.reverse()) detachMount(target);
    rmSync(dir, { recursive: true, force: true });
  });
  const mount = (source: string, target: string, fstype: string, flags: number): void => {
    mountSyscall(source, target, fstype, flags, fstype === 'tmpfs' ? 'size=64k' : '');
    mounted.push(target);
  };

  it('tells a mount\'s root from a directory under it, and from a plain directory', () => {
    const fs = join(dir, 'tmpfs');
    mkdirSync(fs);
    mkdirSync(join(dir, 'plain'));
    assert.equal(isMountPoint(fs), false, 'not yet mounted');
    mount('none', fs, 'tmpfs', 0);
    mkdirSync(join(fs, 'sub'));
    assert.deepEqual([isMountPoint(fs), isMountPoint(join(fs, 'sub')), isMountPoint(join(dir, 'plain')), isMountPoint('/')], [true, false, false, true]);
  });

  it('sees a directory bound onto itself, as the driver binds its home', () => {
    const home = join(dir, 'home');
    mkdirSync(home);
    assert.equal(isMountPoint(home), false);
    mount(home, home, 'none', MS_BIND);
    assert.equal(isMountPoint(home), true);
  });

  it('follows a symlink to a mount (the kernel answers: the mount table names only the target)', () => {
    const target = join(dir, 'target');
    mkdirSync(target);
    mount('none', target, 'tmpfs', 0);
    symlinkSync(target, join(dir, 'link'));
    assert.equal(isMountPoint(join(dir, 'link')), true);
  });

  it('a path that is not there is no mount point', () => {
    assert.equal(isMountPoint(join(dir, 'missing')), false);
  });
});
