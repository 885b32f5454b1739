// The part every record store (layers, images, containers) shares: the JSON
// file(s) guarded by one lock file, the LastWrite-token reload protocol, the
// name index, and a save path that re-encodes only records that changed.

import { statSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LockFile, LastWrite } from '../lock/index.js';
import { isErrno, readTextSync, rewriteFileAtomicSync } from '../util/index.js';
import { RecordIndex, type NamedRecord } from './id-index.js';
import { joinEncoded, parseRecordArray } from './record-json.js';
import { currentCallSignal } from './call-signal.js';

export interface RecordFiles {
  lock: LockFile;
  /** The JSON file of ordinary records (written with fsync). */
  stablePath: string;
  /** The JSON file of volatile records (written without fsync); none for images. */
  volatilePath?: string;
  /** Also reload when a JSON file's mtime changed (the layer store does, v1.50). */
  checkMtime?: boolean;
}

/**
 * `marker`: the first save of layer creation (the record flagged
 * `incomplete` before the driver makes its directory). It is renamed into
 * place without fsync: a killed process loses nothing (the page cache
 * survives), and creation always ends with a durable save. On power loss
 * before that, the worst outcome is a driver directory no record names,
 * which check reports and repair and garbageCollect remove. This saves one
 * of the three fsyncs of creating a container. Deletion keeps its marker
 * durable: losing it after the driver data is gone would leave a record
 * without its directory.
 */
export type Durability = 'durable' | 'marker';

const EMPTY_RAW: Record<string, unknown> = {};

/** How many times a reader upgrades to the write lock to repair before giving up (Go: 3). */
const MAX_REPAIR_ROUNDS = 3;

export abstract class RecordStore<R extends NamedRecord> {
  readonly index = new RecordIndex<R>();
  /**
   * Cached Go encoding of each record as UTF-8 bytes, dropped when the record
   * changes: a save of 10,000 records is then one memcpy of the bytes, not a
   * re-encode of every record and of a multi-megabyte string.
   */
  private readonly encoded = new WeakMap<R, Buffer>();
  private readonly volatileRecords = new WeakSet<R>();
  /** Reused output buffer of writeFile (see joinEncoded). */
  private scratch: Buffer | undefined;
  private dirtyStable = false;
  private dirtyVolatile = false;
  /** undefined: nothing loaded yet, or a failed operation left memory untrusted. */
  private lastWrite: LastWrite | undefined;
  private mtimes: bigint[] = [];
  /** A load found something a writer must fix and persist (duplicate names, …). */
  protected repairPending = false;

  constructor(protected readonly files: RecordFiles) {}

  protected abstract decode(raw: Record<string, unknown>, path: string): R;
  protected abstract encode(record: R): string;
  /** Called after a load with the records in file order; returns whether a repair is needed. */
  protected abstract afterLoad(): boolean;
  /** Fixes what afterLoad found, under the write lock, and saves. */
  protected abstract repair(): Promise<void>;

  /**
   * Runs `fn` under the read lock with fresh records. If the reload found
   * something to repair, the lock is dropped, a writer repairs, and we read
   * again (v1.50 does the same, at most three rounds).
   */
  async read<T>(fn: () => T | Promise<T>): Promise<T> {
    for (let round = 0; ; round++) {
      await this.files.lock.rLock(currentCallSignal());
      try {
        this.reloadIfChanged();
        if (!this.repairPending || round >= MAX_REPAIR_ROUNDS || this.files.lock.readOnly) return await fn();
      } finally {
        this.files.lock.unlock();
      }
      await this.write(() => undefined);
    }
  }

  /**
   * Runs `fn` under the write lock with fresh, repaired records. If `fn`
   * fails, memory may hold half-made changes: forget it, so that the next
   * operation reloads what is on disk.
   */
  async write<T>(fn: () => T | Promise<T>): Promise<T> {
    await this.files.lock.lock(currentCallSignal());
    try {
      this.reloadIfChanged();
      if (this.repairPending) {
        await this.repair();
        this.repairPending = false;
      }
      return await fn();
    } catch (err) {
      this.lastWrite = undefined;
      throw err;
    } finally {
      this.files.lock.unlock();
    }
  }

  /** Opened from an additional store under a read-only lock: only read() may be used. */
  get readOnly(): boolean {
    return this.files.lock.readOnly;
  }

  isVolatile(record: R): boolean {
    return this.volatileRecords.has(record);
  }

  /** Records a new or changed record so the next save re-encodes it and rewrites its file. */
  touch(record: R): void {
    this.encoded.delete(record);
    if (this.volatileRecords.has(record)) this.dirtyVolatile = true;
    else this.dirtyStable = true;
  }

  addRecord(record: R, volatile: boolean): void {
    if (volatile && this.files.volatilePath) this.volatileRecords.add(record);
    this.index.add(record);
    this.touch(record);
  }

