// Containers run to completion under conmon with each runtime: exit code,
// output in the CRI log format, the store container and mount cleaned up.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readCriLog } from '../../src/oci/index.js';
import { BUSYBOX_IMAGE, openEngineFixture, type EngineFixture } from './engine-fixture.js';

for (const runtime of ['crun', 'runc']) {
  describe(`a container run by ${runtime}`, () => {
    let fx: EngineFixture;
    before(async () => { fx = await openEngineFixture(); });
    after(async () => fx.dispose());

    it('runs to its exit code, with stdout and stderr in the CRI log format', async () => {
      const container = await fx.engine.create({ image: BUSYBOX_IMAGE, runtime, command: ['/bin/sh', '-c', 'echo out1; echo err1 >&2; printf nonl; exit 3'] });
      assert.equal(container.state.status, 'created');
      assert.ok(container.state.initPid > 0);
      await fx.engine.start(container.id);
      assert.equal(await fx.engine.wait(container.id), 3);
      const log = readFileSync(container.config.logPath);
      for (const line of log.toString().trimEnd().split('\n')) {
        assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}[+-]\d\d:\d\d (stdout|stderr) [PF] /);
      }
      const output = readCriLog(log);
      assert.equal(output.stdout.toString(), 'out1\nnonl');
      assert.equal(output.stderr.toString(), 'err1\n');
      const done = await fx.engine.get(container.id);
      assert.equal(done.state.status, 'stopped');
      assert.equal(done.state.exitCode, 3);
      assert.ok(done.state.finished);
      assert.equal(await fx.store.mounted(container.id), 0);
    });

    it('run() creates and starts in one go: running when followed, as state.json has it; a refused create (a name taken) leaves no lock file', async () => {
      const code = await fx.engine.run({ image: BUSYBOX_IMAGE, runtime, name: `run-${runtime}`, command: ['/bin/sh', '-c', 'exit 4'] }, async (container) => {
        assert.equal(container.state.status, 'running');
        const onDisk = JSON.parse(readFileSync(container.statePath, 'utf8')) as { status: string; started?: string; initPid: number };
        assert.equal(onDisk.status, 'running');
        assert.ok(onDisk.started && onDisk.initPid > 0);
        return fx.engine.wait(container.id);
      });
      assert.equal(code, 4);
      await assert.rejects(fx.engine.run({ image: BUSYBOX_IMAGE, runtime, name: `run-${runtime}` }, async () => assert.fail('followed')),
        (err: Error) => /already in use/.test(err.message));
      // (Other containers' exit commands may add theirs meanwhile: each lock file must be an existing container's.)
      for (const name of readdirSync(join(fx.store.runRoot, 'berth', 'locks'))) assert.ok(await fx.store.exists(name), `lock file ${name} of no container`);
    });

    it('removes what it made: runtime record, exit file, store container and layer', async () => {
      const container = await fx.engine.create({ image: BUSYBOX_IMAGE, runtime, name: `gone-${runtime}` });
      await fx.engine.start(container.id);
      assert.equal(await fx.engine.wait(container.id), 0);
      await fx.engine.remove(container.id);
      assert.equal(await fx.store.exists(container.id), false);
      assert.equal(existsSync(container.config.persistDir), false);
      assert.equal(existsSync(container.config.bundlePath), false);
      assert.deepEqual((await fx.engine.list()).filter((c) => c.id === container.id), []);
    });
  });
}
