// Layer tars in and out of directories: streaming apply with whiteouts and
// confinement, tar-split recording and replay, changes, diffs, compression.

export * from './types.js';
export { ArchiveError, type ArchiveErrorCode } from './errors.js';
export {
  TarEntryType, encodeTarHeader, encodePaxRecords, paddingFor, isHeaderOnlyType, parseHeaderBlock, BLOCK_SIZE,
  END_OF_ARCHIVE, type TarHeader, type TarHeaderInput, type TarFormat, type SparseRegion,
} from './tar/header.js';
export { parsePaxRecords } from './tar/pax.js';
export { TarReader, type TarVisitor } from './tar/reader.js';
export { overlayChanges } from './changes-overlay.js';
export { readXattr } from './changes-xattrs.js';
export { changesDirs, type TreeMappings } from './changes-dirs.js';
export { changesSize, directorySize } from './changes-size.js';
export { exportDirectory, exportOverlayUpper, exportChanges } from './export.js';
export { applyLayer } from './apply.js';
export { chownTreeByMaps } from './chown-by-maps.js';
export {
  detectCompression, createDecompressor, createCompressor, openDecompressed, COMPRESSION_MAGIC_LENGTH,
} from './compression.js';
export { tarSplitReplay } from './tar-split-replay.js';
export { cleanComponents, walkDirectory, type WalkedTree, type EntryKind } from './apply-confine.js';
