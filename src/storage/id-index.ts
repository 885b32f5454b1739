// In-memory index of one record store: by ID (in file order), by name, and by
// unique ID prefix, with containers/storage's lookup order and rules.

export interface NamedRecord {
  id: string;
  names: string[];
}

export class RecordIndex<R extends NamedRecord> {
  /** Insertion order is the order of the records in the JSON file. */
  private readonly byId = new Map<string, R>();
  private readonly byName = new Map<string, R>();

  get size(): number {
    return this.byId.size;
  }

  all(): IterableIterator<R> {
    return this.byId.values();
  }

  /** Each record in file order, without an iterator result per record (listings of 10,000). */
  forEach(visit: (record: R) => void): void {
    this.byId.forEach((record) => visit(record));
  }

  ids(): IterableIterator<string> {
    return this.byId.keys();
  }

  get(id: string): R | undefined {
    return this.byId.get(id);
  }

  withName(name: string): R | undefined {
    return this.byName.get(name);
  }

  /** Exact ID, then exact name, then a unique ID prefix (Go's truncindex). */
  lookup(ref: string): R | undefined {
    return this.byId.get(ref) ?? this.byName.get(ref) ?? this.byUniquePrefix(ref);
  }

  /**
   * truncindex semantics: IDs containing a space, and the empty ID, are never
   * indexed; an empty prefix or one shared by several IDs finds nothing.
   * A linear scan: lookups by prefix are rare next to lookups by ID or name,
   * and 10,000 string comparisons take well under a millisecond.
   */
  byUniquePrefix(prefix: string): R | undefined {
    if (prefix === '' || prefix.includes(' ')) return undefined;
    let found: R | undefined;
    for (const [id, record] of this.byId) {
      if (id === '' || id.includes(' ') || !id.startsWith(prefix)) continue;
      if (found) return undefined;
      found = record;
    }
    return found;
  }

  /** Adds a record whose names are already free (callers check or steal first). */
  add(record: R): void {
    this.byId.set(record.id, record);
    const { names } = record;
    for (let i = 0; i < names.length; i++) this.byName.set(names[i]!, record);
  }

  remove(record: R): void {
    this.byId.delete(record.id);
    for (const name of record.names) {
      if (this.byName.get(name) === record) this.byName.delete(name);
    }
  }

  /** Replaces a record's names, taking each new name from whichever record held it. */
  setNames(record: R, names: string[], onStolen?: (from: R, name: string) => void): void {
    for (const name of record.names) {
      if (this.byName.get(name) === record) this.byName.delete(name);
    }
    for (const name of names) {
      const holder = this.byName.get(name);
      if (holder && holder !== record) {
        holder.names = holder.names.filter((n) => n !== name);
        onStolen?.(holder, name);
      }
      this.byName.set(name, record);
    }
    record.names = names;
  }

  clear(): void {
    this.byId.clear();
    this.byName.clear();
  }
}

/** Go's dedupeStrings: first occurrence wins, order kept. */
export function dedupe(list: readonly string[]): string[] {
  return [...new Set(list)];
}

export type NameOperation = 'set' | 'add' | 'remove';

/**
 * Go's applyNameOperation: `set` replaces, `add` puts the new names first,
 * `remove` keeps the old names not listed; the result is deduplicated.
 */
export function applyNameOperation(oldNames: readonly string[], names: readonly string[], op: NameOperation): string[] {
  switch (op) {
    case 'set':
      return dedupe(names);
    case 'add':
      return dedupe([...names, ...oldNames]);
    case 'remove':
      return dedupe(oldNames.filter((n) => !names.includes(n)));
  }
}
