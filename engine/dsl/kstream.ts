/**
 * KStream: an unbounded stream of records. Each operator adds a processor node (named the way
 * Kafka Streams names it) and returns a new KStream for the result. Operators that may change
 * the key mark the stream; the next grouping or join then goes through a repartition topic.
 */
import type { ProcessorSupplier } from '../processor/processor.js';
import type { Serde } from '../serde/serde.js';
import type { TopicNameExtractor } from '../topology/topology.js';
import {
  branchProcessor,
  filterProcessor,
  fixedKeyProcessor,
  flatMapProcessor,
  flatMapValuesProcessor,
  mapProcessor,
  mapValuesProcessor,
  passThroughProcessor,
  peekProcessor,
  selectKeyProcessor,
  type KeyValueMapper,
  type Predicate,
  type ValueMapper,
} from '../operators/stateless.js';
import type { InternalStreamsBuilder } from './internal-builder.js';
import type { Branched, Grouped, Joined, Materialized, Named, Produced, Repartitioned, StreamJoined } from './options.js';
import { KGroupedStream } from './kgrouped-stream.js';
import { KTable } from './ktable.js';
import type { GlobalKTable } from './global-ktable.js';
import { streamStreamJoin } from './stream-stream-join.js';
import type { JoinWindows } from './join-windows.js';
import { keyValueStore } from './materialize.js';
import { ktableSourceProcessor, storeValueGetter } from '../operators/ktable.js';
import { streamGlobalTableJoinProcessor, streamTableJoinProcessor, type ValueJoiner } from '../operators/table-joins.js';

export class KStream<K, V> {
  constructor(
    /** @internal */ readonly builder: InternalStreamsBuilder,
    /** @internal The node this stream's records come out of. */ readonly nodeName: string,
    /** @internal */ readonly keySerde: Serde<K> | undefined,
    /** @internal */ readonly valueSerde: Serde<V> | undefined,
    /** @internal Whether the key may have changed since the last (re)partitioning. */ readonly repartitionRequired: boolean,
  ) {}

  private next<KR, VR>(name: string, supplier: ProcessorSupplier<K, V, KR, VR>, keySerde: Serde<KR> | undefined, valueSerde: Serde<VR> | undefined, repartitionRequired: boolean, stores: string[] = []): KStream<KR, VR> {
    this.builder.addProcessor(name, supplier, [this.nodeName], stores);
    return new KStream(this.builder, name, keySerde, valueSerde, repartitionRequired);
  }

  filter(predicate: Predicate<K, V>, named: Named = {}): KStream<K, V> {
    return this.next(this.builder.name(named.name, 'KSTREAM-FILTER-'), filterProcessor(predicate, false), this.keySerde, this.valueSerde, this.repartitionRequired);
  }

  filterNot(predicate: Predicate<K, V>, named: Named = {}): KStream<K, V> {
    return this.next(this.builder.name(named.name, 'KSTREAM-FILTER-'), filterProcessor(predicate, true), this.keySerde, this.valueSerde, this.repartitionRequired);
  }

  /** New key and value per record; the key changes, so a later grouping or join repartitions. */
  map<KR, VR>(mapper: KeyValueMapper<K, V, { key: KR; value: VR }>, named: Named = {}): KStream<KR, VR> {
    return this.next(this.builder.name(named.name, 'KSTREAM-MAP-'), mapProcessor(mapper), undefined, undefined, true);
  }

  mapValues<VR>(mapper: ValueMapper<K, V, VR>, named: Named = {}): KStream<K, VR> {
    return this.next(this.builder.name(named.name, 'KSTREAM-MAPVALUES-'), mapValuesProcessor(mapper), this.keySerde, undefined, this.repartitionRequired);
  }

  flatMap<KR, VR>(mapper: KeyValueMapper<K, V, Iterable<{ key: KR; value: VR }>>, named: Named = {}): KStream<KR, VR> {
    return this.next(this.builder.name(named.name, 'KSTREAM-FLATMAP-'), flatMapProcessor(mapper), undefined, undefined, true);
  }

