/**
 * What the three metered stores share: the outermost layer, where typed keys and values become
 * bytes (through the serdes, checked) and back, operations are counted, and open iterators are
 * tracked so closing the store also releases them (a RocksDB iterator outliving its database
 * would crash the process). Serdes use the changelog topic name as their topic, as Kafka's do,
 * so a schema-registry serde registers the changelog subject.
 */
import { isCachingLayer, Lifecycle, latin1, toBytes, changeTimestamp, type BytesFlushListener, type KeyValueBytesStore } from './bytes-store.js';
import { CursorIterator, EMPTY_CURSOR, FilterCursor, type KeyRange } from './cursor.js';
import { StateStoreError } from './state-errors.js';
import type { StateStore, StateStoreContext } from './state-store.js';
import { deserializeChecked, serializeChecked, type StoreSerde } from './store-serde.js';
import { StoreMetrics } from './store-metrics.js';
import { DISCARD_FLUSHES } from './stores.js';

export interface MeteredSerdes<K, V> {
  keySerde: StoreSerde<K> | undefined;
  valueSerde: StoreSerde<V> | undefined;
  /** Timestamped stores wrap the (possibly default) value serde into the ValueAndTimestamp layout. */
  wrapValueSerde?: (serde: StoreSerde<unknown>) => StoreSerde<V>;
  /** Timestamped stores log and forward with the value's own timestamp. */
  timestampOf?: (value: V) => number;
}

const NO_KEY = Symbol('no key');

export abstract class MeteredStore<K, V> implements StateStore {
  readonly metrics = new StoreMetrics();
  protected readonly lifecycle: Lifecycle;
  protected context: StateStoreContext | null = null;
  protected topic = '';
  protected keySerde!: StoreSerde<K>;
  protected valueSerde!: StoreSerde<V>;
  private readonly iterators = new Set<CursorIterator<unknown>>();
  /** The last primitive key serialized, and its store key (see keyString). */
  private lastKey: unknown = NO_KEY;
  private lastKeyString = '';

  constructor(
    protected readonly inner: KeyValueBytesStore,
    private readonly serdes: MeteredSerdes<K, V>,
  ) {
    this.lifecycle = new Lifecycle(inner.name);
  }

  get name(): string {
    return this.inner.name;
  }

  get persistent(): boolean {
    return this.inner.persistent;
  }

  /** The layer below (caching, change-logging or the inner store), for diagnostics and tests. */
  get wrapped(): KeyValueBytesStore {
    return this.inner;
  }

  async init(context: StateStoreContext, root: StateStore): Promise<void> {
    this.lifecycle.beginInit();
    const keySerde = this.serdes.keySerde ?? (context.defaultKeySerde as StoreSerde<K> | undefined);
    const plainValueSerde = this.serdes.valueSerde ?? context.defaultValueSerde;
    if (keySerde === undefined || plainValueSerde === undefined) {
      throw new StateStoreError(
        'STATE_STORE_INVALID_CONFIG',
        `State store '${this.name}' has no ${keySerde === undefined ? 'key' : 'value'} serde: pass one to the store builder (or Materialized), or configure default serdes for the application.`,
      );
    }
    this.keySerde = keySerde;
    this.valueSerde = this.serdes.valueSerde === undefined && this.serdes.wrapValueSerde ? this.serdes.wrapValueSerde(plainValueSerde as StoreSerde<unknown>) : (plainValueSerde as StoreSerde<V>);
    this.topic = context.changelogTopic(this.name) ?? `${context.applicationId}-${this.name}-changelog`;
    this.context = context;
    await this.inner.init(context, root);
    this.lifecycle.state = 'open';
  }

  isOpen(): boolean {
    return this.lifecycle.isOpen;
  }

  async flush(): Promise<void> {
    this.lifecycle.check();
    const t = this.metrics.start();
    await this.inner.flush();
    this.metrics.record('flush', t);
  }

  async close(): Promise<void> {
    if (this.lifecycle.state === 'closed') return;
    const wasOpen = this.lifecycle.state === 'open';
    this.lifecycle.state = 'closed';
    for (const it of [...this.iterators]) it.close();
    if (wasOpen) await this.inner.close();
  }

  /** The serialized form of a key (composite views merge instances in this order). */
  serializeKey(key: K): Buffer {
    return serializeChecked(this.keySerde, this.topic, key, this.name, 'key');
  }

  protected keyString(key: K): string {
    // A processor reads a key and then writes it: the second serialization is the first's.
    if (key === this.lastKey) return this.lastKeyString;
    if (key === null || key === undefined) {
      throw new StateStoreError('STATE_STORE_INVALID_OPERATION', `State store '${this.name}' cannot take a null key: filter null keys out before the store.`);
    }
    const s = this.keySerde.storeKey?.(key) ?? latin1(this.serializeKey(key));
    // Only values that cannot change behind our back are remembered (an object key may be mutated).
    const type = typeof key;
    if (type === 'string' || type === 'number' || type === 'bigint' || type === 'boolean') {
      this.lastKey = key;
      this.lastKeyString = s;
    }
    return s;
  }

  protected keyFrom(key: string): K {
    const fast = this.keySerde.fromStoreKey?.(key);
    if (fast !== undefined) return fast;
    return deserializeChecked(this.keySerde, this.topic, toBytes(key), this.name, 'key') as K;
  }

  protected valueBytes(value: V | null): Buffer | null {
    return value === null || value === undefined ? null : serializeChecked(this.valueSerde, this.topic, value, this.name, 'value');
  }

  protected valueFrom(bytes: Buffer | null): V | null {
    return bytes === null ? null : deserializeChecked(this.valueSerde, this.topic, bytes, this.name, 'value');
  }

  protected timestampFor(value: V | null): number {
    const of = this.serdes.timestampOf;
    return of !== undefined && value !== null && value !== undefined ? of(value) : changeTimestamp(this.context);
  }

  /** A typed iterator over a bytes range, keeping entries `keep` accepts (all when omitted). */
  protected iterate<T>(range: KeyRange, decode: (key: string, value: Buffer) => T, keep?: (key: string) => boolean): CursorIterator<T> {
    const cursor = this.inner.cursor(range);
    const it = new CursorIterator<T>(keep === undefined ? cursor : new FilterCursor(cursor, keep), decode, {
      check: () => this.lifecycle.check(),
      onClose: (i) => this.iterators.delete(i as CursorIterator<unknown>),
    });
    this.iterators.add(it as CursorIterator<unknown>);
    return it;
  }

  protected emptyIterator<T>(): CursorIterator<T> {
    return new CursorIterator<T>(EMPTY_CURSOR, () => {
      throw new Error('unreachable: an empty cursor has no entries');
    });
  }

  /** Installs a typed flush listener on the caching layer, if the store has one turned on. */
  protected installFlushListener<TK>(decodeKey: (key: string) => TK, listener: (key: TK, newValue: V | null, oldValue: V | null, timestamp: number) => void, sendOldValues: boolean): boolean {
    if (!isCachingLayer(this.inner)) return false;
    // Flushes nobody hears need neither decoding nor the old values read for them.
    if (listener === DISCARD_FLUSHES) return this.inner.setFlushListener(() => {}, false);
    const bytesListener: BytesFlushListener = (key, newValue, oldValue, timestamp) => listener(decodeKey(key), this.valueFrom(newValue), this.valueFrom(oldValue), timestamp);
    return this.inner.setFlushListener(bytesListener, sendOldValues);
  }
}
