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

describe('IndexedCommand with the flags a command line names', () => {
  /** Options of every kind a verb declares: collected with a default, plain, negated alone, a dual pair, mandatory, from the environment. */
  function declareVerb(command: Command): Command {
    command.option('--root <dir>', 'global');
    const collect = (value: string, previous: string[]) => [...previous, value];
    return command.command('run')
      .option('-e, --env <env>', 'environment', collect, [])
      .option('--name <name>', 'name')
      .option('-d, --driver <driver>', 'with a default', 'bridge')
      .option('--no-hosts', 'negated alone')
      .option('--tls-verify', 'dual')
      .option('--no-tls-verify', 'dual')
      .option('-i, --interactive', 'keep stdin')
      .option('-t, --tty', 'terminal')
      .option('--pids-limit <n>', 'camel case', Number)
      .addOption(new Option('--image-volume <mode>', 'choices').choices(['bind', 'tmpfs']).default('bind'))
      .addOption(new Option('--token <token>', 'from the environment').env('BERTH_TEST_TOKEN'))
      .requiredOption('--must <x>', 'mandatory', 'given');
  }

  /** The verb's and the program's options after parsing `argv`, and how many options the verb declared. */
  function parsed(command: Command, argv: string[]): { verb: unknown; global: unknown; declared: number } {
    const verb = declareVerb(command.exitOverride());
    let seen: unknown;
    verb.argument('[args...]').action((_args: string[], options: unknown) => {
      seen = options;
    });
    command.parse(argv, { from: 'user' });
    return { verb: seen, global: command.opts(), declared: verb.options.length };
  }

  for (const argv of [
    ['run', 'image'],
    ['--root', '/r', 'run', '-it', '-e', 'A=1', '--env=B=2', '--name', 'web', 'image', 'sh'],
    ['run', '--no-hosts', '--no-tls-verify', '--pids-limit', '5', '--image-volume', 'tmpfs', 'image'],
    ['run', '--tls-verify', '-d', 'macvlan', '--must', 'x', 'image'],
  ]) {
    it(`parses ${argv.join(' ')} as a full declaration does, declaring fewer options`, async () => {
      const { flagsNamedIn } = await import('../../src/cli/indexed-command.js');
      const named = flagsNamedIn(argv);
      assert.ok(named);
      const selective = parsed(new IndexedCommand('berth', named), argv);
      const full = parsed(new Command('berth'), argv);
      assert.deepEqual({ ...selective, declared: 0 }, { ...full, declared: 0 });
      assert.ok(selective.declared < full.declared, `${selective.declared} of ${full.declared} options declared`);
    });
  }

  it('names each --flag with its --no- twin and each letter of a cluster; none for help', async () => {
    const { flagsNamedIn } = await import('../../src/cli/indexed-command.js');
    assert.deepEqual([...flagsNamedIn(['run', '-it', '--env=A=1', '--no-hosts', 'image', '--', '--late'])!].sort(),
      ['--env', '--hosts', '--no-env', '--no-hosts', '-i', '-t']);
    assert.equal(flagsNamedIn(['run', '--help']), undefined);
    assert.equal(flagsNamedIn(['run', '-h']), undefined);
  });

  it('leaves every option of every verb of berth at the value its declaration gives a command line that does not name it', async () => {
    const { buildProgram } = await import('../../src/cli/program.js');
    const build = (named: ReadonlySet<string> | undefined) => buildProgram(['container', 'image'], () => undefined, { only: undefined, named });
    const pairs: Array<[Command, Command]> = [[build(undefined), build(new Set())]];
    let compared = 0;
    while (pairs.length > 0) {
      const [full, selective] = pairs.pop()!;
      assert.deepEqual(selective.opts(), full.opts(), full.name());
      assert.deepEqual(selective.commands.map((c) => c.name()), full.commands.map((c) => c.name()));
      full.commands.forEach((command, i) => pairs.push([command, selective.commands[i]!]));
      compared++;
    }
    assert.ok(compared > 60, `${compared} commands compared`);
  });
});
