/**
 * StreamsBuilder: the entry point of the DSL. Streams and tables are declared from topics,
 * operators chain on them, and build() returns the Topology the runtime (or the test driver) runs.
 */
import type { Topology } from '../topology/topology.js';
import { InternalStreamsBuilder } from './internal-builder.js';
import { KStream } from './kstream.js';
import { KTable } from './ktable.js';
import { GlobalKTable } from './global-ktable.js';
import { keyValueStore } from './materialize.js';
import { ktableSourceProcessor, storeValueGetter } from '../operators/ktable.js';
import { globalTableUpdater } from '../operators/table-joins.js';
import type { Consumed, Materialized } from './options.js';

export class StreamsBuilder {
  /** @internal */ readonly internal = new InternalStreamsBuilder();
  private built = false;

  /** A stream of one or more topics, or of every topic matching a pattern. */
  stream<K, V>(topics: string | string[] | RegExp, consumed: Consumed<K, V> = {}): KStream<K, V> {
    const name = this.internal.name(consumed.name, 'KSTREAM-SOURCE-');
    const list = typeof topics === 'string' ? [topics] : topics;
    this.internal.topology.addSource(name, list, {
      keySerde: consumed.keySerde,
      valueSerde: consumed.valueSerde,
      timestampExtractor: consumed.timestampExtractor,
      offsetReset: consumed.offsetReset,
    });
    return new KStream(this.internal, name, consumed.keySerde, consumed.valueSerde, false);
  }

  /** A table from a topic: each record upserts its key, a null value deletes it. Always materialized. */
  table<K, V>(topic: string, consumed: Consumed<K, V> = {}, materialized: Materialized<K, V> = {}): KTable<K, V> {
    const sourceName = this.internal.newName('KSTREAM-SOURCE-');
    const keySerde = materialized.keySerde ?? consumed.keySerde;
    const valueSerde = materialized.valueSerde ?? consumed.valueSerde;
    const store = keyValueStore<K, V>(this.internal, materialized, `${topic}-STATE-STORE-`, keySerde, valueSerde);
    const name = this.internal.name(consumed.name, 'KTABLE-SOURCE-');
    this.internal.topology.addSource(sourceName, [topic], { keySerde: consumed.keySerde, valueSerde: consumed.valueSerde, timestampExtractor: consumed.timestampExtractor, offsetReset: consumed.offsetReset });
    this.internal.addProcessor(name, ktableSourceProcessor<K, V>(store.name), [sourceName]);
    this.internal.addStore(store.builder, name);
    return new KTable<K, V>(this.internal, name, keySerde, valueSerde, storeValueGetter(store.name), store.name);
  }

  /** A table every instance holds in full, for joins by any key. Its topic is its changelog. */
  globalTable<K, V>(topic: string, consumed: Consumed<K, V> = {}, materialized: Materialized<K, V> = {}): GlobalKTable<K, V> {
    const sourceName = this.internal.newName('KSTREAM-SOURCE-');
    const keySerde = materialized.keySerde ?? consumed.keySerde;
    const valueSerde = materialized.valueSerde ?? consumed.valueSerde;
    const store = keyValueStore<K, V>(this.internal, { ...materialized, logging: false, caching: false }, `${topic}-STATE-STORE-`, keySerde, valueSerde);
    const name = this.internal.newName('KTABLE-SOURCE-');
    this.internal.topology.addGlobalStore(store.builder, sourceName, topic, { keySerde: consumed.keySerde, valueSerde: consumed.valueSerde, timestampExtractor: consumed.timestampExtractor }, name, globalTableUpdater<K, V>(store.name));
    return new GlobalKTable<K, V>(store.name);
  }

  /** The topology built so far. */
  build(): Topology {
    this.built = true;
    return this.internal.topology;
  }

  get isBuilt(): boolean {
    return this.built;
  }
}
