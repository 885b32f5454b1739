// Images: references, registries.conf, the registry client, transports and
// the copy pipeline between them (pull, push, save, load, import), on the
// store's public surface only.

export type {
  BlobInfo, ManifestBytes, TransferOptions, ImageReference, TransportName, ImageSource, ImageDestination,
} from './transports/types.js';
