// IndexedCommand finds options as commander's own scan does, and still refuses a flag declared twice.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command, Option } from 'commander';
import { IndexedCommand } from '../../src/cli/indexed-command.js';

/** The same declarations on `command` and on a verb of it. */
function declare(command: Command): Command {
  command
    .option('-d, --detach', 'run in the background')
    .option('--name <name>', 'name')
    .option('-e, --env <env...>', 'environment')
    .option('--tty', 'terminal')
    .option('--no-tty', 'no terminal')
    .addOption(new Option('-t, --time <seconds>', 'timeout').argParser(Number));
  const verb = command.command('run').option('-d, --detach', 'the verb’s own -d').option('--rm', 'remove');
  verb.option('-i, --interactive', 'keep stdin');
  return verb;
}

describe('IndexedCommand', () => {
  it('finds every flag, and the first option declared for it, as commander’s scan does', () => {
    const indexed = new IndexedCommand('berth');
    const plain = new Command('berth');
    const verbs = [[declare(indexed), declare(plain)], [indexed, plain]] as const;
    assert.ok(verbs[0][0] instanceof IndexedCommand, 'the verbs .command() declares are indexed too');
    const find = (command: Command, flag: string) => (command as unknown as { _findOption(flag: string): Option | undefined })._findOption(flag);
    for (const [ours, theirs] of verbs) {
      for (const flag of ['-d', '--detach', '--name', '-e', '--env', '--tty', '--no-tty', '-t', '--time', '--rm', '-i', '--interactive', '--nope', '-x']) {
        assert.equal(find(ours, flag)?.flags, find(theirs, flag)?.flags, flag);
      }
    }
    assert.equal(find(indexed, '--tty')?.flags, '--tty');
  });

  it('parses a command line as commander does', () => {
    const parsed = (command: Command) => {
      const verb = declare(command.exitOverride());
      let seen: unknown;
      verb.argument('[args...]').action((args: string[], options: unknown) => {
        seen = { args, options };
      });
      command.parse(['-t', '5', 'run', '-di', '--rm', '--name=web', 'image', 'sh'], { from: 'user' });
      return { seen, global: command.opts() };
    };
    assert.deepEqual(parsed(new IndexedCommand('berth')), parsed(new Command('berth')));
  });

  it('refuses a flag declared twice', () => {
    const command = new IndexedCommand('berth').option('--name <name>');
    assert.throws(() => command.option('-n, --name <other>'), /Cannot add option '-n, --name <other>' to command 'berth' due to conflicting flag '--name'/);
  });
});
