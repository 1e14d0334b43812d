/**
 * The suppression buffer: a state store of held-back table updates, ordered by buffer time
 * (Kafka's TimeOrderedKeyValueBuffer). Unlike Kafka's, which lives in memory, an unbounded
 * buffer lives in a persistent store (RocksDB), so final-results suppression of many windows
 * (ksqlDB's EMIT FINAL) keeps memory bounded; bounded buffers stay in memory. With logging on
 * every change goes to `<application.id>-<store>-changelog` (compacted), so a restarted task
 * neither loses nor re-emits what it held.
 *
 * The buffer speaks bytes; the suppress processor owns the serdes. Keys in the store (latin1):
 *
 *   't' | buffer time int64 BE (8) | key bytes (n)   -> entry (below), in emission order
 *   'k' | key bytes (n)                              -> buffer time int64 BE (8)
 *
 * The 'k' index exists only when the buffer time cannot be computed from the key (time
 * limits: the time of the key's first buffered update; window ends are in the key).
 *
 * Entry:
 *
 *   record timestamp int64 BE (8) | flags int8 (bit 0: prior value present, bit 1: new value present)
 *   | [prior length int32 | prior bytes] | [new length int32 | new bytes]
 *   | header count int32 | per header: key length int32 | key UTF-8 | value length int32 (-1: null) | value bytes
 *
 * The prior value is what downstream saw before the first buffered update of the key; it is
 * emitted as the old value of the change, whatever updates were collapsed in between.
 */
import { latin1, toBytes, type KeyValueBytesStore } from '../../storage/state/bytes-store.js';
import { ChangeLoggingBytesStore } from '../../storage/state/change-logging-bytes-store.js';
import { prefixRange } from '../../storage/state/cursor.js';
import { InMemoryKeyValueBytesStore } from '../../storage/state/in-memory-key-value-store.js';
import { decodeTime, encodeTime } from '../../storage/state/key-encoding.js';
import { PersistentKeyValueBytesStore } from '../../storage/state/persistent-key-value-store.js';
import type { StateStore, StateStoreContext } from '../../storage/state/state-store.js';
import type { StoreBuilder } from '../../storage/state/store-builder.js';
import type { StoreSerde } from '../../storage/state/store-serde.js';
import type { RecordHeader } from '../../storage/types.js';
import { SerializationError } from '../serde/serdes.js';

const TIME_PREFIX = 't';
const INDEX_PREFIX = 'k';
/** Bytes an entry costs beyond its key and value bytes (for maxBytes), roughly Kafka's record context. */
const ENTRY_OVERHEAD = 24;

export interface BufferedEntry {
  /** Timestamp of the latest update (the emitted record's). */
  timestamp: number;
  prior: Buffer | null;
  newValue: Buffer | null;
  headers: RecordHeader[];
}

export interface Eviction extends BufferedEntry {
  key: Buffer;
  time: number;
}

export class SuppressBufferStore implements StateStore {
  private readonly store: KeyValueBytesStore;
  private loaded = false;
  private count = 0;
  private bytes = 0;
  /** A lower bound of the oldest buffer time (exact after load and every eviction). */
  private minTime = Infinity;

  constructor(
    readonly name: string,
    readonly persistent: boolean,
    logging: boolean,
    /** Whether entries carry a 'k' index (buffer time not derivable from the key). */
    private readonly indexed: boolean,
    /** Whether to keep exact record and byte counts (bounded buffers); others count only what they saw. */
    private readonly counted: boolean,
  ) {
    const inner = persistent ? new PersistentKeyValueBytesStore(name) : new InMemoryKeyValueBytesStore(name);
    this.store = logging ? new ChangeLoggingBytesStore(inner) : inner;
  }

  /** The application's default serdes, for tables that do not know theirs (as stores use them). */
  defaultKeySerde: StoreSerde<unknown> | undefined;
  defaultValueSerde: StoreSerde<unknown> | undefined;

  async init(context: StateStoreContext, root: StateStore): Promise<void> {
    this.defaultKeySerde = context.defaultKeySerde;
    this.defaultValueSerde = context.defaultValueSerde;
    await this.store.init(context, root);
  }

