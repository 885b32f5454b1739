// `berth version` and `berth info`, registered; what they print is
// system-info.ts's, loaded only when one of them runs.

import type { Command } from 'commander';
import type { EngineAction } from './context.js';

export function registerSystemVerbs(program: Command, wanted: (name: string) => boolean, act: EngineAction): void {
  if (wanted('version')) program.command('version').description('show the versions of Berth and Node.js')
    .option('-f, --format <format>', 'json, or a Go template (`{{.Client.Version}}`)')
    .action(async (opts: { format?: string }) => {
      process.stdout.write((await import('./system-info.js')).versionText(opts.format));
    });

  if (wanted('info')) program.command('info').description('show the host, the runtime, conmon and the store Berth uses')
    .option('-f, --format <format>', 'json, or a Go template (`{{.Store.GraphRoot}}`)')
    .action(act(async (engine, opts: { format?: string }) => {
      process.stdout.write(await (await import('./system-info.js')).infoText(engine, opts.format));
    }));
}
