/**
 * `Stores`: the factory processors and the DSL make stores with, under Kafka Streams' names.
 * Suppliers pick the kind and backend; builders add serdes and the wrapper layers.
 *
 *   const builder = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore('counts'), keySerde, valueSerde)
 *     .withCachingEnabled();
 *
 * Persistent suppliers take PersistentStoreOptions: `backend` ('rocksdb' | 'leveldb' | 'auto',
 * the default: the directory's engine, else DEFAULT_BACKEND (LevelDB), else the other), cache and write-buffer
 * sizes, `syncWrites`, `maxPendingBytes`.
 */
import type { PersistentStoreOptions } from './persistent-backend.js';
import { KeyValueStoreBuilder, SessionStoreBuilder, TimestampedKeyValueStoreBuilder, TimestampedWindowStoreBuilder, WindowStoreBuilder } from './store-builders.js';
import type { StoreSerde } from './store-serde.js';
import {
  keyValueSupplier,
  sessionSupplier,
  windowSupplier,
  type KeyValueBytesStoreSupplier,
  type SessionBytesStoreSupplier,
  type SessionStoreOptions,
  type WindowBytesStoreSupplier,
  type WindowStoreOptions,
} from './store-suppliers.js';

export const Stores = {
  persistentKeyValueStore(name: string, options?: PersistentStoreOptions): KeyValueBytesStoreSupplier {
    return keyValueSupplier(name, true, false, options);
  },

  persistentTimestampedKeyValueStore(name: string, options?: PersistentStoreOptions): KeyValueBytesStoreSupplier {
    return keyValueSupplier(name, true, true, options);
  },

  inMemoryKeyValueStore(name: string): KeyValueBytesStoreSupplier {
    return keyValueSupplier(name, false, false);
  },

  persistentWindowStore(name: string, options: WindowStoreOptions): WindowBytesStoreSupplier {
    return windowSupplier(name, true, false, options);
  },

  persistentTimestampedWindowStore(name: string, options: WindowStoreOptions): WindowBytesStoreSupplier {
    return windowSupplier(name, true, true, options);
  },

  inMemoryWindowStore(name: string, options: Omit<WindowStoreOptions, keyof PersistentStoreOptions>): WindowBytesStoreSupplier {
    return windowSupplier(name, false, false, options);
  },

  persistentSessionStore(name: string, options: SessionStoreOptions): SessionBytesStoreSupplier {
    return sessionSupplier(name, true, options);
  },

  inMemorySessionStore(name: string, options: Omit<SessionStoreOptions, keyof PersistentStoreOptions>): SessionBytesStoreSupplier {
    return sessionSupplier(name, false, options);
  },

  /** Serdes left undefined come from the application's default serdes at init. */
  keyValueStoreBuilder<K, V>(supplier: KeyValueBytesStoreSupplier, keySerde?: StoreSerde<K>, valueSerde?: StoreSerde<V>): KeyValueStoreBuilder<K, V> {
    return new KeyValueStoreBuilder(supplier, keySerde, valueSerde);
  },

  timestampedKeyValueStoreBuilder<K, V>(supplier: KeyValueBytesStoreSupplier, keySerde?: StoreSerde<K>, valueSerde?: StoreSerde<V>): TimestampedKeyValueStoreBuilder<K, V> {
    return new TimestampedKeyValueStoreBuilder(supplier, keySerde, valueSerde);
  },

  windowStoreBuilder<K, V>(supplier: WindowBytesStoreSupplier, keySerde?: StoreSerde<K>, valueSerde?: StoreSerde<V>): WindowStoreBuilder<K, V> {
    return new WindowStoreBuilder(supplier, keySerde, valueSerde);
  },

  timestampedWindowStoreBuilder<K, V>(supplier: WindowBytesStoreSupplier, keySerde?: StoreSerde<K>, valueSerde?: StoreSerde<V>): TimestampedWindowStoreBuilder<K, V> {
    return new TimestampedWindowStoreBuilder(supplier, keySerde, valueSerde);
  },

  sessionStoreBuilder<K, AGG>(supplier: SessionBytesStoreSupplier, keySerde?: StoreSerde<K>, valueSerde?: StoreSerde<AGG>): SessionStoreBuilder<K, AGG> {
    return new SessionStoreBuilder(supplier, keySerde, valueSerde);
  },
};
