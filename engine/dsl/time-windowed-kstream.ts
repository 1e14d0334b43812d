/**
 * TimeWindowedKStream: a grouped stream windowed by TimeWindows (tumbling, hopping) or
 * SlidingWindows, aggregated per key and window into a KTable<Windowed<K>, A>.
 *
 * Names follow Kafka: the store is generated first (`KSTREAM-AGGREGATE-STATE-STORE-0000000002`),
 * then the processor (`KSTREAM-AGGREGATE-0000000003`); reduce uses `KSTREAM-REDUCE-`. The store
 * is a timestamped window store kept for Materialized.retentionMs (default: window size plus
 * grace; 2 × time difference plus grace for sliding windows), change-logged with
 * `cleanup.policy=compact,delete`, cached unless Materialized says otherwise.
 */
import { persistentOptions } from './materialize.js';
import type { StoreBuilder } from '../../storage/state/store-builder.js';
import { Stores } from '../../storage/state/index.js';
import type { Windowed } from '../../storage/state/stores.js';
import type { Aggregator, Initializer } from '../operators/ktable.js';
import { slidingWindowAggregateProcessor } from '../operators/sliding-window-aggregate.js';
import { timeWindowAggregateProcessor, windowStoreValueGetter } from '../operators/windowed-aggregate.js';
import type { Serde } from '../serde/serde.js';
import { Serdes } from '../serde/serdes.js';
import { timeWindowedSerde } from '../serde/windowed.js';
import type { KGroupedStream } from './kgrouped-stream.js';
import { KTable } from './ktable.js';
import type { Materialized, Named } from './options.js';
import { recordWindowedNode, windowStoreRetention, type SlidingWindows, type TimeWindows } from './windows.js';

export type WindowedAggregateOptions<K, A> = Named & { materialized?: Materialized<K, A> };

export class TimeWindowedKStream<K, V> {
  constructor(
    private readonly grouped: KGroupedStream<K, V>,
    readonly windows: TimeWindows | SlidingWindows,
  ) {}

  /** Records per key and window. */
  count(options: WindowedAggregateOptions<K, number> = {}): KTable<Windowed<K>, number> {
    return this.build<number>('KSTREAM-AGGREGATE-', () => 0, (_k, _v, n) => n + 1, options, Serdes.Long());
  }

  /** The first value of a key in a window is its aggregate; later ones are folded in. */
  reduce(reducer: (aggregate: V, value: V) => V, options: WindowedAggregateOptions<K, V> = {}): KTable<Windowed<K>, V> {
    // Never stored: every window's first record replaces it.
    const NONE = Symbol('none') as unknown as V;
    return this.build<V>('KSTREAM-REDUCE-', () => NONE, (_k, v, agg) => (agg === NONE ? v : reducer(agg, v)), options, this.grouped.valueSerde);
  }

  aggregate<A>(initializer: Initializer<A>, aggregator: Aggregator<K, V, A>, options: WindowedAggregateOptions<K, A> = {}): KTable<Windowed<K>, A> {
    return this.build<A>('KSTREAM-AGGREGATE-', initializer, aggregator, options, undefined);
  }

  private build<A>(prefix: string, initializer: Initializer<A>, aggregator: Aggregator<K, V, A>, options: WindowedAggregateOptions<K, A>, defaultValueSerde: Serde<A> | undefined): KTable<Windowed<K>, A> {
    const b = this.grouped.stream.builder;
    const windows = this.windows;
    const materialized = options.materialized ?? {};
    const storeName = materialized.storeName ?? b.newName(`${prefix}STATE-STORE-`);
    const name = b.name(options.name, prefix);
    const keySerde = materialized.keySerde ?? this.grouped.keySerde;
    const valueSerde = materialized.valueSerde ?? defaultValueSerde;
    const store = { retentionMs: windowStoreRetention(windows, storeName, materialized.retentionMs), windowSizeMs: windows.sizeMs };
    const supplier = materialized.storeType === 'in_memory' ? Stores.inMemoryWindowStore(storeName, store) : Stores.persistentTimestampedWindowStore(storeName, { ...store, ...persistentOptions(materialized.storeType) });
    let builder = Stores.timestampedWindowStoreBuilder(supplier, keySerde, valueSerde) as unknown as StoreBuilder;
    builder = materialized.caching === false ? builder.withCachingDisabled() : builder.withCachingEnabled();
    builder = materialized.logging === false ? builder.withLoggingDisabled() : builder.withLoggingEnabled(materialized.logConfig ?? {});

    const processor =
      windows.kind === 'sliding'
        ? slidingWindowAggregateProcessor<K, V, A>(windows, storeName, initializer, aggregator)
        : timeWindowAggregateProcessor<K, V, A>(windows, storeName, initializer, aggregator);
    b.addProcessor(name, processor, [this.grouped.sourceFor(storeName)]);
    b.addStore(builder, name);
    recordWindowedNode(b, name, windows);
    const tableKeySerde = keySerde === undefined ? undefined : timeWindowedSerde(keySerde, windows.sizeMs);
    return new KTable<Windowed<K>, A>(b, name, tableKeySerde, valueSerde, windowStoreValueGetter<K, A>(storeName), storeName);
  }
}
