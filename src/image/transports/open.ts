// From a parsed reference to an ImageSource or ImageDestination.

import { resolve } from 'node:path';
import { isStorageError, openStore, type Store, type StoreOptions } from '../../storage/index.js';
import { ImageError } from '../errors.js';
import type { ParsedReference } from './reference.js';
import type { ImageDestination, ImageSource } from './types.js';

export interface TransportContext {
  /** The store `containers-storage:` references without their own `[…]` store use. */
  store?: Store;
  /** `docker://`, which the registry side provides. */
  docker?: {
    openSource(ref: ParsedReference, signal?: AbortSignal): Promise<ImageSource>;
    openDestination(ref: ParsedReference, signal?: AbortSignal): Promise<ImageDestination>;
  };
  signal?: AbortSignal;
}

export async function openImageSource(ref: ParsedReference, ctx: TransportContext = {}): Promise<ImageSource> {
  switch (ref.transport) {
    case 'oci': {
      const { OciLayoutSource } = await import('./oci-layout.js');
      return new OciLayoutSource(ref, ref.path as string, ref.refName);
    }
    case 'oci-archive': {
      const { openOciArchiveSource } = await import('./oci-archive.js');
      return openOciArchiveSource(ref);
    }
    case 'docker-archive': {
      const { DockerArchiveSource } = await import('./docker-archive-source.js');
      return DockerArchiveSource.open(ref);
    }
    case 'dir': {
      const { DirSource } = await import('./dir.js');
      return new DirSource(ref, ref.path as string);
    }
    case 'containers-storage': {
      const { StorageSource } = await import('./storage-source.js');
      const { store, release } = await storeFor(ref, ctx);
      try {
        const image = await store.image(ref.storageImage as string, { signal: ctx.signal }).catch((err: unknown) => {
          if (isStorageError(err, 'image-unknown')) throw new ImageError('image-unknown', `image ${JSON.stringify(ref.storageImage)} is not in the store`, { image: ref.storageImage }, { cause: err });
          throw err;
        });
        return withRelease(new StorageSource(ref, store, image), release);
      } catch (err) {
        await release();
        throw err;
      }
    }
    case 'docker':
      if (!ctx.docker) throw new ImageError('not-supported', 'the docker:// transport is not available in this build', { reference: ref.text });
      return ctx.docker.openSource(ref, ctx.signal);
  }
}

export async function openImageDestination(ref: ParsedReference, ctx: TransportContext = {}): Promise<ImageDestination> {
  switch (ref.transport) {
    case 'oci': {
      const { OciLayoutDestination } = await import('./oci-layout.js');
      return new OciLayoutDestination(ref, ref.path as string, ref.refName);
    }
    case 'oci-archive': {
      const { OciArchiveDestination } = await import('./oci-archive.js');
      return OciArchiveDestination.open(ref);
    }
    case 'docker-archive': {
      const { DockerArchiveDestination } = await import('./docker-archive-destination.js');
      return DockerArchiveDestination.open(ref);
    }
    case 'dir': {
      const { DirDestination } = await import('./dir.js');
      return DirDestination.open(ref, ref.path as string);
    }
    case 'containers-storage': {
      const { StorageDestination } = await import('./storage-destination.js');
      if (ref.dockerReference === undefined && ref.storageImage !== undefined) {
        throw new ImageError('invalid-reference', `containers-storage destination needs a name, not an ID: ${JSON.stringify(ref.text)}`, { reference: ref.text });
      }
      const { store, release } = await storeFor(ref, ctx);
      return withRelease(new StorageDestination(ref, store, ref.dockerReference), release);
    }
    case 'docker':
      if (!ctx.docker) throw new ImageError('not-supported', 'the docker:// transport is not available in this build', { reference: ref.text });
      return ctx.docker.openDestination(ref, ctx.signal);
  }
}

/** The context's store, or the one the reference names (closed with the source/destination). */
async function storeFor(ref: ParsedReference, ctx: TransportContext): Promise<{ store: Store; release: () => Promise<void> }> {
  const spec = ref.storeSpec;
  const same = ctx.store && (!spec || (resolve(spec.graphRoot) === ctx.store.graphRoot && resolve(spec.runRoot) === ctx.store.runRoot));
  if (ctx.store && same) return { store: ctx.store, release: async () => undefined };
  if (!spec) throw new ImageError('not-supported', 'containers-storage: needs a store', { reference: ref.text });
  const store = await openStore({ graphRoot: spec.graphRoot, runRoot: spec.runRoot, driverName: (spec.driver ?? 'overlay') as StoreOptions['driverName'], driverOptions: spec.options });
  return { store, release: () => store.close() };
}

function withRelease<T extends { close(): Promise<void> }>(target: T, release: () => Promise<void>): T {
  const close = target.close.bind(target);
  target.close = async (...args: Parameters<T['close']>) => {
    try {
      await close(...(args as []));
    } finally {
      await release();
    }
  };
  return target;
}
