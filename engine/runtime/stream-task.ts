/**
 * A stream task: one instance of a sub-topology for one input partition (number), with its own
 * processors and state stores. The runtime (StreamsApp) and the test driver both run tasks; a
 * task only needs a RecordCollector for its output.
 *
 * Processing is synchronous per record: the task takes the oldest head record across its input
 * partitions, runs it through the source's children depth-first, and advances stream time.
 */
import { join } from 'node:path';
import type { Logger } from '../../storage/logger.js';
import type { RestoreCallback, StateStore, StateStoreContext } from '../../storage/state/state-store.js';
import { tpKey } from '../../storage/types.js';
import type { Cancellable, Processor, ProcessorContext, PunctuationType, Punctuator } from '../processor/processor.js';
import { Record, type RecordContext } from '../processor/record.js';
import { Headers } from '../processor/headers.js';
import type { Serde } from '../serde/serde.js';
import { partitionForKey } from '../../storage/broker/partitioner.js';
import { Serdes } from '../serde/serdes.js';
import { windowSuffixBytes } from '../serde/windowed.js';
import { recordTimestamp, TopologyError, type SinkNode, type SubTopology, type Topology } from '../topology/topology.js';
import { PunctuationQueue } from './punctuation-queue.js';
import type { RecordCollector } from './record-collector.js';
import { RecordQueue, type HeadProblem, type RawRecord } from './record-queue.js';
import { TaskMetrics } from './task-metrics.js';

export type HandlerResponse = 'continue' | 'fail';

export interface TaskConfig {
  applicationId: string;
  subTopology: SubTopology;
  topology: Topology;
  partition: number;
  /** `<state.dir>/<application.id>`: the task's stores live in `<dir>/<taskId>/`. */
  stateDir: string;
  collector: RecordCollector;
  logger: Logger;
  defaultKeySerde?: Serde<unknown>;
  defaultValueSerde?: Serde<unknown>;
  cacheMaxBytes: number;
  appConfigs: Readonly<globalThis.Record<string, unknown>>;
  now(): number;
  /** The full changelog topic of a store (null: logging off). */
  changelogTopic(storeName: string): string | null;
  /** Actual name of an internal topic (applies the application id prefix). */
  topicName(name: string): string;
  onDeserializationError?(error: unknown, record: RawRecord): HandlerResponse;
  onProcessingError?(error: unknown, record: RawRecord | null, nodeName: string): HandlerResponse;
  /** Stores shared by all tasks (global stores), by name. */
  globalStores?: ReadonlyMap<string, StateStore>;
}

/** What the task's runtime nodes need from the context they share. */
interface RuntimeNode {
  name: string;
  kind: 'source' | 'processor' | 'sink';
  children: RuntimeNode[];
  processor: Processor<unknown, unknown, unknown, unknown> | null;
  sink: SinkNode | null;
  /** A sink's topic when it is fixed (the actual name, resolved once). */
  sinkTopic: string | null;
  keySerde: Serde<unknown>;
  valueSerde: Serde<unknown>;
  /** A sink with a windowed key serde: the bytes it appends to the inner key (partitioning is by the inner key). */
  windowSuffix: number | undefined;
}

export class TaskProcessingError extends TopologyError {}

export class StreamTask {
  readonly id: string;
  readonly metrics = new TaskMetrics();
  readonly stores = new Map<string, StateStore>();
  private readonly nodes = new Map<string, RuntimeNode>();
  private readonly queues = new Map<string, RecordQueue>();
  /** The same queues as an array, for the per-record choice. */
  private queueList: RecordQueue[] = [];
  private readonly punctuations = new PunctuationQueue();
  private readonly restoreCallbacks = new Map<string, RestoreCallback>();
  /** Consumed offsets set for partitions without a queue (the queues keep their own). */
  private readonly consumed = new Map<string, number>();
  private readonly changelogTopics = new Map<string, string | null>();
  readonly context: TaskContext;
  private streamTime = -1;
  private currentNode: RuntimeNode | null = null;
  /** Made from currentRaw when a processor asks for it. */
  private currentRecord: RecordContext | null = null;
  private currentRaw: RawRecord | null = null;
  private currentTimestamp: number | null = null;
  private commitRequested = false;
  private failedNode: string | null = null;
  private closed = false;

