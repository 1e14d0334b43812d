/**
 * A topology: the DAG of sources, processors and sinks, with the state stores connected to the
 * processors. Built directly with the Processor API or by the DSL (StreamsBuilder.build()).
 * Nodes connected by parent links or by a shared store form a sub-topology; each sub-topology
 * runs as one task per input partition.
 */
import { FreshetError } from '../../storage/errors.js';
import type { StoreBuilder } from '../../storage/state/store-builder.js';
import type { ProcessorSupplier } from '../processor/processor.js';
import type { Serde } from '../serde/serde.js';
import type { Record } from '../processor/record.js';
import { describeTopology, type TopologyDescription } from './description.js';

export class TopologyError extends FreshetError {
  constructor(message: string) {
    super('TOPOLOGY_ERROR', message);
  }
}

/** Picks a record's timestamp from the consumed record (Kafka's TimestampExtractor). */
export type TimestampExtractor = (record: { key: unknown; value: unknown; timestamp: number; topic: string; partition: number; offset: number }, partitionTime: number) => number;

/** Chooses a sink's topic per record. */
export type TopicNameExtractor<K, V> = (key: K, value: V, context: { topic: string | null; partition: number; offset: number }) => string;

/** Chooses a sink's partition per record; undefined: the default (murmur2 of the serialized key). */
export type StreamPartitioner<K, V> = (topic: string, key: K, value: V, partitions: number) => number | undefined;

export type OffsetReset = 'earliest' | 'latest';

export interface SourceOptions<K = unknown, V = unknown> {
  keySerde?: Serde<K>;
  valueSerde?: Serde<V>;
  timestampExtractor?: TimestampExtractor;
  offsetReset?: OffsetReset;
}

export interface SinkOptions<K = unknown, V = unknown> {
  keySerde?: Serde<K>;
  valueSerde?: Serde<V>;
  partitioner?: StreamPartitioner<K, V>;
}

export interface SourceNode {
  kind: 'source';
  name: string;
  id: number;
  topics: string[];
  pattern: RegExp | null;
  options: SourceOptions;
  children: string[];
}

export interface ProcessorNode {
  kind: 'processor';
  name: string;
  id: number;
  supplier: ProcessorSupplier<unknown, unknown, unknown, unknown>;
  parents: string[];
  children: string[];
  stores: string[];
}

export interface SinkNode {
  kind: 'sink';
  name: string;
  id: number;
  topic: string | TopicNameExtractor<unknown, unknown>;
  options: SinkOptions;
  parents: string[];
}

export type TopologyNode = SourceNode | ProcessorNode | SinkNode;

/** An internal topic the application creates (named without the application id prefix). */
export interface InternalTopic {
  name: string;
  kind: 'repartition' | 'changelog';
  /** Fixed partition count, or undefined to take the upstream's. */
  partitions?: number;
  configs: globalThis.Record<string, string>;
}

export interface StoreEntry {
  builder: StoreBuilder;
  processors: Set<string>;
  /** A global store is fed from its own topic on every instance, outside the tasks. */
  global: { topic: string; sourceName: string; processorName: string } | null;
}

export interface SubTopology {
  id: number;
  nodes: TopologyNode[];
  sourceTopics: string[];
  sourcePatterns: RegExp[];
  sinkTopics: string[];
  stores: string[];
}

export class Topology {
  readonly nodes = new Map<string, TopologyNode>();
  readonly stores = new Map<string, StoreEntry>();
  readonly internalTopics = new Map<string, InternalTopic>();
  private nextId = 0;

  private addNode(node: Omit<SourceNode, 'id'> | Omit<ProcessorNode, 'id'> | Omit<SinkNode, 'id'>): void {
    if (!node.name) throw new TopologyError('A node needs a non-empty name.');
    if (this.nodes.has(node.name)) throw new TopologyError(`A node named '${node.name}' already exists in this topology; names must be unique.`);
    this.nodes.set(node.name, { ...node, id: this.nextId++ } as TopologyNode);
  }