  flatMapValues<VR>(mapper: ValueMapper<K, V, Iterable<VR>>, named: Named = {}): KStream<K, VR> {
    return this.next(this.builder.name(named.name, 'KSTREAM-FLATMAPVALUES-'), flatMapValuesProcessor(mapper), this.keySerde, undefined, this.repartitionRequired);
  }

  selectKey<KR>(mapper: KeyValueMapper<K, V, KR>, named: Named = {}): KStream<KR, V> {
    return this.next(this.builder.name(named.name, 'KSTREAM-KEY-SELECT-'), selectKeyProcessor(mapper), undefined, this.valueSerde, true);
  }

  peek(action: (key: K, value: V) => void, named: Named = {}): KStream<K, V> {
    return this.next(this.builder.name(named.name, 'KSTREAM-PEEK-'), peekProcessor(action, true), this.keySerde, this.valueSerde, this.repartitionRequired);
  }

  /** A terminal action per record. */
  foreach(action: (key: K, value: V) => void, named: Named = {}): void {
    this.builder.addProcessor(this.builder.name(named.name, 'KSTREAM-FOREACH-'), peekProcessor(action, false), [this.nodeName]);
  }

  /** Splits the stream: each record goes to the first branch whose predicate matches. */
  split(named: Named = {}): BranchedKStream<K, V> {
    return new BranchedKStream(this, named.name ?? this.builder.newName('KSTREAM-BRANCH-'));
  }

  /** Records of both streams, as they arrive. */
  merge(other: KStream<K, V>, named: Named = {}): KStream<K, V> {
    const name = this.builder.name(named.name, 'KSTREAM-MERGE-');
    this.builder.addProcessor(name, passThroughProcessor<K, V>(), [this.nodeName, other.nodeName]);
    return new KStream(this.builder, name, this.keySerde ?? other.keySerde, this.valueSerde ?? other.valueSerde, this.repartitionRequired || other.repartitionRequired);
  }

  /** Sends the stream through a repartition topic (partitioned by key, or by the partitioner). */
  repartition(options: Repartitioned<K, V> = {}): KStream<K, V> {
    const base = options.name ?? this.builder.newName('KSTREAM-REPARTITION-');
    const keySerde = options.keySerde ?? this.keySerde;
    const valueSerde = options.valueSerde ?? this.valueSerde;
    const source = this.builder.repartition(this.nodeName, base, { keySerde, valueSerde, partitions: options.partitions, partitioner: options.partitioner });
    return new KStream(this.builder, source, keySerde, valueSerde, false);
  }

  /** Writes the stream to a topic, or to a topic chosen per record. */
  to(topic: string | TopicNameExtractor<K, V>, produced: Produced<K, V> = {}): void {
    const name = this.builder.name(produced.name, 'KSTREAM-SINK-');
    this.builder.topology.addSink(name, topic, { keySerde: produced.keySerde ?? this.keySerde, valueSerde: produced.valueSerde ?? this.valueSerde, partitioner: produced.partitioner }, this.nodeName);
  }

  /** A Processor API processor in the stream; it may change keys, so a later grouping repartitions. */
  process<KR, VR>(supplier: ProcessorSupplier<K, V, KR, VR>, options: Named & { stores?: string[] } = {}): KStream<KR, VR> {
    return this.next(this.builder.name(options.name, 'KSTREAM-PROCESSOR-'), supplier, undefined, undefined, true, options.stores ?? []);
  }

  /** A processor that changes values only: whatever key it forwards, the input key is kept. */
  processValues<VR>(supplier: ProcessorSupplier<K, V, K, VR>, options: Named & { stores?: string[] } = {}): KStream<K, VR> {
    return this.next(this.builder.name(options.name, 'KSTREAM-PROCESSVALUES-'), fixedKeyProcessor(supplier), this.keySerde, undefined, this.repartitionRequired, options.stores ?? []);
  }

