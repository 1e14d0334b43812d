/**
 * The contract between state stores and whatever runs them (a stream task, the test driver).
 * Reads and writes are synchronous, so processing never awaits per record; opening, flushing
 * and closing may be asynchronous (they happen at task start, commit and shutdown).
 */
import type { StoreSerde } from './store-serde.js';

export interface StateStore {
  readonly name: string;
  /** True when the store keeps its data on disk (RocksDB); false for in-memory stores. */
  readonly persistent: boolean;
  /** Opens the store. `root` is the outermost wrapper, which the store registers for restore. */
  init(context: StateStoreContext, root: StateStore): void | Promise<void>;
  /** Writes everything buffered (cache, pending writes) down and to the changelog. */
  flush(): void | Promise<void>;
  close(): void | Promise<void>;
  isOpen(): boolean;
}

/** Applies changelog records to a store while it is being restored. */
export type RestoreCallback = (records: readonly ChangelogRecord[]) => void | Promise<void>;

export interface ChangelogRecord {
  key: Buffer;
  /** null: a tombstone (the key was deleted). */
  value: Buffer | null;
  timestamp: number;
  offset: number;
}

/** What a store may ask of the task that owns it. */
export interface StateStoreContext {
  readonly applicationId: string;
  /** e.g. `0_1` (sub-topology 0, partition 1). */
  readonly taskId: string;
  /** The directory for this task's persistent stores (`<state.dir>/<application.id>/<task>`). */
  readonly stateDir: string;
  /** The task's input partition: a store's changelog partition. */
  readonly partition: number;
  /** cache.max.bytes.buffering for this store's share, in bytes (0: caching off). */
  readonly cacheMaxBytes: number;
  /** The changelog topic of a store, or null when logging is off. */
  changelogTopic(storeName: string): string | null;
  /** Registers the store for restore from its changelog (before processing starts). */
  register(store: StateStore, restore: RestoreCallback): void;
  /** Sends a change to the store's changelog (in the task's transaction under exactly-once). */
  logChange(storeName: string, key: Buffer, value: Buffer | null, timestamp: number): void;
  /** Stream time of the task (for window retention). */
  streamTime(): number;
  /**
   * Timestamp of the record being processed (-1 outside processing). Optional: stores log
   * changes and forward cache flushes with it, and fall back to streamTime() without it.
   */
  recordTimestamp?(): number;
  /** The application's default serdes, for store builders given no serde (as Kafka's context.keySerde()). */
  readonly defaultKeySerde?: StoreSerde<unknown> | undefined;
  readonly defaultValueSerde?: StoreSerde<unknown> | undefined;
}
