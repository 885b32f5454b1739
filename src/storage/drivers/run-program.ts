// Runs an external program for the drivers' rare paths (mount(8) with relative
// lowers, cp(1) for vfs layers); node:child_process loads at first use, not at
// every store open.

/** Resolves when `file` exits 0; otherwise rejects with the error carrying the program's `stderr`. */
export async function runProgram(file: string, args: string[], options: { cwd?: string } = {}): Promise<void> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    execFile(file, args, options, (err, _stdout, stderr) => {
      if (err) reject(Object.assign(err, { stderr }));
      else resolve();
    });
  });
}
