/**
 * KGroupedTable: a table re-grouped by KTable.groupBy. Aggregations add a row's new value and
 * subtract its old one, so the result stays right as rows change or move between groups. The
 * changes travel through a repartition topic keyed by the new grouping key.
 */
import { Serdes } from '../serde/serdes.js';
import type { Serde } from '../serde/serde.js';
import { ktableAggregateProcessor, storeValueGetter, type Aggregator, type Initializer } from '../operators/ktable.js';
import { changeSerde } from './change.js';
import type { InternalStreamsBuilder } from './internal-builder.js';
import { KTable } from './ktable.js';
import { keyValueStore } from './materialize.js';
import type { Grouped, Materialized, Named } from './options.js';

export class KGroupedTable<K, V> {
  constructor(
    private readonly builder: InternalStreamsBuilder,
    private readonly selectNode: string,
    private readonly grouped: Grouped<K, V>,
  ) {}

  count(options: Named & { materialized?: Materialized<K, number> } = {}): KTable<K, number> {
    return this.aggregate<number>(
      () => 0,
      (_k, _v, agg) => agg + 1,
      (_k, _v, agg) => agg - 1,
      { ...options, materialized: { valueSerde: Serdes.Long(), ...options.materialized } },
    );
  }

  reduce(adder: (aggregate: V, value: V) => V, subtractor: (aggregate: V, value: V) => V, options: Named & { materialized?: Materialized<K, V> } = {}): KTable<K, V> {
    // A group whose rows were all subtracted away must disappear, as Kafka's reduce does: track presence.
    const NONE = Symbol('none') as unknown as V;
    return this.aggregate<V>(
      () => NONE,
      (_k, v, agg) => (agg === NONE ? v : adder(agg, v)),
      (_k, v, agg) => (agg === NONE ? agg : subtractor(agg, v)),
      { valueSerde: this.grouped.valueSerde, ...options, materialized: { valueSerde: this.grouped.valueSerde, ...options.materialized } },
    );
  }

  aggregate<A>(initializer: Initializer<A>, adder: Aggregator<K, V, A>, subtractor: Aggregator<K, V, A>, options: Named & { materialized?: Materialized<K, A>; valueSerde?: Serde<V> } = {}): KTable<K, A> {
    const b = this.builder;
    const materialized = options.materialized ?? {};
    const name = b.name(options.name, 'KTABLE-AGGREGATE-');
    const store = keyValueStore<K, A>(b, materialized, 'KTABLE-AGGREGATE-STATE-STORE-', materialized.keySerde ?? this.grouped.keySerde, materialized.valueSerde);
    const valueSerde = this.grouped.valueSerde;
    const source = b.repartition(this.selectNode, this.grouped.name ?? store.name, {
      keySerde: this.grouped.keySerde,
      valueSerde: valueSerde ? changeSerde(valueSerde) : undefined,
    });
    b.addProcessor(name, ktableAggregateProcessor<K, V, A>(store.name, initializer, adder, subtractor), [source]);
    b.addStore(store.builder, name);
    return new KTable<K, A>(b, name, materialized.keySerde ?? this.grouped.keySerde, materialized.valueSerde, storeValueGetter(store.name), store.name);
  }
}
