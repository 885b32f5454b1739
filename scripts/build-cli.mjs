// Builds what bin/berth.cjs runs: the compiled CLI (dist/src/cli/main.js and
// everything it imports, lazily or not) as one CommonJS bundle with no dynamic
// import() left in it, and the V8 code cache of that bundle, so a start compiles
// next to nothing. Runs after tsc; `npm run build` calls it.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(fileURLToPath(import.meta.url), '..', '..');
const require = createRequire(import.meta.url);
const { BUNDLE, CODE_CACHE } = require(path.join(root, 'bin', 'berth.cjs'));

/**
 * The command lines the code cache is made from, each on a fresh store of each
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

/**
 * The podman-style verbs' common path (commander, every verb's registration,
 * the engine on a store, the image listing), which `berth run` and every other
 * top-level verb start with.
 */
const PROGRAM_RUNS = [['ps', '-a'], ['ps', '-a', '--format', 'json'], ['images'], ['images', '--format', 'json']];

await bundle();
makeCodeCache();

async function bundle() {
  const { metafile, outputFiles } = await build({
    entryPoints: [path.join(root, 'dist', 'src', 'cli', 'main.js')],
    outfile: BUNDLE,
    write: false,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Strings and identifiers with non-ASCII characters as escapes (see asciiOnly).
    charset: 'ascii',
    // A native addon package: loaded from node_modules at run time.
    external: ['zstd-napi'],
    plugins: [moduleUrlPlugin(), builtinImportPlugin()],
    metafile: true,
    logLevel: 'warning',
    // Half the bytes to read, decode and check against the code cache on every
    // start (1.0 MB → 0.5 MB; about 9 ms less per process here); keepNames
    // keeps every class's and function's .name, which errors and logs show.
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: true,
    keepNames: true,
  });
  refuseDynamicImports(metafile);
  const [output] = outputFiles;
  // esbuild made the directory when it wrote the file; with write: false a fresh checkout has none.
  mkdirSync(path.dirname(BUNDLE), { recursive: true });
  writeFileSync(BUNDLE, asciiOnly(output.text));
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
 * Lazily imported built-ins (`await import('node:stream')`) become lazy
 * require()s: esbuild keeps an external module's import() as it is, and the
 * bundle runs from a vm.Script compiled with a code cache, where V8 (Node 20)
 * drops the script's dynamic-import callback, so that import() would throw
 * "A dynamic import callback was not specified".
 */
function builtinImportPlugin() {
  return {
    name: 'builtin-import',
    setup(builder) {
      builder.onResolve({ filter: /^node:/ }, (args) =>
        args.kind === 'dynamic-import' ? { path: args.path, namespace: 'builtin-import' } : undefined);
      builder.onLoad({ filter: /.*/, namespace: 'builtin-import' }, (args) =>
        ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
    },
  };
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
 * `import.meta.url` does not exist in CommonJS, and the modules use it for
 * paths next to themselves (addons, the apply worker, package.json): each one
 * gets its own compiled file's URL back, spelled relative to the bundle.
 */
function moduleUrlPlugin() {
  return {
    name: 'module-url',
    setup(builder) {
      builder.onLoad({ filter: /\.js$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const fromBundle = JSON.stringify(path.relative(path.dirname(BUNDLE), args.path));
        const url = `require('node:url').pathToFileURL(require('node:path').join(__dirname, ${fromBundle})).href`;
        return { contents: source.replaceAll('import.meta.url', url), loader: 'js' };
      });
    },
  };
}

/**
 * Runs CACHE_RUNS in one child process (on vfs, and on overlay as root), then
 * stores V8's code cache of the bundle with a temp file and a rename.
 */
function makeCodeCache() {
  rmSync(CODE_CACHE, { force: true });
  const store = mkdtempSync(path.join(tmpdir(), 'berth-code-cache-'));
  try {
    const temp = `${CODE_CACHE}.tmp-${process.pid}`;
    const drivers = process.getuid?.() === 0 ? ['vfs', 'overlay'] : ['vfs'];
    const commandLines = drivers.flatMap((driver) => [
      ...PROGRAM_RUNS.map((args) => ['--root', path.join(store, driver, 'graph'), '--runroot', path.join(store, driver, 'run'), '--storage-driver', driver, ...args]),
      ...CACHE_RUNS.map((args) => ['storage', '--graph', path.join(store, driver, 'graph'), '--run', path.join(store, driver, 'run'), '--storage-driver', driver, ...args]),
    ]);
    const child = `
      const { writeFileSync } = require('node:fs');
      const { loadCli } = require(${JSON.stringify(path.join(root, 'bin', 'berth.cjs'))});
      const { cli, script } = loadCli(undefined);
      (async () => {
        for (const argv of ${JSON.stringify(commandLines)}) {
          const status = await cli.main(argv);
          if (status !== 0) throw new Error(\`berth \${argv.join(' ')} exited \${status}\`);
        }
        writeFileSync(${JSON.stringify(temp)}, script.createCachedData());
      })().catch((err) => { console.error(err.message); process.exit(1); });`;
    execFileSync(process.execPath, ['-e', child], { stdio: ['ignore', 'ignore', 'pipe'] });
    renameSync(temp, CODE_CACHE);
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
}
