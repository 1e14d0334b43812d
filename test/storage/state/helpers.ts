/**
 * Test scaffolding for the state stores: a fake StateStoreContext that records changelog
 * writes and restore registrations (no engine needed), serdes, and a registry of what to clean
 * up after each test (stores to close, temp directories to remove).
 */
import { tempDir } from '../../helpers/tmp.js';
import type { ChangelogRecord, RestoreCallback, StateStore, StateStoreContext } from '../../../storage/state/state-store.js';
import type { StoreSerde } from '../../../storage/state/store-serde.js';
import type { StoreBackend } from '../../../storage/state/store-suppliers.js';
import type { RetentionClock } from '../../../storage/state/segmented-bytes-store.js';
import { Stores } from '../../../storage/state/stores-factory.js';

export interface LoggedChange {
  store: string;
  key: Buffer;
  value: Buffer | null;
  timestamp: number;
}

export class FakeContext implements StateStoreContext {
  readonly applicationId = 'app';
  readonly taskId = '0_0';
  readonly partition = 0;
  readonly logged: LoggedChange[] = [];
  readonly restorers = new Map<string, { store: StateStore; restore: RestoreCallback }>();
  time = -1;
  recordTime: number | undefined;
  defaultKeySerde?: StoreSerde<unknown>;
  defaultValueSerde?: StoreSerde<unknown>;

  constructor(
    readonly stateDir: string,
    readonly cacheMaxBytes = 0,
    private readonly logging = true,
  ) {}

  changelogTopic(storeName: string): string | null {
    return this.logging ? `app-${storeName}-changelog` : null;
  }

  register(store: StateStore, restore: RestoreCallback): void {
    this.restorers.set(store.name, { store, restore });
  }

  logChange(store: string, key: Buffer, value: Buffer | null, timestamp: number): void {
    this.logged.push({ store, key: Buffer.from(key), value: value === null ? null : Buffer.from(value), timestamp });
  }

  streamTime(): number {
    return this.time;
  }

  recordTimestamp(): number {
    return this.recordTime ?? -1;
  }

  /** What a changelog topic would hold: the logged changes as records with offsets. */
  changelog(store: string): ChangelogRecord[] {
    return this.logged.filter((c) => c.store === store).map((c, offset) => ({ key: c.key, value: c.value, timestamp: c.timestamp, offset }));
  }

  /** Replays records through the registered restore callback, in batches as the runtime does. */
  async restore(store: string, records: readonly ChangelogRecord[], batchSize = 7): Promise<void> {
    const r = this.restorers.get(store);
    if (!r) throw new Error(`store ${store} did not register for restore`);
    for (let i = 0; i < records.length; i += batchSize) await r.restore(records.slice(i, i + batchSize));
  }
}

export const stringSerde: StoreSerde<string> = {
  serialize: (_topic, data) => (data === null ? null : Buffer.from(data, 'utf8')),
  deserialize: (_topic, data) => (data === null ? null : data.toString('utf8')),
};

/** Keys as raw bytes: lets tests put bytes ≥ 0x80 and keys that are prefixes of others. */
export const bytesSerde: StoreSerde<Buffer> = {
  serialize: (_topic, data) => data,
  deserialize: (_topic, data) => (data === null ? null : Buffer.from(data)),
};

export const int32Serde: StoreSerde<number> = {
  serialize: (_topic, data) => {
    if (data === null) return null;
    const b = Buffer.alloc(4);
    b.writeInt32BE(data);
    return b;
  },
  deserialize: (_topic, data) => (data === null ? null : data.readInt32BE(0)),
};

export const BACKENDS: readonly StoreBackend[] = ['memory', 'rocksdb', 'leveldb'];

/** Cleanups run after each test, newest first (stores close before their directories go). */
export class Cleanup {
  private readonly tasks: (() => void | Promise<void>)[] = [];

  add(task: () => void | Promise<void>): void {
    this.tasks.push(task);
  }

  dir(): string {
    const t = tempDir('freshet-state-');
    this.add(t.cleanup);
    return t.dir;
  }

  store<S extends StateStore>(store: S): S {
    this.add(async () => {
      if (store.isOpen()) await store.close();
    });
    return store;
  }

  async run(): Promise<void> {
    while (this.tasks.length > 0) await this.tasks.pop()!();
  }
}

/** A small deterministic PRNG (mulberry32) for randomized model tests. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function drain<T>(it: IterableIterator<T>): T[] {
  return [...it];
}

export interface OpenOptions {
  name?: string;
  caching?: boolean;
  logging?: boolean;
  cacheMaxBytes?: number;
  /** Reuse a context (same state directory and changelog), e.g. to reopen a store. */
  ctx?: FakeContext;
}

