// `berth version`, `berth info` and the `system` group (df, prune, reset, info),
// registered; what they print is system-info.ts's and system-space.ts's,
// loaded only when one of them runs.

import type { Command } from 'commander';
import type { EngineAction } from './context.js';

export function registerSystemVerbs(program: Command, wanted: (name: string) => boolean, act: EngineAction): void {
  if (wanted('version')) program.command('version').description('show the versions of Berth and Node.js')
    .option('-f, --format <format>', 'json, or a Go template (`{{.Client.Version}}`)')
    .action(async (opts: { format?: string }) => {
      process.stdout.write((await import('./system-info.js')).versionText(opts.format));
    });

  const info = (parent: Command): void => {
    parent.command('info').description('show the host, the runtime, conmon and the store Berth uses')
      .option('-f, --format <format>', 'json, or a Go template (`{{.Store.GraphRoot}}`)')
      .action(act(async (engine, opts: { format?: string }) => {
        process.stdout.write(await (await import('./system-info.js')).infoText(engine, opts.format));
      }));
  };
  if (wanted('info')) info(program);

  if (!wanted('system')) return;
  const system = program.command('system').description('manage the store as a whole (df, prune, reset, info)');
  info(system);
  system.command('df').description('show how much disk images, containers and volumes take, and how much of it is unused')
    .option('--format <format>', 'json, or a Go template (`{{.Type}} {{.Size}}`)')
    .action(act(async (engine, opts: { format?: string }) => {
      process.stdout.write(await (await import('./system-space.js')).diskUsageText(engine, opts.format));
    }));
  system.command('prune').description('remove the exited containers and the dangling images (with --volumes the unused volumes too)')
    .option('-a, --all', 'every image no container uses, not only those without names')
    .option('--volumes', 'also the volumes no container uses')
    .option('-f, --force', 'do not ask for confirmation')
    .action(act(async (engine, opts: { all?: boolean; volumes?: boolean; force?: boolean }) => {
      await (await import('./system-space.js')).systemPrune(engine, opts);
    }));
  system.command('reset').description('remove every container, image, volume and network, and the store\'s directories')
    .option('-f, --force', 'do not ask for confirmation')
    .action(act(async (engine, opts: { force?: boolean }) => {
      await (await import('./system-reset.js')).systemReset(engine, opts);
    }));
}
