// Small shared pieces every layer of Berth uses: typed errors, atomic writes,
// Go-compatible JSON, IDs and digests.

export { BerthError, isErrno, type ErrorDetail } from './errors.js';
export { writeFileAtomic, writeFileAtomicSync, writeNewFileAtomic, rewriteFileAtomicSync, type AtomicWriteOptions } from './atomic-write.js';
export { goJsonStringify, goQuote, sortedMap, goTimeNow, goTimeOf, isoTime, GO_ZERO_TIME } from './go-json.js';
export { goDuration, parseGoDuration } from './go-duration.js';
export { fromHumanSize } from './go-units.js';
export { generateRandomId, generateShortLinkId, isFullHexId } from './ids.js';
export { fillRandom, randomBytes } from './random.js';
export { spawnProcess, writeAndClose, readOutput, readLineFromPipe, sealedCopyOf, sealedExecutable, exitCodeOf, type ChildFd, type ExitStatus, type SpawnOptions, type SpawnedProcess } from './spawn.js';
export { readAll } from './read-all.js';
export { streamChunks } from './stream-chunks.js';
export { sha256Digest, verifiedBlobOf, type SelfVerifyingReadable, type VerifiedBlob } from './digest.js';
export { BackgroundSha256 } from './background-sha256.js';
export type { FileChunkStream, FileChunkStreamOptions } from './file-chunk-stream.js';
export { openFileChunks } from './file-chunks.js';
export { hugeBuffer } from './huge-pages.js';
export { copyPlain } from './plain-copy.js';
export { removeFile, removeTree } from './remove-tree.js';
export { readTextSync } from './read-text.js';
export { splitOnce } from './split-once.js';
export { blankTomlCommentLines } from './toml-text.js';
export { isShortName, nameMatchingShortName } from './short-names.js';
export {
  decodeFileName, encodeFileName, hasEscapedBytes, fsPath, readdirNamesSync, readdirNames, readdirEntriesSync,
  readlinkNameSync, readlinkName, compareFileNames, type NamedDirent,
} from './file-names.js';
export { resolveInRoot, colonRecordsInRoot, RootPathError } from './root-path.js';