  constructor(readonly config: TaskConfig) {
    this.id = `${config.subTopology.id}_${config.partition}`;
    this.context = new TaskContext(this);
    this.buildNodes();
  }

  get partition(): number {
    return this.config.partition;
  }

  /** The input topic-partitions of this task (pattern sources resolve at subscription time). */
  inputPartitions(): { topic: string; partition: number }[] {
    return this.config.subTopology.sourceTopics.map((t) => ({ topic: this.config.topicName(t), partition: this.config.partition }));
  }

  private buildNodes(): void {
    const { topology, subTopology } = this.config;
    const defaultKey = this.config.defaultKeySerde ?? (Serdes.Bytes() as Serde<unknown>);
    const defaultValue = this.config.defaultValueSerde ?? (Serdes.Bytes() as Serde<unknown>);
    for (const def of subTopology.nodes) {
      const node: RuntimeNode = {
        name: def.name,
        kind: def.kind,
        children: [],
        processor: def.kind === 'processor' ? def.supplier() : null,
        sink: def.kind === 'sink' ? def : null,
        sinkTopic: def.kind === 'sink' && typeof def.topic === 'string' ? this.config.topicName(def.topic) : null,
        keySerde: (def.kind === 'source' || def.kind === 'sink' ? def.options.keySerde : undefined) ?? defaultKey,
        valueSerde: (def.kind === 'source' || def.kind === 'sink' ? def.options.valueSerde : undefined) ?? defaultValue,
        windowSuffix: undefined,
      };
      if (def.kind === 'sink') node.windowSuffix = windowSuffixBytes(node.keySerde);
      this.nodes.set(def.name, node);
    }
    for (const def of subTopology.nodes) {
      if (def.kind === 'sink') continue;
      this.nodes.get(def.name)!.children = def.children.map((c) => this.nodes.get(c)!).filter((c) => c !== undefined);
    }
    for (const def of subTopology.nodes) {
      if (def.kind !== 'source') continue;
      const node = this.nodes.get(def.name)!;
      for (const topic of def.topics) {
        const name = this.config.topicName(topic);
        const queue = new RecordQueue(name, this.config.partition, def.name, node.keySerde, node.valueSerde, def.options.timestampExtractor ?? recordTimestamp, (p) => this.onHeadProblem(p));
        this.addQueue(queue);
      }
    }
    void topology;
  }

  /** Adds a pattern-subscribed input partition (its topic matched a source's pattern). */
  addInputPartition(topic: string, sourceName: string): void {
    const key = tpKey(topic, this.config.partition);
    if (this.queues.has(key)) return;
    const node = this.nodes.get(sourceName)!;
    const def = this.config.subTopology.nodes.find((n) => n.name === sourceName)!;
    const extractor = def.kind === 'source' ? (def.options.timestampExtractor ?? recordTimestamp) : recordTimestamp;
    this.addQueue(new RecordQueue(topic, this.config.partition, sourceName, node.keySerde, node.valueSerde, extractor, (p) => this.onHeadProblem(p)));
  }

  private addQueue(queue: RecordQueue): void {
    const key = tpKey(queue.topic, queue.partition);
    const earlier = this.consumed.get(key);
    if (earlier !== undefined) {
      queue.consumedOffset = earlier;
      this.consumed.delete(key);
    }
    this.queues.set(key, queue);
    this.queueList = [...this.queues.values()];
  }

  /** The changelog topic of a store, looked up once. */
  changelogTopicOf(storeName: string): string | null {
    let topic = this.changelogTopics.get(storeName);
    if (topic === undefined) {
      topic = this.config.changelogTopic(storeName);
      this.changelogTopics.set(storeName, topic);
    }
    return topic;
  }

