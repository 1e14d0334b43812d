/**
 * The caching layer (Kafka's CachingKeyValueStore, one class for every store kind since all of
 * them speak composite bytes keys below the metered layer). Writes collapse per key in a cache
 * of `cache.max.bytes.buffering` bytes (context.cacheMaxBytes; 0 turns the layer into a pass-
 * through); a flush() or the eviction of a dirty entry writes it down (to change-logging and the
 * inner store) and calls the flush listener, so the DSL forwards a table's update once per key
 * per commit instead of once per record.
 *
 * Entries sit in a Map and on an LRU list; reads that miss cache what they read, as clean
 * entries. Only dirty entries differ from the store below, so only they are also kept in key
 * order (a SortedKeyMap that scans lay over the inner store's), and a flush empties that index
 * at once: a read-heavy cache pays no ordered insert per miss. Dirty entries are written down
 * in the order they first became dirty, as Kafka's.
 */
import type { BytesFlushListener, CachingLayer, KeyValueBytesStore } from './bytes-store.js';
import { OverlayCursor, type Cursor, type KeyRange } from './cursor.js';
import { SortedKeyMap } from './sorted-keys.js';
import type { ChangelogRecord, StateStore, StateStoreContext } from './state-store.js';

/** Bytes an entry costs beyond its key and value (object, map slot, list links). */
const ENTRY_OVERHEAD = 96;

interface CacheEntry {
  key: string;
  value: Buffer | null;
  timestamp: number;
  dirty: boolean;
  size: number;
  /** LRU links: toward the most recently used (newer) and the eldest (older). */
  newer: CacheEntry | null;
  older: CacheEntry | null;
}

const entryValue = (e: CacheEntry): Buffer | null => e.value;

export class CachingBytesStore implements KeyValueBytesStore, CachingLayer {
  private readonly entries = new Map<string, CacheEntry>();
  /** Dirty entries in the order they became dirty (a Set keeps insertion order). */
  private readonly dirty = new Set<CacheEntry>();
  /** Dirty entries by key, for scans. */
  private readonly dirtyByKey = new SortedKeyMap<CacheEntry>();
  private newest: CacheEntry | null = null;
  private eldest: CacheEntry | null = null;
  private bytes = 0;
  private maxBytes = 0;
  private evicting = false;
  private listener: BytesFlushListener | null = null;
  private sendOldValues = false;
  hits = 0;
  misses = 0;
  evictions = 0;

  constructor(private readonly inner: KeyValueBytesStore) {}

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
      this.insert(key, value, -1, false);
      this.evict();
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
      this.insert(key, value, timestamp, true);
    } else {
      this.bytes -= e.size;
      e.value = value;
      e.timestamp = timestamp;
      e.size = entrySize(key, value);
      this.bytes += e.size;
      if (!e.dirty) this.markDirty(e);
      this.touch(e);
    }
    this.evict();
  }

  cursor(range: KeyRange): Cursor<Buffer> {
    const under = this.inner.cursor(range);
    if (!this.enabled) return under;
    return new OverlayCursor(this.dirtyByKey.cursor(range), entryValue, under, range.reverse === true);
  }

  approximateNumEntries(): number {
    return this.inner.approximateNumEntries();
  }

  restore(records: readonly ChangelogRecord[]): void | Promise<void> {
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
      this.dirty.clear();
      this.dirtyByKey.clear();
      this.newest = this.eldest = null;
      this.bytes = 0;
      await this.inner.close();
    }
  }

  private writeDownDirty(): void {
    if (this.dirty.size === 0) return;
    // A listener may write to this store while we flush: what it dirties waits for the next
    // flush. Entries written down stay in dirtyByKey until the end, harmlessly: their values
    // now equal the store's.
    for (const e of [...this.dirty]) {
      if (!this.dirty.delete(e)) continue;
      e.dirty = false;
      this.writeDown(e);
    }
    this.dirtyByKey.clear();
    for (const e of this.dirty) this.dirtyByKey.set(e.key, e);
  }

  private markDirty(e: CacheEntry): void {
    e.dirty = true;
    this.dirty.add(e);
    this.dirtyByKey.set(e.key, e);
  }

  /** Kafka's putAndMaybeForward: read the old value if wanted, write down, tell the listener. */
  private writeDown(e: CacheEntry): void {
    const listener = this.listener;
    if (listener === null) {
      this.inner.put(e.key, e.value, e.timestamp);
      return;
    }
    const old = this.sendOldValues || e.value === null ? this.inner.get(e.key) : null;
    // Deleting what never existed changes nothing downstream.
    if (e.value === null && old === null) return;
    this.inner.put(e.key, e.value, e.timestamp);
    listener(e.key, e.value, this.sendOldValues ? old : null, e.timestamp);
  }

  private insert(key: string, value: Buffer | null, timestamp: number, dirty: boolean): void {
    const e: CacheEntry = { key, value, timestamp, dirty: false, size: entrySize(key, value), newer: null, older: this.newest };
    if (this.newest !== null) this.newest.newer = e;
    this.newest = e;
    if (this.eldest === null) this.eldest = e;
    this.entries.set(key, e);
    this.bytes += e.size;
    if (dirty) this.markDirty(e);
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
        this.bytes -= e.size;
        this.evictions++;
        if (e.dirty) {
          this.dirty.delete(e);
          this.dirtyByKey.delete(e.key);
          e.dirty = false;
          this.writeDown(e);
        }
      }
    } finally {
      this.evicting = false;
    }
  }
}

function entrySize(key: string, value: Buffer | null): number {
  return key.length + (value === null ? 0 : value.length) + ENTRY_OVERHEAD;
}
