// The `berth` command's entry: routes `berth storage …` straight to its own
// dispatcher (the hot path: nothing else is loaded) and everything else to the
// commander program.

/** Runs the command line `argv` (without node and script); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'storage') {
    const { runStorage } = await import('./storage/index.js');
    return runStorage(argv.slice(1));
  }
  const { runProgram } = await import('./program.js');
  return runProgram(argv);
}
