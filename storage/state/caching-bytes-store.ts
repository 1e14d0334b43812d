/**
 * The caching layer (Kafka's CachingKeyValueStore, one class for every store kind since all of
 * them speak composite bytes keys below the metered layer). Writes collapse per key in a cache
 * of `cache.max.bytes.buffering` bytes (context.cacheMaxBytes; 0 turns the layer into a pass-
 * through); a flush() or the eviction of a dirty entry writes it down (to change-logging and the
 * inner store) and calls the flush listener, so the DSL forwards a table's update once per key
 * per commit instead of once per record.
 *
 * Entries sit in a Map and on an LRU list; reads that miss cache what they read, as clean
 * entries. Dirty entries are also on a list in the order they first became dirty, which is the
 * order they are written down in, as Kafka's. Only dirty entries differ from the store below, so
 * only they are kept in key order for scans (a SortedKeyMap laid over the inner store's) — and
 * that index is built at the first scan: a store nobody scans pays no ordered insert per write.
 *
 * The listener's old value is what the store below holds. Where only this layer writes below it
 * (key-value stores: `remembersStoredValues`), a dirty entry remembers that value from when it
 * became dirty (the clean value it replaced, or null right after a read found nothing), so a
 * write-down reads the store below only for keys written without being read first. Window and
 * session stores drop expired data below by themselves, so for them it is always read.
 */
import type { BytesFlushListener, CachingLayer, KeyValueBytesStore } from './bytes-store.js';
import { OverlayCursor, type Cursor, type KeyRange } from './cursor.js';
import { SortedKeyMap } from './sorted-keys.js';
import type { ChangelogRecord, StateStore, StateStoreContext } from './state-store.js';

/**
 * Bytes counted per entry beyond its key and value: about what Kafka Streams counts for its
 * cache entries (LRU links, flags, the record's timestamp, offset, partition and topic), so a
 * cache.max.bytes.buffering holds about as many entries here as there. Like Kafka's, it is an
 * estimate of the data, not of the heap: a small entry takes ~2.5x that in V8 (measured: 246
 * bytes for a 9-byte key and a 16-byte value, counted as 89).
 */
const ENTRY_OVERHEAD = 64;

interface CacheEntry {
  key: string;
  value: Buffer | null;
  timestamp: number;
  /** While dirty: what the store below holds for the key (undefined: not known, read it). */
  stored: Buffer | null | undefined;
  dirty: boolean;
  /** The flush generation the entry became dirty in: a flush writes down older ones only. */
  generation: number;
  /** LRU links: toward the most recently used (newer) and the eldest (older). */
  newer: CacheEntry | null;
  older: CacheEntry | null;
  /** Dirty-order links. */
  nextDirty: CacheEntry | null;
  prevDirty: CacheEntry | null;
}

export interface CachingOptions {
  /**
   * Whether the store below changes only through this layer (and restore, which runs before
   * the cache fills), so dirty entries may remember its value instead of reading it back.
   */
  remembersStoredValues?: boolean;
}

const entryValue = (e: CacheEntry): Buffer | null => e.value;

export class CachingBytesStore implements KeyValueBytesStore, CachingLayer {
  private readonly entries = new Map<string, CacheEntry>();
  private dirtyHead: CacheEntry | null = null;
  private dirtyTail: CacheEntry | null = null;
  /** Dirty entries by key, for scans: null until the first scan. */
  private dirtyByKey: SortedKeyMap<CacheEntry> | null = null;
  private generation = 0;
  private newest: CacheEntry | null = null;
  private eldest: CacheEntry | null = null;
  private bytes = 0;
  private maxBytes = 0;
  private evicting = false;
  private listener: BytesFlushListener | null = null;
  private sendOldValues = false;
  private readonly remembers: boolean;
  /** The last key a read found absent below and did not cache: a put of it next knows the old value. */
  private absentKey: string | null = null;
  hits = 0;
  misses = 0;
  evictions = 0;

