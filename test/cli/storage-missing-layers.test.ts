// `berth storage delete-image` and `mount` on records whose layer is already
// gone: delete-image answers exactly as the Go CLI does on the same steps, and
// mount names the missing lower layer.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { berthStorage, berthStorageTry } from '../helpers/berth.js';
import { goStorage, goStorageTry, type StoreRoots } from '../helpers/go-cli.js';
import type { ToolResult } from '../helpers/run-tool.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

type Cli = (roots: StoreRoots, args: string[]) => Promise<ToolResult>;

const TOOLS: Record<'berth' | 'go', { run: Cli; runTry: Cli }> = {
  berth: { run: berthStorage, runTry: berthStorageTry },
  go: { run: goStorage, runTry: goStorageTry },
};

describe("delete-image of an image whose top layer was a deleted container's layer", () => {
  const temps: TempStore[] = [];
  after(async () => {
    for (const temp of temps) await temp.dispose();
  });

  /** The steps through one CLI; every answer of delete-image with IDs replaced by their role. */
  async function transcript(tool: 'berth' | 'go'): Promise<string[]> {
    const temp = await makeTempStore(`berth-cli-gone-${tool}-`);
    temps.push(temp);
    const { run, runTry } = TOOLS[tool];
    const out = async (args: string[]) => (await run(temp, args)).stdout.toString().trim();
    const container = await out(['create-container', '']);
    const layer = /^Layer: (\S+)$/m.exec(await out(['container', container]))?.[1] ?? assert.fail('no Layer: line');
    const image = await out(['create-image', layer]);
    await run(temp, ['delete-container', container]);
    const lines: string[] = [];
    for (const args of [['delete-image', '-t', image], ['delete-image', '--json', '-t', image], ['delete-image', image], ['images'], ['delete-image', '--json', image]]) {
      const result = await runTry(temp, args);
      const text = `${args.join(' ')} → exit ${result.code}\nstdout: ${result.stdout.toString()}\nstderr: ${result.stderr}`;
      lines.push(text.replaceAll(image, 'IMAGE').replaceAll(layer, 'LAYER'));
    }
    return lines;
  }

  it('prints and exits as the Go CLI does: the dry run lists the layer, the delete says "layer not known" and exits 1', async () => {
    const berth = await transcript('berth');
    const go = await transcript('go');
    assert.deepEqual(berth, go);
    assert.match(berth[2] ?? '', /→ exit 1\nstdout: \nstderr: IMAGE: layer not known\n$/);
  });
});

describe('mount of a container whose lower layer is gone', () => {
  let temp: TempStore;
  before(async () => {
    temp = await makeTempStore('berth-cli-gone-lower-');
  });
  after(async () => temp.dispose());

  it('exits 1 and names the missing lower layer, not the merged dir', async () => {
    const out = async (args: string[]) => (await berthStorage(temp, args)).stdout.toString().trim();
    const lower = await out(['create-layer']);
    const image = await out(['create-image', lower]);
    const container = await out(['create-container', image]);
    const layer = /^Layer: (\S+)$/m.exec(await out(['container', container]))?.[1];
    await out(['delete', lower]);
    const result = await berthStorageTry(temp, ['mount', container]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `mounting layer ${layer}: lower layer ${lower}: no record of it is left: layer is missing while mounting ${container}\n`);
  });
});
