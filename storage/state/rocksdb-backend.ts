/**
 * RocksDB through `@nxtedition/rocksdb`'s RocksLevel. Its abstract-level API is asynchronous,
 * but the module also has synchronous native entry points, which is what synchronous store
 * reads need: `_getManySync` (MultiGet), iterators with `_nextvSync`/`_closeSync`, chained
 * batches with `_writeSync`, and `_clear` (a DeleteRange, done before it returns).
 *
 * A RocksDB iterator reads a snapshot taken when it is created, so a scan re-creates its
 * iterator (after the last key it returned) when the store wrote a batch since: pending writes
 * that moved to disk stay visible. Memory per instance: the block cache plus at most six
 * memtables of `writeBufferBytes` (level compaction sized from the memtable budget).
 *
 * Point reads first ask a Bloom filter of the keys the database holds (key-filter.ts), filled
 * by a key scan at open and by every batch: a read of a key never written (every new key's
 * first read) then costs no native call. When more keys arrived than it was sized for, it is
 * rebuilt twice as large from a key scan (so deleted keys leave it); a store too large for
 * MAX_FILTER_BYTES reads natively.
 */
import { ioError } from './state-errors.js';
import { latin1, toBytes } from './bytes-store.js';
import type { Cursor, KeyRange } from './cursor.js';
import { KeyFilter, MAX_FILTER_BYTES } from './key-filter.js';
import type { BackendOpenOptions, DeleteRange, PersistentBackend, WriteBatch } from './persistent-backend.js';

interface RocksIterator {
  _nextvSync(size: number, options: object): { rows: (Buffer | undefined)[]; finished: boolean };
  _closeSync(): void;
}

interface RocksChainedBatch {
  _put(key: Buffer, value: Buffer, options: object): void;
  _del(key: Buffer, options: object): void;
  _writeSync(options: object): void;
  _closeSync(): void;
}

interface RocksDb {
  open(options: object): Promise<void>;
  close(): Promise<void>;
  _getManySync(keys: Buffer[], options: object): (Buffer | null | undefined)[];
  _iterator(options: object): RocksIterator;
  _chainedBatch(): RocksChainedBatch;
  _clear(options: object, callback: ((err?: Error | null) => void) | undefined): Promise<void> | undefined;
  getProperty(name: string): string;
}

interface RocksModule {
  RocksLevel: new (location: string, options?: object) => RocksDb;
}

const NO_OPTIONS = {};
const KEYS_ONLY = { keys: true, values: false, keyEncoding: 'buffer' };
const KEY_SCAN_BATCH = 4096;
/** First scan batch: small, since most scans (window fetches, prefix scans) are short. */
const FIRST_BATCH = 16;
const MAX_BATCH = 1024;

export async function openRocksDb(mod: unknown, o: BackendOpenOptions): Promise<PersistentBackend> {
  const { RocksLevel } = mod as RocksModule;
  const db = new RocksLevel(o.dir, {});
  try {
    await db.open({
      createIfMissing: true,
      cacheSize: o.blockCacheBytes,
      // 'level' sizes memtables from the budget: write_buffer_size = budget / 4, at most 6 of them.
      compaction: 'level',
      memtableMemoryBudget: o.writeBufferBytes * 4,
    });
  } catch (err) {
    throw ioError(o.storeName, `open RocksDB at ${o.dir} (is another instance of the application using this state directory?)`, err);
  }
  const backend = new RocksDbBackend(db, o);
  try {
    await backend.buildFilter();
  } catch (err) {
    await db.close().catch(() => {});
    throw ioError(o.storeName, `read the keys of RocksDB at ${o.dir}`, err);
  }
  return backend;
}

/** A filter with room for `capacity` keys, or null when that would be beyond MAX_FILTER_BYTES. */
function newFilter(capacity: number): KeyFilter | null {
  return KeyFilter.bytesFor(capacity) > MAX_FILTER_BYTES ? null : new KeyFilter(capacity);
}

