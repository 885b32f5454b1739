// Berth and podman on one engine fixture's store, for the interop tests that
// compare what each prints: hooks for the enclosing describe(), and the calls.

import assert from 'node:assert/strict';
import { before } from 'node:test';
import { podman, preparePodman, type PodmanEnv } from '../helpers/podman.js';
import type { ToolResult } from '../helpers/run-tool.js';
import { engineCli, type EngineCli } from '../engine/engine-cli.js';

export interface SharedStore extends EngineCli {
  /** `podman <args>` on the store: its exit code and output. */
  podmanRun(...args: string[]): Promise<ToolResult>;
  /** `podman <args>` on the store, asserting exit 0; its stdout. */
  podmanOk(...args: string[]): Promise<string>;
}

/** Call inside describe(): opens the fixture (and podman's config for it) before its tests and disposes of it after. */
export function berthAndPodmanOnOneStore(): SharedStore {
  const cli = engineCli();
  let pod: PodmanEnv;
  before(async () => {
    const { temp } = cli.fixture();
    pod = await preparePodman(temp.dir, { graphRoot: temp.graphRoot, runRoot: temp.runRoot, driver: 'overlay' });
  });
  return {
    ...cli,
    podmanRun: (...args) => podman(pod, args),
    podmanOk: async (...args) => {
      const result = await podman(pod, args);
      assert.equal(result.code, 0, `podman ${args.join(' ')}: ${result.stderr.toString()}`);
      return result.stdout.toString();
    },
  };
}
