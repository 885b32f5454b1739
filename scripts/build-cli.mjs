// Builds what bin/berth.cjs runs: the compiled CLI (dist/src/cli/main.js and
// everything it imports, lazily or not) as one CommonJS bundle with no dynamic
// import() left in it, the storage verbs alone (storage-main.js) as another,
// and the V8 code cache of each, so a start compiles next to nothing. Runs
// after tsc; `npm run build` calls it.

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(fileURLToPath(import.meta.url), '..', '..');
const require = createRequire(import.meta.url);
const { BUNDLES, BUNDLE_WRAPPER, codeCacheOf } = require(path.join(root, 'bin', 'berth.cjs'));

/**
 * The command lines the storage bundle's code cache is made from, each on a fresh store of each
 * driver: the functions they run are compiled ahead, so a verb's start only
 * compiles what is its own alone. Listing, creating, inspecting, mounting and
 * deleting cover the start-up path of every verb (store, locks, records,
 * driver) and the whole of the common ones. Overlay needs root (mounts).
 */
const CACHE_RUNS = [
  ['layers'], ['create-layer', '-n', 'base'], ['create-image', '-n', 'image', 'base'],
  ['create-container', '-n', 'ctr', 'image'], ['containers', '--json'], ['containers'], ['images', '--json'],
  ['layers', '--json'], ['container', 'ctr'], ['mount', 'ctr'], ['unmount', 'ctr'],
  ['delete-container', 'ctr'], ['delete-image', 'image'], ['shutdown'],
];

/** What the verb caches' stores start with: a layer and an image of it. */
const IMAGE_SETUP = [['create-layer', '-n', 'base'], ['create-image', '-n', 'image', 'base']];

/** The listing verbs, which start from a cache of their own (bin/berth.cjs VERB_CACHES). */
const LISTING_RUNS = [['layers'], ['layers', '--json'], ['images'], ['images', '--json'], ['containers'], ['containers', '--json']];

/**
 * The program bundle's: the podman-style verbs' common path (commander, every
 * verb's registration, the engine on a store, the image listing), which
 * `berth run` and every other top-level verb start with.
 */
const PROGRAM_RUNS = [['ps', '-a'], ['ps', '-a', '--format', 'json'], ['images'], ['images', '--format', 'json']];

/**
 * The bundles bin/berth.cjs chooses from, each with its code caches: the common one, and
 * those of the verbs that start from a cache of their own (bin/berth.cjs VERB_CACHES). A
 * cache gives, for a fresh store of each driver, its command lines in three phases (or none,
 * to leave that store out): `setup` and `cleanup` run in child processes of their own,
 * `cached` in the one whose compiled code becomes the cache, so a verb's cache holds what
 * that verb runs and little else. The program's common runs end with a storage shutdown,
 * which unmounts what overlay mounted.
 */
const TARGETS = [
  {
    bundle: BUNDLES.storage,
    entry: 'storage-main.js',
    caches: [
      { phases: (store) => ({ cached: CACHE_RUNS.map((args) => store.storage(args)) }) },
      {
        name: 'listing',
        phases: (store) => ({
          setup: [...IMAGE_SETUP, ['create-container', '-n', 'ctr', 'image']].map((args) => store.storage(args)),
          cached: LISTING_RUNS.map((args) => store.storage(args)),
          cleanup: [store.storage(['shutdown'])],
        }),
      },
      {
        name: 'container-writes',
        phases: (store) => ({
          setup: IMAGE_SETUP.map((args) => store.storage(args)),
          cached: [['create-container', '-n', 'ctr', 'image'], ['delete-container', 'ctr']].map((args) => store.storage(args)),
          cleanup: [store.storage(['shutdown'])],
        }),
      },
    ],
  },
  {
    bundle: BUNDLES.program,
    entry: 'main.js',
    caches: [
      {
        phases: (store) => {
          const container = containerRuns(store);
          const runs = container ? [...container.before, ...container.run, ...container.after] : [];
          return { cached: [...PROGRAM_RUNS.map((args) => store.program(args)), ...runs, store.storage(['shutdown'])] };
        },
      },
      {
        name: 'run',
        // Only where a container can run; elsewhere `run` starts from the common cache.
        phases: (store) => {
          const container = containerRuns(store);
          return container && { setup: container.before, cached: container.run, cleanup: [...container.after, store.storage(['shutdown'])] };
        },
      },
    ],
  },
];

