/**
 * What the DSL objects share while a topology is being built: the Topology, Kafka's naming
 * scheme (`KSTREAM-FILTER-0000000003`: one counter for nodes and stores, in call order, so
 * describe() output is stable), and the repartition topics inserted before groupings and joins.
 */
import type { StoreBuilder } from '../../storage/state/store-builder.js';
import type { ProcessorSupplier } from '../processor/processor.js';
import type { Serde } from '../serde/serde.js';
import { Topology, TopologyError, type StreamPartitioner } from '../topology/topology.js';
import { filterProcessor } from '../operators/stateless.js';

/** Topic configs of repartition topics (Kafka's): data is transient, deleted after it is consumed. */
export const REPARTITION_TOPIC_CONFIG: Record<string, string> = {
  'cleanup.policy': 'delete',
  'segment.bytes': String(50 * 1024 * 1024),
  'retention.ms': '-1',
};

export class InternalStreamsBuilder {
  readonly topology = new Topology();
  private index = 0;
  private readonly usedNames = new Set<string>();

  /** A generated name: `prefix` + the next index, ten digits. */
  newName(prefix: string): string {
    return `${prefix}${String(this.index++).padStart(10, '0')}`;
  }

  /** A user-given name, or a generated one; user names must be unique. */
  name(given: string | undefined, prefix: string): string {
    if (given === undefined) return this.newName(prefix);
    if (this.usedNames.has(given)) throw new TopologyError(`The name '${given}' is used twice in this topology; names given with Named/Grouped/Materialized must be unique.`);
    this.usedNames.add(given);
    return given;
  }

  addProcessor<KIn, VIn, KOut, VOut>(name: string, supplier: ProcessorSupplier<KIn, VIn, KOut, VOut>, parents: string[], stores: string[] = []): string {
    this.topology.addProcessor(name, supplier, ...parents);
    if (stores.length > 0) this.topology.connectProcessorAndStateStores(name, ...stores);
    return name;
  }

  addStore(builder: StoreBuilder, ...processors: string[]): void {
    if (this.topology.stores.has(builder.name)) {
      for (const p of processors) this.topology.connectProcessorAndStateStores(p, builder.name);
      return;
    }
    this.topology.addStateStore(builder, ...processors);
  }

  /**
   * Sends the stream at `parent` through an internal topic `<base>-repartition` (dropping records
   * with null keys, which cannot be partitioned) and returns the name of the source reading it.
   */
  repartition<K, V>(parent: string, base: string, opts: { keySerde?: Serde<K>; valueSerde?: Serde<V>; partitions?: number; partitioner?: StreamPartitioner<K, V> }): string {
    const topic = `${base}-repartition`;
    const filter = `${base}-repartition-filter`;
    const sink = `${base}-repartition-sink`;
    const source = `${base}-repartition-source`;
    this.topology.addInternalTopic({ name: topic, kind: 'repartition', partitions: opts.partitions, configs: { ...REPARTITION_TOPIC_CONFIG } });
    this.addProcessor(filter, filterProcessor<K, V>((k) => k !== null && k !== undefined, false, true), [parent]);
    this.topology.addSink(sink, topic, { keySerde: opts.keySerde, valueSerde: opts.valueSerde, partitioner: opts.partitioner }, filter);
    this.topology.addSource(source, [topic], { keySerde: opts.keySerde, valueSerde: opts.valueSerde });
    return source;
  }
}