  private onHeadProblem(p: HeadProblem): void {
    // The queue has moved its consumed offset past the record.
    if (p.kind === 'timestamp') {
      this.metrics.skippedInvalidTimestamp++;
      this.config.logger.warn(`Skipping a record with invalid timestamp ${p.timestamp} in task ${this.id}`, { topic: p.raw.topic, partition: p.raw.partition, offset: p.raw.offset });
      return;
    }
    this.metrics.skippedDeserialization++;
    const response = this.config.onDeserializationError?.(p.error, p.raw) ?? 'continue';
    this.config.logger.warn(`Skipping a record that does not deserialize in task ${this.id}: ${(p.error as Error)?.message ?? String(p.error)}`, { topic: p.raw.topic, partition: p.raw.partition, offset: p.raw.offset });
    if (response === 'fail') throw new TaskProcessingError(`Task ${this.id} stops: record ${p.raw.topic}-${p.raw.partition}@${p.raw.offset} does not deserialize: ${(p.error as Error)?.message ?? String(p.error)}`);
  }

  // ------------------------------------------------------------ stores

  /** Builds and opens the sub-topology's stores; the runtime restores them before processing. */
  async initializeStores(): Promise<void> {
    const ctx = new StoreContext(this);
    for (const name of this.config.subTopology.stores) {
      const entry = this.config.topology.stores.get(name)!;
      const store = entry.builder.build();
      await store.init(ctx, store);
      this.stores.set(name, store);
    }
  }

  /** Stores registered for restore, with their restore callbacks. */
  restoreTargets(): { store: StateStore; changelogTopic: string; restore: RestoreCallback }[] {
    const out: { store: StateStore; changelogTopic: string; restore: RestoreCallback }[] = [];
    for (const [name, restore] of this.restoreCallbacks) {
      const topic = this.config.changelogTopic(name);
      if (topic) out.push({ store: this.stores.get(name)!, changelogTopic: topic, restore });
    }
    return out;
  }

  registerRestore(store: StateStore, restore: RestoreCallback): void {
    this.restoreCallbacks.set(store.name, restore);
  }

  getStore(name: string): StateStore {
    const store = this.stores.get(name) ?? this.config.globalStores?.get(name);
    if (!store) throw new TopologyError(`Processor '${this.currentNode?.name ?? '?'}' has no access to state store '${name}': connect it (connectProcessorAndStateStores / Materialized).`);
    return store;
  }

  /** Initialises the processors (after stores are restored). */
  initializeProcessors(): void {
    for (const node of this.nodes.values()) {
      if (!node.processor?.init) continue;
      this.currentNode = node;
      try {
        node.processor.init(this.context as ProcessorContext<unknown, unknown>);
      } finally {
        this.currentNode = null;
      }
    }
  }

  // ------------------------------------------------------------ processing

  addRecords(topic: string, partition: number, records: readonly RawRecord[]): void {
    const queue = this.queues.get(tpKey(topic, partition));
    if (!queue) throw new TopologyError(`Task ${this.id} has no input ${topic}-${partition}.`);
    queue.add(records);
  }

  /** Records waiting in the task's queues. */
  get buffered(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.size;
    return n;
  }

  /**
   * Whether the task should process now (Kafka's max.task.idle.ms, KIP-695): with an input
   * empty while the broker still has records for it (`lagOf` > 0, or unknown), the task waits
   * for them, so records are taken in timestamp order across its inputs; with `maxIdleMs` > 0 it
   * also waits that long for inputs that are caught up; -1 never waits.
   */
  readyToProcess(now: number, maxIdleMs: number, lagOf: (topic: string, partition: number) => number | null): boolean {
    if (maxIdleMs < 0 || this.queues.size < 2) return true;
    let waiting = false;
    let anyData = false;
    for (const q of this.queues.values()) {
      if (!q.isEmpty()) {
        anyData = true;
        continue;
      }
      const lag = lagOf(q.topic, q.partition);
      if (lag === 0 && maxIdleMs === 0) continue;
      waiting = true;
    }
    if (!anyData || !waiting) {
      this.idleSince = -1;
      return anyData;
    }
    if (this.idleSince < 0) this.idleSince = now;
    return maxIdleMs > 0 && now - this.idleSince >= maxIdleMs;
  }