  private parentOf(name: string, child: string): SourceNode | ProcessorNode {
    const parent = this.nodes.get(name);
    if (!parent) throw new TopologyError(`Parent node '${name}' of '${child}' does not exist: add it first.`);
    if (parent.kind === 'sink') throw new TopologyError(`Sink '${name}' cannot be the parent of '${child}': sinks have no children.`);
    return parent;
  }

  addSource<K, V>(name: string, topics: string[] | RegExp, options: SourceOptions<K, V> = {}): this {
    if (Array.isArray(topics) && topics.length === 0) throw new TopologyError(`Source '${name}' needs at least one topic.`);
    for (const node of this.nodes.values()) {
      if (node.kind !== 'source' || !Array.isArray(topics)) continue;
      const shared = topics.find((t) => node.topics.includes(t));
      if (shared) throw new TopologyError(`Topic '${shared}' is already the source of '${node.name}'; a topic can feed one source node.`);
    }
    this.addNode({
      kind: 'source',
      name,
      topics: Array.isArray(topics) ? [...topics] : [],
      pattern: Array.isArray(topics) ? null : topics,
      options: options as SourceOptions,
      children: [],
    });
    return this;
  }

  addProcessor<KIn, VIn, KOut, VOut>(name: string, supplier: ProcessorSupplier<KIn, VIn, KOut, VOut>, ...parentNames: string[]): this {
    if (parentNames.length === 0) throw new TopologyError(`Processor '${name}' needs at least one parent.`);
    const parents = parentNames.map((p) => this.parentOf(p, name));
    this.addNode({ kind: 'processor', name, supplier: supplier as ProcessorSupplier<unknown, unknown, unknown, unknown>, parents: [...parentNames], children: [], stores: [] });
    for (const p of parents) p.children.push(name);
    return this;
  }

  addSink<K, V>(name: string, topic: string | TopicNameExtractor<K, V>, options: SinkOptions<K, V> = {}, ...parentNames: string[]): this {
    if (parentNames.length === 0) throw new TopologyError(`Sink '${name}' needs at least one parent.`);
    const parents = parentNames.map((p) => this.parentOf(p, name));
    this.addNode({ kind: 'sink', name, topic: topic as SinkNode['topic'], options: options as SinkOptions, parents: [...parentNames] });
    for (const p of parents) p.children.push(name);
    return this;
  }

  addStateStore(builder: StoreBuilder, ...processorNames: string[]): this {
    if (this.stores.has(builder.name)) throw new TopologyError(`A state store named '${builder.name}' already exists in this topology.`);
    this.stores.set(builder.name, { builder, processors: new Set(), global: null });
    if (processorNames.length > 0) this.connectProcessorAndStateStores(processorNames[0]!, builder.name);
    for (const p of processorNames.slice(1)) this.connectProcessorAndStateStores(p, builder.name);
    return this;
  }

  /**
   * A global store: every application instance reads all partitions of `topic` into it through
   * `processor` (which usually just puts each record), outside the tasks.
   */
  addGlobalStore<K, V>(builder: StoreBuilder, sourceName: string, topic: string, options: SourceOptions<K, V>, processorName: string, processor: ProcessorSupplier<K, V, never, never>): this {
    if (this.stores.has(builder.name)) throw new TopologyError(`A state store named '${builder.name}' already exists in this topology.`);
    this.addSource(sourceName, [topic], options);
    this.addProcessor(processorName, processor, sourceName);
    (this.nodes.get(processorName) as ProcessorNode).stores.push(builder.name);
    this.stores.set(builder.name, { builder, processors: new Set([processorName]), global: { topic, sourceName, processorName } });
    return this;
  }