class RocksDbBackend implements PersistentBackend {
  readonly kind = 'rocksdb' as const;
  generation = 0;
  readonly cursors = new Set<RocksCursor>();
  closed = false;
  private rangeError: Error | null = null;
  /** Keys the database may hold; null: too many keys for a filter, every read is native. */
  private filter: KeyFilter | null = null;

  constructor(
    readonly db: RocksDb,
    private readonly o: BackendOpenOptions,
  ) {}

  get storeName(): string {
    return this.o.storeName;
  }

  get(key: string): Buffer | undefined {
    if (this.filter !== null && !this.filter.mightContain(key)) return undefined;
    let value: Buffer | null | undefined;
    try {
      value = this.db._getManySync([toBytes(key)], NO_OPTIONS)[0];
    } catch (err) {
      throw ioError(this.o.storeName, 'read from RocksDB', err);
    }
    // null: RocksDB aborted the read (a deadline); we set none, so treat it as a failure.
    if (value === null) throw ioError(this.o.storeName, 'read from RocksDB', new Error('read aborted'));
    return value;
  }

  cursor(range: KeyRange): Cursor<Buffer> {
    const c = new RocksCursor(this, range);
    this.cursors.add(c);
    return c;
  }

  async write(ranges: readonly DeleteRange[], writes: WriteBatch): Promise<void> {
    this.writeSync(ranges, writes);
  }

  writeSync(ranges: readonly DeleteRange[], { keys, values }: WriteBatch): void {
    // A range delete reports failure a tick later: it fails the next write.
    const earlier = this.rangeError;
    this.rangeError = null;
    if (earlier !== null) throw ioError(this.o.storeName, 'delete a key range in RocksDB', earlier);
    try {
      for (const r of ranges) {
        const bounds: { gte?: Buffer; lt?: Buffer } = {};
        if (r.from !== undefined) bounds.gte = toBytes(r.from);
        if (r.to !== undefined) bounds.lt = toBytes(r.to);
        // A DeleteRange, done before _clear returns; only its error arrives later.
        void this.db._clear(bounds, (err) => {
          if (err) this.rangeError = err;
        });
      }
      if (keys.length > 0) {
        const batch = this.db._chainedBatch();
        try {
          const filter = this.filter;
          for (let i = 0; i < keys.length; i++) {
            const key = keys[i]!;
            const value = values[i]!;
            if (value === null) batch._del(toBytes(key), NO_OPTIONS);
            else {
              batch._put(toBytes(key), value, NO_OPTIONS);
              filter?.add(key);
            }
          }
          batch._writeSync({ sync: this.o.syncWrites });
        } finally {
          batch._closeSync();
        }
      }
    } catch (err) {
      throw ioError(this.o.storeName, 'write a batch to RocksDB', err);
    }
    this.generation++;
    if (this.filter?.full) {
      try {
        this.rebuildFilter();
      } catch (err) {
        throw ioError(this.o.storeName, 'read the keys of RocksDB', err);
      }
    }
  }