  constructor(
    private readonly inner: KeyValueBytesStore,
    options: CachingOptions = {},
  ) {
    this.remembers = options.remembersStoredValues ?? false;
  }

  get name(): string {
    return this.inner.name;
  }

  get persistent(): boolean {
    return this.inner.persistent;
  }

  /** Whether the cache is on (cache.max.bytes.buffering > 0). */
  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  /** Bytes the cache holds now. */
  get sizeBytes(): number {
    return this.bytes;
  }

  async init(context: StateStoreContext, root: StateStore): Promise<void> {
    await this.inner.init(context, root);
    this.maxBytes = Math.max(0, context.cacheMaxBytes);
  }

  isOpen(): boolean {
    return this.inner.isOpen();
  }

  setFlushListener(listener: BytesFlushListener, sendOldValues: boolean): boolean {
    if (!this.enabled) return false;
    this.listener = listener;
    this.sendOldValues = sendOldValues;
    return true;
  }

  get(key: string): Buffer | null {
    if (!this.enabled) return this.inner.get(key);
    const e = this.entries.get(key);
    if (e !== undefined) {
      this.hits++;
      this.touch(e);
      return e.value;
    }
    this.misses++;
    const value = this.inner.get(key);
    if (value !== null) {
      this.insert(key, value, -1, false, undefined);
      this.evict();
    } else if (this.remembers) {
      this.absentKey = key;
    }
    return value;
  }

  put(key: string, value: Buffer | null, timestamp: number): void {
    if (!this.enabled) {
      this.inner.put(key, value, timestamp);
      return;
    }
    const e = this.entries.get(key);
    if (e === undefined) {
      let stored: Buffer | null | undefined;
      if (key === this.absentKey) {
        stored = null;
        this.absentKey = null;
      }
      this.insert(key, value, timestamp, true, stored);
    } else {
      this.bytes += sizeOf(value) - sizeOf(e.value);
      // A clean entry holds what the store below holds: remember it as the old value.
      if (!e.dirty) this.markDirty(e, this.remembers ? e.value : undefined);
      e.value = value;
      e.timestamp = timestamp;
      this.touch(e);
    }
    this.evict();
  }

  cursor(range: KeyRange): Cursor<Buffer> {
    const under = this.inner.cursor(range);
    if (!this.enabled) return under;
    return new OverlayCursor(this.dirtyIndex().cursor(range), entryValue, under, range.reverse === true);
  }

  approximateNumEntries(): number {
    return this.inner.approximateNumEntries();
  }

  restore(records: readonly ChangelogRecord[]): void | Promise<void> {
    // The store below changes behind the cache's back: forget what dirty entries remember of it.
    this.absentKey = null;
    for (let e = this.dirtyHead; e !== null; e = e.nextDirty) e.stored = undefined;
    return this.inner.restore(records);
  }

  async flush(): Promise<void> {
    this.writeDownDirty();
    await this.inner.flush();
  }

  async close(): Promise<void> {
    // As Kafka: a closing cache writes its dirty entries down (and forwards them) first.
    try {
      if (this.inner.isOpen()) this.writeDownDirty();
    } finally {
      this.entries.clear();
      this.dirtyHead = this.dirtyTail = null;
      this.dirtyByKey?.clear();
      this.newest = this.eldest = null;
      this.absentKey = null;
      this.bytes = 0;
      await this.inner.close();
    }
  }

  private dirtyIndex(): SortedKeyMap<CacheEntry> {
    if (this.dirtyByKey === null) {
      this.dirtyByKey = new SortedKeyMap<CacheEntry>();
      for (let e = this.dirtyHead; e !== null; e = e.nextDirty) this.dirtyByKey.set(e.key, e);
    }
    return this.dirtyByKey;
  }

