#!/usr/bin/env node
'use strict';
// The `berth` executable. It runs the CLI from a CommonJS bundle
// (dist/cli/*.cjs, made by scripts/build-cli.mjs) through the V8 code cache
// the build made for it: on Node 20, resolving, reading and compiling the CLI's
// ~60 ES modules one by one cost more than the verb itself (`berth storage
// layers` went from 83 to about 65 ms against 47 ms for `node -e 0`). Node 20
// has no module compile cache of its own (module.enableCompileCache is 22.1+).
// `berth storage …` gets a bundle of its own, half the size of the whole CLI:
// each start reads, decodes and deserialises only the store and its verbs.

const { readFileSync } = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const vm = require('node:vm');

const DIR = path.join(__dirname, '..', 'dist', 'cli');
/** The whole CLI, and the one `berth storage` runs from. */
const BUNDLES = { program: path.join(DIR, 'berth.cjs'), storage: path.join(DIR, 'berth-storage.cjs') };
const codeCacheOf = (bundle) => `${bundle}.v8cache`;

/**
 * Compiles `bundle` (with the code cache when one is given and V8 takes it)
 * and runs its module body; resolves its exports and the compiled script, whose
 * createCachedData() the build stores after a representative run.
 */
function loadCli(bundle, cachedData) {
  // The build writes the bundle in ASCII: read as Latin-1, the same text
  // without the cost of UTF-8 decoding half a megabyte.
  const script = new vm.Script(Module.wrap(readFileSync(bundle, 'latin1')), {
    filename: bundle,
    cachedData,
    // No importModuleDynamically: the build leaves no import() in the bundle
    // (scripts/build-cli.mjs), and V8 drops that callback from a script compiled
    // with a code cache anyway.
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, Module.createRequire(bundle), module, bundle, path.dirname(bundle));
  return { cli: module.exports, script };
}

/** The build-time cache of `bundle`, or undefined when there is none (a stale one V8 rejects by itself). */
function readCodeCache(bundle) {
  try {
    return readFileSync(codeCacheOf(bundle));
  } catch {
    return undefined;
  }
}

/**
 * A reader that went away (`berth storage layers | head -1`) ends the command
 * quietly, as SIGPIPE ends the Go CLI. The handler goes on process.stdout when
 * something first looks it up: the getter builds the stream and loads
 * node:stream (~2-4 ms here), which verbs that print nothing never pay.
 */
function endQuietlyOnEpipe() {
  const { get, enumerable } = Object.getOwnPropertyDescriptor(process, 'stdout');
  let stdout;
  Object.defineProperty(process, 'stdout', {
    configurable: true,
    enumerable,
    get() {
      if (!stdout) {
        stdout = get.call(process);
        stdout.on('error', (err) => {
          if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
          throw err;
        });
      }
      return stdout;
    },
  });
}

async function run() {
  endQuietlyOnEpipe();
  const argv = process.argv.slice(2);
  const bundle = argv[0] === 'storage' ? BUNDLES.storage : BUNDLES.program;
  const { cli } = loadCli(bundle, readCodeCache(bundle));
  process.exitCode = await cli.main(argv);
}

if (require.main === module) {
  run();
} else {
  module.exports = { loadCli, readCodeCache, codeCacheOf, BUNDLES };
}