  /** Fills the filter from a scan of every key, yielding to the event loop between batches (at open). */
  async buildFilter(): Promise<void> {
    for (let capacity = 2 * this.approximateNumEntries(); ; ) {
      const filter = newFilter(capacity);
      if (filter === null) return;
      for (const batch of this.keyBatches()) {
        for (const k of batch) filter.add(k);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      this.filter = filter;
      // The estimate was low: size it from the count.
      if (!filter.full) return;
      capacity = 2 * filter.count;
    }
  }

  /** Replaces a full filter with one twice the size of the keys there are now (none smaller than before). */
  private rebuildFilter(): void {
    for (let capacity = Math.max(2 * this.approximateNumEntries(), this.filter?.capacity ?? 0); ; ) {
      const filter = newFilter(capacity);
      this.filter = filter;
      if (filter === null) return;
      for (const batch of this.keyBatches()) for (const k of batch) filter.add(k);
      if (!filter.full) return;
      capacity = 2 * filter.count;
    }
  }

  /** Every key in the database, in batches (a native keys-only iterator). */
  private *keyBatches(): Generator<string[]> {
    const it = this.db._iterator(KEYS_ONLY);
    try {
      for (;;) {
        const { rows, finished } = it._nextvSync(KEY_SCAN_BATCH, NO_OPTIONS);
        const batch: string[] = [];
        for (let i = 0; i < rows.length; i += 2) batch.push(latin1(rows[i]!));
        if (batch.length > 0) yield batch;
        if (finished) return;
      }
    } finally {
      it._closeSync();
    }
  }

  approximateNumEntries(): number {
    try {
      return Number(this.db.getProperty('rocksdb.estimate-num-keys')) || 0;
    } catch (err) {
      throw ioError(this.o.storeName, 'read RocksDB properties', err);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Native iterators must be released before the database, or the process crashes.
    for (const c of [...this.cursors]) c.close();
    this.closed = true;
    try {
      await this.db.close();
    } catch (err) {
      throw ioError(this.o.storeName, 'close RocksDB', err);
    }
  }
}

class RocksCursor implements Cursor<Buffer> {
  private it: RocksIterator | null = null;
  private rows: (Buffer | undefined)[] = [];
  private pos = 0;
  private finished = false;
  private generation = -1;
  private batch = FIRST_BATCH;
  private last: string | undefined;
  private head: string | undefined;
  private closed = false;

  constructor(
    private readonly backend: RocksDbBackend,
    private readonly range: KeyRange,
  ) {}

  peek(): string | undefined {
    if (this.closed) return undefined;
    if (this.generation !== this.backend.generation) this.reopen();
    const reverse = this.range.reverse === true;
    for (;;) {
      if (this.head !== undefined) return this.head;
      if (this.pos >= this.rows.length) {
        if (this.finished) return undefined;
        this.fill();
        continue;
      }
      const key = latin1(this.rows[this.pos]!);
      if (this.last !== undefined && (reverse ? key >= this.last : key <= this.last)) {
        this.pos += 2;
        continue;
      }
      this.head = key;
    }
  }

  value(): Buffer {
    return this.rows[this.pos + 1]!;
  }

  skip(key: string): void {
    this.last = key;
    if (this.head === undefined) return;
    if (this.head === key) {
      this.pos += 2;
      this.head = undefined;
    } else if (this.range.reverse ? this.head > key : this.head < key) {
      this.head = undefined;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.release();
    this.backend.cursors.delete(this);
  }

  private release(): void {
    if (this.it === null) return;
    const it = this.it;
    this.it = null;
    try {
      it._closeSync();
    } catch (err) {
      throw ioError(this.backend.storeName, 'close a RocksDB iterator', err);
    }
  }

  /** (Re)creates the native iterator after the last key handed out, on the latest data. */
  private reopen(): void {
    this.release();
    const r = this.range;
    const options: { gt?: Buffer; gte?: Buffer; lt?: Buffer; lte?: Buffer; reverse: boolean; keyEncoding: string; valueEncoding: string } = {
      reverse: r.reverse === true,
      keyEncoding: 'buffer',
      valueEncoding: 'buffer',
    };
    if (r.from !== undefined) options.gte = toBytes(r.from);
    if (r.to !== undefined) {
      if (r.toExclusive) options.lt = toBytes(r.to);
      else options.lte = toBytes(r.to);
    }
    if (this.last !== undefined) {
      if (r.reverse) {
        delete options.lte;
        options.lt = toBytes(this.last);
      } else {
        delete options.gte;
        options.gt = toBytes(this.last);
      }
    }
    try {
      this.it = this.backend.db._iterator(options);
    } catch (err) {
      throw ioError(this.backend.storeName, 'open a RocksDB iterator', err);
    }
    this.generation = this.backend.generation;
    this.rows = [];
    this.pos = 0;
    this.finished = false;
    this.head = undefined;
    this.batch = FIRST_BATCH;
  }

  private fill(): void {
    try {
      const { rows, finished } = this.it!._nextvSync(this.batch, NO_OPTIONS);
      this.rows = rows;
      this.finished = finished;
    } catch (err) {
      throw ioError(this.backend.storeName, 'scan RocksDB', err);
    }
    this.pos = 0;
    this.batch = Math.min(this.batch * 4, MAX_BATCH);
  }
}
