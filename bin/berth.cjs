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
// The CommonJS loader's class, as this file's own module object holds it:
// require('node:module') would also load the ES module loader and the
// source map support behind that public module (~1 ms of every start here).
const Module = module.constructor;
const vm = require('node:vm');

const DIR = path.join(__dirname, '..', 'dist', 'cli');
/** The whole CLI, and the one `berth storage` runs from. */
const BUNDLES = { program: path.join(DIR, 'berth.cjs'), storage: path.join(DIR, 'berth-storage.cjs') };

/**
 * Verbs that start from a code cache of their own, made from their runs alone (see
 * scripts/build-cli.mjs): V8 deserialises every function a cache holds, and the bundle's
 * common cache, made from many verbs, cost `berth run` ~15 ms and `storage create-container`
 * ~5 ms more per start here than one of their own. Other verbs use the common cache.
 */
const VERB_CACHES = {
  program: { run: 'run' },
  storage: {
    'create-container': 'container-writes', 'delete-container': 'container-writes',
    layers: 'listing', images: 'listing', containers: 'listing',
  },
};
/** Flags before the verb that take a value as the next argument (either CLI's). */
const VALUE_FLAGS = new Set(['--root', '--runroot', '--storage-driver', '--storage-opt', '--runtime', '--network-config-dir', '--cni-config-dir', '--graph', '-g', '--run', '-R', '-s']);

/** The code cache file of `bundle`: its verb cache `name`'s, or the common one. */
const codeCacheOf = (bundle, name) => (name ? `${bundle}.${name}.v8cache` : `${bundle}.v8cache`);

/**
 * The verb of a command line (the first argument that is neither a flag nor a flag's value;
 * `container VERB` counts as VERB), or undefined. A guess only chooses a cache: a wrong one
 * costs time, never behaviour.
 */
function verbOf(argv) {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('-')) {
      if (!arg.includes('=') && VALUE_FLAGS.has(arg)) i++;
      continue;
    }
    if (arg !== 'container' && arg !== 'storage') return arg;
  }
  return undefined;
}

/**
 * The textfile part of the project's native addon (native/textfile, built into
 * native/build/Release/berth.node), which the store loads anyway; undefined
 * before a build made it. It reads the bundle and its code cache into huge pages, and hands
 * the bundle to V8 as a string over those bytes: on this kind of VM, where touching 4 KiB
 * pages is costly, reading and compiling the whole CLI took ~22 ms through fs, ~12 this way.
 */
function textfileAddon() {
  const addon = { exports: {} };
  try {
    // By absolute path, as src/util/native-addon.ts loads the addon: require() would resolve it first.
    process.dlopen(addon, path.join(__dirname, '..', 'native', 'build', 'Release', 'berth.node'));
  } catch {
    return undefined;
  }
  // Where src/util/native-addon.ts looks first: the CLI then uses this copy instead of initialising another.
  process[Symbol.for('berth.native-addon')] = addon.exports;
  return addon.exports.textfile;
}

/** The bundle's text. The build writes it in ASCII: read as Latin-1, the same text without UTF-8 decoding. */
function readBundle(bundle, addon) {
  return addon?.readAscii(bundle) ?? readFileSync(bundle, 'latin1');
}

/**
 * What the build writes around the bundle: the CommonJS module wrapper (as
 * Module.wrap's), so that V8 compiles the text as read. Wrapping it here made
 * a string of the wrapper and the ~1 MB bundle that V8 copied into one fresh
 * string before compiling it: ~230 newly touched 4 KiB pages, ~3 ms of every
 * start on this kind of VM, where touching a page costs ~10 us.
 */
const BUNDLE_WRAPPER = ['(function (exports, require, module, __filename, __dirname) { ', '\n});'];

/**
 * Compiles `bundle` (with the code cache when one is given and V8 takes it)
 * and runs its module body; resolves its exports and the compiled script, whose
 * createCachedData() the build stores after a representative run.
 */
