/**
 * Store builders: one per kind, each composing metered -> caching -> change-logging -> inner
 * for every task. Defaults follow Kafka Streams' StoreBuilder: logging on, caching off (the
 * DSL's Materialized turns caching on). Changelog topic configs follow Kafka too: compacted for
 * key-value stores; compacted and deleted for windowed ones, kept for the store's retention
 * plus one day (windowstore.changelog.additional.retention.ms).
 */
import type { KeyValueBytesStore } from './bytes-store.js';
import { CachingBytesStore, type CachingOptions } from './caching-bytes-store.js';
import { ChangeLoggingBytesStore } from './change-logging-bytes-store.js';
import { MeteredKeyValueStore } from './metered-key-value-store.js';
import { MeteredSessionStore } from './metered-session-store.js';
import { MeteredWindowStore } from './metered-window-store.js';
import type { StateStore } from './state-store.js';
import type { StoreBuilder, StoreKind } from './store-builder.js';
import { valueAndTimestampSerde, type StoreSerde } from './store-serde.js';
import type { KeyValueBytesStoreSupplier, SessionBytesStoreSupplier, WindowBytesStoreSupplier } from './store-suppliers.js';
import type { ValueAndTimestamp } from './stores.js';

/** Kafka's windowstore.changelog.additional.retention.ms default. */
export const WINDOW_CHANGELOG_ADDITIONAL_RETENTION_MS = 24 * 60 * 60 * 1000;

export abstract class AbstractStoreBuilder<S extends StateStore> implements StoreBuilder<S> {
  private logging = true;
  private caching = false;
  private logOverrides: Record<string, string> = {};

  constructor(
    readonly name: string,
    readonly kind: StoreKind,
    private readonly defaultLogConfig: Readonly<Record<string, string>>,
  ) {}

  get loggingEnabled(): boolean {
    return this.logging;
  }

  get logConfig(): Readonly<Record<string, string>> {
    return { ...this.defaultLogConfig, ...this.logOverrides };
  }

  get cachingEnabled(): boolean {
    return this.caching && this.cachingAllowed();
  }

  /** Turns logging on with topic configs laid over the defaults (replacing earlier ones, as Kafka). */
  withLoggingEnabled(config: Record<string, string> = {}): this {
    this.logging = true;
    this.logOverrides = { ...config };
    return this;
  }

  withLoggingDisabled(): this {
    this.logging = false;
    this.logOverrides = {};
    return this;
  }

  withCachingEnabled(): this {
    this.caching = true;
    return this;
  }

  withCachingDisabled(): this {
    this.caching = false;
    return this;
  }

  abstract build(): S;

  protected cachingAllowed(): boolean {
    return true;
  }

  /** Stacks the optional layers on a fresh inner store. */
  protected layers(inner: KeyValueBytesStore, caching: CachingOptions = {}): KeyValueBytesStore {
    let store = inner;
    if (this.logging) store = new ChangeLoggingBytesStore(store);
    if (this.cachingEnabled) store = new CachingBytesStore(store, caching);
    return store;
  }
}

const KEY_VALUE_LOG_CONFIG = { 'cleanup.policy': 'compact' };
/** A key-value store changes only through its cache (window and session stores also expire data below it). */
const KEY_VALUE_CACHING: CachingOptions = { remembersStoredValues: true };

function windowedLogConfig(retentionMs: number): Record<string, string> {
  return { 'cleanup.policy': 'compact,delete', 'retention.ms': String(retentionMs + WINDOW_CHANGELOG_ADDITIONAL_RETENTION_MS) };
}

export class KeyValueStoreBuilder<K, V> extends AbstractStoreBuilder<MeteredKeyValueStore<K, V>> {
  constructor(
    private readonly supplier: KeyValueBytesStoreSupplier,
    private readonly keySerde: StoreSerde<K> | undefined,
    private readonly valueSerde: StoreSerde<V> | undefined,
  ) {
    super(supplier.name, 'keyValue', KEY_VALUE_LOG_CONFIG);
  }

  build(): MeteredKeyValueStore<K, V> {
    return new MeteredKeyValueStore<K, V>(this.layers(this.supplier.get(), KEY_VALUE_CACHING), { keySerde: this.keySerde, valueSerde: this.valueSerde });
  }
}

