// `commit`: a container made an image: its image's layers, one more with
// what the container changed (its layer's diff, staged in a temp file so that
// its digest is known before the config names it), and its image's config
// with the container's command, environment, working directory and labels,
// then the caller's `--change`s.

import { createWriteStream, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Compression } from '../archive/index.js';
import {
  applyConfigChanges, copyImage, normalizeLocalName, openCommitSource, openImageDestination, parseImageReference, StorageDestination,
  type CopyOptions, type RunConfig,
} from '../image/index.js';
import { commandOf, type Container } from '../oci/index.js';
import type { Store } from '../storage/index.js';
import { imageConfigDocument } from './image-config.js';
import { removeTree } from '../util/index.js';

export interface CommitOptions {
  /** The new image's name (`name` is localhost/name:latest, as podman names it); none: unnamed. */
  name?: string;
  /** Dockerfile-style edits of the config (`CMD=…`, `ENV=…`, `LABEL=…`). */
  changes?: string[];
  /** The history entry's comment. */
  message?: string;
  author?: string;
  onEvent?: CopyOptions['onEvent'];
}

/** Where a commit stages the layer: containers.conf's image_copy_tmp_dir default, as podman. */
const STAGING_DIR = process.env['TMPDIR'] || '/var/tmp';

/** The new image's ID. */
export async function commitContainer(store: Store, container: Container, options: CommitOptions): Promise<string> {
  const stored = await store.container(container.id);
  const base = await store.image(stored.imageId);
  const baseConfig = await imageConfigDocument(store, base);
  const runConfig = applyConfigChanges(committedRunConfig(baseConfig.config ?? {}, container), options.changes ?? []);
  const staging = mkdtempSync(join(STAGING_DIR, 'berth-commit-'));
  try {
    const layerFile = join(staging, 'layer.tar');
    await pipeline(await store.diff(stored.layerId, { compression: Compression.None }), createWriteStream(layerFile));
    const source = await openCommitSource(store, base, layerFile, { baseConfig, runConfig, author: options.author, comment: options.message });
    const destination = options.name
      ? await openImageDestination(parseImageReference(`containers-storage:${normalizeLocalName(options.name)}`), { store })
      : new StorageDestination({ transport: 'containers-storage', text: '' }, store, undefined);
    const result = await copyImage(source, destination, { onEvent: options.onEvent });
    return result.configDigest.slice('sha256:'.length);
  } finally {
    removeTree(staging);
  }
}

/**
 * The image's run config with what the container runs with: its command
 * (after the image's entrypoint when it starts with it), environment (less
 * what Berth adds to every container: HOSTNAME, and HOME unless the image set
 * it), working directory and labels.
 */
function committedRunConfig(base: RunConfig, container: Container): RunConfig {
  const { env, cwd } = container.config.spec.process;
  // Not the init --init put before it: that is the container's, not the image's.
  const args = commandOf(container.config.spec);
  const entrypoint = base.Entrypoint ?? [];
  const keepsEntrypoint = entrypoint.length > 0 && entrypoint.every((part, i) => args[i] === part);
  const imageSetsHome = (base.Env ?? []).some((entry) => entry.startsWith('HOME='));
  return {
    ...base,
    Env: env.filter((entry) => !entry.startsWith('HOSTNAME=') && (imageSetsHome || !entry.startsWith('HOME='))),
    Entrypoint: keepsEntrypoint ? entrypoint : null,
    Cmd: keepsEntrypoint ? args.slice(entrypoint.length) : args,
    WorkingDir: cwd,
    Labels: { ...(base.Labels ?? {}), ...container.config.labels },
  };
}
