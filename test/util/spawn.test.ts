// spawnProcess: posix_spawn with the child's fds mapped as asked, default
// signal dispositions, its own session on request, and exits reaped on SIGCHLD.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isErrno, readAll, spawnProcess, writeAndClose } from '../../src/util/index.js';

const sh = (script: string, fds: Parameters<typeof spawnProcess>[2]['fds'], extra: Partial<Parameters<typeof spawnProcess>[2]> = {}) =>
  spawnProcess('/bin/sh', ['-c', script], { fds, env: { PATH: '/usr/bin:/bin' }, ...extra });

describe('spawnProcess', () => {
  it('gives the child pipes on the fds asked for, in both directions, and reports its exit code', async () => {
    // fd 4 is read by the child, fd 3 written by it: a swap that naive dup2 ordering would clobber.
    const child = sh('read line <&4; echo "got $line" >&3; echo out; echo err >&2; exit 7', ['ignore', 'to-parent', 'to-parent', 'to-parent', 'from-parent']);
    writeAndClose(child.writers.get(4)!, Buffer.from('hello\n'));
    const [three, out, err, status] = await Promise.all([
      readAll(child.readers.get(3)!), readAll(child.readers.get(1)!), readAll(child.readers.get(2)!), child.exited,
    ]);
    assert.equal(three.toString(), 'got hello\n');
    assert.equal(out.toString(), 'out\n');
    assert.equal(err.toString(), 'err\n');
    assert.deepEqual(status, { code: 7, signal: null });
  });

  it('starts the child with no signal ignored or blocked (Node ignores SIGPIPE), with only the environment given', async () => {
    const child = sh('grep -E "^Sig(Ign|Blk)" /proc/self/status; echo "PATH=$PATH HOME=${HOME-unset}"', ['ignore', 'to-parent', 'ignore']);
    const [out] = await Promise.all([readAll(child.readers.get(1)!), child.exited]);
    assert.equal(out.toString(), 'SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\nPATH=/usr/bin:/bin HOME=unset\n');
  });

  it('runs in the directory and the new session asked for', async () => {
    const child = sh('pwd; ps -o sid= -p $$; echo $$', ['ignore', 'to-parent', 'ignore'], { cwd: '/usr', newSession: true });
    const [out] = await Promise.all([readAll(child.readers.get(1)!), child.exited]);
    const [cwd, sid, pid] = out.toString().trim().split('\n').map((line) => line.trim());
    assert.equal(cwd, '/usr');
    assert.equal(sid, pid);
  });

  it('reports a signal that ended the child, and children that end together are each reaped', async () => {
    const killed = sh('kill -TERM $$', ['ignore', 'ignore', 'ignore']);
    const quick = Array.from({ length: 10 }, (_, i) => sh(`exit ${i}`, ['ignore', 'ignore', 'ignore']));
    assert.deepEqual(await killed.exited, { code: null, signal: 15 });
    assert.deepEqual((await Promise.all(quick.map((child) => child.exited))).map((status) => status.code), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('throws ENOENT for a missing file and leaves no pipe open', () => {
    const before = openFds();
    assert.throws(() => spawnProcess('/no/such/binary', [], { fds: ['ignore', 'to-parent', 'to-parent'], env: {} }), (err: unknown) => isErrno(err, 'ENOENT'));
    assert.equal(openFds(), before);
  });
});

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}