function loadCli(bundle, cachedData, addon = textfileAddon()) {
  const script = new vm.Script(readBundle(bundle, addon), {
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

/**
 * The build-time cache of `bundle`: verb cache `name`'s when given and built, else the
 * common one; undefined when there is none (a stale one V8 rejects by itself).
 */
function readCodeCache(bundle, name, addon = textfileAddon()) {
  for (const file of name ? [codeCacheOf(bundle, name), codeCacheOf(bundle)] : [codeCacheOf(bundle)]) {
    try {
      return addon ? addon.readBytes(file) : readFileSync(file);
    } catch {
      // the next one
    }
  }
  return undefined;
}

/**
 * process.stdout and process.stderr as built so far: their getters build each
 * stream when something first looks it up (stdout's loads node:stream, ~2-4 ms
 * here), which verbs that print nothing, or print through fs.writeSync, never pay.
 */
const builtStreams = [];
/** Whether process.stdin was built: reading it may have made the terminal raw or the fd non-blocking. */
let stdinBuilt = false;

/**
 * Records each standard stream when it is built; stdout also gets the handler
 * by which a reader that went away (`berth storage layers | head -1`) ends the
 * command quietly, as SIGPIPE ends the Go CLI.
 */
function watchStandardStreams() {
  const stdin = Object.getOwnPropertyDescriptor(process, 'stdin');
  Object.defineProperty(process, 'stdin', {
    configurable: true,
    enumerable: stdin.enumerable,
    get() {
      stdinBuilt = true;
      return stdin.get.call(process);
    },
  });
  for (const name of ['stdout', 'stderr']) {
    const { get, enumerable } = Object.getOwnPropertyDescriptor(process, name);
    let stream;
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable,
      get() {
        if (!stream) {
          stream = get.call(process);
          builtStreams.push(stream);
          if (name === 'stdout') {
            stream.on('error', (err) => {
              if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
              throw err;
            });
          }
        }
        return stream;
      },
    });
  }
}

/**
 * Ends the process with `code` once the command is done. When nothing it wrote
 * is still queued, it exits at once: Node's orderly teardown of the heap after
 * the last callback cost each command ~3-5 ms here, and a resolved main() has
 * nothing left running that the process must wait for (containers it started
 * run under conmon, not under this process). The addon's exitNow ends it as a
 * Go program ends (_exit): process.exit still joins Node's platform threads and
 * runs library destructors, ~4-5 ms of CPU and ~1-4 ms of wall time per command
 * here. It also restores the terminal modes and fd flags of the standard streams
 * as Node found them, which matters once stdin was read (`run -it`, `exec -i`):
 * then process.exit ends it. Output still queued to a slow pipe keeps the process
 * until it is written.
 */
function finish(code) {
  process.exitCode = code;
  if (!builtStreams.every((stream) => stream.writableLength === 0)) return;
  if (!stdinBuilt) process[Symbol.for('berth.native-addon')]?.spawn.exitNow(code);
  process.exit(code);
}

async function run() {
  watchStandardStreams();
  const argv = process.argv.slice(2);
  const which = argv[0] === 'storage' ? 'storage' : 'program';
  const bundle = BUNDLES[which];
  const addon = textfileAddon();
  // V8's heap pages populated as committed (native/prefault), before the bundle's code cache is
  // deserialised into them; an addon built before that part existed only costs the speed.
  process[Symbol.for('berth.native-addon')]?.prefault?.heap();
  const { cli } = loadCli(bundle, readCodeCache(bundle, VERB_CACHES[which][verbOf(argv)], addon), addon);
  finish(await cli.main(argv));
}

if (require.main === module) {
  run();
} else {
  module.exports = { loadCli, readCodeCache, codeCacheOf, verbOf, BUNDLES, BUNDLE_WRAPPER, VERB_CACHES };
}