  isOpen(): boolean {
    return this.store.isOpen();
  }

  flush(): void | Promise<void> {
    return this.store.flush();
  }

  close(): void | Promise<void> {
    return this.store.close();
  }

  /** Records held (exact for bounded buffers; unbounded ones do not count what a restart brought back). */
  get numRecords(): number {
    this.load();
    return this.count;
  }

  get bufferSize(): number {
    this.load();
    return this.bytes;
  }

  /** The oldest buffer time, or Infinity when empty. */
  get minTimestamp(): number {
    this.load();
    return this.minTime;
  }

  /**
   * Learns what a restored (or reopened) buffer holds, on first use (after restore): its oldest
   * time, and for a bounded buffer its record and byte counts (a full scan, of a buffer that is
   * small by configuration).
   */
  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    const c = this.store.cursor(prefixRange(TIME_PREFIX));
    try {
      for (let k = c.peek(); k !== undefined; k = c.peek()) {
        if (this.minTime === Infinity) this.minTime = decodeTime(k, 1);
        if (!this.counted) break;
        this.count++;
        this.bytes += entrySize(k.length - 9, c.value().length);
        c.skip(k);
      }
    } finally {
      c.close();
    }
  }

  /**
   * The key's entry and buffer time, if buffered. `time`: the buffer time when the caller
   * knows it (a window end); otherwise the index says.
   */
  find(key: Buffer, time?: number): { time: number; entry: BufferedEntry; size: number } | null {
    const k = latin1(key);
    let t = time;
    if (t === undefined) {
      if (!this.indexed) throw new Error('unreachable: a buffer without index needs the buffer time from the key');
      const indexed = this.store.get(INDEX_PREFIX + k);
      if (indexed === null) return null;
      t = decodeTime(latin1(indexed), 0);
    }
    const v = this.store.get(TIME_PREFIX + encodeTime(t) + k);
    return v === null ? null : { time: t, entry: decodeEntry(v), size: v.length };
  }

  /** Buffers the key's entry at `time`; `previousSize`: the size find() gave for the entry it replaces. */
  put(key: Buffer, time: number, entry: BufferedEntry, timestamp: number, previousSize: number | null): void {
    this.load();
    const k = latin1(key);
    const value = encodeEntry(entry);
    if (previousSize === null) {
      this.count++;
      if (this.indexed) this.store.put(INDEX_PREFIX + k, toBytes(encodeTime(time)), timestamp);
    } else {
      this.bytes -= entrySize(key.length, previousSize);
    }
    this.bytes += entrySize(key.length, value.length);
    this.store.put(TIME_PREFIX + encodeTime(time) + k, value, timestamp);
    if (time < this.minTime) this.minTime = time;
  }

  /** Evicts entries in buffer-time order while `more(next buffer time)` holds, handing each to `emit`. */
  evictWhile(more: (time: number) => boolean, emit: (eviction: Eviction) => void, timestamp: number): void {
    this.load();
    if (this.minTime === Infinity || !more(this.minTime)) return;
    // Start at the oldest live time: a persistent store seeks past what was evicted before.
    const range = prefixRange(TIME_PREFIX);
    const c = this.store.cursor({ ...range, from: TIME_PREFIX + encodeTime(this.minTime) });
    try {
      for (;;) {
        const k = c.peek();
        if (k === undefined) {
          this.minTime = Infinity;
          return;
        }
        const time = decodeTime(k, 1);
        if (!more(time)) {
          this.minTime = time;
          return;
        }
        const value = c.value();
        c.skip(k);
        const key = k.slice(9);
        this.store.put(k, null, timestamp);
        if (this.indexed) this.store.put(INDEX_PREFIX + key, null, timestamp);
        this.count--;
        this.bytes -= entrySize(key.length, value.length);
        emit({ key: toBytes(key), time, ...decodeEntry(value) });
      }
    } finally {
      c.close();
    }
  }
}

function entrySize(keyLength: number, valueLength: number): number {
  return keyLength + valueLength + ENTRY_OVERHEAD;
}

