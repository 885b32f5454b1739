// spawnProcess: posix_spawn with the child's fds mapped as asked (pipes both
// ways, memory files read after the exit), default signal dispositions, its
// own session on request, and exits reaped on SIGCHLD.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isErrno, readLineFromPipe, readOutput, sealedExecutable, spawnProcess, writeAndClose, type SpawnedProcess } from '../../src/util/index.js';

const sh = (script: string, fds: Parameters<typeof spawnProcess>[2]['fds'], extra: Partial<Parameters<typeof spawnProcess>[2]> = {}) =>
  spawnProcess('/bin/sh', ['-c', script], { fds, env: { PATH: '/usr/bin:/bin' }, ...extra });

describe('spawnProcess', () => {
  it('gives the child pipes and memory files on the fds asked for, and reports its exit code', async () => {
    // fd 4 is read by the child, fd 3 written by it: a swap that naive dup2 ordering would clobber.
    const child = sh('read line <&4; echo "got $line" >&3; echo out; echo err >&2; exit 7', ['ignore', 'to-memory', 'to-memory', 'to-parent', 'from-parent']);
    const line = readLineFromPipe(child.readers.get(3)!, 10_000);
    writeAndClose(child.writers.get(4)!, Buffer.from('hello\n'));
    assert.equal(await line, 'got hello');
    assert.deepEqual(await child.exited, { code: 7, signal: null });
    assert.deepEqual(outputsOf(child), ['out\n', 'err\n']);
  });

  it('reads a line that comes in pieces, and rejects at EOF before a whole line, closing the pipe either way', async () => {
    const before = openFds();
    const pieces = sh("{ printf '{\"pid\": '; sleep 0.1; printf '42}\\nmore'; } >&3", ['ignore', 'ignore', 'ignore', 'to-parent']);
    assert.equal(await readLineFromPipe(pieces.readers.get(3)!, 10_000), '{"pid": 42}');
    const none = sh('printf partial >&3', ['ignore', 'ignore', 'ignore', 'to-parent']);
    await assert.rejects(readLineFromPipe(none.readers.get(3)!, 10_000), (err: unknown) => isErrno(err, 'EOF') && /closed before a whole line/.test((err as Error).message));
    await Promise.all([pieces.exited, none.exited]);
    assert.equal(openFds(), before);
  });

  it('gives up on a line after the timeout, and closes the pipe once its writer is gone', async () => {
    const before = openFds();
    const silent = sh('exec sleep 5', ['ignore', 'ignore', 'ignore', 'to-parent']);
    await assert.rejects(readLineFromPipe(silent.readers.get(3)!, 100), (err: unknown) => isErrno(err, 'ETIMEDOUT') && /no line in 100 ms/.test((err as Error).message));
    process.kill(silent.pid, 'SIGKILL');
    await silent.exited;
    for (let i = 0; i < 50 && openFds() !== before; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(openFds(), before);
  });

  it('reads a line while every thread of libuv\'s pool is busy: it waits on the event loop, not on the pool', () => {
    // A child node with a pool of one thread, taken by a read of a pipe nobody writes to.
    const script = `
      import { read } from 'node:fs';
      const { readLineFromPipe, spawnProcess } = await import(${JSON.stringify(new URL('../../src/util/index.js', import.meta.url).href)});
      const sh = (script) => spawnProcess('/bin/sh', ['-c', script], { fds: ['ignore', 'ignore', 'ignore', 'to-parent'], env: { PATH: '/usr/bin:/bin' } });
      const silent = sh('exec sleep 5');
      read(silent.readers.get(3), Buffer.alloc(1), 0, 1, null, () => undefined);
      const talker = sh('sleep 0.1; echo ready >&3');
      console.log(await readLineFromPipe(talker.readers.get(3), 3000));
      process.kill(silent.pid, 'SIGKILL');
      process.exit(0);
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, UV_THREADPOOL_SIZE: '1' }, encoding: 'utf8' });
    assert.equal(out, 'ready\n');
  });

  it('starts the child with no signal ignored or blocked (Node ignores SIGPIPE), with only the environment given', async () => {
    const child = sh('grep -E "^Sig(Ign|Blk)" /proc/self/status; echo "PATH=$PATH HOME=${HOME-unset}"', ['ignore', 'to-memory', 'ignore']);
    await child.exited;
    const [out] = outputsOf(child);
    assert.equal(out, 'SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\nPATH=/usr/bin:/bin HOME=unset\n');
  });

  it('runs in the directory and the new session asked for', async () => {
    const child = sh('pwd; ps -o sid= -p $$; echo $$', ['ignore', 'to-memory', 'ignore'], { cwd: '/usr', newSession: true });
    await child.exited;
    const [cwd, sid, pid] = outputsOf(child)[0]!.trim().split('\n').map((line) => line.trim());
    assert.equal(cwd, '/usr');
    assert.equal(sid, pid);
  });

  it('reports a signal that ended the child, and children that end together are each reaped', async () => {
    const killed = sh('kill -TERM $$', ['ignore', 'ignore', 'ignore']);
    const quick = Array.from({ length: 10 }, (_, i) => sh(`exit ${i}`, ['ignore', 'ignore', 'ignore']));
    assert.deepEqual(await killed.exited, { code: null, signal: 15 });
    assert.deepEqual((await Promise.all(quick.map((child) => child.exited))).map((status) => status.code), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('starts a program from a sealed copy of its binary, made once and again when the file is replaced', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-sealed-'));
    try {
      const binary = join(dir, 'busybox');
      copyFileSync('/bin/busybox', binary);
      const copy = sealedExecutable(binary);
      assert.match(copy, /^\/proc\/self\/fd\/\d+$/);
      assert.equal(sealedExecutable(binary), copy, 'one copy per process while the file stays');
      assert.ok(readFileSync(copy).equals(readFileSync(binary)));
      assert.throws(() => writeFileSync(copy, 'changed'), (err: unknown) => isErrno(err, 'EPERM'), 'sealed against writes');
      // busybox picks its applet from argv[0]: the copy runs, with the name it was given.
      const echo = spawnProcess(copy, ['from the copy'], { fds: ['ignore', 'to-memory', 'to-memory'], env: {}, argv0: 'echo' });
      assert.deepEqual(await echo.exited, { code: 0, signal: null });
      assert.deepEqual(outputsOf(echo), ['from the copy\n', '']);
      // Replaced (a new inode, one byte longer): the next call copies the new file.
      const longer = Buffer.concat([readFileSync('/bin/busybox'), Buffer.from([0])]);
      rmSync(binary);
      writeFileSync(binary, longer);
      assert.ok(readFileSync(sealedExecutable(binary)).equals(longer));
      // A script is not copied: its interpreter would find /proc/self/fd/N closed by the exec.
      const script = join(dir, 'crun');
      writeFileSync(script, '#!/bin/sh\necho wrapped\n', { mode: 0o755 });
      assert.throws(() => sealedExecutable(script), (err: unknown) => isErrno(err, 'ENOEXEC'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('throws ENOENT for a missing file and leaves no pipe or memory file open', () => {
    const before = openFds();
    assert.throws(() => spawnProcess('/no/such/binary', [], { fds: ['ignore', 'to-memory', 'to-parent', 'from-parent'], env: {} }), (err: unknown) => isErrno(err, 'ENOENT'));
    assert.equal(openFds(), before);
  });
});

/** The text of the child's memory files, in child fd order; they are closed. */
function outputsOf(child: SpawnedProcess): string[] {
  return [...child.outputs.values()].map((fd) => {
    const text = readOutput(fd).toString();
    closeSync(fd);
    return text;
  });
}

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}
