// `copy`: copy files or directories into a layer, possibly from another layer
// (`[layer:]/path … layer:/path`), as the Go CLI's CopyWithTar does: a directory's
// contents go into the target directory, a file to the target path (or into it
// when the target ends in `/`); owners, modes and times are kept unless --chown.

import { spawn } from 'node:child_process';
import { chmodSync, lchownSync, lstatSync, readdirSync } from 'node:fs';
import { chmod, chown, copyFile, mkdir, stat, utimes } from 'node:fs/promises';
import { IdMappings } from '../../../idmap/index.js';
import { basename, dirname, join } from 'node:path';
import type { Store } from '../../../storage/index.js';
import { BerthError } from '../../../util/index.js';
import { errorText } from '../error-text.js';
import { flagString } from '../flags.js';
import { goStrconvQuote } from '../go-quote.js';
import { JSON_FLAG, type Verb } from '../verb.js';

interface Owner { uid: number; gid: number }

type CopyErrorCode = 'chown-invalid' | 'layer-unknown' | 'tar-failed';

/** Why copy stopped; the message is the Go CLI's line, `detail` names the input. */
class CopyError extends BerthError<CopyErrorCode> {}

export const copy: Verb = {
  optionsHelp: '[options [...]] [sourceLayerNameOrID:]/path [...] targetLayerNameOrID:/path',
  flags: [{ names: ['chown'], kind: 'string', help: 'Set owner on new copies' }, JSON_FLAG],
  minArgs: 2,
  maxArgs: 0,
  async run({ store, args, flags, out }) {
    const owner = parseChown(flagString(flags, 'chown'));
    const mounted: string[] = [];
    try {
      const target = await locate(store, args[args.length - 1]!, mounted);
      for (const spec of args.slice(0, -1)) {
        const source = await locate(store, spec, mounted);
        try {
          const destination = await copyWithTar(source.path, target.path, owner);
          await mapOwners(source, { path: destination, mappings: target.mappings }, owner);
        } catch (err) {
          out.err(`error copying ${goStrconvQuote(source.path)} to ${goStrconvQuote(target.path)}: ${errorText(err)}\n`);
          return 1;
        }
      }
      return 0;
    } finally {
      for (const id of mounted) await store.unmount(id);
    }
  },
};

/** `uid[:gid]` (gid defaults to uid), numeric only. */
function parseChown(text: string): Owner | undefined {
  if (!text) return undefined;
  const [uidText = '', gidText = uidText] = text.split(/:(.*)/s);
  const uid = Number(uidText);
  const gid = Number(gidText);
  if (!/^\d+$/.test(uidText) || uid > 0xffffffff) throw new CopyError('chown-invalid', `error ${goStrconvQuote(uidText)} as a numeric UID`, { chown: text });
  if (!/^\d+$/.test(gidText) || gid > 0xffffffff) throw new CopyError('chown-invalid', `error ${goStrconvQuote(gidText)} as a numeric GID`, { chown: text });
  return { uid, gid };
}

/** A place to copy from or to, with the ID mappings of the layer it is in (the host's: none). */
interface Located {
  path: string;
  mappings: IdMappings;
}

// `layer:/path` → the path inside the mounted layer (mounted until the verb ends).
async function locate(store: Store, spec: string, mounted: string[]): Promise<Located> {
  const colon = spec.indexOf(':');
  if (colon < 0) return { path: spec, mappings: new IdMappings() };
  const ref = spec.slice(0, colon);
  let layer;
  try {
    layer = await store.layer(ref);
  } catch (err) {
    throw new CopyError('layer-unknown', `error finding layer ${goStrconvQuote(ref)}: ${errorText(err)}`, { layer: ref }, { cause: err });
  }
  const mountpoint = await store.mount(layer.id, { mountLabel: layer.mountLabel });
  mounted.push(layer.id);
  return { path: join(mountpoint, spec.slice(colon + 1)), mappings: new IdMappings(layer.uidMap, layer.gidMap) };
}

/** Copies and returns where the copy of `source` itself is. */
async function copyWithTar(source: string, target: string, owner: Owner | undefined): Promise<string> {
  const info = await stat(source);
  if (info.isDirectory()) {
    await mkdir(target, { recursive: true });
    await tarPipe(source, target, owner);
    return target;
  }
  const destination = target.endsWith('/') ? join(target, basename(source)) : target;
  await mkdir(dirname(destination), { recursive: true });
  await copyFile(source, destination);
  await chown(destination, owner?.uid ?? info.uid, owner?.gid ?? info.gid);
  await chmod(destination, info.mode & 0o7777);
  await utimes(destination, info.atime, info.mtime);
  return destination;
}

/**
 * Go's copy through ID-mapped layers: each copied entry's owner is read as the
 * source's container ID (a host path: as it is), or is the --chown owner, and
 * stored as the target's host ID. Walks the source, so what the target held
 * before is left alone. Set-ID bits, which chown clears, are put back.
 */
async function mapOwners(source: Located, copy: Located, owner: Owner | undefined): Promise<void> {
  if (source.mappings.isIdentity && copy.mappings.isIdentity) return;
  const visit = (from: string, to: string): void => {
    const st = lstatSync(from);
    const inContainer = owner ?? source.mappings.toContainer({ uid: st.uid, gid: st.gid });
    const host = copy.mappings.toHost(inContainer);
    lchownSync(to, host.uid, host.gid);
    if (!st.isSymbolicLink() && st.mode & 0o6000) chmodSync(to, st.mode & 0o7777);
    if (st.isDirectory()) for (const name of readdirSync(from)) visit(join(from, name), join(to, name));
  };
  visit(source.path, copy.path);
}

// GNU tar keeps owners, modes, times, links, devices and xattrs the way a layer needs them.
function tarPipe(source: string, target: string, owner: Owner | undefined): Promise<void> {
  const ownerArgs = owner ? ['--numeric-owner', `--owner=${owner.uid}`, `--group=${owner.gid}`] : ['--numeric-owner'];
  const pack = spawn('tar', ['--xattrs', '--acls', ...ownerArgs, '-C', source, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const unpack = spawn('tar', ['--xattrs', '--xattrs-include=*', '--acls', '--numeric-owner', '--same-owner', '-p', '-C', target, '-xf', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
  pack.stdout.pipe(unpack.stdin);
  return Promise.all([exitOf(pack, 'tar -c'), exitOf(unpack, 'tar -x')]).then(() => undefined);
}

function exitOf(child: ReturnType<typeof spawn>, what: string): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new CopyError('tar-failed', `${what} exited ${code}: ${stderr.trim()}`, { command: what, exitCode: code }))));
  });
}
