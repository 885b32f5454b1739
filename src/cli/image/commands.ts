// The image verbs (podman's names and flags) declared on the commander
// program; each loads its code only when it runs. Errors print as podman
// prints them (`Error: …`, exit 125).

import { Option, type Command } from 'commander';
import { selects, type VerbSelection } from '../verb-selection.js';
import type { GlobalImageOptions } from './store.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** podman's registry flags (pull, push, login, search, run and create); the values reach RegistryCliFlags. */
export function registryFlags(command: Command, options: { retry?: boolean } = { retry: true }): Command {
  command
    .option('--tls-verify', 'require HTTPS and verified certificates (also --tls-verify=true)')
    .option('--no-tls-verify', 'allow plain HTTP and unverified TLS (also --tls-verify=false)')
    .option('--creds <user:password>', 'credentials for the registry')
    .option('--authfile <file>', 'auth file (default: REGISTRY_AUTH_FILE, else the usual ones)')
    .option('--cert-dir <dir>', 'CA and client certificates (*.crt, *.cert, *.key) for the registry');
  if (options.retry) {
    command
      .option('--retry <n>', 'retries after a failed request (default 3)')
      .option('--retry-delay <duration>', 'fixed delay between retries (default: back-off from 2s)');
  }
  return command;
}

/** podman's --platform, --os, --arch and --variant: which image of an index a pull takes. */
export function platformFlags(command: Command): Command {
  return command
    .option('--platform <os/arch[/variant]>', 'platform of the image to take from an index')
    .option('--os <os>', 'operating system of the image to take')
    .option('--arch <arch>', 'architecture of the image to take')
    .option('--variant <variant>', 'variant of the image to take');
}

/**
 * Adds the image verbs (the program declares podman's global store options);
 * `setExit` receives each verb's exit code. Top-level `inspect` is the
 * container verbs' (a container by that name, else an image). `groupVerbs`:
 * also register them under `image` (podman's `image pull`, `image ls`, …);
 * `only`: just that verb (and the group's own), as for the container verbs.
 */
