/**
 * Materialized -> a StoreBuilder: the one place the DSL makes stores. Defaults as in Kafka
 * Streams: RocksDB, caching on, logging on.
 */
import type { StoreBuilder } from '../../storage/state/store-builder.js';
import { Stores } from '../../storage/state/index.js';
import type { Serde } from '../serde/serde.js';
import type { InternalStreamsBuilder } from './internal-builder.js';
import type { Materialized } from './options.js';

export interface MaterializedStore {
  name: string;
  builder: StoreBuilder;
}

/** A timestamped key-value store for a table or an aggregation. */
export function keyValueStore<K, V>(internal: InternalStreamsBuilder, materialized: Materialized<K, V>, generatedPrefix: string, keySerde: Serde<K> | undefined, valueSerde: Serde<V> | undefined): MaterializedStore {
  const name = materialized.storeName ?? internal.newName(generatedPrefix);
  const supplier = materialized.storeType === 'in_memory' ? Stores.inMemoryKeyValueStore(name) : Stores.persistentTimestampedKeyValueStore(name);
  let builder = Stores.timestampedKeyValueStoreBuilder(supplier, materialized.keySerde ?? keySerde, materialized.valueSerde ?? valueSerde) as unknown as StoreBuilder;
  builder = materialized.caching === false ? builder.withCachingDisabled() : builder.withCachingEnabled();
  builder = materialized.logging === false ? builder.withLoggingDisabled() : builder.withLoggingEnabled(materialized.logConfig ?? {});
  return { name, builder };
}