  private writeDownDirty(): void {
    if (this.dirtyHead === null) return;
    // A listener may write to this store while we flush: what it dirties now (a newer
    // generation, at the end of the list) waits for the next flush. Entries written down stay
    // in the key index until the end, harmlessly: their values now equal the store's.
    const generation = this.generation++;
    let e: CacheEntry | null = this.dirtyHead;
    while (e !== null && e.generation <= generation) {
      this.unlinkDirty(e);
      this.writeDown(e);
      e = this.dirtyHead;
    }
    const index = this.dirtyByKey;
    if (index !== null) {
      index.clear();
      for (let d: CacheEntry | null = this.dirtyHead; d !== null; d = d.nextDirty) index.set(d.key, d);
    }
  }

  private markDirty(e: CacheEntry, stored: Buffer | null | undefined): void {
    e.dirty = true;
    e.stored = stored;
    e.generation = this.generation;
    e.prevDirty = this.dirtyTail;
    e.nextDirty = null;
    if (this.dirtyTail !== null) this.dirtyTail.nextDirty = e;
    else this.dirtyHead = e;
    this.dirtyTail = e;
    this.dirtyByKey?.set(e.key, e);
  }

  /** Takes an entry off the dirty list (the key index is the caller's business). */
  private unlinkDirty(e: CacheEntry): void {
    if (e.prevDirty !== null) e.prevDirty.nextDirty = e.nextDirty;
    else this.dirtyHead = e.nextDirty;
    if (e.nextDirty !== null) e.nextDirty.prevDirty = e.prevDirty;
    else this.dirtyTail = e.prevDirty;
    e.nextDirty = e.prevDirty = null;
    e.dirty = false;
  }

  /** Kafka's putAndMaybeForward: read the old value if wanted, write down, tell the listener. */
  private writeDown(e: CacheEntry): void {
    const stored = e.stored;
    e.stored = undefined;
    const listener = this.listener;
    if (listener === null) {
      this.inner.put(e.key, e.value, e.timestamp);
      return;
    }
    const old = this.sendOldValues || e.value === null ? (stored !== undefined ? stored : this.inner.get(e.key)) : null;
    // Deleting what never existed changes nothing downstream.
    if (e.value === null && old === null) return;
    this.inner.put(e.key, e.value, e.timestamp);
    listener(e.key, e.value, this.sendOldValues ? old : null, e.timestamp);
  }

  private insert(key: string, value: Buffer | null, timestamp: number, dirty: boolean, stored: Buffer | null | undefined): void {
    const e: CacheEntry = { key, value, timestamp, stored: undefined, dirty: false, generation: 0, newer: null, older: this.newest, nextDirty: null, prevDirty: null };
    if (this.newest !== null) this.newest.newer = e;
    this.newest = e;
    if (this.eldest === null) this.eldest = e;
    this.entries.set(key, e);
    this.bytes += key.length + sizeOf(value);
    if (dirty) this.markDirty(e, stored);
  }

  private touch(e: CacheEntry): void {
    if (this.newest === e) return;
    this.unlink(e);
    e.older = this.newest;
    e.newer = null;
    if (this.newest !== null) this.newest.newer = e;
    this.newest = e;
    if (this.eldest === null) this.eldest = e;
  }

  private unlink(e: CacheEntry): void {
    if (e.newer !== null) e.newer.older = e.older;
    else this.newest = e.older;
    if (e.older !== null) e.older.newer = e.newer;
    else this.eldest = e.newer;
    e.newer = e.older = null;
  }

  /** Evicts eldest entries until the cache fits, writing dirty ones down first. */
  private evict(): void {
    if (this.evicting || this.bytes <= this.maxBytes) return;
    this.evicting = true;
    try {
      while (this.bytes > this.maxBytes && this.eldest !== null) {
        const e = this.eldest;
        this.unlink(e);
        this.entries.delete(e.key);
        this.bytes -= e.key.length + sizeOf(e.value);
        this.evictions++;
        if (e.dirty) {
          this.unlinkDirty(e);
          this.dirtyByKey?.delete(e.key);
          this.writeDown(e);
        }
      }
    } finally {
      this.evicting = false;
    }
  }
}

/** An entry's cost without its key: value bytes and the fixed overhead. */
function sizeOf(value: Buffer | null): number {
  return (value === null ? 0 : value.length) + ENTRY_OVERHEAD;
}
