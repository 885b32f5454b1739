// Which of the program's verbs a command line needs declared to commander.
// commander builds each option as it is declared, and the program has ~50
// verbs (`run` and `create` ~60 options each): a command line that names a
// verb gets that verb alone (program.ts builds every verb when it names none,
// or one the program then does not have).

/** Which verbs to register: see registerContainerVerbs and addImageCommands. */
export interface VerbSelection {
  /** Also the verbs under the `container` or `image` group. */
  groupVerbs: boolean;
  /** Only the verb of this name or alias; every verb when undefined. */
  only?: string;
}

/** Whether `selection` takes the verb `name`, which has `aliases`. */
export function selects(selection: VerbSelection, name: string, aliases: readonly string[] = []): boolean {
  return selection.only === undefined || selection.only === name || aliases.includes(selection.only);
}

/** Global options that take the next argument as their value (unless written `--option=value`). */
const VALUE_OPTIONS = new Set(['--root', '--runroot', '--storage-driver', '--storage-opt', '--runtime', '--network-config-dir', '--cni-config-dir']);

/** The verb of a command line: its first operand, or the one after `container` or `image`. */
export function verbOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg.startsWith('-')) {
      if (VALUE_OPTIONS.has(arg)) i++;
      continue;
    }
    if (arg !== 'container' && arg !== 'image') return arg;
  }
  return undefined;
}