function encodeEntry(e: BufferedEntry): Buffer {
  const headers = e.headers.map((h) => ({ key: Buffer.from(h.key, 'utf8'), value: h.value }));
  let size = 8 + 1 + (e.prior ? 4 + e.prior.length : 0) + (e.newValue ? 4 + e.newValue.length : 0) + 4;
  for (const h of headers) size += 8 + h.key.length + (h.value ? h.value.length : 0);
  const out = Buffer.allocUnsafe(size);
  const hi = Math.floor(e.timestamp / 0x1_0000_0000);
  out.writeInt32BE(hi, 0);
  out.writeUInt32BE(e.timestamp - hi * 0x1_0000_0000, 4);
  out[8] = (e.prior ? 1 : 0) | (e.newValue ? 2 : 0);
  let p = 9;
  for (const part of [e.prior, e.newValue]) {
    if (!part) continue;
    out.writeInt32BE(part.length, p);
    part.copy(out, p + 4);
    p += 4 + part.length;
  }
  out.writeInt32BE(headers.length, p);
  p += 4;
  for (const h of headers) {
    out.writeInt32BE(h.key.length, p);
    h.key.copy(out, p + 4);
    p += 4 + h.key.length;
    out.writeInt32BE(h.value ? h.value.length : -1, p);
    p += 4;
    if (h.value) {
      h.value.copy(out, p);
      p += h.value.length;
    }
  }
  return out;
}

function decodeEntry(data: Buffer): BufferedEntry {
  const fail = (): never => {
    throw new SerializationError(`A damaged suppression buffer entry (${data.length} bytes): reset the application or delete the buffer's state and changelog.`);
  };
  if (data.length < 13) fail();
  const timestamp = data.readInt32BE(0) * 0x1_0000_0000 + data.readUInt32BE(4);
  const flags = data[8]!;
  let p = 9;
  const part = (present: boolean): Buffer | null => {
    if (!present) return null;
    if (p + 4 > data.length) fail();
    const len = data.readInt32BE(p);
    if (len < 0 || p + 4 + len > data.length) fail();
    const bytes = Buffer.from(data.subarray(p + 4, p + 4 + len));
    p += 4 + len;
    return bytes;
  };
  const prior = part((flags & 1) !== 0);
  const newValue = part((flags & 2) !== 0);
  if (p + 4 > data.length) fail();
  const n = data.readInt32BE(p);
  p += 4;
  const headers: RecordHeader[] = [];
  for (let i = 0; i < n; i++) {
    if (p + 4 > data.length) fail();
    const kl = data.readInt32BE(p);
    if (kl < 0 || p + 8 + kl > data.length) fail();
    const key = data.toString('utf8', p + 4, p + 4 + kl);
    p += 4 + kl;
    const vl = data.readInt32BE(p);
    p += 4;
    if (vl > 0 && p + vl > data.length) fail();
    headers.push({ key, value: vl < 0 ? null : Buffer.from(data.subarray(p, p + vl)) });
    if (vl > 0) p += vl;
  }
  return { timestamp, prior, newValue, headers };
}

/** Builds one buffer per task. Caching never applies (the buffer is itself a cache). */
export class SuppressBufferBuilder implements StoreBuilder<SuppressBufferStore> {
  readonly kind = 'keyValue' as const;
  readonly cachingEnabled = false;
  private logging = true;
  private overrides: Record<string, string> = {};

  constructor(
    readonly name: string,
    /** Bounded buffers stay in memory (counted); unbounded ones spill to a persistent store. */
    private readonly bounded: boolean,
    private readonly indexed: boolean,
  ) {}

  get loggingEnabled(): boolean {
    return this.logging;
  }

  get logConfig(): Readonly<Record<string, string>> {
    return { 'cleanup.policy': 'compact', ...this.overrides };
  }

  withLoggingEnabled(config: Record<string, string> = {}): this {
    this.logging = true;
    this.overrides = { ...config };
    return this;
  }

  withLoggingDisabled(): this {
    this.logging = false;
    this.overrides = {};
    return this;
  }

  withCachingEnabled(): this {
    return this;
  }

  withCachingDisabled(): this {
    return this;
  }

  build(): SuppressBufferStore {
    return new SuppressBufferStore(this.name, !this.bounded, this.logging, this.indexed, this.bounded);
  }
}
