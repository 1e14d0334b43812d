/**
 * KGroupedStream: a stream grouped by key, for count/reduce/aggregate into a table, or windowed
 * aggregations. If the key changed upstream, the records go through a repartition topic first
 * (named after the Grouped name, or the aggregation's store).
 */
import { Serdes } from '../serde/serdes.js';
import type { Serde } from '../serde/serde.js';
import { kstreamAggregateProcessor, kstreamReduceProcessor, storeValueGetter, type Aggregator, type Initializer } from '../operators/ktable.js';
import type { KStream } from './kstream.js';
import { KTable } from './ktable.js';
import { keyValueStore } from './materialize.js';
import type { Grouped, Materialized, Named } from './options.js';
import { windowedBy, type WindowedKStream } from './windowed-kstream.js';
import type { Windows } from './windows.js';

export class KGroupedStream<K, V> {
  constructor(
    /** @internal */ readonly stream: KStream<K, V>,
    /** @internal */ readonly grouped: Grouped<K, V>,
  ) {}

  /** @internal The node the aggregation reads from: the stream, or its repartition topic's source. */
  sourceFor(storeName: string): string {
    const s = this.stream;
    if (!s.repartitionRequired) return s.nodeName;
    return s.builder.repartition(s.nodeName, this.grouped.name ?? storeName, { keySerde: this.keySerde, valueSerde: this.valueSerde });
  }

  /** @internal */
  get keySerde(): Serde<K> | undefined {
    return this.grouped.keySerde ?? this.stream.keySerde;
  }

  /** @internal */
  get valueSerde(): Serde<V> | undefined {
    return this.grouped.valueSerde ?? this.stream.valueSerde;
  }

  /**
   * Windowed aggregations: TimeWindows (tumbling, hopping) and SlidingWindows give a
   * TimeWindowedKStream, SessionWindows a SessionWindowedKStream.
   */
  windowedBy<W extends Windows>(windows: W): WindowedKStream<K, V, W> {
    return windowedBy(this, windows);
  }

  count(options: Named & { materialized?: Materialized<K, number> } = {}): KTable<K, number> {
    return this.aggregate<number>(() => 0, (_k, _v, agg) => agg + 1, { ...options, materialized: { valueSerde: Serdes.Long(), ...options.materialized } });
  }

  reduce(reducer: (aggregate: V, value: V) => V, options: Named & { materialized?: Materialized<K, V> } = {}): KTable<K, V> {
    return this.build<V>('KSTREAM-REDUCE-', (store) => kstreamReduceProcessor<K, V>(store, reducer), { ...options, materialized: { valueSerde: this.valueSerde, ...options.materialized } });
  }

  aggregate<A>(initializer: Initializer<A>, aggregator: Aggregator<K, V, A>, options: Named & { materialized?: Materialized<K, A> } = {}): KTable<K, A> {
    return this.build<A>('KSTREAM-AGGREGATE-', (store) => kstreamAggregateProcessor<K, V, A>(store, initializer, aggregator), options);
  }

  private build<A>(prefix: string, processor: (storeName: string) => ReturnType<typeof kstreamAggregateProcessor<K, V, A>>, options: Named & { materialized?: Materialized<K, A> }): KTable<K, A> {
    const b = this.stream.builder;
    const materialized = options.materialized ?? {};
    const name = b.name(options.name, prefix);
    const store = keyValueStore<K, A>(b, materialized, `${prefix}STATE-STORE-`, materialized.keySerde ?? this.keySerde, materialized.valueSerde);
    const source = this.sourceFor(store.name);
    b.addProcessor(name, processor(store.name), [source]);
    b.addStore(store.builder, name);
    return new KTable<K, A>(b, name, materialized.keySerde ?? this.keySerde, materialized.valueSerde, storeValueGetter(store.name), store.name);
  }
}