  private idleSince = -1;

  /** Processes the oldest waiting record; false when there is none. */
  process(): boolean {
    let chosen: RecordQueue | null = null;
    let min = Infinity;
    const queues = this.queueList;
    for (let i = 0; i < queues.length; i++) {
      const q = queues[i]!;
      const head = q.head();
      if (head !== null && head.timestamp < min) {
        min = head.timestamp;
        chosen = q;
      }
    }
    if (chosen === null) return false;
    const rec = chosen.poll()!;
    if (rec.timestamp > this.streamTime) this.streamTime = rec.timestamp;
    const raw = rec.raw;
    this.currentRaw = raw;
    this.currentTimestamp = rec.timestamp;
    const source = this.nodes.get(chosen.sourceNode)!;
    try {
      this.forwardTo(source, new Record(rec.key, rec.value, rec.timestamp, rec.headers));
      this.metrics.processed++;
    } catch (err) {
      this.handleProcessingError(err);
    } finally {
      this.currentRecord = null;
      this.currentRaw = null;
      this.currentTimestamp = null;
    }
    chosen.consumedOffset = raw.offset + 1;
    this.punctuateStreamTime();
    return true;
  }

  private handleProcessingError(err: unknown): void {
    if (err instanceof TaskProcessingError) throw err;
    const nodeName = this.failedNode ?? this.currentNode?.name ?? '?';
    this.failedNode = null;
    this.currentNode = null;
    this.metrics.skippedProcessing++;
    const response = this.config.onProcessingError?.(err, this.currentRaw, nodeName) ?? 'fail';
    const where = this.currentRaw ? `${this.currentRaw.topic}-${this.currentRaw.partition}@${this.currentRaw.offset}` : 'a punctuation';
    if (response === 'fail') throw new TaskProcessingError(`Task ${this.id} failed processing ${where} in '${nodeName}': ${(err as Error)?.message ?? String(err)}`);
    this.config.logger.warn(`Skipping ${where} after an error in '${nodeName}' of task ${this.id}: ${(err as Error)?.message ?? String(err)}`);
  }

  /** Runs `record` through `node` (a source forwards to its children; a sink writes). */
  private forwardTo(node: RuntimeNode, record: Record<unknown, unknown>): void {
    const previous = this.currentNode;
    this.currentNode = node;
    try {
      switch (node.kind) {
        case 'source':
          for (const child of node.children) this.forwardTo(child, record);
          break;
        case 'processor':
          node.processor!.process(record);
          break;
        case 'sink':
          this.writeSink(node, record);
          break;
      }
    } catch (err) {
      // Remember the innermost node that threw, for the error message.
      this.failedNode ??= node.name;
      throw err;
    } finally {
      this.currentNode = previous;
    }
  }

  private writeSink(node: RuntimeNode, record: Record<unknown, unknown>): void {
    const def = node.sink!;
    const raw = this.currentRaw;
    const topic = typeof def.topic === 'string' ? node.sinkTopic! : def.topic(record.key, record.value, { topic: raw?.topic ?? null, partition: raw?.partition ?? -1, offset: raw?.offset ?? -1 });
    const headers = record.headers.size === 0 ? [] : record.headers.toArray();
    const key = node.keySerde.serialize(topic, record.key, record.headers);
    const value = node.valueSerde.serialize(topic, record.value, record.headers);
    let partition: number | undefined;
    if (def.options.partitioner) {
      partition = def.options.partitioner(topic, record.key, record.value, this.config.collector.partitionsFor(topic));
    } else if (key !== null && node.windowSuffix !== undefined && key.length >= node.windowSuffix) {
      partition = partitionForKey(key.subarray(0, key.length - node.windowSuffix), this.config.collector.partitionsFor(topic));
    }
    this.config.collector.send(topic, key, value, headers, record.timestamp, partition);
  }

