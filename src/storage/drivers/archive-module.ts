// The archive module, loaded at its first use by a driver: it pulls in zlib,
// zstd-napi, worker threads and the xattr addon, which a store open, a layer
// create/remove and a mount never need (issue 2: the CLI's fixed cost).

import type { Readable } from 'node:stream';
import type { ApplyResult } from '../../archive/index.js';
import type { DriverApplyOptions } from './types.js';

type Archive = typeof import('../../archive/index.js');

let loading: Promise<Archive> | undefined;

export function archiveModule(): Promise<Archive> {
  loading ??= import('../../archive/index.js');
  return loading;
}

/** A layer tar into `dir` with overlay's whiteouts (both drivers stage layers this way). */
export async function applyWithOverlayWhiteouts(dir: string, input: Readable, options: DriverApplyOptions, ignoreChownErrors: boolean): Promise<ApplyResult> {
  const { applyLayer } = await archiveModule();
  return applyLayer(dir, input, { tarSplitPath: options.tarSplitPath, maxUncompressedSize: options.maxUncompressedSize, ignoreChownErrors, whiteoutFormat: 'overlay' });
}
