/**
 * Materialized -> a StoreBuilder: the one place the DSL makes stores. Defaults as in Kafka
 * Streams (caching on, logging on), on the default persistent engine (LevelDB; see
 * storage/state/README.md).
 */
import type { StoreBuilder } from '../../storage/state/store-builder.js';
import { Stores } from '../../storage/state/index.js';
import type { Serde } from '../serde/serde.js';
import type { InternalStreamsBuilder } from './internal-builder.js';
import type { Materialized, StoreType } from './options.js';

export interface MaterializedStore {
  name: string;
  builder: StoreBuilder;
}

/** A timestamped key-value store for a table or an aggregation. */
export function keyValueStore<K, V>(internal: InternalStreamsBuilder, materialized: Materialized<K, V>, generatedPrefix: string, keySerde: Serde<K> | undefined, valueSerde: Serde<V> | undefined): MaterializedStore {
  const name = materialized.storeName ?? internal.newName(generatedPrefix);
  const supplier = materialized.storeType === 'in_memory' ? Stores.inMemoryKeyValueStore(name) : Stores.persistentTimestampedKeyValueStore(name, persistentOptions(materialized.storeType));
  let builder = Stores.timestampedKeyValueStoreBuilder(supplier, materialized.keySerde ?? keySerde, materialized.valueSerde ?? valueSerde) as unknown as StoreBuilder;
  builder = materialized.caching === false ? builder.withCachingDisabled() : builder.withCachingEnabled();
  builder = materialized.logging === false ? builder.withLoggingDisabled() : builder.withLoggingEnabled(materialized.logConfig ?? {});
  return { name, builder };
}

/** The persistent engine a store type asks for (undefined: the default engine). */
export function persistentOptions(storeType: StoreType | undefined): { backend: 'rocksdb' | 'leveldb' } | undefined {
  return storeType === 'rocksdb' || storeType === 'leveldb' ? { backend: storeType } : undefined;
}
