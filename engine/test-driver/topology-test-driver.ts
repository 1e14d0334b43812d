/**
 * TopologyTestDriver: runs a topology deterministically without a broker. Input records go to
 * in-memory topics; the tasks that read them process each record to completion, including what
 * it sends through repartition topics, before the next input record is taken. Unlike Kafka's,
 * topics may have several partitions (records are partitioned by murmur2 like a producer), so a
 * missing repartition shows up as wrong results, and caching can be on (flushed on commit).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { partitionForKey } from '../../storage/broker/partitioner.js';
import { silentLogger, type Logger } from '../../storage/logger.js';
import type { StateStore } from '../../storage/state/state-store.js';
import type { RecordHeader } from '../../storage/types.js';
import { Headers } from '../processor/headers.js';
import type { Serde } from '../serde/serde.js';
import { StreamTask, type HandlerResponse } from '../runtime/stream-task.js';
import type { RecordCollector } from '../runtime/record-collector.js';
import type { RawRecord } from '../runtime/record-queue.js';
import { TopologyError, type SubTopology, type Topology } from '../topology/topology.js';
import { internalTopicPartitions } from '../topology/internal-partitions.js';

export interface TestDriverConfig {
  applicationId?: string;
  defaultKeySerde?: Serde<unknown>;
  defaultValueSerde?: Serde<unknown>;
  /** Partitions per topic (input, output and internal); a number applies to all. Default 1. */
  partitions?: number | Record<string, number>;
  /** cache.max.bytes.buffering; 0 (the default) turns caching off. */
  cacheMaxBytes?: number;
  /** commit.interval.ms: with caching on, caches flush when wall-clock time passes it. */
  commitIntervalMs?: number;
  /** Wall-clock start (ms). */
  initialWallClockTime?: number;
  /** Where persistent stores live; a temporary directory by default (removed by close()). */
  stateDir?: string;
  logger?: Logger;
  onDeserializationError?(error: unknown, record: RawRecord): HandlerResponse;
  onProcessingError?(error: unknown, record: RawRecord | null, nodeName: string): HandlerResponse;
  /** Extra configuration processors can read through context.appConfigs. */
  appConfigs?: Record<string, unknown>;
}

export interface TestRecord<K, V> {
  key: K;
  value: V;
  timestamp: number;
  headers: RecordHeader[];
  partition: number;
}

interface TopicData {
  partitions: RawRecord[][];
  /** Per partition, how many records an output reader has taken. */
  readPositions: number[];
  /** Across partitions, the order records were written in. */
  order: { partition: number; index: number }[];
  readCursor: number;
}

export class TopologyTestDriver {
  private readonly tasks = new Map<string, StreamTask>();
  private readonly sourceTopicTasks = new Map<string, StreamTask[]>();
  private readonly topics = new Map<string, TopicData>();
  private readonly pending: RawRecord[] = [];
  private readonly ownsStateDir: boolean;
  private readonly stateDir: string;
  private wallClock: number;
  private lastCommit: number;
  private delivering = false;
  private closed = false;

  private constructor(
    readonly topology: Topology,
    private readonly config: TestDriverConfig,
  ) {
    this.ownsStateDir = config.stateDir === undefined;
    this.stateDir = config.stateDir ?? mkdtempSync(join(tmpdir(), 'freshet-ttd-'));
    this.wallClock = config.initialWallClockTime ?? 0;
    this.lastCommit = this.wallClock;
  }

  static async create(topology: Topology, config: TestDriverConfig = {}): Promise<TopologyTestDriver> {
    const driver = new TopologyTestDriver(topology, config);
    await driver.start();
    return driver;
  }

  get applicationId(): string {
    return this.config.applicationId ?? 'test-app';
  }

  /** The actual name of a topology topic: internal topics get the application id prefix. */
  topicName(name: string): string {
    return this.topology.internalTopics.has(name) ? `${this.applicationId}-${name}` : name;
  }

  private partitionsOf(topic: string): number {
    const p = this.config.partitions;
    if (typeof p === 'number') return p;
    return p?.[topic] ?? 1;
  }

