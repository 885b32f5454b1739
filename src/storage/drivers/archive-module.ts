// The archive module, loaded at its first use by a driver: it pulls in zlib,
// zstd-napi, worker threads and the xattr addon, which a store open, a layer
// create/remove and a mount never need (issue 2: the CLI's fixed cost).

type Archive = typeof import('../../archive/index.js');

let loading: Promise<Archive> | undefined;

export function archiveModule(): Promise<Archive> {
  loading ??= import('../../archive/index.js');
  return loading;
}
