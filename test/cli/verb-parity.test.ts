// Every verb of the Go containers-storage CLI exists in `berth storage` with the
// same usage line and the same flags (Berth adds podman's --root/--runroot).

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { BERTH_BIN } from '../helpers/berth.js';
import { GO_STORAGE_CLI } from '../helpers/go-cli.js';
import { runTool } from '../helpers/run-tool.js';

const BERTH_ONLY_FLAGS = new Set(['--root', '--runroot']);
// Flags containers/storage v1.50.2 added after the Go CLI 1.43 on this machine:
// the global --image-store (split stores) and `layers --quick`.
const V1_50_GLOBAL_FLAGS = ['--image-store'];
const V1_50_FLAGS: Record<string, string[]> = { layers: ['--quick', '-q'] };

interface Usage { usageLine: string; flags: string[] }

function parseUsage(text: string, program: string): Usage {
  const usageLine = (/^Usage: (.*)$/m.exec(text)?.[1] ?? '').replace(program, '').trim();
  const flags = [...text.matchAll(/^ {2}(--?[\w-]+(?:, --?[\w-]+)*)(?:=\S*)?\s/gm)]
    .flatMap((match) => match[1]!.split(', '))
    .filter((flag) => !BERTH_ONLY_FLAGS.has(flag))
    .sort();
  return { usageLine, flags };
}

let goVerbs: string[] = [];
before(async () => {
  const { stdout } = await runTool(GO_STORAGE_CLI, ['--help']);
  goVerbs = [...stdout.toString().matchAll(/^ {2}([a-z][a-z-]*) {2,}/gm)].map((match) => match[1]!);
  assert.ok(goVerbs.length > 40, `found ${goVerbs.length} Go verbs`);
});

describe('berth storage mirrors the Go CLI verbs', () => {
  it('has every Go verb, with its usage line and flags', async () => {
    const problems: string[] = [];
    for (const verb of goVerbs) {
      const go = await runTool(GO_STORAGE_CLI, [verb, '--help']);
      const berth = await runTool(process.execPath, [BERTH_BIN, 'storage', verb, '--help']);
      if (berth.code !== 0) {
        problems.push(`${verb}: berth exits ${berth.code}: ${berth.stdout.toString().trim()} ${berth.stderr.trim()}`);
        continue;
      }
      // mflag prints the flag list on stderr. The Go CLI panics while printing `copy --help`
      // (a flag with an empty short name): for copy only the usage line is compared.
      const goUsage = parseUsage(go.stdout.toString() + go.stderr, `containers-storage ${verb}`);
      const berthUsage = parseUsage(berth.stdout.toString(), `berth storage ${verb}`);
      berthUsage.flags = berthUsage.flags.filter((flag) => !V1_50_GLOBAL_FLAGS.includes(flag) && !V1_50_FLAGS[verb]?.includes(flag));
      if (goUsage.usageLine !== berthUsage.usageLine) problems.push(`${verb}: usage "${berthUsage.usageLine}" vs Go "${goUsage.usageLine}"`);
      if (verb !== 'copy' && goUsage.flags.join(' ') !== berthUsage.flags.join(' ')) {
        problems.push(`${verb}: flags ${berthUsage.flags.join(' ')} vs Go ${goUsage.flags.join(' ')}`);
      }
    }
    assert.deepEqual(problems, []);
  });
});