  removeRecord(record: R): void {
    this.touch(record);
    this.index.remove(record);
  }

  /**
   * Saves the files whose records changed. The token goes first (v1.50):
   * a crash between token and JSON makes others reload a file that did not
   * change, which is harmless; the other order could hide a change.
   * Sync I/O: a save runs under a held lock and is a handful of syscalls; the
   * async versions cost event-loop round trips the container benchmark sees.
   */
  save(durability: Durability = 'durable'): void {
    if (!this.dirtyStable && !this.dirtyVolatile) return;
    this.lastWrite = this.files.lock.recordWrite();
    if (this.dirtyStable) this.writeFile(this.files.stablePath, durability === 'marker');
    if (this.dirtyVolatile && this.files.volatilePath) this.writeFile(this.files.volatilePath, true);
    this.dirtyStable = this.dirtyVolatile = false;
    this.mtimes = this.readMtimes();
  }

  private writeFile(path: string, noSync: boolean): void {
    const volatile = path !== this.files.stablePath;
    const members: Buffer[] = [];
    for (const record of this.index.all()) {
      if (this.volatileRecords.has(record) !== volatile) continue;
      let bytes = this.encoded.get(record);
      if (bytes === undefined) {
        bytes = Buffer.from(this.encode(record));
        this.encoded.set(record, bytes);
      }
      members.push(bytes);
    }
    const bytes = joinEncoded(members, this.scratch);
    // Keep the buffer for the next save (grown with headroom): no fresh megabytes per save.
    if (bytes.buffer !== this.scratch?.buffer) this.scratch = Buffer.allocUnsafeSlow(Math.ceil(bytes.length * 1.25) + 4096);
    try {
      rewriteFileAtomicSync(path, bytes, { mode: 0o600, noSync });
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
      // Go's MkdirAll before each save; the store made the dir at open, so
      // it is made here only when it went missing (two syscalls fewer per save).
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      rewriteFileAtomicSync(path, bytes, { mode: 0o600, noSync });
    }
  }

  private reloadIfChanged(): void {
    if (this.lastWrite !== undefined && !this.files.lock.modifiedSince(this.lastWrite) && !this.mtimeChanged()) return;
    this.load();
  }

  private mtimeChanged(): boolean {
    if (!this.files.checkMtime) return false;
    const now = this.readMtimes();
    return now.some((m, i) => m !== this.mtimes[i]);
  }

  /** Nanoseconds, as Go compares ModTime: a millisecond could hide a second write. */
  private readMtimes(): bigint[] {
    if (!this.files.checkMtime) return [];
    return this.paths().map((path) => {
      try {
        return statSync(path, { bigint: true }).mtimeNs;
      } catch (err) {
        if (isErrno(err, 'ENOENT')) return 0n;
        throw err;
      }
    });
  }

  private paths(): string[] {
    return this.files.volatilePath ? [this.files.stablePath, this.files.volatilePath] : [this.files.stablePath];
  }

  /** Reads the file(s): stable records first, then volatile ones; a repeated ID is skipped. */
  private load(): void {
    const lastWrite = this.files.lock.getLastWrite();
    const mtimes = this.readMtimes();
    this.index.clear();
    this.dirtyStable = this.dirtyVolatile = false;
    let duplicateNames = false;
    for (const path of this.paths()) {
      const volatile = path !== this.files.stablePath;
      this.decodeRecords(readOptional(path), path, (record) => {
        if (this.index.get(record.id)) return;
        if (volatile) this.volatileRecords.add(record);
        if (this.takeNamesFromEarlier(record)) duplicateNames = true;
        this.index.add(record);
      });
    }
    const moreToRepair = this.afterLoad();
    this.repairPending = duplicateNames || moreToRepair;
    this.lastWrite = lastWrite;
    this.mtimes = mtimes;
  }

  /** Decodes the records of one file's text, passing each to `take` in file order. */
  protected decodeRecords(text: string, path: string, take: (record: R) => void): void {
    const raws = parseRecordArray(text, path);
    for (let i = 0; i < raws.length; i++) {
      const record = this.decode(raws[i]!, path);
      // Let each parsed object go as soon as it is decoded: a young-generation
      // collection during the load then copies only what is kept.
      raws[i] = EMPTY_RAW;
      take(record);
    }
  }

  /**
   * A name held by several records stays with the later one (Go's load does
   * this; the earlier record loses it and the store is saved by a writer).
   * Called for each record before it joins the index, in file order; returns
   * whether an earlier record lost a name.
   */
  private takeNamesFromEarlier(record: R): boolean {
    let found = false;
    const { names } = record;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const earlier = this.index.withName(name);
      if (earlier && earlier !== record) {
        earlier.names = earlier.names.filter((n) => n !== name);
        this.touch(earlier);
        found = true;
      }
    }
    return found;
  }
}

function readOptional(path: string): string {
  try {
    return readTextSync(path);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return '';
    throw err;
  }
}
