// Detach keys: the filter that watches stdin for them, and `berth run -it`,
// `attach` and `start -ai` in a real terminal (script(1)): typing the keys
// ends the session with exit 0 and leaves the container running.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { DetachKeyFilter, isOciError, parseDetachKeys } from '../../src/oci/index.js';
import { BERTH_BIN } from '../helpers/berth.js';
import { runTool } from '../helpers/run-tool.js';
import { openEngineFixture, type EngineFixture } from './engine-fixture.js';

describe('detach keys', () => {
  it('parses podman\'s spellings, and refuses unknown keys', () => {
    assert.deepEqual([...parseDetachKeys('ctrl-p,ctrl-q')], [0x10, 0x11]);
    assert.deepEqual([...parseDetachKeys('ctrl-@,ctrl-[,ctrl-_,a,DEL')], [0, 27, 31, 0x61, 127]);
    assert.equal(parseDetachKeys('').length, 0);
    assert.throws(() => parseDetachKeys('ctrl-pp'), (err) => isOciError(err, 'invalid-option') && /ctrl-pp/.test(err.message));
  });

  it('passes typed input on, holds a possible start of the keys, and swallows the complete keys', () => {
    const filter = new DetachKeyFilter(parseDetachKeys('ctrl-p,ctrl-q'));
    assert.deepEqual(filter.filter(Buffer.from('ab\x10')), { data: Buffer.from('ab'), detach: false });
    // The held ctrl-p was typed, not the keys: it goes through with what broke the sequence.
    assert.deepEqual(filter.filter(Buffer.from('c')), { data: Buffer.from('\x10c'), detach: false });
    assert.deepEqual(filter.filter(Buffer.from('\x10\x10')), { data: Buffer.from('\x10'), detach: false });
    assert.deepEqual(filter.filter(Buffer.from('\x11rest')), { data: Buffer.alloc(0), detach: true });
    assert.deepEqual(new DetachKeyFilter(Buffer.alloc(0)).filter(Buffer.from('\x10\x11')), { data: Buffer.from('\x10\x11'), detach: false });
  });
});

describe('berth run -it / attach with detach keys (bin/berth.cjs)', () => {
  let fx: EngineFixture;
  before(async () => { fx = await openEngineFixture(); });
  after(async () => fx.dispose());
  const berthArgs = (...args: string[]): string[] => [process.execPath, BERTH_BIN, '--root', fx.temp.graphRoot, '--runroot', fx.temp.runRoot, '--storage-driver', 'overlay', ...args];
  const berth = (...args: string[]) => runTool(berthArgs()[0]!, berthArgs(...args).slice(1));

  /**
   * Runs berth in a pseudo-terminal (script(1)) and types each step's text
   * once the step's marker has appeared in the output (an empty marker: at
   * once). Control keys must wait for output that shows berth is attached:
   * typed earlier, the terminal is still in canonical mode, where ctrl-q is
   * flow control and never reaches berth. script itself waits for the end of
   * its input: that comes once berth's exit status is printed.
   */
  function inTerminal(args: string[], steps: Array<[marker: string, text: string]>): Promise<{ code: number; output: string }> {
    const command = `${berthArgs(...args).map((a) => `'${a}'`).join(' ')}; echo "berth-exit-$?."`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    const pending = [...steps];
    const typeWhatIsDue = (): void => {
      while (pending.length > 0 && output.includes(pending[0]![0])) child.stdin.write(pending.shift()![1]);
      if (/berth-exit-\d+\./.test(output)) child.stdin.end();
    };
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      typeWhatIsDue();
    });
    typeWhatIsDue();
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    return new Promise((resolve) => child.on('close', () => {
      clearTimeout(timer);
      resolve({ code: Number(/berth-exit-(\d+)\./.exec(output)?.[1] ?? -1), output });
    }));
  }

  it('ctrl-p,ctrl-q leaves run -it with exit 0 and the container running; attach and exit later', async () => {
    const run = await inTerminal(['run', '-it', '--name', 'detached', 'busybox', '/bin/sh', '-c', 'echo ready-1; exec /bin/sh'], [['ready-1', 'echo typed > /tmp/mark\n\x10\x11']]);
    assert.equal(run.code, 0, run.output);
    assert.equal((await berth('inspect', '-f', '{{.State.Status}}', 'detached')).stdout.toString(), 'running\n');
    // What was typed before the keys reached the shell.
    for (let i = 0; i < 50 && (await berth('exec', 'detached', 'busybox', 'cat', '/tmp/mark')).code !== 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal((await berth('exec', 'detached', 'busybox', 'cat', '/tmp/mark')).stdout.toString(), 'typed\n');

    // Other keys asked for: ctrl-p,ctrl-q reach the shell as input, ctrl-a,x detaches.
    const attach = await inTerminal(['attach', '--detach-keys', 'ctrl-a,x', 'detached'], [['', 'echo ready-$((1+1))\n'], ['ready-2', 'echo \x10\x11second > /tmp/mark\n\x01x']]);
    assert.equal(attach.code, 0, attach.output);
    for (let i = 0; i < 50 && !(await berth('exec', 'detached', 'busybox', 'cat', '/tmp/mark')).stdout.toString().includes('second'); i++) await new Promise((r) => setTimeout(r, 100));
    // Had ctrl-p,ctrl-q detached, the rest of the line would never have reached the shell (which takes ctrl-p as its history key).
    assert.match((await berth('exec', 'detached', 'busybox', 'cat', '/tmp/mark')).stdout.toString(), /second\n$/);
    const again = await inTerminal(['attach', 'detached'], [['', 'exit 7\n']]);
    assert.equal(again.code, 7, again.output);
    assert.equal((await berth('inspect', '-f', '{{.State.Status}}', 'detached')).stdout.toString(), 'exited\n');
    await berth('rm', 'detached');
  });

  it('an unknown key is refused before anything is made', async () => {
    const result = await berth('run', '-it', '--name', 'never', '--detach-keys', 'ctrl-foo', 'busybox', '/bin/sh');
    assert.equal(result.code, 125);
    assert.match(result.stderr, /invalid detach keys "ctrl-foo"/);
    assert.equal((await berth('ps', '-a', '--filter', 'name=never', '-q')).stdout.toString(), '');
  });
});