  connectProcessorAndStateStores(processorName: string, ...storeNames: string[]): this {
    const node = this.nodes.get(processorName);
    if (!node || node.kind !== 'processor') throw new TopologyError(`'${processorName}' is not a processor of this topology.`);
    for (const storeName of storeNames) {
      const store = this.stores.get(storeName);
      if (!store) throw new TopologyError(`State store '${storeName}' is not in this topology: add it with addStateStore first.`);
      if (store.global) throw new TopologyError(`Global store '${storeName}' is read-only for processors and connected to every task already.`);
      store.processors.add(processorName);
      if (!node.stores.includes(storeName)) node.stores.push(storeName);
    }
    return this;
  }

  /** Declares an internal topic (the DSL's repartition topics). */
  addInternalTopic(topic: InternalTopic): this {
    this.internalTopics.set(topic.name, topic);
    return this;
  }

  /** Global stores and their feeding nodes. */
  globalStores(): StoreEntry[] {
    return [...this.stores.values()].filter((s) => s.global !== null);
  }

  /**
   * The sub-topologies: nodes connected through parent links or shared stores, numbered in the
   * order their first node was added. Global-store nodes are excluded.
   */
  subTopologies(): SubTopology[] {
    const globalNodes = new Set<string>();
    for (const s of this.globalStores()) {
      globalNodes.add(s.global!.sourceName);
      globalNodes.add(s.global!.processorName);
    }
    const parent = new Map<string, string>();
    const find = (x: string): string => {
      let root = x;
      while (parent.get(root) !== root) root = parent.get(root)!;
      parent.set(x, root);
      return root;
    };
    const union = (a: string, b: string): void => {
      const ra = find(a);
      const rb = find(b);
      if (ra === rb) return;
      const ida = this.nodes.get(ra)!.id;
      const idb = this.nodes.get(rb)!.id;
      if (ida < idb) parent.set(rb, ra);
      else parent.set(ra, rb);
    };
    const ordered = [...this.nodes.values()].filter((n) => !globalNodes.has(n.name)).sort((a, b) => a.id - b.id);
    for (const n of ordered) parent.set(n.name, n.name);
    for (const n of ordered) if (n.kind !== 'source') for (const p of n.parents) union(n.name, p);
    for (const s of this.stores.values()) {
      if (s.global) continue;
      const [first, ...rest] = [...s.processors];
      for (const r of rest) union(first!, r);
    }
    const groups = new Map<string, TopologyNode[]>();
    for (const n of ordered) {
      const root = find(n.name);
      const list = groups.get(root) ?? [];
      list.push(n);
      groups.set(root, list);
    }
    const roots = [...groups.keys()].sort((a, b) => Math.min(...groups.get(a)!.map((n) => n.id)) - Math.min(...groups.get(b)!.map((n) => n.id)));
    return roots.map((root, id) => {
      const nodes = groups.get(root)!;
      const stores = new Set<string>();
      for (const n of nodes) if (n.kind === 'processor') for (const s of n.stores) stores.add(s);
      return {
        id,
        nodes,
        sourceTopics: nodes.flatMap((n) => (n.kind === 'source' ? n.topics : [])),
        sourcePatterns: nodes.flatMap((n) => (n.kind === 'source' && n.pattern ? [n.pattern] : [])),
        sinkTopics: nodes.flatMap((n) => (n.kind === 'sink' && typeof n.topic === 'string' ? [n.topic] : [])),
        stores: [...stores],
      };
    });
  }

  describe(): TopologyDescription {
    return describeTopology(this);
  }
}

/** A record as a TimestampExtractor sees it: consumed, already deserialized. */
export type ConsumedRecord = Parameters<TimestampExtractor>[0];

/** The default extractor: the record's own timestamp (CreateTime or LogAppendTime). */
export const recordTimestamp: TimestampExtractor = (record) => record.timestamp;

/** Wall-clock time at processing (Kafka's WallclockTimestampExtractor). */
export const wallclockTimestamp: TimestampExtractor = () => Date.now();

export type { Record };
