/**
 * LevelDB through `classic-level`: the default engine for new stores (faster point reads and
 * off-thread batch writes: README.md, "Choosing the engine").
 *
 * classic-level reads points synchronously (`getSync`) but its iterators are asynchronous only,
 * and processors scan synchronously. So the backend keeps every key of the database in memory,
 * in a SortedKeys index (latin1 strings: about 35 bytes per key beyond the key's own bytes,
 * measured 50 MB for a million 16-byte keys), loaded by
 * one async scan at open and updated after every batch. A scan walks the index in order and
 * reads each value with getSync (~1.2 µs); a point read of an absent key is answered by the
 * index without touching LevelDB.
 *
 * The trade-off: memory grows with the number of keys (values stay on disk) and opening a
 * large store reads all its keys once; stores of many millions of keys belong on RocksDB,
 * which also scans natively.
 */
import { latin1, toBytes } from './bytes-store.js';
import type { Cursor, KeyRange } from './cursor.js';
import type { BackendOpenOptions, DeleteRange, PersistentBackend, WriteBatch } from './persistent-backend.js';
import { KeysCursor, SortedKeys } from './sorted-keys.js';
import { ioError } from './state-errors.js';

interface LevelKeyIterator {
  nextv(size: number): Promise<Buffer[]>;
  close(): Promise<void>;
}

interface LevelChainedBatch {
  put(key: Buffer, value: Buffer): void;
  del(key: Buffer): void;
  write(options?: object): Promise<void>;
}

interface LevelDb {
  open(options: object): Promise<void>;
  close(): Promise<void>;
  getSync(key: Buffer): Buffer | undefined;
  batch(): LevelChainedBatch;
  clear(options: { gte?: Buffer; lt?: Buffer }): Promise<void>;
  keys(options?: object): LevelKeyIterator;
}

interface LevelModule {
  ClassicLevel: new (location: string, options?: object) => LevelDb;
}

const INDEX_LOAD_BATCH = 10_000;

export async function openLevelDb(mod: unknown, o: BackendOpenOptions): Promise<PersistentBackend> {
  const { ClassicLevel } = mod as LevelModule;
  const db = new ClassicLevel(o.dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  const index = new SortedKeys();
  try {
    await db.open({ createIfMissing: true, cacheSize: o.blockCacheBytes, writeBufferSize: o.writeBufferBytes });
    const it = db.keys();
    try {
      for (;;) {
        const keys = await it.nextv(INDEX_LOAD_BATCH);
        if (keys.length === 0) break;
        for (const k of keys) index.add(latin1(k));
      }
    } finally {
      await it.close();
    }
  } catch (err) {
    await db.close().catch(() => {});
    throw ioError(o.storeName, `open LevelDB at ${o.dir} (is another instance of the application using this state directory?)`, err);
  }
  return new LevelDbBackend(db, index, o);
}

class LevelDbBackend implements PersistentBackend {
  readonly kind = 'leveldb' as const;
  generation = 0;
  private closed = false;

  constructor(
    private readonly db: LevelDb,
    readonly index: SortedKeys,
    private readonly o: BackendOpenOptions,
  ) {}

  get(key: string): Buffer | undefined {
    if (!this.index.has(key)) return undefined;
    return this.read(key);
  }

  read(key: string): Buffer | undefined {
    try {
      return this.db.getSync(toBytes(key));
    } catch (err) {
      throw ioError(this.o.storeName, 'read from LevelDB', err);
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  cursor(range: KeyRange): Cursor<Buffer> {
    return new LevelCursor(this, new KeysCursor(this.index, range, (k) => k));
  }

  async write(ranges: readonly DeleteRange[], { keys, values }: WriteBatch): Promise<void> {
    try {
      for (const r of ranges) {
        const bounds: { gte?: Buffer; lt?: Buffer } = {};
        if (r.from !== undefined) bounds.gte = toBytes(r.from);
        if (r.to !== undefined) bounds.lt = toBytes(r.to);
        await this.db.clear(bounds);
        this.index.removeRange(r.from, r.to);
      }
      if (keys.length > 0) {
        // A chained batch: abstract-level copies options into every op of an array batch,
        // which made a 100k-key flush five times slower.
        const batch = this.db.batch();
        for (let i = 0; i < keys.length; i++) {
          const value = values[i]!;
          if (value === null) batch.del(toBytes(keys[i]!));
          else batch.put(toBytes(keys[i]!), value);
        }
        await batch.write(this.o.syncWrites ? { sync: true } : undefined);
        for (let i = 0; i < keys.length; i++) {
          if (values[i] === null) this.index.remove(keys[i]!);
          else this.index.add(keys[i]!);
        }
      }
    } catch (err) {
      throw ioError(this.o.storeName, 'write a batch to LevelDB', err);
    }
    this.generation++;
  }

  approximateNumEntries(): number {
    return this.index.size;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.db.close();
    } catch (err) {
      throw ioError(this.o.storeName, 'close LevelDB', err);
    }
  }
}

/** Walks the key index and reads values on demand; skips keys deleted under it. */
class LevelCursor implements Cursor<Buffer> {
  private head: string | undefined;
  private headValue: Buffer | undefined;
  private headGeneration = -1;

  constructor(
    private readonly backend: LevelDbBackend,
    private readonly keys: KeysCursor<string>,
  ) {}

  peek(): string | undefined {
    if (this.backend.isClosed) return undefined;
    for (;;) {
      const key = this.keys.peek();
      if (key === undefined) return undefined;
      // peek() runs more than once per step in merges: read each value once.
      if (key === this.head && this.headGeneration === this.backend.generation) return key;
      const value = this.backend.read(key);
      if (value === undefined) {
        this.keys.skip(key);
        continue;
      }
      this.head = key;
      this.headValue = value;
      this.headGeneration = this.backend.generation;
      return key;
    }
  }

  value(): Buffer {
    return this.headValue!;
  }

  skip(key: string): void {
    this.keys.skip(key);
  }

  close(): void {
    this.keys.close();
  }
}
