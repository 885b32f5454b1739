// podman 4.3 on a test store: the containers.conf this machine needs (see
// shared/spec/verified-facts.md: no CAP_SYS_RESOURCE for big rlimits, crun and
// hybrid cgroups) and its global flags for a private root and run root.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoreRoots } from './go-cli.js';
import { runTool, type ToolResult } from './run-tool.js';

export interface PodmanEnv {
  /** Global flags: roots, driver, private tmpdir. */
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** Writes a containers.conf under `dir` and returns how to call podman on `roots`. */
export async function preparePodman(dir: string, roots: StoreRoots): Promise<PodmanEnv> {
  await mkdir(join(dir, 'podman-tmp'), { recursive: true });
  const conf = join(dir, 'containers.conf');
  await writeFile(conf, [
    '[containers]',
    // The host's hard limit for nofile is 20000 and root lacks CAP_SYS_RESOURCE.
    'default_ulimits = ["nofile=20000:20000", "nproc=20000:20000"]',
    '[engine]',
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    `events_logfile_path = "${join(dir, 'events.log')}"`,
    // crun 1.8 refuses this machine's hybrid cgroups unless they are rearranged; runc runs either way.
    'runtime = "runc"',
    '',
  ].join('\n'));
  return {
    args: ['--root', roots.graphRoot, '--runroot', roots.runRoot, '--storage-driver', roots.driver ?? 'overlay', '--tmpdir', join(dir, 'podman-tmp')],
    env: { ...process.env, CONTAINERS_CONF: conf },
  };
}

export function podman(p: PodmanEnv, args: string[]): Promise<ToolResult> {
  return runTool('podman', [...p.args, ...args], { env: p.env });
}