function context(cleanup: Cleanup, o: OpenOptions): FakeContext {
  return o.ctx ?? new FakeContext(cleanup.dir(), o.cacheMaxBytes ?? (o.caching ? 1 << 20 : 0));
}

function kvSupplier(backend: StoreBackend, name: string) {
  return backend === 'memory' ? Stores.inMemoryKeyValueStore(name) : Stores.persistentKeyValueStore(name, { backend });
}

function layered<B extends { withCachingEnabled(): B; withCachingDisabled(): B; withLoggingEnabled(): B; withLoggingDisabled(): B }>(builder: B, o: OpenOptions): B {
  const b = o.caching ? builder.withCachingEnabled() : builder.withCachingDisabled();
  return o.logging === false ? b.withLoggingDisabled() : b.withLoggingEnabled();
}

export async function openKeyValue<K, V>(cleanup: Cleanup, backend: StoreBackend, keySerde: StoreSerde<K>, valueSerde: StoreSerde<V>, o: OpenOptions = {}) {
  const ctx = context(cleanup, o);
  const store = cleanup.store(layered(Stores.keyValueStoreBuilder(kvSupplier(backend, o.name ?? 'kv'), keySerde, valueSerde), o).build());
  await store.init(ctx, store);
  return { store, ctx };
}

export async function openTimestampedKeyValue<K, V>(cleanup: Cleanup, backend: StoreBackend, keySerde: StoreSerde<K>, valueSerde: StoreSerde<V>, o: OpenOptions = {}) {
  const ctx = context(cleanup, o);
  const supplier = backend === 'memory' ? Stores.inMemoryKeyValueStore(o.name ?? 'tkv') : Stores.persistentTimestampedKeyValueStore(o.name ?? 'tkv', { backend });
  const store = cleanup.store(layered(Stores.timestampedKeyValueStoreBuilder(supplier, keySerde, valueSerde), o).build());
  await store.init(ctx, store);
  return { store, ctx };
}

export interface WindowOpenOptions extends OpenOptions {
  retentionMs?: number;
  windowSizeMs?: number;
  segmentIntervalMs?: number;
  retainDuplicates?: boolean;
  retentionClock?: RetentionClock;
}

function windowSupplierFor(backend: StoreBackend, o: WindowOpenOptions) {
  const options = { retentionMs: o.retentionMs ?? 1_000_000, windowSizeMs: o.windowSizeMs ?? 10, segmentIntervalMs: o.segmentIntervalMs ?? 100, retainDuplicates: o.retainDuplicates ?? false, retentionClock: o.retentionClock ?? 'task' };
  const name = o.name ?? 'win';
  return backend === 'memory' ? Stores.inMemoryWindowStore(name, options) : Stores.persistentWindowStore(name, { ...options, backend });
}

export async function openWindow<K, V>(cleanup: Cleanup, backend: StoreBackend, keySerde: StoreSerde<K>, valueSerde: StoreSerde<V>, o: WindowOpenOptions = {}) {
  const ctx = context(cleanup, o);
  const store = cleanup.store(layered(Stores.windowStoreBuilder(windowSupplierFor(backend, o), keySerde, valueSerde), o).build());
  await store.init(ctx, store);
  return { store, ctx };
}

export async function openTimestampedWindow<K, V>(cleanup: Cleanup, backend: StoreBackend, keySerde: StoreSerde<K>, valueSerde: StoreSerde<V>, o: WindowOpenOptions = {}) {
  const ctx = context(cleanup, o);
  const store = cleanup.store(layered(Stores.timestampedWindowStoreBuilder(windowSupplierFor(backend, o), keySerde, valueSerde), o).build());
  await store.init(ctx, store);
  return { store, ctx };
}

export interface SessionOpenOptions extends OpenOptions {
  retentionMs?: number;
  segmentIntervalMs?: number;
}

export async function openSession<K, V>(cleanup: Cleanup, backend: StoreBackend, keySerde: StoreSerde<K>, valueSerde: StoreSerde<V>, o: SessionOpenOptions = {}) {
  const ctx = context(cleanup, o);
  const options = { retentionMs: o.retentionMs ?? 1_000_000, segmentIntervalMs: o.segmentIntervalMs ?? 100 };
  const name = o.name ?? 'sess';
  const supplier = backend === 'memory' ? Stores.inMemorySessionStore(name, options) : Stores.persistentSessionStore(name, { ...options, backend });
  const store = cleanup.store(layered(Stores.sessionStoreBuilder(supplier, keySerde, valueSerde), o).build());
  await store.init(ctx, store);
  return { store, ctx };
}
