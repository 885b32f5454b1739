// Berth and podman on one engine fixture's store, for the interop tests that
// compare what each prints: hooks for the enclosing describe(), and the calls.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { berthOn } from '../helpers/berth.js';
import { podman, type PodmanEnv } from '../helpers/podman.js';
import type { ToolResult } from '../helpers/run-tool.js';
import { openEngineFixtureWithPodman, type EngineFixture } from '../engine/engine-fixture.js';

export interface SharedStore {
  fixture(): EngineFixture;
  /** `berth <args>` (bin/berth.cjs) on the store. */
  berth(...args: string[]): Promise<ToolResult>;
  /** berth, asserting exit 0 and nothing on stderr; its stdout. */
  ok(...args: string[]): Promise<string>;
  /** `podman <args>` on the store, asserting exit 0; its stdout. */
  podmanOk(...args: string[]): Promise<string>;
}

/** Call inside describe(): opens the fixture before its tests and disposes of it after. */
export function berthAndPodmanOnOneStore(): SharedStore {
  let fx: EngineFixture;
  let pod: PodmanEnv;
  before(async () => ({ fx, pod } = await openEngineFixtureWithPodman()));
  after(async () => fx.dispose());
  const berth = (...args: string[]): Promise<ToolResult> => berthOn({ graphRoot: fx.temp.graphRoot, runRoot: fx.temp.runRoot, driver: 'overlay' }, args);
  return {
    fixture: () => fx,
    berth,
    ok: async (...args) => {
      const result = await berth(...args);
      assert.deepEqual([result.code, result.stderr.toString()], [0, ''], `berth ${args.join(' ')}`);
      return result.stdout.toString();
    },
    podmanOk: async (...args) => {
      const result = await podman(pod, args);
      assert.equal(result.code, 0, `podman ${args.join(' ')}: ${result.stderr.toString()}`);
      return result.stdout.toString();
    },
  };
}