export function addImageCommands(program: Command, setExit: (code: number) => void, options: VerbSelection = { groupVerbs: true }): void {
  const globals = (): GlobalImageOptions => program.opts<GlobalImageOptions>();
  const run = (action: () => Promise<number | void>) => async () => {
    try {
      setExit((await action()) ?? 0);
    } catch (err) {
      process.stderr.write(`Error: ${(err as Error).message}\n`);
      setExit(125);
    }
  };
  const image = program.command('image').description('manage images (prune, exists, tree, and the image verbs)');

  const wanted = (name: string, aliases?: readonly string[]): boolean => selects(options, name, aliases);
  for (const parent of options.groupVerbs ? [program, image] : [program]) {
    if (wanted('pull')) platformFlags(registryFlags(parent.command('pull').description('copy an image into the store').argument('<image>', 'transport:reference or name')))
      .option('-q, --quiet', 'no progress output').option('--progress <mode>', 'progress output: json for one JSON event per line')
      .option('--jobs <n>', 'layers copied at once').option('--signature-policy <file>', 'the policy.json the image must pass')
      .action((name: string, flags) => run(async () => (await import('./verbs/pull.js')).pull(globals(), name, flags))());
    if (wanted('push')) registryFlags(parent.command('push').description('copy an image of the store to a transport or registry').argument('<image>').argument('[destination]'))
      .option('-q, --quiet', 'no progress output').option('--progress <mode>', 'json: one JSON event per line')
      .option('--remove-signatures', 'do not copy signatures').option('--signature-policy <file>', 'the policy.json the image must pass')
      .option('--compression-format <format>', 'gzip (default) or zstd, for layers that are compressed on the way')
      .option('--digestfile <file>', 'write the digest of the pushed manifest to this file')
      .option('--sign-by <fingerprint>', 'add a simple signing (GPG) signature made with this key')
      .option('--sign-passphrase-file <file>', 'the first line of this file unlocks the --sign-by key')
      .action((name: string, destination: string | undefined, flags) => run(async () => (await import('./verbs/transfer.js')).push(globals(), name, destination, flags))());
    if (parent === program ? wanted('images') : wanted('list', ['ls'])) {
      const list = parent.command(parent === program ? 'images' : 'list').description('list images');
      if (parent === image) list.alias('ls');
      list.argument('[name]')
        .option('--format <format>', 'json, or a Go template (`{{.Repository}}:{{.Tag}}`, `table {{.ID}}\\t{{.Size}}`)').option('-f, --filter <filter>', 'reference=, id=, dangling=, label=, before=, since= (repeatable)', collect)
        .option('--digests', 'show digests').option('-q, --quiet', 'IDs only').option('--no-trunc', 'full IDs')
        .option('--noheading', 'no header line in the table')
        .addOption(new Option('--sort <key>', 'the order of the listing (default: created, newest first)').choices(['created', 'id', 'repository', 'size', 'tag']))
        .action((name: string | undefined, flags) => run(async () => (await import('./verbs/list.js')).images(globals(), { ...flags, noTrunc: flags.trunc === false }, name))());
    }
    if (wanted(parent === program ? 'rmi' : 'rm')) parent.command(parent === program ? 'rmi' : 'rm').description('remove images').argument('[images...]')
      .option('-f, --force', 'also remove containers using the image, and all names of an image given by ID').option('-a, --all', 'remove all images')
      .option('-i, --ignore', 'an image that does not exist is not an error')
      .action((names: string[], flags) => run(async () => (await import('./verbs/manage.js')).rmi(globals(), names, flags))());
    if (wanted('tag')) parent.command('tag').description('add names to an image').argument('<image>').argument('<names...>')
      .action((name: string, names: string[]) => run(async () => (await import('./verbs/manage.js')).tag(globals(), name, names))());
    if (wanted('untag')) parent.command('untag').description('remove names from an image (all without names)').argument('<image>').argument('[names...]')
      .action((name: string, names: string[]) => run(async () => (await import('./verbs/manage.js')).untag(globals(), name, names))());
    if (wanted('history')) parent.command('history').description('show an image\'s history').argument('<image>')
      .option('--format <format>', 'json, or a Go template (`{{.ID}} {{.CreatedBy}}`)').option('-q, --quiet', 'IDs only').option('--no-trunc', 'do not truncate')
      .option('-H, --human', 'creation times as durations ago (the default; also --human=true)').option('--no-human', 'creation times as times (also --human=false)')
      .action((name: string, flags) => run(async () => (await import('./verbs/inspect.js')).history(globals(), name, { ...flags, noTrunc: flags.trunc === false }))());
    if (wanted('save')) parent.command('save').description('write an image to an archive').argument('<image>')
      .option('-o, --output <file>', 'archive to write').option('--format <format>', 'docker-archive (default), oci-archive, oci-dir, docker-dir')
      .option('-q, --quiet', 'no progress output').option('--signature-policy <file>', 'the policy.json the image must pass')
      .action((name: string, flags) => run(async () => (await import('./verbs/transfer.js')).save(globals(), name, flags))());
    if (wanted('load')) parent.command('load').description('copy the image of an archive into the store')
      .option('-i, --input <file>', 'archive to read (docker-archive or oci-archive)').option('-q, --quiet', 'no progress output')
      .option('--signature-policy <file>', 'the policy.json the image must pass')
      .action((flags) => run(async () => (await import('./verbs/pull.js')).load(globals(), flags))());
    if (wanted('import')) platformFlags(parent.command('import').description('make a one-layer image from a root filesystem tarball').argument('<file>').argument('[name]')
      .option('-c, --change <instruction>', 'CMD=…, ENTRYPOINT=…, ENV=…, EXPOSE=…, LABEL=…, USER=…, VOLUME=…, WORKDIR=…, STOPSIGNAL=… (repeatable)', collect)
      .option('-m, --message <text>', 'history comment').option('-q, --quiet', 'no progress output'))
      .action((file: string, name: string | undefined, flags) => run(async () => (await import('./verbs/import.js')).importTarball(globals(), file, name, flags))());
  }
  image.command('inspect').description('show an image\'s configuration and records as JSON').argument('<images...>')
    .option('-f, --format <format>', 'json (default), or a Go template (`{{.Id}} {{.RepoTags}}`)')
    .action((names: string[], flags) => run(async () => (await import('./verbs/inspect.js')).inspect(globals(), names, flags))());
  image.command('prune').description('remove images without names that no container uses').option('-a, --all', 'every unused image').option('-f, --force', 'do not ask')
    .option('--filter <filter>', 'only those that pass: until=TIME, label=KEY[=VALUE]', collect)
    .action((flags) => run(async () => (await import('./verbs/manage.js')).prune(globals(), flags))());
  image.command('exists').description('exit 0 when the image exists, 1 when not').argument('<image>')
    .action((name: string) => run(async () => (await import('./verbs/manage.js')).exists(globals(), name))());
  image.command('tree').description('show an image\'s layers').argument('<image>')
    .action((name: string) => run(async () => (await import('./verbs/inspect.js')).tree(globals(), name))());
  if (wanted('login')) registryFlags(program.command('login').description('check credentials with a registry and keep them in the auth file').argument('[registry]'), { retry: false })
    .option('-u, --username <user>', 'user name').option('-p, --password <password>', 'password (prefer --password-stdin)')
    .option('--password-stdin', 'read the password from stdin').option('--get-login', 'print the user name logged in with, if any')
    .action((registry: string | undefined, flags) => run(async () => (await import('./verbs/login.js')).login(registry, flags))());
  if (wanted('logout')) program.command('logout').description('remove a registry\'s credentials from the auth file').argument('[registry]')
    .option('-a, --all', 'remove the credentials of every registry').option('--authfile <file>', 'auth file (default: REGISTRY_AUTH_FILE, else the usual one)')
    .action((registry: string | undefined, flags) => run(async () => (await import('./verbs/login.js')).logout(registry, flags))());
  if (wanted('search')) registryFlags(program.command('search').description('search a registry for repositories').argument('<term>', '[registry/]name'), { retry: false })
    .option('--limit <n>', 'results per registry (default 25)').option('--list-tags', 'list the tags of one repository')
    .option('--format <format>', 'json or table').option('--no-trunc', 'do not shorten descriptions')
    .action((term: string, flags) => run(async () => (await import('./verbs/search.js')).search(term, { ...flags, noTrunc: flags.trunc === false }))());
}
