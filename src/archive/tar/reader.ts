// A push-driven tar parser over raw 512-byte blocks. Besides headers and
// content it reports every other byte (extension headers, padding, the end
// marker and whatever follows it) in order, which tar-split needs to rebuild
// the archive byte for byte. Feed it chunks; it calls the visitor synchronously.

import { decodeFileName } from '../../util/index.js';
import { ArchiveError } from '../errors.js';
import {
  BLOCK_SIZE, isHeaderOnlyType, isZeroBlock, paddingFor, parseHeaderBlock, TarEntryType, type TarHeader,
} from './header.js';
import {
  applyExtensions, hasSparseMapInData, parseGnuSparseExtension, parseGnuSparseHeader, parsePaxRecords,
  parseSparseMapBlocks, type PendingExtensions,
} from './pax.js';

export interface TarVisitor {
  /**
   * A new entry. `raw` holds every byte since the previous entry's content in order: that
   * content's padding, extension headers and their data, this entry's header block (and a
   * sparse map). The buffers are slices of the input; copy them to keep them.
   */
  entry(header: TarHeader, raw: Buffer[]): void;
  /** Content bytes of the current entry, in order (the physical data for a sparse file). */
  data(chunk: Buffer): void;
  /** The current entry's content is complete. */
  entryEnd(): void;
  /**
   * The two zero blocks of the end-of-archive marker were read; `raw` holds them and the
   * padding before them. Optional: without it they are handed to `end`.
   */
  endMarker?(raw: Buffer[]): void;
  /**
   * Bytes after the end-of-archive marker, as they arrive. Optional: without it they are
   * collected and handed to `end` (unbounded: a hostile tar may append gigabytes).
   */
  trailing?(chunk: Buffer): void;
  /**
   * The archive ended. `raw` is the last padding and the end-of-archive blocks as Go's reader
   * consumes them (up to two zero blocks; empty when `endMarker` took them); `trailing` is
   * everything after them (empty when the visitor takes them through `trailing`).
   */
  end(raw: Buffer[], trailing: Buffer[]): void;
}

/** Go's archive/tar limit on PAX and GNU long-name data. */
const MAX_SPECIAL_SIZE = 1 << 20;

type State =
  | { kind: 'header' }
  | { kind: 'special'; type: TarEntryType; size: number; blocks: Buffer[] }
  | { kind: 'gnu-sparse-ext'; header: TarHeader }
  | { kind: 'sparse-map'; header: TarHeader; blocks: Buffer[] }
  | { kind: 'data'; remaining: number; padding: number }
  | { kind: 'padding'; remaining: number }
  | { kind: 'eof-one-zero' }
  | { kind: 'trailing' };

const HEADER: State = { kind: 'header' };

export class TarReader {
  private state: State = HEADER;
  /** Raw pieces since the last entry, but for the run still growing (see addRaw). */
  private raw: Buffer[] = [];
  private rawChunk: Buffer | undefined;
  private rawStart = 0;
  private rawEnd = 0;
  private trailing: Buffer[] = [];
  private carry: Buffer = Buffer.alloc(BLOCK_SIZE);
  private carried = 0;
  private ext: PendingExtensions = { global: new Map() };
  private ended = false;
  /** Bytes consumed so far (for error context). */
  offset = 0;

  constructor(private readonly visitor: TarVisitor) {}

  write(chunk: Buffer): void {
    let pos = 0;
    const length = chunk.length;
    while (pos < length) {
      const state = this.state;
      if (state.kind === 'data') {
        const take = Math.min(state.remaining, length - pos);
        if (take > 0) this.visitor.data(chunk.subarray(pos, pos + take));
        pos += take;
        state.remaining -= take;
        if (state.remaining === 0) this.finishData(state.padding);
        continue;
      }
      if (state.kind === 'padding') {
        const take = Math.min(state.remaining, length - pos);
        this.addRaw(chunk, pos, pos + take);
        pos += take;
        state.remaining -= take;
        if (state.remaining === 0) this.state = HEADER;
        continue;
      }
      if (state.kind === 'trailing') {
        if (this.visitor.trailing) this.visitor.trailing(chunk.subarray(pos));
        else this.trailing.push(chunk.subarray(pos));
        pos = length;
        continue;
      }
      // Block-oriented states: hand over whole 512-byte blocks.
      let block: Buffer;
      let at: number;
      if (this.carried === 0 && length - pos >= BLOCK_SIZE) {
        block = chunk;
        at = pos;
        pos += BLOCK_SIZE;
        this.addRaw(chunk, at, at + BLOCK_SIZE);
      } else {
        const take = Math.min(BLOCK_SIZE - this.carried, length - pos);
        chunk.copy(this.carry, this.carried, pos, pos + take);
        this.carried += take;
        pos += take;
        if (this.carried < BLOCK_SIZE) continue;
        block = this.carry;
        at = 0;
        this.carried = 0;
        this.carry = Buffer.alloc(BLOCK_SIZE);
        this.addRaw(block, 0, BLOCK_SIZE);
      }
      this.offset += BLOCK_SIZE;
      this.onBlock(block, at);
    }
  }

