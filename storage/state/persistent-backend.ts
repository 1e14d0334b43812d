/**
 * The on-disk engines under persistent stores: LevelDB (`classic-level`, the default for new
 * stores) and RocksDB (`@nxtedition/rocksdb`). Both are reached through the same small
 * interface, with synchronous point reads and synchronous ordered scans, because processors
 * read and iterate stores synchronously; writes arrive in batches at flush.
 * */
import type { Cursor, KeyRange } from './cursor.js';

export type BackendChoice = 'rocksdb' | 'leveldb' | 'auto';
export type BackendKind = 'rocksdb' | 'leveldb';

/**
 * The engine `auto` opens a new store directory with. LevelDB: a cached count over 100k keys
 * runs ~30% faster on it than on RocksDB (its point reads cost ~1 us against RocksDB's ~2.5 us
 * through N-API, and it writes batches on a worker thread), window counts run alike; the price
 * is an in-memory index of every key (README.md, "Choosing the engine").
 */
export const DEFAULT_BACKEND: BackendKind = 'leveldb';

export interface PersistentStoreOptions {
  /** Which engine; `auto` (default): the directory's engine if it exists, else DEFAULT_BACKEND, else the other. */
  backend?: BackendChoice;
  /** Block cache (RocksDB) / LRU cache (LevelDB) per store instance, bytes. Default 4 MiB. */
  blockCacheBytes?: number;
  /** Size of one memtable / write buffer, bytes. Default 2 MiB (RocksDB keeps at most six). */
  writeBufferBytes?: number;
  /** fsync every flush (survives an OS crash; default false: survives a process crash). */
  syncWrites?: boolean;
  /** Pending writes beyond this many bytes are written before the next flush(). Default 16 MiB. */
  maxPendingBytes?: number;
}

export const DEFAULT_BLOCK_CACHE_BYTES = 4 * 1024 * 1024;
export const DEFAULT_WRITE_BUFFER_BYTES = 2 * 1024 * 1024;
export const DEFAULT_MAX_PENDING_BYTES = 16 * 1024 * 1024;

export interface DeleteRange {
  from: string | undefined;
  to: string | undefined;
}

/** Writes for one batch: keys and their values (null: delete) at the same index, keys distinct. */
export interface WriteBatch {
  keys: readonly string[];
  values: readonly (Buffer | null)[];
}

export interface PersistentBackend {
  readonly kind: BackendKind;
  /** Bumped after every write: open scans of a snapshotting engine re-seek then. */
  readonly generation: number;
  get(key: string): Buffer | undefined;
  cursor(range: KeyRange): Cursor<Buffer>;
  /** Deletes the ranges, then applies the writes, as one durable step. */
  write(ranges: readonly DeleteRange[], writes: WriteBatch): Promise<void>;
  /** The same, done before returning (engines that can). */
  writeSync?(ranges: readonly DeleteRange[], writes: WriteBatch): void;
  approximateNumEntries(): number;
  close(): Promise<void>;
}

export interface BackendOpenOptions {
  dir: string;
  storeName: string;
  blockCacheBytes: number;
  writeBufferBytes: number;
  syncWrites: boolean;
}

export type BackendOpener = (options: BackendOpenOptions) => Promise<PersistentBackend>;
