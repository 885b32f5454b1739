#!/usr/bin/env node
// The `berth` executable: loads the compiled CLI and sets the exit status.
// Node ≥ 22.1 can cache compiled code between runs; Node 20 has no compile cache.
import module from 'node:module';

module.enableCompileCache?.();
// A reader that went away (`berth storage layers | head -1`) ends the command
// quietly, as SIGPIPE ends the Go CLI.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
const { main } = await import('../dist/src/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
