// podman's `healthcheck run`: the container's health check run once, its
// result recorded in the container's health; "unhealthy" and exit 1 when it
// fails, nothing and exit 0 when it passes.

import type { Command } from 'commander';
import type { EngineAction } from './context.js';

export function registerHealthcheckVerbs(program: Command, act: EngineAction): void {
  const healthcheck = program.command('healthcheck').description('run a container\'s health check (run)');
  healthcheck.command('run').description('run the container\'s health check once and record its result').argument('<container>')
    .action(act(async (engine, ref: string) => {
      const { healthy } = await engine.healthCheck(ref);
      if (healthy) return 0;
      process.stdout.write('unhealthy\n');
      return 1;
    }));
}