  private async start(): Promise<void> {
    const subs = this.topology.subTopologies();
    const counts = internalTopicPartitions(this.topology, (t) => this.partitionsOf(t));
    for (const [t, n] of counts) this.ensureTopic(this.topicName(t), n);
    const globalStores = await this.startGlobalTask();
    for (const sub of subs) {
      const partitionCounts = sub.sourceTopics.map((t) => counts.get(t) ?? this.partitionsOf(t));
      const n = Math.max(1, ...partitionCounts);
      const mismatch = sub.sourceTopics.find((_, i) => partitionCounts[i] !== n);
      if (mismatch !== undefined) {
        throw new TopologyError(`Topics ${sub.sourceTopics.join(', ')} of sub-topology ${sub.id} are joined or merged but not co-partitioned (partition counts ${partitionCounts.join(', ')}): give them the same number of partitions or repartition one.`);
      }
      for (const t of sub.sourceTopics) this.ensureTopic(this.topicName(t), n);
      // Changelogs have a partition per task.
      for (const store of sub.stores) {
        if (this.topology.stores.get(store)?.builder.loggingEnabled) this.ensureTopic(`${this.applicationId}-${store}-changelog`, n);
      }
      for (let partition = 0; partition < n; partition++) {
        const task = new StreamTask({
          applicationId: this.applicationId,
          subTopology: sub,
          topology: this.topology,
          partition,
          stateDir: join(this.stateDir, this.applicationId),
          collector: this.collector,
          logger: this.config.logger ?? silentLogger,
          defaultKeySerde: this.config.defaultKeySerde,
          defaultValueSerde: this.config.defaultValueSerde,
          cacheMaxBytes: this.config.cacheMaxBytes ?? 0,
          appConfigs: { 'application.id': this.applicationId, ...this.config.appConfigs },
          now: () => this.wallClock,
          changelogTopic: (store) => {
            const entry = this.topology.stores.get(store);
            return entry?.builder.loggingEnabled ? `${this.applicationId}-${store}-changelog` : null;
          },
          topicName: (t) => this.topicName(t),
          onDeserializationError: this.config.onDeserializationError,
          onProcessingError: this.config.onProcessingError,
          globalStores,
        });
        await task.initializeStores();
        task.initializeProcessors();
        this.tasks.set(task.id, task);
        for (const { topic } of task.inputPartitions()) {
          const list = this.sourceTopicTasks.get(topic) ?? [];
          list[partition] = task;
          this.sourceTopicTasks.set(topic, list);
        }
      }
    }
  }

  /**
   * Global stores: one task reads every partition of each global topic into its store, and
   * every other task reads the stores through it.
   */
  private async startGlobalTask(): Promise<Map<string, StateStore>> {
    const stores = new Map<string, StateStore>();
    const globals = this.topology.globalStores();
    if (globals.length === 0) return stores;
    const nodes = globals.flatMap((g) => [this.topology.nodes.get(g.global!.sourceName)!, this.topology.nodes.get(g.global!.processorName)!]);
    const sub: SubTopology = { id: -1, nodes, sourceTopics: globals.map((g) => g.global!.topic), sourcePatterns: [], sinkTopics: [], stores: globals.map((g) => g.builder.name) };
    const task = new StreamTask({
      applicationId: this.applicationId,
      subTopology: sub,
      topology: this.topology,
      partition: 0,
      stateDir: join(this.stateDir, this.applicationId, 'global'),
      collector: this.collector,
      logger: this.config.logger ?? silentLogger,
      defaultKeySerde: this.config.defaultKeySerde,
      defaultValueSerde: this.config.defaultValueSerde,
      cacheMaxBytes: 0,
      appConfigs: { 'application.id': this.applicationId, ...this.config.appConfigs },
      now: () => this.wallClock,
      changelogTopic: () => null,
      topicName: (t) => t,
    });
    await task.initializeStores();
    task.initializeProcessors();
    this.globalTask = task;
    for (const g of globals) {
      this.ensureTopic(g.global!.topic, this.partitionsOf(g.global!.topic));
      stores.set(g.builder.name, task.stores.get(g.builder.name)!);
    }
    return stores;
  }

  private globalTask: StreamTask | null = null;

  private ensureTopic(name: string, partitions: number): TopicData {
    let t = this.topics.get(name);
    if (!t) {
      t = { partitions: Array.from({ length: partitions }, () => []), readPositions: Array.from({ length: partitions }, () => 0), order: [], readCursor: 0 };
      this.topics.set(name, t);
    }
    return t;
  }