export class TimestampedKeyValueStoreBuilder<K, V> extends AbstractStoreBuilder<MeteredKeyValueStore<K, ValueAndTimestamp<V>>> {
  constructor(
    private readonly supplier: KeyValueBytesStoreSupplier,
    private readonly keySerde: StoreSerde<K> | undefined,
    private readonly valueSerde: StoreSerde<V> | undefined,
  ) {
    super(supplier.name, 'timestampedKeyValue', KEY_VALUE_LOG_CONFIG);
  }

  build(): MeteredKeyValueStore<K, ValueAndTimestamp<V>> {
    return new MeteredKeyValueStore<K, ValueAndTimestamp<V>>(this.layers(this.supplier.get(), KEY_VALUE_CACHING), timestampedSerdes(this.keySerde, this.valueSerde));
  }
}

export class WindowStoreBuilder<K, V> extends AbstractStoreBuilder<MeteredWindowStore<K, V>> {
  constructor(
    private readonly supplier: WindowBytesStoreSupplier,
    private readonly keySerde: StoreSerde<K> | undefined,
    private readonly valueSerde: StoreSerde<V> | undefined,
  ) {
    super(supplier.name, 'window', windowedLogConfig(supplier.retentionMs));
  }

  /** As Kafka: a store keeping duplicates (a join buffer) is never cached. */
  protected override cachingAllowed(): boolean {
    return !this.supplier.retainDuplicates;
  }

  build(): MeteredWindowStore<K, V> {
    const { windowSizeMs, retentionMs, retainDuplicates, retentionClock } = this.supplier;
    return new MeteredWindowStore<K, V>(this.layers(this.supplier.get()), { keySerde: this.keySerde, valueSerde: this.valueSerde }, { windowSizeMs, retentionMs, retainDuplicates, retentionClock });
  }
}

export class TimestampedWindowStoreBuilder<K, V> extends AbstractStoreBuilder<MeteredWindowStore<K, ValueAndTimestamp<V>>> {
  constructor(
    private readonly supplier: WindowBytesStoreSupplier,
    private readonly keySerde: StoreSerde<K> | undefined,
    private readonly valueSerde: StoreSerde<V> | undefined,
  ) {
    super(supplier.name, 'timestampedWindow', windowedLogConfig(supplier.retentionMs));
  }

  protected override cachingAllowed(): boolean {
    return !this.supplier.retainDuplicates;
  }

  build(): MeteredWindowStore<K, ValueAndTimestamp<V>> {
    const { windowSizeMs, retentionMs, retainDuplicates, retentionClock } = this.supplier;
    return new MeteredWindowStore<K, ValueAndTimestamp<V>>(this.layers(this.supplier.get()), timestampedSerdes(this.keySerde, this.valueSerde), { windowSizeMs, retentionMs, retainDuplicates, retentionClock });
  }
}

export class SessionStoreBuilder<K, AGG> extends AbstractStoreBuilder<MeteredSessionStore<K, AGG>> {
  constructor(
    private readonly supplier: SessionBytesStoreSupplier,
    private readonly keySerde: StoreSerde<K> | undefined,
    private readonly valueSerde: StoreSerde<AGG> | undefined,
  ) {
    super(supplier.name, 'session', windowedLogConfig(supplier.retentionMs));
  }

  build(): MeteredSessionStore<K, AGG> {
    return new MeteredSessionStore<K, AGG>(this.layers(this.supplier.get()), { keySerde: this.keySerde, valueSerde: this.valueSerde }, this.supplier.retentionMs);
  }
}

function timestampedSerdes<K, V>(keySerde: StoreSerde<K> | undefined, valueSerde: StoreSerde<V> | undefined) {
  return {
    keySerde,
    valueSerde: valueSerde === undefined ? undefined : valueAndTimestampSerde(valueSerde),
    wrapValueSerde: (serde: StoreSerde<unknown>) => valueAndTimestampSerde(serde) as StoreSerde<ValueAndTimestamp<V>>,
    timestampOf: (v: ValueAndTimestamp<V>) => v.timestamp,
  };
}