/**
 * `berth run --rm` itself, on overlay where a container can run (root, the
 * static busybox and a runtime that scripts/setup installs): the code cache
 * then holds the image import, the spec, conmon, the runtime commands and the
 * removal too, ~12 ms of CPU less per `run` here. Elsewhere, or when the run
 * fails, the cache is made from the other command lines alone. The command
 * lines before the run, the run, and those after it; undefined where no
 * container can run.
 */
function containerRuns(store) {
  if (store.driver !== 'overlay' || !existsSync(BUSYBOX) || !['crun', 'runc'].some((name) => onPath(name))) return undefined;
  const rootfs = path.join(store.dir, 'rootfs');
  mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
  copyFileSync(BUSYBOX, path.join(rootfs, 'bin', 'busybox'));
  const tarball = path.join(store.dir, 'rootfs.tar');
  execFileSync('tar', ['-C', rootfs, '-cf', tarball, '.']);
  const optional = (args) => ({ ...store.program(args), optional: true });
  return {
    before: [optional(['import', '-q', tarball, 'code-cache-busybox'])],
    run: [optional(['run', '--rm', 'code-cache-busybox', '/bin/busybox', 'true'])],
    after: [optional(['rmi', 'code-cache-busybox'])],
  };
}

const BUSYBOX = '/bin/busybox';

function onPath(name) {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(path.join(dir, name)));
}

/**
 * Packages the bundle leaves in node_modules, required only when a verb needs
 * them: openpgp (0.45 MB, only for a signedBy policy) would almost double the
 * bytes every `berth run` or `ps` reads and decodes at start.
 */
const LOADED_AT_RUN_TIME = ['openpgp'];

/**
 * Modules that most verbs never call, bound lazily: each becomes an object
 * whose properties (the module's export names, read here at build time) load
 * the real module on first use. esbuild hoists every import to the bundle's
 * top, so without this each start paid for loading them on the way to
 * `layers` (node:crypto alone ~3 ms here, node:stream ~2, node:fs/promises ~2),
 * and `berth storage container` loaded zstd-napi with node:assert (~10 ms).
 */
const LAZY_MODULES = ['node:crypto', 'node:stream', 'node:stream/promises', 'node:fs/promises', 'node:zlib', 'node:child_process', 'node:worker_threads', 'node:net', 'node:dgram', 'node:readline', 'node:timers/promises', 'zstd-napi'];

for (const target of TARGETS) {
  await bundle(target);
  for (const cache of target.caches) makeCodeCache(target.bundle, cache);
}

async function bundle({ bundle: outfile, entry }) {
  const { metafile, outputFiles } = await build({
    entryPoints: [path.join(root, 'dist', 'src', 'cli', entry)],
    outfile,
    write: false,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Strings and identifiers with non-ASCII characters as escapes (see asciiOnly).
    charset: 'ascii',
    // A native addon package: loaded from node_modules at run time.
    external: ['zstd-napi', ...LOADED_AT_RUN_TIME],
    plugins: [moduleUrlPlugin(outfile), builtinImportPlugin(), lazyModulePlugin()],
    metafile: true,
    logLevel: 'warning',
    // Fewer bytes to read on every start. Identifiers are not minified: so
    // classes and functions keep their .name (errors and logs show it) without
    // esbuild's keepNames, which renamed each of them at start through
    // Object.defineProperty (~600 in the storage bundle), giving each function
    // a map of its own: ~5 ms of every start here with the garbage it made,
    // to save 105 KB of the storage bundle's 374.
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: false,
  });
  refuseDynamicImports(metafile);
  const [output] = outputFiles;
  // esbuild made the directory when it wrote the file; with write: false a fresh checkout has none.
  mkdirSync(path.dirname(outfile), { recursive: true });
  // Wrapped as bin/berth.cjs compiles it (see BUNDLE_WRAPPER there).
  writeFileSync(outfile, `${BUNDLE_WRAPPER[0]}${asciiOnly(output.text)}${BUNDLE_WRAPPER[1]}`);
}