  private readonly collector: RecordCollector = {
    send: (topic, key, value, headers, timestamp, partition) => {
      const data = this.ensureTopic(topic, this.partitionsOf(topic));
      const p = partition ?? (key === null ? 0 : partitionForKey(key, data.partitions.length));
      if (p < 0 || p >= data.partitions.length) throw new TopologyError(`Partition ${p} of topic '${topic}' does not exist (it has ${data.partitions.length}).`);
      const list = data.partitions[p]!;
      const raw: RawRecord = { topic, partition: p, offset: list.length, timestamp, key, value, headers };
      list.push(raw);
      data.order.push({ partition: p, index: list.length - 1 });
      if (this.sourceTopicTasks.has(topic)) this.pending.push(raw);
      else if (this.globalTask?.config.subTopology.sourceTopics.includes(topic)) {
        // Global topics update their stores at once, before anything reads them.
        this.globalTask.addRecords(topic, 0, [raw]);
        while (this.globalTask.process()) {
          // drain
        }
      }
    },
    partitionsFor: (topic) => this.ensureTopic(topic, this.partitionsOf(topic)).partitions.length,
  };

  /** Delivers pending records to their tasks and processes until nothing is left. */
  private drain(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      while (this.pending.length > 0) {
        const raw = this.pending.shift()!;
        const task = this.sourceTopicTasks.get(raw.topic)?.[raw.partition];
        if (!task) continue;
        task.addRecords(raw.topic, raw.partition, [raw]);
        while (task.process()) {
          // process everything this record started (outputs to internal topics queue up in `pending`)
        }
      }
    } finally {
      this.delivering = false;
    }
  }

  /** Writes one record to an input topic and processes it (and everything it causes). */
  pipe(topic: string, key: Buffer | null, value: Buffer | null, timestamp: number, headers: RecordHeader[] = []): void {
    if (this.closed) throw new TopologyError('The test driver is closed.');
    const name = this.topicName(topic);
    if (!this.sourceTopicTasks.has(name) && !this.globalTask?.config.subTopology.sourceTopics.includes(name)) throw new TopologyError(`Topic '${topic}' is not an input of this topology.`);
    this.collector.send(name, key, value, headers, timestamp, undefined);
    this.drain();
  }

  createInputTopic<K, V>(topic: string, keySerde: Serde<K>, valueSerde: Serde<V>, options: { startTimestamp?: number; autoAdvanceMs?: number } = {}): TestInputTopic<K, V> {
    return new TestInputTopic(this, topic, keySerde, valueSerde, options.startTimestamp ?? 0, options.autoAdvanceMs ?? 0);
  }

  createOutputTopic<K, V>(topic: string, keySerde: Serde<K>, valueSerde: Serde<V>): TestOutputTopic<K, V> {
    return new TestOutputTopic(this, this.topicName(topic), keySerde, valueSerde);
  }

  /** Next unread raw record of an output topic, in write order across partitions. */
  readRaw(topic: string): RawRecord | undefined {
    const data = this.topics.get(topic);
    if (!data || data.readCursor >= data.order.length) return undefined;
    const { partition, index } = data.order[data.readCursor++]!;
    return data.partitions[partition]![index];
  }

  unread(topic: string): number {
    const data = this.topics.get(topic);
    return data ? data.order.length - data.readCursor : 0;
  }

  /** Topics records were written to (outputs, internal topics, changelogs). */
  producedTopicNames(): string[] {
    return [...this.topics.entries()].filter(([, d]) => d.order.length > 0).map(([name]) => name).sort();
  }

  /**
   * Advances wall-clock time: fires wall-clock punctuations and, with caching on, commits (flushes
   * the caches) when commit.interval.ms has passed since the last commit.
   */
  async advanceWallClockTime(ms: number): Promise<void> {
    this.wallClock += ms;
    for (const task of this.tasks.values()) task.punctuateWallClock(this.wallClock);
    this.drain();
    if ((this.config.cacheMaxBytes ?? 0) > 0 && this.wallClock - this.lastCommit >= (this.config.commitIntervalMs ?? 30_000)) await this.commit();
  }

  /** Flushes every task's stores (caches forward their updates), as a commit does. */
  async commit(): Promise<void> {
    this.lastCommit = this.wallClock;
    for (const task of this.tasks.values()) await task.flush();
    this.drain();
  }

  /** The store of a task (partition), or of the only task that has it. */
  getStateStore<S extends StateStore = StateStore>(name: string, partition?: number): S {
    const instances = this.storeInstances(name);
    if (instances.length === 0) throw new TopologyError(`No task has a state store named '${name}'.`);
    if (partition !== undefined) {
      const hit = instances.find((i) => i.partition === partition);
      if (!hit) throw new TopologyError(`State store '${name}' has no instance for partition ${partition}.`);
      return hit.store as S;
    }
    if (instances.length > 1) throw new TopologyError(`State store '${name}' has ${instances.length} instances (one per partition): pass a partition, or use storeInstances().`);
    return instances[0]!.store as S;
  }

  /** Every task's instance of a store. */
  storeInstances(name: string): { partition: number; store: StateStore }[] {
    return [...this.tasks.values()].filter((t) => t.stores.has(name)).map((t) => ({ partition: t.partition, store: t.stores.get(name)! }));
  }

  /** Summed task counters (processed, dropped late, skipped...). */
  metrics(): Record<string, number> {
    const total: Record<string, number> = {};
    for (const task of this.tasks.values()) for (const [k, v] of Object.entries(task.metrics.snapshot())) total[k] = (total[k] ?? 0) + v;
    return total;
  }

  taskIds(): string[] {
    return [...this.tasks.keys()].sort();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const task of this.tasks.values()) await task.close();
    await this.globalTask?.close();
    if (this.ownsStateDir) rmSync(this.stateDir, { recursive: true, force: true });
  }
}