  /** Forwards from the current node to its children (or the named one): ProcessorContext.forward. */
  forward(record: Record<unknown, unknown>, childName?: string): void {
    const node = this.currentNode;
    if (!node) throw new TopologyError('forward() may only be called while processing or punctuating.');
    if (childName !== undefined) {
      const child = node.children.find((c) => c.name === childName);
      if (!child) throw new TopologyError(`'${childName}' is not a child of '${node.name}'.`);
      this.forwardTo(child, record);
      return;
    }
    const children = node.children;
    for (let i = 0; i < children.length; i++) this.forwardTo(children[i]!, record);
  }

  /** Forwards as if `nodeName` were processing: how a cache flush emits a table's updates. */
  forwardFrom(nodeName: string, record: Record<unknown, unknown>): void {
    const node = this.nodes.get(nodeName);
    if (!node) throw new TopologyError(`Task ${this.id} has no node '${nodeName}'.`);
    const previous = this.currentNode;
    this.currentNode = node;
    try {
      this.forward(record);
    } finally {
      this.currentNode = previous;
    }
  }

  /** The node being processed or initialised. */
  currentNodeName(): string | null {
    return this.currentNode?.name ?? null;
  }

  /** Whether the current node forwards to anything. */
  currentNodeHasChildren(): boolean {
    return (this.currentNode?.children.length ?? 0) > 0;
  }

  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable {
    const node = this.currentNode;
    if (!node) throw new TopologyError('schedule() may only be called from init(), process() or a punctuator.');
    return this.punctuations.schedule(type, node.name, intervalMs, punctuator, type === 'STREAM_TIME' ? this.streamTime : this.config.now());
  }

  /** Fires due stream-time punctuations. */
  punctuateStreamTime(): number {
    return this.runPunctuations('STREAM_TIME', this.streamTime);
  }

  /** Fires due wall-clock punctuations. */
  punctuateWallClock(now = this.config.now()): number {
    return this.runPunctuations('WALL_CLOCK_TIME', now);
  }

  private runPunctuations(type: PunctuationType, time: number): number {
    if (this.punctuations.size === 0) return 0;
    return this.punctuations.fire(type, time, (s, t) => {
      const previous = this.currentNode;
      this.currentNode = this.nodes.get(s.nodeName)!;
      try {
        s.punctuator(t);
        this.metrics.punctuations++;
      } catch (err) {
        this.handleProcessingError(err);
      } finally {
        this.currentNode = previous;
      }
    });
  }

  get currentStreamTime(): number {
    return this.streamTime;
  }

  recordContext(): RecordContext | null {
    const raw = this.currentRaw;
    if (raw === null) return null;
    if (this.currentRecord === null) this.currentRecord = { topic: raw.topic, partition: raw.partition, offset: raw.offset };
    return this.currentRecord;
  }

  /** The timestamp of the record being processed, or stream time in a punctuator. */
  currentRecordTimestamp(): number {
    return this.currentTimestamp ?? this.streamTime;
  }

  /** The raw record being processed (headers as consumed; null in a punctuator). */
  currentRawRecord(): RawRecord | null {
    return this.currentRaw;
  }

  requestCommit(): void {
    this.commitRequested = true;
  }

  /** Whether a processor asked for a commit since the last one. */
  takeCommitRequest(): boolean {
    const r = this.commitRequested;
    this.commitRequested = false;
    return r;
  }

  // ------------------------------------------------------------ commit and close

  /** Flushes the stores: caches forward and write through, change-logging layers send to the collector. */
  async flush(): Promise<void> {
    for (const store of this.stores.values()) await store.flush();
  }

  /** The next offset to read per input partition, for the commit. */
  committableOffsets(): Map<string, number> {
    const out = new Map(this.consumed);
    for (const [key, q] of this.queues) if (q.consumedOffset >= 0) out.set(key, q.consumedOffset);
    return out;
  }