  /** Groups by the current key (repartitioning first if an upstream operator changed keys). */
  groupByKey(grouped: Grouped<K, V> = {}): KGroupedStream<K, V> {
    return new KGroupedStream(this, grouped);
  }

  /** Groups by a new key: selectKey, then groupByKey (always through a repartition topic). */
  groupBy<KR>(selector: KeyValueMapper<K, V, KR>, grouped: Grouped<KR, V> = {}): KGroupedStream<KR, V> {
    const keyed = this.selectKey(selector).withSerdes<KR, V>(grouped.keySerde, grouped.valueSerde ?? this.valueSerde);
    return new KGroupedStream(keyed, grouped);
  }

  /** The stream as a table: each record upserts its key (a null value deletes it). */
  toTable(options: Named & { materialized?: Materialized<K, V> } = {}): KTable<K, V> {
    const materialized = options.materialized ?? {};
    const source = this.repartitionRequired ? this.repartition({ keySerde: materialized.keySerde ?? this.keySerde, valueSerde: materialized.valueSerde ?? this.valueSerde }) : this;
    const name = this.builder.name(options.name, 'KSTREAM-TOTABLE-');
    const store = keyValueStore<K, V>(this.builder, materialized, 'KSTREAM-TOTABLE-STATE-STORE-', materialized.keySerde ?? this.keySerde, materialized.valueSerde ?? this.valueSerde);
    this.builder.addProcessor(name, ktableSourceProcessor<K, V>(store.name), [source.nodeName]);
    this.builder.addStore(store.builder, name);
    return new KTable<K, V>(this.builder, name, materialized.keySerde ?? this.keySerde, materialized.valueSerde ?? this.valueSerde, storeValueGetter(store.name), store.name);
  }

  /** Windowed join with another stream: records whose timestamps are within the join window. */
  joinStream<VO, VR>(other: KStream<K, VO>, joiner: ValueJoiner<V, VO, VR, K>, windows: JoinWindows, streamJoined: StreamJoined<K, V, VO> = {}): KStream<K, VR> {
    return streamStreamJoin<K, V, VO, VR>(this, other, joiner, windows, streamJoined, 'inner');
  }

  leftJoinStream<VO, VR>(other: KStream<K, VO>, joiner: ValueJoiner<V, VO | null, VR, K>, windows: JoinWindows, streamJoined: StreamJoined<K, V, VO> = {}): KStream<K, VR> {
    return streamStreamJoin<K, V, VO, VR>(this, other, joiner, windows, streamJoined, 'left');
  }

  outerJoinStream<VO, VR>(other: KStream<K, VO>, joiner: ValueJoiner<V | null, VO | null, VR, K>, windows: JoinWindows, streamJoined: StreamJoined<K, V, VO> = {}): KStream<K, VR> {
    return streamStreamJoin<K, V, VO, VR>(this, other, joiner, windows, streamJoined, 'outer');
  }

  /** Joins each record with the table's current value for its key (inner: only when there is one). */
  join<VT, VR>(table: KTable<K, VT>, joiner: ValueJoiner<V, VT, VR, K>, joined: Joined<K, V, VT> = {}): KStream<K, VR> {
    return this.tableJoin(table, joiner as ValueJoiner<V, VT | null, VR, K>, false, joined);
  }

  /** Joins each record with the table's value for its key, or null when there is none. */
  leftJoin<VT, VR>(table: KTable<K, VT>, joiner: ValueJoiner<V, VT | null, VR, K>, joined: Joined<K, V, VT> = {}): KStream<K, VR> {
    return this.tableJoin(table, joiner, true, joined);
  }

