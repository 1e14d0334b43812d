/**
 * Global stores (GlobalKTable): every instance holds all partitions of each global topic. One
 * task (id `-1_0`, as the test driver's) runs the global source and updater nodes over records
 * of all those partitions, read by an assign()-mode consumer of its own; stream tasks reach the
 * stores read-only through their config.
 *
 * Restore reprocesses the topic through the updater (Kafka's reprocessOnRestore): the topic is
 * the changelog, and whatever the updater does (a custom one may transform) is redone exactly.
 * Before any stream task processes, the stores are brought up to the topic ends seen at start.
 * `<stateDir>/<app>/global/.checkpoint` holds the source offsets behind persistent global
 * stores, written at every commit and on close; without it the directory is wiped and the
 * stores are rebuilt from the beginning. Global state is not part of exactly-once transactions,
 * as in Kafka: the topics are only read.
 */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import type { Consumer, StorageClient, TopicPartition } from '../../storage/client/types.js';
import type { StateStore } from '../../storage/state/state-store.js';
import { tpKey } from '../../storage/types.js';
import { TopologyError, type SubTopology, type Topology } from '../topology/topology.js';
import { CheckpointFormatError, TaskCheckpoint } from './checkpoint-file.js';
import type { ExceptionHandlers } from './exception-handlers.js';
import type { RecordCollector } from './record-collector.js';
import type { StateDirectory } from './state-directory.js';
import { StreamTask } from './stream-task.js';
import type { ResolvedStreamsConfig } from './streams-config.js';

/** Global stores write nothing: their topic is their changelog, and updaters do not forward. */
const NO_OUTPUT: RecordCollector = {
  send() {},
  partitionsFor(topic) {
    throw new TopologyError(`A global store updater cannot write to ${topic}: global processors only update their store.`);
  },
};

export class GlobalStateManager {
  readonly stores = new Map<string, StateStore>();
  private task: StreamTask | null = null;
  private consumer: Consumer | null = null;
  private checkpoint: TaskCheckpoint | null = null;
  private partitions: TopicPartition[] = [];
  private readonly positions = new Map<string, number>();
  private persistent = false;
  /** Records read while bootstrapping (restore) and afterwards. */
  restoredRecords = 0;
  processedRecords = 0;

  constructor(
    private readonly config: ResolvedStreamsConfig,
    private readonly topology: Topology,
    private readonly client: StorageClient,
    private readonly stateDirectory: StateDirectory,
    private readonly partitionCounts: ReadonlyMap<string, number>,
    private readonly handlers: () => ExceptionHandlers,
    private readonly processId: string,
  ) {}

  get active(): boolean {
    return this.task !== null;
  }

  /** Opens the global stores and reads their topics up to the current ends. */
  async start(): Promise<void> {
    const globals = this.topology.globalStores();
    if (globals.length === 0) return;
    const config = this.config;
    const logger = config.logger;
    const dir = join(this.stateDirectory.root, 'global');
    this.checkpoint = new TaskCheckpoint(dir);
    let offsets: Map<string, number> | null = null;
    try {
      offsets = this.checkpoint.read();
    } catch (err) {
      if (!(err instanceof CheckpointFormatError)) throw err;
      logger.warn(`The global checkpoint is damaged (${err.message}); rebuilding the global stores`);
    }
    if (offsets === null) rmSync(dir, { recursive: true, force: true });

    const nodes = globals.flatMap((g) => [this.topology.nodes.get(g.global!.sourceName)!, this.topology.nodes.get(g.global!.processorName)!]);
    const topics = [...new Set(globals.map((g) => g.global!.topic))];
    const sub: SubTopology = { id: -1, nodes, sourceTopics: topics, sourcePatterns: [], sinkTopics: [], stores: globals.map((g) => g.builder.name) };
    this.task = new StreamTask({
      applicationId: config.applicationId,
      subTopology: sub,
      topology: this.topology,
      partition: 0,
      stateDir: dir,
      collector: NO_OUTPUT,
      logger,
      defaultKeySerde: config.defaultKeySerde,
      defaultValueSerde: config.defaultValueSerde,
      cacheMaxBytes: 0,
      appConfigs: { 'application.id': config.applicationId, ...config.appConfigs },
      now: () => Date.now(),
      changelogTopic: () => null,
      topicName: (t) => t,
      onDeserializationError: (error, raw) => this.handlers().handle('deserialization', error, raw, 'the global store updater'),
      onProcessingError: (error, raw, node) => this.handlers().handle('processing', error, raw, `global processor '${node}'`),
    });
    await this.task.initializeStores();
    for (const g of globals) this.stores.set(g.builder.name, this.task.stores.get(g.builder.name)!);
    this.task.initializeProcessors();
    this.persistent = [...this.stores.values()].every((s) => s.persistent);

    this.consumer = this.client.consumer({
      clientId: `${config.applicationId}-${this.processId}-global-consumer`,
      enableAutoCommit: false,
      autoOffsetReset: 'earliest',
      isolationLevel: config.processingGuarantee === 'exactly_once_v2' ? 'read_committed' : 'read_uncommitted',
      maxPollRecords: config.maxPollRecords,
    });
    this.partitions = topics.flatMap((topic) => Array.from({ length: this.partitionCounts.get(topic) ?? 0 }, (_, partition) => ({ topic, partition })));
    this.consumer.assign(this.partitions);
    const begin = await this.consumer.beginningOffsets(this.partitions);
    this.partitions.forEach((tp, i) => {
      const from = this.persistent ? offsets?.get(tpKey(tp.topic, tp.partition)) : undefined;
      const start = Math.max(from ?? 0, begin[i]!);
      this.consumer!.seek(tp, start);
      this.positions.set(tpKey(tp.topic, tp.partition), start);
    });
    const end = await this.consumer.endOffsets(this.partitions);
    const behind = () => this.partitions.some((tp, i) => this.positions.get(tpKey(tp.topic, tp.partition))! < end[i]!);
    while (behind()) {
      const before = this.processedRecords;
      await this.poll(100);
      this.restoredRecords += this.processedRecords - before;
      // Markers and aborted batches end a partition without records: ask where the consumer is.
      for (const tp of this.partitions) this.positions.set(tpKey(tp.topic, tp.partition), await this.consumer.position(tp));
    }
    logger.info('Global stores ready', { stores: [...this.stores.keys()], records: this.restoredRecords });
  }

  /** Applies newly arrived global records; returns how many. */
  async poll(timeoutMs: number): Promise<number> {
    if (!this.task || !this.consumer) return 0;
    const records = await this.consumer.poll(timeoutMs);
    if (records.length === 0) return 0;
    // All partitions share one queue: a global task has no partition of its own.
    for (const topic of new Set(records.map((r) => r.topic))) this.task.addRecords(topic, 0, records.filter((r) => r.topic === topic));
    while (this.task.process()) this.processedRecords++;
    for (const r of records) this.positions.set(tpKey(r.topic, r.partition), r.offset + 1);
    return records.length;
  }

  /** Flushes the stores and records where they are (commit time and close). */
  async flushAndCheckpoint(): Promise<void> {
    if (!this.task || !this.checkpoint) return;
    await this.task.flush();
    if (!this.persistent) return;
    try {
      this.checkpoint.write(this.partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition, offset: this.positions.get(tpKey(tp.topic, tp.partition)) ?? 0 })));
    } catch (err) {
      this.config.logger.warn('Writing the global checkpoint failed', { error: String(err) });
    }
  }

  async close(): Promise<void> {
    if (!this.task) return;
    await this.flushAndCheckpoint();
    await this.task.close();
    await this.consumer?.close();
    this.task = null;
  }
}