  /** The input ended; throws ArchiveError('bad-tar') when it ended inside an entry. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const kind = this.state.kind;
    if (this.carried !== 0 || (kind !== 'header' && kind !== 'eof-one-zero' && kind !== 'trailing')) {
      throw new ArchiveError('bad-tar', 'tar stream is truncated: unexpected EOF', { offset: this.offset, state: kind });
    }
    if (kind === 'header' && this.ext.local) throw new ArchiveError('bad-tar', 'tar stream ends after an extended header');
    this.visitor.end(this.takeRaw(), this.trailing);
  }

  private onBlock(block: Buffer, at: number): void {
    const state = this.state;
    switch (state.kind) {
      case 'header':
        if (isZeroBlock(block, at)) {
          this.state = { kind: 'eof-one-zero' };
          return;
        }
        this.onHeader(block, at);
        return;
      case 'eof-one-zero':
        if (!isZeroBlock(block, at)) throw new ArchiveError('bad-tar', 'a zero block followed by a header', { offset: this.offset });
        this.state = { kind: 'trailing' };
        if (this.visitor.endMarker) {
          this.visitor.endMarker(this.takeRaw());
        }
        return;
      case 'special': {
        state.blocks.push(Buffer.from(block.subarray(at, at + BLOCK_SIZE)));
        if (state.blocks.length * BLOCK_SIZE >= state.size) this.onSpecialData(state.type, Buffer.concat(state.blocks).subarray(0, state.size));
        return;
      }
      case 'gnu-sparse-ext': {
        const ext = parseGnuSparseExtension(block, at);
        state.header.sparse?.regions.push(...ext.regions);
        if (!ext.extended) this.startEntry(state.header);
        return;
      }
      case 'sparse-map': {
        state.blocks.push(Buffer.from(block.subarray(at, at + BLOCK_SIZE)));
        const map = parseSparseMapBlocks(Buffer.concat(state.blocks));
        if (map) {
          state.header.sparse = { realSize: state.header.sparse?.realSize ?? 0, regions: map.regions };
          state.header.size -= map.bytes;
          this.startEntry(state.header);
        } else if (state.blocks.length * BLOCK_SIZE > MAX_SPECIAL_SIZE) {
          throw new ArchiveError('bad-tar', 'sparse map is too large', { name: state.header.name });
        }
        return;
      }
      default:
        throw new Error(`unreachable tar reader state ${state.kind}`);
    }
  }

  private onHeader(block: Buffer, at: number): void {
    const raw = parseHeaderBlock(block, at);
    switch (raw.type) {
      case TarEntryType.PaxHeader:
      case TarEntryType.PaxGlobalHeader:
      case TarEntryType.GnuLongName:
      case TarEntryType.GnuLongLink:
        if (raw.size > MAX_SPECIAL_SIZE) throw new ArchiveError('bad-tar', 'extended header is too large', { size: raw.size });
        if (raw.size === 0) this.onSpecialData(raw.type, Buffer.alloc(0));
        else this.state = { kind: 'special', type: raw.type, size: raw.size, blocks: [] };
        return;
      default:
    }
    const header = applyExtensions(raw, this.ext);
    this.ext = { global: this.ext.global };
    if (raw.type === TarEntryType.GnuSparse) {
      const sparse = parseGnuSparseHeader(block, at);
      header.sparse = { realSize: sparse.realSize, regions: sparse.regions };
      if (sparse.extended) {
        this.state = { kind: 'gnu-sparse-ext', header };
        return;
      }
    } else if (hasSparseMapInData(header)) {
      this.state = { kind: 'sparse-map', header, blocks: [] };
      return;
    }
    this.startEntry(header);
  }

  private onSpecialData(type: TarEntryType, data: Buffer): void {
    this.state = HEADER;
    switch (type) {
      case TarEntryType.PaxHeader:
        this.ext.local = parsePaxRecords(data);
        return;
      case TarEntryType.PaxGlobalHeader:
        for (const [key, value] of parsePaxRecords(data)) this.ext.global.set(key, value);
        return;
      case TarEntryType.GnuLongName:
        this.ext.longName = nulTerminated(data);
        return;
      default:
        this.ext.longLink = nulTerminated(data);
    }
  }

  private startEntry(header: TarHeader): void {
    if (header.name.includes('\0') || header.linkname.includes('\0')) {
      throw new ArchiveError('bad-tar', 'tar entry name contains NUL', { name: header.name });
    }
    // Pre-POSIX regular files (type NUL): a trailing slash means a directory (as Go's reader).
    if (header.type === TarEntryType.OldFile) header.type = header.name.endsWith('/') ? TarEntryType.Directory : TarEntryType.File;
    const contentSize = isHeaderOnlyType(header.type) ? 0 : header.size;
    this.visitor.entry(header, this.takeRaw());
    if (contentSize === 0) {
      this.visitor.entryEnd();
      this.state = HEADER;
      return;
    }
    this.state = { kind: 'data', remaining: contentSize, padding: paddingFor(contentSize) };
  }

  private finishData(padding: number): void {
    this.visitor.entryEnd();
    this.state = padding === 0 ? HEADER : { kind: 'padding', remaining: padding };
  }

  /**
   * Records raw bytes. A piece that continues the previous one in the same chunk (a header
   * block after the padding before it) extends it: one slice per run, not per piece.
   */
  private addRaw(chunk: Buffer, start: number, end: number): void {
    if (chunk === this.rawChunk && start === this.rawEnd) {
      this.rawEnd = end;
      return;
    }
    this.closeRawRun();
    this.rawChunk = chunk;
    this.rawStart = start;
    this.rawEnd = end;
  }

  private closeRawRun(): void {
    if (this.rawChunk) this.raw.push(this.rawChunk.subarray(this.rawStart, this.rawEnd));
    this.rawChunk = undefined;
  }

  /** The raw pieces since the last take, in order. */
  private takeRaw(): Buffer[] {
    this.closeRawRun();
    const raw = this.raw;
    this.raw = [];
    return raw;
  }
}

function nulTerminated(data: Buffer): string {
  const nul = data.indexOf(0);
  return decodeFileName(data, 0, nul < 0 ? data.length : nul);
}
