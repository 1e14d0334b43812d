/**
 * KTable: a changelog stream seen as a table, one current value per key. Its processors pass
 * Changes (new and old value); `valueGetter` reads a key's current value, from the table's own
 * store or, through filters and maps, from an ancestor's, so joins can look rows up.
 */
import type { Serde } from '../serde/serde.js';
import {
  ktableFilterProcessor,
  ktableMapValuesProcessor,
  ktableSelectProcessor,
  ktableToStreamProcessor,
  storeValueGetter,
  type ValueGetterSupplier,
} from '../operators/ktable.js';
import { joinedValueGetter, tableTableJoinProcessor, type JoinMode, type ValueJoiner } from '../operators/table-joins.js';
import { passThroughProcessor } from '../operators/stateless.js';
import type { InternalStreamsBuilder } from './internal-builder.js';
import { KGroupedTable } from './kgrouped-table.js';
import { KStream } from './kstream.js';
import { keyValueStore } from './materialize.js';
import type { Grouped, Materialized, Named } from './options.js';
import { suppressTable, type Suppressed } from './suppress.js';
import { foreignKeyJoin } from './foreign-key-join.js';

export class KTable<K, V> {
  constructor(
    /** @internal */ readonly builder: InternalStreamsBuilder,
    /** @internal */ readonly nodeName: string,
    /** @internal */ readonly keySerde: Serde<K> | undefined,
    /** @internal */ readonly valueSerde: Serde<V> | undefined,
    /** @internal */ readonly valueGetter: ValueGetterSupplier<K, V>,
    /** The store holding this table's rows, when it is materialized (queryable by this name). */
    readonly queryableStoreName: string | null,
  ) {}

  private derived<VR>(prefix: string, named: Named, materialized: Materialized<K, VR> | undefined, valueSerde: Serde<VR> | undefined, make: (storeName: string | null) => { supplier: Parameters<InternalStreamsBuilder['addProcessor']>[1]; getter: (store: string | null) => ValueGetterSupplier<K, VR> }): KTable<K, VR> {
    const name = this.builder.name(named.name, prefix);
    const store = materialized ? keyValueStore(this.builder, materialized, `${prefix}STATE-STORE-`, materialized.keySerde ?? this.keySerde, materialized.valueSerde ?? valueSerde) : null;
    const { supplier, getter } = make(store?.name ?? null);
    const parentStores = this.valueGetter.storeNames;
    this.builder.addProcessor(name, supplier, [this.nodeName], parentStores);
    if (store) this.builder.addStore(store.builder, name);
    return new KTable<K, VR>(this.builder, name, materialized?.keySerde ?? this.keySerde, materialized?.valueSerde ?? valueSerde, getter(store?.name ?? null), store?.name ?? null);
  }

  filter(predicate: (key: K, value: V) => boolean, options: Named & { materialized?: Materialized<K, V> } = {}): KTable<K, V> {
    return this.filterWith(predicate, false, options);
  }

  filterNot(predicate: (key: K, value: V) => boolean, options: Named & { materialized?: Materialized<K, V> } = {}): KTable<K, V> {
    return this.filterWith(predicate, true, options);
  }

  private filterWith(predicate: (key: K, value: V) => boolean, not: boolean, options: Named & { materialized?: Materialized<K, V> }): KTable<K, V> {
    const parent = this.valueGetter;
    return this.derived<V>('KTABLE-FILTER-', options, options.materialized, this.valueSerde, (storeName) => ({
      supplier: ktableFilterProcessor(predicate, not, storeName) as never,
      getter: (store) =>
        store !== null
          ? storeValueGetter<K, V>(store)
          : {
              storeNames: parent.storeNames,
              make: (ctx) => {
                const g = parent.make(ctx);
                return {
                  get: (key) => {
                    const v = g.get(key);
                    return v !== null && predicate(key, v.value) !== not ? v : null;
                  },
                };
              },
            },
    }));
  }

  mapValues<VR>(mapper: (value: V, key: K) => VR, options: Named & { materialized?: Materialized<K, VR> } = {}): KTable<K, VR> {
    const parent = this.valueGetter;
    return this.derived<VR>('KTABLE-MAPVALUES-', options, options.materialized, undefined, (storeName) => ({
      supplier: ktableMapValuesProcessor(mapper, storeName) as never,
      getter: (store) =>
        store !== null
          ? storeValueGetter<K, VR>(store)
          : {
              storeNames: parent.storeNames,
              make: (ctx) => {
                const g = parent.make(ctx);
                return {
                  get: (key) => {
                    const v = g.get(key);
                    return v === null ? null : { value: mapper(v.value, key), timestamp: v.timestamp };
                  },
                };
              },
            },
    }));
  }

