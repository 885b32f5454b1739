// An engine fixture driven through the shipped executable, for the CLI test
// files: hooks for the enclosing describe(), and `berth …` on its store.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { berthOn } from '../helpers/berth.js';
import type { ToolResult } from '../helpers/run-tool.js';
import { openEngineFixture, type EngineFixture } from './engine-fixture.js';

export interface EngineCli {
  fixture(): EngineFixture;
  /** `berth <args>` (bin/berth.cjs) on the fixture's store. */
  berth(...args: string[]): Promise<ToolResult>;
  /** berth, asserting exit 0 and nothing on stderr; its stdout. */
  ok(...args: string[]): Promise<string>;
}

/**
 * Call inside describe(): opens the fixture before its tests and disposes of
 * it after. `cniConfigDir`: every command gets `--network-config-dir` on a
 * directory of the fixture's own (`<temp>/net.d`), for the network verbs.
 */
export function engineCli(options: { cniConfigDir?: boolean } = {}): EngineCli {
  let fx: EngineFixture;
  before(async () => { fx = await openEngineFixture(); });
  after(async () => fx.dispose());
  const globalArgs = (): string[] => (options.cniConfigDir ? ['--network-config-dir', cniConfigDirOf(fx)] : []);
  const berth = (...args: string[]): Promise<ToolResult> => berthOn({ graphRoot: fx.temp.graphRoot, runRoot: fx.temp.runRoot, driver: 'overlay' }, [...globalArgs(), ...args]);
  return {
    fixture: () => fx,
    berth,
    ok: async (...args) => {
      const result = await berth(...args);
      assert.equal(result.code, 0, `berth ${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stderr, '', `berth ${args.join(' ')}: no warnings on a normal run`);
      return result.stdout.toString();
    },
  };
}

/** The CNI config dir of engineCli({ cniConfigDir: true }). */
export function cniConfigDirOf(fx: EngineFixture): string {
  return join(fx.temp.dir, 'net.d');
}
