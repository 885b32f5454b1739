// berth.conf's runtime handlers: crun runs from a sealed copy of its binary
// unless told otherwise (its commands, and conmon's create and exec), runc does
// not, and the setting survives the berth.conf written for the exit command.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Container, Runtime, defaultRuntimeConfig, formatRuntimeConfig, generateSpec, isOciError, parseRuntimeConfig } from '../../src/oci/index.js';
import { BUSYBOX_IMAGE, openEngineFixture, type EngineFixture } from './engine-fixture.js';

describe('runtime handlers: exec_sealed_copy', () => {
  it('is on for crun and crun-* binaries and off for runc by default', () => {
    const builtIn = defaultRuntimeConfig().runtimes;
    assert.deepEqual([builtIn['crun']!.execSealedCopy, builtIn['runc']!.execSealedCopy], [true, false]);
    const config = parseRuntimeConfig([
      '[berth.runtime.runtimes.wasm]', 'runtime_path = "/usr/local/bin/crun-wasm"',
      '[berth.runtime.runtimes.mine]', 'runtime_path = "/opt/bin/myruntime"',
    ].join('\n'));
    assert.deepEqual([config.runtimes['wasm']!.execSealedCopy, config.runtimes['mine']!.execSealedCopy], [true, false]);
  });

  it('is set per handler, kept by a handler that overrides a built-in one, and written back by formatRuntimeConfig', () => {
    const config = parseRuntimeConfig([
      '[berth.runtime.runtimes.crun]', 'exec_sealed_copy = false',
      '[berth.runtime.runtimes.runc]', 'exec_sealed_copy = true',
    ].join('\n'));
    assert.deepEqual([config.runtimes['crun']!.execSealedCopy, config.runtimes['runc']!.execSealedCopy], [false, true]);
    const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
    assert.deepEqual(plain(parseRuntimeConfig(formatRuntimeConfig(config)).runtimes), plain(config.runtimes));
  });

  it('refuses a value that is not a boolean', () => {
    assert.throws(() => parseRuntimeConfig('[berth.runtime.runtimes.crun]\nexec_sealed_copy = "yes"\n'),
      (err: unknown) => isOciError(err, 'invalid-spec') && /exec_sealed_copy must be true or false/.test((err as Error).message));
  });

  it('a runtime that cannot run from a sealed copy (a wrapper script named crun) runs from its path, with its own name as argv[0]', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-wrapped-runtime-'));
    try {
      const wrapper = join(dir, 'crun');
      writeFileSync(wrapper, `#!/bin/sh\necho "$0 $*" > ${dir}/called\n`, { mode: 0o755 });
      const config = parseRuntimeConfig(`[berth.runtime.runtimes.wrapped]\nruntime_path = "${wrapper}"\nruntime_root = "${dir}/root"\n`);
      assert.equal(config.runtimes['wrapped']!.execSealedCopy, true);
      const runtime = new Runtime({ config, exitDir: join(dir, 'exits'), socketDir: join(dir, 'sockets') });
      const id = 'a'.repeat(64);
      const container = new Container({
        id, name: 'wrapped', runtimeHandler: 'wrapped', bundlePath: dir, persistDir: dir, logPath: join(dir, 'log'), labels: {}, annotations: {},
        stopSignal: 15, stopTimeout: 10, spec: generateSpec({ Cmd: ['/bin/true'] }, { id, rootfs: join(dir, 'rootfs') }), createdAt: new Date().toISOString(), logSizeMax: -1,
      });
      await runtime.deleteContainer(container);
      assert.equal(readFileSync(join(dir, 'called'), 'utf8'), `${wrapper} --root ${dir}/root delete --force ${id}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('conmon starts the runtime from the sealed copy', () => {
  let fx: EngineFixture;
  before(async () => {
    const config = defaultRuntimeConfig();
    // A second crun that runs from its path, as a handler with exec_sealed_copy = false does.
    config.runtimes['plain'] = { ...config.runtimes['crun']!, name: 'plain', execSealedCopy: false };
    fx = await openEngineFixture(config);
  });
  after(async () => fx.dispose());

  /** conmon's command line and what its fd 5 is, and the fds the container's process holds. */
  async function monitorOf(runtime: string): Promise<{ conmonArgs: string[]; conmonFd5: string | undefined; containerFds: string[]; execOutput: string }> {
    const container = await fx.engine.create({ image: BUSYBOX_IMAGE, command: ['/bin/sh', '-c', 'while :; do sleep 0.1; done'], runtime });
    await fx.engine.start(container.id);
    const { conmonPid, pid } = (await fx.engine.get(container.id)).state;
    const conmonArgs = readFileSync(`/proc/${conmonPid}/cmdline`, 'latin1').split('\0');
    let conmonFd5: string | undefined;
    try {
      conmonFd5 = readlinkSync(`/proc/${conmonPid}/fd/5`);
    } catch {
      conmonFd5 = undefined;
    }
    const containerFds = readdirSync(`/proc/${pid}/fd`).sort();
    // An exec goes through a conmon of its own, started the same way.
    const exec = await fx.engine.exec(container.id, ['/bin/sh', '-c', 'echo exec ran']);
    await fx.engine.remove(container.id, { force: true, timeoutSeconds: 0 });
    return { conmonArgs, conmonFd5, containerFds, execOutput: exec.stdout.toString() };
  }

  it('crun (exec_sealed_copy on): conmon runs /proc/self/fd/5, its copy of the binary, which the container never holds', async () => {
    const seen = await monitorOf('crun');
    assert.equal(seen.conmonArgs[seen.conmonArgs.indexOf('-r') + 1], '/proc/self/fd/5');
    assert.match(seen.conmonFd5 ?? '', /^\/memfd:berth-runtime/);
    assert.deepEqual(seen.containerFds, ['0', '1', '2']);
    assert.equal(seen.execOutput, 'exec ran\n');
  });

  it('exec_sealed_copy off: conmon runs the runtime from its path and holds no copy', async () => {
    const seen = await monitorOf('plain');
    assert.equal(seen.conmonArgs[seen.conmonArgs.indexOf('-r') + 1], '/usr/bin/crun');
    assert.doesNotMatch(seen.conmonFd5 ?? '', /memfd/);
    assert.deepEqual(seen.containerFds, ['0', '1', '2']);
    assert.equal(seen.execOutput, 'exec ran\n');
  });
});