  /** The table's changes as a stream of new values (a delete is a null value). */
  toStream(named: Named = {}): KStream<K, V | null> {
    const name = this.builder.name(named.name, 'KTABLE-TOSTREAM-');
    this.builder.addProcessor(name, ktableToStreamProcessor<K, V>(), [this.nodeName]);
    return new KStream<K, V | null>(this.builder, name, this.keySerde, this.valueSerde as Serde<V | null> | undefined, false);
  }

  /** Re-groups rows by a new key (and value) for count/reduce/aggregate with subtraction. */
  groupBy<KR, VR>(selector: (key: K, value: V) => { key: KR; value: VR }, grouped: Grouped<KR, VR> = {}): KGroupedTable<KR, VR> {
    const name = this.builder.newName('KTABLE-SELECT-');
    this.builder.addProcessor(name, ktableSelectProcessor(selector), [this.nodeName]);
    return new KGroupedTable<KR, VR>(this.builder, name, grouped);
  }

  /** Holds back updates: until a window closes (final results), or for a time limit with buffer bounds. */
  suppress(suppressed: Suppressed<K>): KTable<K, V> {
    return suppressTable(this, suppressed);
  }

  /** Foreign-key join: each row joins the other table's row whose key `foreignKeyExtractor` gives. */
  joinOnForeignKey<KO, VO, VR>(other: KTable<KO, VO>, foreignKeyExtractor: (value: V) => KO, joiner: ValueJoiner<V, VO, VR, K>, options: Named & { materialized?: Materialized<K, VR> } = {}): KTable<K, VR> {
    return foreignKeyJoin<K, V, KO, VO, VR>(this, other, foreignKeyExtractor, joiner, options, false);
  }

  leftJoinOnForeignKey<KO, VO, VR>(other: KTable<KO, VO>, foreignKeyExtractor: (value: V) => KO, joiner: ValueJoiner<V, VO | null, VR, K>, options: Named & { materialized?: Materialized<K, VR> } = {}): KTable<K, VR> {
    return foreignKeyJoin<K, V, KO, VO, VR>(this, other, foreignKeyExtractor, joiner, options, true);
  }

  join<VO, VR>(other: KTable<K, VO>, joiner: ValueJoiner<V, VO, VR, K>, options: Named & { materialized?: Materialized<K, VR> } = {}): KTable<K, VR> {
    return this.tableJoin(other, joiner as never, 'inner', options);
  }

  leftJoin<VO, VR>(other: KTable<K, VO>, joiner: ValueJoiner<V, VO | null, VR, K>, options: Named & { materialized?: Materialized<K, VR> } = {}): KTable<K, VR> {
    return this.tableJoin(other, joiner as never, 'left', options);
  }

  outerJoin<VO, VR>(other: KTable<K, VO>, joiner: ValueJoiner<V | null, VO | null, VR, K>, options: Named & { materialized?: Materialized<K, VR> } = {}): KTable<K, VR> {
    return this.tableJoin(other, joiner as never, 'outer', options);
  }

  private tableJoin<VO, VR>(other: KTable<K, VO>, joiner: (l: unknown, r: unknown, key: K) => VR, mode: JoinMode, options: Named & { materialized?: Materialized<K, VR> }): KTable<K, VR> {
    const b = this.builder;
    const base = options.name ?? b.newName('KTABLE-JOIN-');
    const thisName = `${base}-THIS`;
    const otherName = `${base}-OTHER`;
    const mergeName = `${base}-MERGE`;
    b.addProcessor(thisName, tableTableJoinProcessor<K, V, VO, VR>(other.valueGetter, joiner, mode, true), [this.nodeName], other.valueGetter.storeNames);
    b.addProcessor(otherName, tableTableJoinProcessor<K, VO, V, VR>(this.valueGetter, joiner, mode, false), [other.nodeName], this.valueGetter.storeNames);
    const store = options.materialized ? keyValueStore(b, options.materialized, 'KTABLE-JOIN-STATE-STORE-', options.materialized.keySerde ?? this.keySerde, options.materialized.valueSerde) : null;
    if (store) {
      b.addProcessor(mergeName, ktableMapValuesProcessor<K, VR, VR>((v) => v, store.name) as never, [thisName, otherName]);
      b.addStore(store.builder, mergeName);
    } else {
      b.addProcessor(mergeName, passThroughProcessor(), [thisName, otherName]);
    }
    const getter = store ? storeValueGetter<K, VR>(store.name) : joinedValueGetter<K, V, VO, VR>(this.valueGetter, other.valueGetter, joiner, mode);
    return new KTable<K, VR>(b, mergeName, this.keySerde, options.materialized?.valueSerde, getter, store?.name ?? null);
  }
}
