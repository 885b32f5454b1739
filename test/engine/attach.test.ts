// Attach through conmon's SOCK_SEQPACKET socket: input reaches the
// container's stdin (its end is the container's EOF), output comes back per
// stream, and with a terminal the size set through the ctl FIFO is the one
// the container sees — then a resize while it runs.

import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { BUSYBOX_IMAGE, openEngineFixture, type EngineFixture } from './engine-fixture.js';

function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  return {
    stream: new Writable({ write(chunk: Buffer, _enc, done) { chunks.push(chunk); done(); } }),
    text: () => Buffer.concat(chunks).toString(),
  };
}

describe('attach', () => {
  let fx: EngineFixture;
  before(async () => { fx = await openEngineFixture(); });
  after(async () => fx.dispose());

  it('stdin reaches the container; its end is EOF; stdout and stderr come back apart', async () => {
    const container = await fx.engine.create({ image: BUSYBOX_IMAGE, interactive: true, command: ['/bin/sh', '-c', 'while read l; do echo got:$l; echo err:$l >&2; done; echo end'] });
    const stdin = new PassThrough();
    const out = collector();
    const err = collector();
    const { session } = await fx.engine.attach(container.id, { stdin, stdout: out.stream, stderr: err.stream });
    await fx.engine.start(container.id);
    stdin.write('a\n');
    stdin.end('b\n');
    await session.done;
    assert.equal(await fx.engine.wait(container.id), 0);
    assert.equal(out.text(), 'got:a\ngot:b\nend\n');
    assert.equal(err.text(), 'err:a\nerr:b\n');
  });

  it('a terminal gets the size sent through ctl, and a resize while it runs', async () => {
    const container = await fx.engine.create({ image: BUSYBOX_IMAGE, terminal: true, command: ['/bin/sh'] });
    const stdin = new PassThrough();
    const out = collector();
    const { session } = await fx.engine.attach(container.id, { stdin, stdout: out.stream, stderr: out.stream }, { rows: 24, cols: 80 });
    await fx.engine.start(container.id);
    stdin.write('busybox stty size\n');
    for (let i = 0; i < 100 && !out.text().includes('24 80'); i++) await new Promise((r) => setTimeout(r, 50));
    await fx.engine.resize(container.id, 50, 132);
    await new Promise((r) => setTimeout(r, 200));
    stdin.write('busybox stty size; exit 3\n');
    await session.done;
    assert.equal(await fx.engine.wait(container.id), 3);
    assert.match(out.text(), /24 80\r\n/);
    assert.match(out.text(), /50 132\r\n/);
  });
});
