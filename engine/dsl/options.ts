/**
 * Options objects of the DSL (Kafka's Consumed, Produced, Grouped, Materialized, Named,
 * Repartitioned, Joined, StreamJoined, Branched), as plain objects instead of builder overloads.
 */
import type { Serde } from '../serde/serde.js';
import type { OffsetReset, StreamPartitioner, TimestampExtractor } from '../topology/topology.js';

export interface Named {
  /** Names the processor node (and derived internal topics/stores) instead of a generated name. */
  name?: string;
}

export interface Consumed<K, V> extends Named {
  keySerde?: Serde<K>;
  valueSerde?: Serde<V>;
  timestampExtractor?: TimestampExtractor;
  offsetReset?: OffsetReset;
}

export interface Produced<K, V> extends Named {
  keySerde?: Serde<K>;
  valueSerde?: Serde<V>;
  partitioner?: StreamPartitioner<K, V>;
}

export interface Grouped<K, V> extends Named {
  keySerde?: Serde<K>;
  valueSerde?: Serde<V>;
}

export interface Repartitioned<K, V> extends Named {
  keySerde?: Serde<K>;
  valueSerde?: Serde<V>;
  /** Partitions of the repartition topic; default: as many as the upstream has. */
  partitions?: number;
  partitioner?: StreamPartitioner<K, V>;
}

/** A persistent engine, or memory only (restored from the changelog at every start). Default: the persistent default engine. */
export type StoreType = 'rocksdb' | 'leveldb' | 'in_memory';

export interface Materialized<K, V> {
  /** The store's name (queryable as such); generated when absent. */
  storeName?: string;
  keySerde?: Serde<K>;
  valueSerde?: Serde<V>;
  /** Record cache on (collapses updates per key between commits). Default true, as Kafka. */
  caching?: boolean;
  /** Change-logging to `<application.id>-<store>-changelog`. Default true. */
  logging?: boolean;
  /** Changelog topic configs. */
  logConfig?: Record<string, string>;
  storeType?: StoreType;
  /** Windowed stores: how long windows are kept (at least window size + grace). */
  retentionMs?: number;
}

export interface Joined<K, V, VO> extends Named {
  keySerde?: Serde<K>;
  valueSerde?: Serde<V>;
  otherValueSerde?: Serde<VO>;
  /** Stream-table joins: how long a stream record may wait for the table (versioned tables). */
  gracePeriodMs?: number;
}

export interface StreamJoined<K, V, VO> extends Named {
  keySerde?: Serde<K>;
  valueSerde?: Serde<V>;
  otherValueSerde?: Serde<VO>;
  /** Base name of the join's window stores. */
  storeName?: string;
  storeType?: StoreType;
  logging?: boolean;
}

export type Branched = Named;