  private tableJoin<VT, VR>(table: KTable<K, VT>, joiner: ValueJoiner<V, VT | null, VR, K>, left: boolean, joined: Joined<K, V, VT>): KStream<K, VR> {
    const name = this.builder.name(joined.name, left ? 'KSTREAM-LEFTJOIN-' : 'KSTREAM-JOIN-');
    const input = this.repartitionRequired ? this.repartition({ name: `${name}`, keySerde: joined.keySerde ?? this.keySerde, valueSerde: joined.valueSerde ?? this.valueSerde }) : this;
    this.builder.addProcessor(name, streamTableJoinProcessor(table.valueGetter, joiner, left), [input.nodeName], table.valueGetter.storeNames);
    return new KStream<K, VR>(this.builder, name, this.keySerde, undefined, false);
  }

  /** Joins with a global table by a key computed from each record (no co-partitioning needed). */
  joinGlobal<GK, GV, VR>(table: GlobalKTable<GK, GV>, keySelector: (key: K, value: V) => GK, joiner: ValueJoiner<V, GV, VR, K>, named: Named = {}): KStream<K, VR> {
    const name = this.builder.name(named.name, 'KSTREAM-JOIN-');
    this.builder.addProcessor(name, streamGlobalTableJoinProcessor<K, V, GK, GV, VR>(table.storeName, keySelector, joiner as ValueJoiner<V, GV | null, VR, K>, false), [this.nodeName]);
    return new KStream<K, VR>(this.builder, name, this.keySerde, undefined, this.repartitionRequired);
  }

  leftJoinGlobal<GK, GV, VR>(table: GlobalKTable<GK, GV>, keySelector: (key: K, value: V) => GK, joiner: ValueJoiner<V, GV | null, VR, K>, named: Named = {}): KStream<K, VR> {
    const name = this.builder.name(named.name, 'KSTREAM-LEFTJOIN-');
    this.builder.addProcessor(name, streamGlobalTableJoinProcessor<K, V, GK, GV, VR>(table.storeName, keySelector, joiner, true), [this.nodeName]);
    return new KStream<K, VR>(this.builder, name, this.keySerde, undefined, this.repartitionRequired);
  }

  /** Serdes for what follows (useful after map/mapValues lost them). */
  withSerdes<NK = K, NV = V>(keySerde: Serde<NK> | undefined, valueSerde: Serde<NV> | undefined): KStream<NK, NV> {
    return new KStream(this.builder, this.nodeName, keySerde, valueSerde, this.repartitionRequired);
  }
}

/** split(): branches by predicate, then the default branch. */
export class BranchedKStream<K, V> {
  private readonly predicates: (Predicate<K, V> | null)[] = [];
  private readonly names: string[] = [];
  private done = false;

  constructor(
    private readonly stream: KStream<K, V>,
    private readonly prefix: string,
  ) {}

  branch(predicate: Predicate<K, V>, branched: Branched = {}): this {
    if (this.done) throw new Error('This split already has its default branch; add branches before defaultBranch().');
    this.predicates.push(predicate);
    this.names.push(`${this.prefix}${branched.name ?? String(this.predicates.length)}`);
    return this;
  }

  /** Records matching no branch go to the default branch; returns all branches by name. */
  defaultBranch(branched: Branched = {}): Map<string, KStream<K, V>> {
    this.predicates.push(null);
    this.names.push(`${this.prefix}${branched.name ?? '0'}`);
    return this.build();
  }

  /** Records matching no branch are dropped; returns the branches by name. */
  noDefaultBranch(): Map<string, KStream<K, V>> {
    return this.build();
  }

  private build(): Map<string, KStream<K, V>> {
    this.done = true;
    const s = this.stream;
    s.builder.addProcessor(this.prefix, branchProcessor(this.predicates, this.names), [s.nodeName]);
    const out = new Map<string, KStream<K, V>>();
    for (const name of this.names) {
      s.builder.addProcessor(name, passThroughProcessor<K, V>(), [this.prefix]);
      out.set(name, new KStream(s.builder, name, s.keySerde, s.valueSerde, s.repartitionRequired));
    }
    return out;
  }
}

