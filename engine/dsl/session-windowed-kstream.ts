/**
 * SessionWindowedKStream: a grouped stream windowed by SessionWindows, aggregated per key and
 * session into a KTable<Windowed<K>, A>. When a record bridges sessions they merge (with the
 * merger) and the old sessions are deleted downstream. Names as in Kafka
 * (`KSTREAM-AGGREGATE-STATE-STORE-…`, `KSTREAM-AGGREGATE-…`; `KSTREAM-REDUCE-` for reduce); the
 * session store is kept for Materialized.retentionMs (default: gap plus grace).
 */
import { persistentOptions } from './materialize.js';
import type { StoreBuilder } from '../../storage/state/store-builder.js';
import { Stores } from '../../storage/state/index.js';
import type { Windowed } from '../../storage/state/stores.js';
import type { Aggregator, Initializer } from '../operators/ktable.js';
import { sessionStoreValueGetter, sessionWindowAggregateProcessor, type Merger } from '../operators/session-window-aggregate.js';
import type { Serde } from '../serde/serde.js';
import { Serdes } from '../serde/serdes.js';
import { sessionWindowedSerde } from '../serde/windowed.js';
import type { KGroupedStream } from './kgrouped-stream.js';
import { KTable } from './ktable.js';
import type { WindowedAggregateOptions } from './time-windowed-kstream.js';
import { recordWindowedNode, windowStoreRetention, type SessionWindows } from './windows.js';

export type { Merger };

export class SessionWindowedKStream<K, V> {
  constructor(
    private readonly grouped: KGroupedStream<K, V>,
    readonly windows: SessionWindows,
  ) {}

  /** Records per key and session. */
  count(options: WindowedAggregateOptions<K, number> = {}): KTable<Windowed<K>, number> {
    return this.build<number>('KSTREAM-AGGREGATE-', () => 0, (_k, _v, n) => n + 1, (_k, a, b) => a + b, options, Serdes.Long());
  }

  reduce(reducer: (aggregate: V, value: V) => V, options: WindowedAggregateOptions<K, V> = {}): KTable<Windowed<K>, V> {
    // Never stored: a session's first record replaces it; merging folds the later session in.
    const NONE = Symbol('none') as unknown as V;
    const fold: Aggregator<K, V, V> = (_k, v, agg) => (agg === NONE ? v : reducer(agg, v));
    return this.build<V>('KSTREAM-REDUCE-', () => NONE, fold, (k, a, b) => fold(k, b, a), options, this.grouped.valueSerde);
  }

  aggregate<A>(initializer: Initializer<A>, aggregator: Aggregator<K, V, A>, merger: Merger<K, A>, options: WindowedAggregateOptions<K, A> = {}): KTable<Windowed<K>, A> {
    return this.build<A>('KSTREAM-AGGREGATE-', initializer, aggregator, merger, options, undefined);
  }

  private build<A>(prefix: string, initializer: Initializer<A>, aggregator: Aggregator<K, V, A>, merger: Merger<K, A>, options: WindowedAggregateOptions<K, A>, defaultValueSerde: Serde<A> | undefined): KTable<Windowed<K>, A> {
    const b = this.grouped.stream.builder;
    const materialized = options.materialized ?? {};
    const storeName = materialized.storeName ?? b.newName(`${prefix}STATE-STORE-`);
    const name = b.name(options.name, prefix);
    const keySerde = materialized.keySerde ?? this.grouped.keySerde;
    const valueSerde = materialized.valueSerde ?? defaultValueSerde;
    const store = { retentionMs: windowStoreRetention(this.windows, storeName, materialized.retentionMs) };
    const supplier = materialized.storeType === 'in_memory' ? Stores.inMemorySessionStore(storeName, store) : Stores.persistentSessionStore(storeName, { ...store, ...persistentOptions(materialized.storeType) });
    let builder = Stores.sessionStoreBuilder(supplier, keySerde, valueSerde) as unknown as StoreBuilder;
    builder = materialized.caching === false ? builder.withCachingDisabled() : builder.withCachingEnabled();
    builder = materialized.logging === false ? builder.withLoggingDisabled() : builder.withLoggingEnabled(materialized.logConfig ?? {});

    b.addProcessor(name, sessionWindowAggregateProcessor<K, V, A>(this.windows, storeName, initializer, aggregator, merger), [this.grouped.sourceFor(storeName)]);
    b.addStore(builder, name);
    recordWindowedNode(b, name, this.windows);
    const tableKeySerde = keySerde === undefined ? undefined : sessionWindowedSerde(keySerde);
    return new KTable<Windowed<K>, A>(b, name, tableKeySerde, valueSerde, sessionStoreValueGetter<K, A>(storeName), storeName);
  }
}
