// Paths inside a root filesystem: symlinks and `..` in an image resolve as a
// chroot would, so a passwd file the image links to a host path is read from
// inside the image, and user lookups (-u, --group-add) never see host files.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { generateSpec, resolveUser } from '../../src/oci/index.js';
import { colonRecordsInRoot, resolveInRoot, RootPathError } from '../../src/util/index.js';

describe('resolveInRoot and colonRecordsInRoot', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-root-path-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'rootfs');
  const outside = join(dir, 'host-etc');
  mkdirSync(join(root, 'etc'), { recursive: true });
  mkdirSync(join(root, 'real'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'passwd'), 'hostonly:x:4242:4242::/host:/bin/sh\n');
  writeFileSync(join(root, 'real', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n\n  app:x:1000:1001:app:/home/app:/bin/sh  \n');
  writeFileSync(join(root, 'real', 'group'), 'root:x:0:\napp:x:1001:\nextra:x:2000:app\n');

  it('follows absolute links from the root, and `..` stops at the root', () => {
    symlinkSync('/real', join(root, 'abs'));
    symlinkSync('../../../../../../real', join(root, 'climb'));
    assert.equal(resolveInRoot(root, '/abs/passwd'), join(root, 'real/passwd'));
    assert.equal(resolveInRoot(root, 'climb/passwd'), join(root, 'real/passwd'));
    assert.equal(resolveInRoot(root, '/../../etc/missing'), join(root, 'etc/missing'));
  });

  it('reads a passwd file linked to a host path from inside the root', () => {
    // The link names the host's file by its real path and by climbing out: both land in the root.
    symlinkSync(join(outside, 'passwd'), join(root, 'etc', 'passwd'));
    assert.deepEqual(colonRecordsInRoot(root, '/etc/passwd'), []);
    mkdirSync(join(root, outside), { recursive: true });
    writeFileSync(join(root, outside, 'passwd'), 'inside:x:7:7::/:/bin/sh\n');
    assert.deepEqual(colonRecordsInRoot(root, '/etc/passwd'), [['inside', 'x', '7', '7', '', '/', '/bin/sh']]);
    rmSync(join(root, 'etc', 'passwd'));
    symlinkSync(`../../../../../../../..${outside}/passwd`, join(root, 'etc', 'passwd'));
    assert.deepEqual(colonRecordsInRoot(root, '/etc/passwd'), [['inside', 'x', '7', '7', '', '/', '/bin/sh']]);
    rmSync(join(root, 'etc', 'passwd'));
  });

  it('takes lines as libcontainer does: trimmed, blank ones skipped', () => {
    assert.deepEqual(colonRecordsInRoot(root, '/real/passwd'), [['root', 'x', '0', '0', 'root', '/root', '/bin/sh'], ['app', 'x', '1000', '1001', 'app', '/home/app', '/bin/sh']]);
  });

  it('has no records for a missing file, a directory or a link loop; resolveInRoot names the loop', () => {
    symlinkSync('loop-b', join(root, 'loop-a'));
    symlinkSync('loop-a', join(root, 'loop-b'));
    assert.deepEqual(colonRecordsInRoot(root, '/nothing/here'), []);
    assert.deepEqual(colonRecordsInRoot(root, '/etc'), []);
    assert.deepEqual(colonRecordsInRoot(root, '/loop-a'), []);
    assert.throws(() => resolveInRoot(root, '/loop-a/x'), (err: unknown) => err instanceof RootPathError && err.code === 'symlink-loop' && /too many levels of symbolic links in \/loop-a\/x/.test(err.message));
  });

  it('-u and --group-add look names up in the image, never through a link on the host', () => {
    symlinkSync('/real/passwd', join(root, 'etc', 'passwd'));
    symlinkSync('../../../../../../real/group', join(root, 'etc', 'group'));
    assert.deepEqual(resolveUser(root, 'app'), { uid: 1000, gid: 1001, additionalGids: [2000], home: '/home/app' });
    assert.throws(() => resolveUser(root, 'hostonly'), /unable to find user hostonly/);
    const spec = generateSpec({ Cmd: ['/bin/true'] }, { id: 'a'.repeat(64), rootfs: root, user: 'app', groupAdd: ['extra'] });
    assert.deepEqual(spec.process.user, { uid: 1000, gid: 1001, additionalGids: [2000] });
  });
});
