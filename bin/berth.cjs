#!/usr/bin/env node
'use strict';
// The `berth` executable. It runs the CLI from one CommonJS bundle
// (dist/cli/berth.cjs, made by scripts/build-cli.mjs) through the V8 code cache
// the build made for it: on Node 20, resolving, reading and compiling the CLI's
// ~60 ES modules one by one cost more than the verb itself (`berth storage
// layers` went from 83 to about 65 ms against 47 ms for `node -e 0`). Node 20
// has no module compile cache of its own (module.enableCompileCache is 22.1+).

const { readFileSync } = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const vm = require('node:vm');

const BUNDLE = path.join(__dirname, '..', 'dist', 'cli', 'berth.cjs');
const CODE_CACHE = `${BUNDLE}.v8cache`;

/**
 * Compiles the bundle (with the code cache when one is given and V8 takes it)
 * and runs its module body; resolves its exports and the compiled script, whose
 * createCachedData() the build stores after a representative run.
 */
function loadCli(cachedData) {
  // The build writes the bundle in ASCII: read as Latin-1, the same text
  // without the cost of UTF-8 decoding half a megabyte.
  const script = new vm.Script(Module.wrap(readFileSync(BUNDLE, 'latin1')), {
    filename: BUNDLE,
    cachedData,
    // No importModuleDynamically: the build leaves no import() in the bundle
    // (scripts/build-cli.mjs), and V8 drops that callback from a script compiled
    // with a code cache anyway.
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, Module.createRequire(BUNDLE), module, BUNDLE, path.dirname(BUNDLE));
  return { cli: module.exports, script };
}

/** The build-time cache, or undefined when there is none (a stale one V8 rejects by itself). */
function readCodeCache() {
  try {
    return readFileSync(CODE_CACHE);
  } catch {
    return undefined;
  }
}

async function run() {
  // A reader that went away (`berth storage layers | head -1`) ends the command
  // quietly, as SIGPIPE ends the Go CLI.
  process.stdout.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  const { cli } = loadCli(readCodeCache());
  process.exitCode = await cli.main(process.argv.slice(2));
}

if (require.main === module) {
  run();
} else {
  module.exports = { loadCli, readCodeCache, BUNDLE, CODE_CACHE };
}