  /** Sets where consumption resumes (after a restart), so commits stay monotonic. */
  setConsumedOffset(topic: string, partition: number, offset: number): void {
    const key = tpKey(topic, partition);
    const queue = this.queues.get(key);
    if (queue !== undefined) queue.consumedOffset = offset;
    else this.consumed.set(key, offset);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const node of this.nodes.values()) {
      try {
        node.processor?.close?.();
      } catch (err) {
        this.config.logger.warn(`Closing processor '${node.name}' of task ${this.id} failed`, { error: String(err) });
      }
    }
    for (const store of this.stores.values()) await store.close();
    for (const q of this.queues.values()) q.clear();
  }

  get storeDir(): string {
    return join(this.config.stateDir, this.id);
  }
}

/** The ProcessorContext every processor of a task gets (forwarding goes through the task). */
export class TaskContext implements ProcessorContext<unknown, unknown> {
  constructor(private readonly task: StreamTask) {}

  get applicationId(): string {
    return this.task.config.applicationId;
  }

  get taskId(): string {
    return this.task.id;
  }

  get appConfigs(): Readonly<globalThis.Record<string, unknown>> {
    return this.task.config.appConfigs;
  }

  /** Counters the DSL operators report to (late records, null keys). */
  get metrics(): TaskMetrics {
    return this.task.metrics;
  }

  /** The task's logger (operators log dropped records through it). */
  get logger(): Logger {
    return this.task.config.logger;
  }

  get partition(): number {
    return this.task.partition;
  }

  recordMetadata(): RecordContext | null {
    return this.task.recordContext();
  }

  /** Headers of the record being processed as it was consumed. */
  recordHeaders(): Headers {
    const raw = this.task.currentRawRecord();
    return raw ? new Headers(raw.headers) : Headers.EMPTY;
  }

  forward(record: Record<unknown, unknown>, childName?: string): void {
    this.task.forward(record, childName);
  }

  /** The name of the node this context is serving right now (call it in init()). */
  currentNodeName(): string | null {
    return this.task.currentNodeName();
  }

  /** Whether the node this context serves has children (forwarding to none is a no-op). */
  currentNodeHasChildren(): boolean {
    return this.task.currentNodeHasChildren();
  }

  /** Forwards from a given node (a cache flush listener emitting a table's updates). */
  forwardFrom(nodeName: string, record: Record<unknown, unknown>): void {
    this.task.forwardFrom(nodeName, record);
  }

  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable {
    return this.task.schedule(intervalMs, type, punctuator);
  }

  commit(): void {
    this.task.requestCommit();
  }

  getStateStore<S extends StateStore = StateStore>(name: string): S {
    return this.task.getStore(name) as S;
  }

  currentStreamTimeMs(): number {
    return this.task.currentStreamTime;
  }

  currentSystemTimeMs(): number {
    return this.task.config.now();
  }
}

/** The StateStoreContext a task gives its stores. */
class StoreContext implements StateStoreContext {
  constructor(private readonly task: StreamTask) {}

  get applicationId(): string {
    return this.task.config.applicationId;
  }

  get taskId(): string {
    return this.task.id;
  }

  get stateDir(): string {
    return this.task.storeDir;
  }

  get partition(): number {
    return this.task.partition;
  }

  get cacheMaxBytes(): number {
    return this.task.config.cacheMaxBytes;
  }

  changelogTopic(storeName: string): string | null {
    return this.task.config.changelogTopic(storeName);
  }

  register(store: StateStore, restore: RestoreCallback): void {
    this.task.registerRestore(store, restore);
  }

  logChange(storeName: string, key: Buffer, value: Buffer | null, timestamp: number): void {
    const topic = this.task.changelogTopicOf(storeName);
    if (topic) this.task.config.collector.send(topic, key, value, [], timestamp, this.task.partition);
  }

  streamTime(): number {
    return this.task.currentStreamTime;
  }

  recordTimestamp(): number {
    return this.task.currentRecordTimestamp();
  }

  get defaultKeySerde(): Serde<unknown> | undefined {
    return this.task.config.defaultKeySerde;
  }

  get defaultValueSerde(): Serde<unknown> | undefined {
    return this.task.config.defaultValueSerde;
  }
}
