#!/usr/bin/env node
// The `berth` executable: loads the compiled CLI and sets the exit status.
// Node ≥ 22.1 can cache compiled code between runs; Node 20 has no compile cache.
import module from 'node:module';

module.enableCompileCache?.();
const { main } = await import('../dist/src/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