/**
 * The bundle with no byte above 0x7f, so that bin/berth.cjs reads it as
 * Latin-1 (UTF-8 decoding of half a megabyte costs each start milliseconds).
 * esbuild's ascii charset leaves comments and regular expression literals as
 * they are: each character left becomes a \uXXXX escape (UTF-16 units, which
 * mean the same in a regular expression, with or without the u flag, and are
 * harmless text in a comment).
 */
function asciiOnly(text) {
  return text.replace(/[^\x00-\x7f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Lazily imported built-ins (`await import('node:stream')`) and the
 * LOADED_AT_RUN_TIME packages become lazy require()s: esbuild keeps an
 * external module's import() as it is, and the bundle runs from a vm.Script
 * compiled with a code cache, where V8 (Node 20) drops the script's
 * dynamic-import callback, so that import() would throw "A dynamic import
 * callback was not specified".
 */
function builtinImportPlugin() {
  const lazy = new RegExp(`^(node:.*|${LOADED_AT_RUN_TIME.join('|')})$`);
  return {
    name: 'builtin-import',
    setup(builder) {
      builder.onResolve({ filter: lazy }, (args) =>
        args.kind === 'dynamic-import' ? { path: args.path, namespace: 'builtin-import' } : undefined);
      builder.onLoad({ filter: /.*/, namespace: 'builtin-import' }, (args) =>
        ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
    },
  };
}

function lazyModulePlugin() {
  const filter = new RegExp(`^(${LAZY_MODULES.join('|')})$`);
  const sources = compiledSources(path.join(root, 'dist', 'src'));
  return {
    name: 'lazy-module',
    setup(builder) {
      // Not for lazy-module's own require of the real module, nor for builtinImportPlugin's: an import()
      // wants the whole module, where the lazy one has only the names the sources import statically.
      builder.onResolve({ filter }, (args) =>
        args.namespace === 'lazy-module' || args.namespace === 'builtin-import' ? undefined : { path: args.path, namespace: 'lazy-module' });
      builder.onLoad({ filter: /.*/, namespace: 'lazy-module' }, (args) => {
        const real = require(args.path);
        const names = importedNames(sources, args.path) ?? Object.keys(real).filter((name) => name !== 'default');
        const load = `let real;\nconst load = () => real ??= require(${JSON.stringify(args.path)});\n`;
        // Plain functions are forwarded from an ES module, which esbuild links straight to its importers.
        if (names.every((name) => isPlainFunction(real[name]))) {
          return { contents: load + names.map((name) => `export function ${name}(...args) { return load().${name}(...args); }`).join('\n'), loader: 'js' };
        }
        // Classes and other values are getters of a CommonJS module; each importer copies them (esbuild's __toESM).
        return { contents: `${load}for (const name of ${JSON.stringify(names)}) Object.defineProperty(exports, name, { get: () => load()[name], enumerable: true });`, loader: 'js' };
      });
    },
  };
}

/**
 * A function a forwarder can stand for: not a class (the sources would
 * extend it or call it with new), and with no symbol-keyed properties
 * (execFile's util.promisify.custom, which a forwarder would lose).
 */
function isPlainFunction(value) {
  return typeof value === 'function' && /^[a-z]/.test(value.name) && Object.getOwnPropertySymbols(value).length === 0;
}

/** The text of every compiled module under `dir`. */
function compiledSources(dir) {
  return readdirSync(dir, { recursive: true })
    .filter((file) => file.endsWith('.js'))
    .map((file) => readFileSync(path.join(dir, file), 'utf8'));
}

/**
 * The names `sources` import from `specifier` by name, or undefined when one
 * imports it whole (a namespace or default import), which needs every name.
 * Each module that imports a CommonJS module gets its own copy of the
 * exports object (esbuild's __toESM copies every property, as a getter), so
 * binding the few names used rather than all of them (node:crypto has ~70)
 * saves each start the copies and their garbage.
 */
function importedNames(sources, specifier) {
  const from = `from ['"]${specifier.replace(/[/.]/g, '\\$&')}['"]`;
  const whole = new RegExp(`import\\s+(\\*|[\\w$]+\\s*(,|from))[^;]*${from}`);
  const named = new RegExp(`import\\s*\\{([^}]*)\\}\\s*${from}`, 'g');
  const names = new Set();
  for (const text of sources) {
    if (whole.test(text)) return undefined;
    for (const [, list] of text.matchAll(named)) {
      for (const entry of list.split(',')) {
        const name = entry.trim().split(/\s+as\s+/)[0];
        if (name) names.add(name);
      }
    }
  }
  return [...names].sort();
}

/** Fails the build on any import() esbuild left in the bundle (see builtinImportPlugin). */
function refuseDynamicImports(metafile) {
  const left = Object.values(metafile.outputs)
    .flatMap((output) => output.imports)
    .filter((entry) => entry.kind === 'dynamic-import')
    .map((entry) => entry.path);
  if (left.length > 0) {
    throw new Error(`the CLI bundle keeps dynamic import() of ${left.join(', ')}: bin/berth.cjs cannot run those; import them statically or add them to builtinImportPlugin`);
  }
}

/**
 * `import.meta.url` and `import.meta.dirname` do not exist in CommonJS, and
 * the modules use them for paths next to themselves (addons, the apply
 * worker, package.json, bin/berth.cjs; openpgp's .mjs build for its
 * createRequire): each one gets its own compiled file's URL or directory
 * back, spelled relative to the bundle.
 */
function moduleUrlPlugin(outfile) {
  return {
    name: 'module-url',
    setup(builder) {
      builder.onLoad({ filter: /\.m?js$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta.')) return undefined;
        const fromBundle = JSON.stringify(path.relative(path.dirname(outfile), args.path));
        const dirFromBundle = JSON.stringify(path.relative(path.dirname(outfile), path.dirname(args.path)));
        const url = `require('node:url').pathToFileURL(require('node:path').join(__dirname, ${fromBundle})).href`;
        const dirname = `require('node:path').join(__dirname, ${dirFromBundle})`;
        return { contents: source.replaceAll('import.meta.url', url).replaceAll('import.meta.dirname', dirname), loader: 'js' };
      });
    },
  };
}

/**
 * Runs a cache's command lines (on vfs, and on overlay as root), the cached
 * ones in one child process, then stores V8's code cache of the bundle with a
 * temp file and a rename. A cache that leaves out every store is not made
 * (and an old one is removed).
 */
function makeCodeCache(bundle, { name, phases }) {
  const cacheFile = codeCacheOf(bundle, name);
  rmSync(cacheFile, { force: true });
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-code-cache-'));
  try {
    const drivers = process.getuid?.() === 0 ? ['vfs', 'overlay'] : ['vfs'];
    const perStore = drivers.map((driver) => {
      const graph = path.join(dir, driver, 'graph');
      const run = path.join(dir, driver, 'run');
      mkdirSync(path.join(dir, driver), { recursive: true });
      return phases({
        driver,
        dir: path.join(dir, driver),
        storage: (args) => ({ argv: ['storage', '--graph', graph, '--run', run, '--storage-driver', driver, ...args] }),
        program: (args) => ({ argv: ['--root', graph, '--runroot', run, '--storage-driver', driver, ...args] }),
      });
    }).filter((lines) => lines !== undefined);
    if (perStore.length === 0) return;
    const phase = (key) => perStore.flatMap((lines) => lines[key] ?? []);
    const temp = `${cacheFile}.tmp-${process.pid}`;
    try {
      runCommandLines(bundle, phase('setup'));
      runCommandLines(bundle, phase('cached'), temp);
    } finally {
      runCommandLines(bundle, phase('cleanup'));
    }
    renameSync(temp, cacheFile);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs command lines with the bundle in one child process; then writes its code cache to `cacheFile` when given. */
function runCommandLines(bundle, commandLines, cacheFile) {
  if (commandLines.length === 0 && !cacheFile) return;
  const child = `
    const { writeFileSync } = require('node:fs');
    const { loadCli } = require(${JSON.stringify(path.join(root, 'bin', 'berth.cjs'))});
    const { cli, script } = loadCli(${JSON.stringify(bundle)}, undefined);
    (async () => {
      for (const { argv, optional } of ${JSON.stringify(commandLines)}) {
        const status = await cli.main(argv).catch(() => 1);
        if (status !== 0 && !optional) throw new Error(\`berth \${argv.join(' ')} exited \${status}\`);
      }
      ${cacheFile ? `writeFileSync(${JSON.stringify(cacheFile)}, script.createCachedData());` : ''}
    })().catch((err) => { console.error(err.message); process.exit(1); });`;
  execFileSync(process.execPath, ['-e', child], { stdio: ['ignore', 'ignore', 'pipe'] });
}