export class TestInputTopic<K, V> {
  private nextTimestamp: number;

  constructor(
    private readonly driver: TopologyTestDriver,
    readonly name: string,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
    startTimestamp: number,
    private readonly autoAdvanceMs: number,
  ) {
    this.nextTimestamp = startTimestamp;
  }

  pipeInput(key: K | null, value: V | null, timestamp?: number, headers: RecordHeader[] = []): void {
    const ts = timestamp ?? this.nextTimestamp;
    if (timestamp === undefined) this.nextTimestamp += this.autoAdvanceMs;
    const h = new Headers(headers);
    this.driver.pipe(this.name, this.keySerde.serialize(this.name, key, h), this.valueSerde.serialize(this.name, value, h), ts, headers);
  }

  pipeValueList(values: (V | null)[]): void {
    for (const v of values) this.pipeInput(null, v);
  }

  pipeKeyValueList(pairs: [K | null, V | null][]): void {
    for (const [k, v] of pairs) this.pipeInput(k, v);
  }

  advanceTime(ms: number): void {
    this.nextTimestamp += ms;
  }
}

export class TestOutputTopic<K, V> {
  constructor(
    private readonly driver: TopologyTestDriver,
    readonly name: string,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
  ) {}

  readRecord(): TestRecord<K | null, V | null> {
    const raw = this.driver.readRaw(this.name);
    if (!raw) throw new TopologyError(`Output topic '${this.name}' has no more records.`);
    const h = new Headers(raw.headers);
    return { key: this.keySerde.deserialize(this.name, raw.key, h), value: this.valueSerde.deserialize(this.name, raw.value, h), timestamp: raw.timestamp, headers: raw.headers, partition: raw.partition };
  }

  readKeyValue(): [K | null, V | null] {
    const r = this.readRecord();
    return [r.key, r.value];
  }

  readValue(): V | null {
    return this.readRecord().value;
  }

  readRecordsToList(): TestRecord<K | null, V | null>[] {
    const out: TestRecord<K | null, V | null>[] = [];
    while (!this.isEmpty()) out.push(this.readRecord());
    return out;
  }

  readKeyValuesToList(): [K | null, V | null][] {
    return this.readRecordsToList().map((r) => [r.key, r.value]);
  }

  readValuesToList(): (V | null)[] {
    return this.readRecordsToList().map((r) => r.value);
  }

  /** The last value per key (a table's final state); null values delete the key. */
  readKeyValuesToMap(): Map<K | null, V> {
    const map = new Map<K | null, V>();
    for (const r of this.readRecordsToList()) {
      if (r.value === null) map.delete(r.key);
      else map.set(r.key, r.value);
    }
    return map;
  }

  isEmpty(): boolean {
    return this.driver.unread(this.name) === 0;
  }

  getQueueSize(): number {
    return this.driver.unread(this.name);
  }
}
