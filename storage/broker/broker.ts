/**
 * The integrated log broker: one node, Kafka's model. It owns the data directory (topics and
 * their partition logs, broker metadata, internal topics for group offsets and transactions)
 * and serves the requests every client makes, in-process or over the wire: produce, fetch,
 * list offsets, delete records, topic administration, and through its coordinators consumer
 * groups and transactions.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KafkaError } from '../errors.js';
import { consoleLogger, type Logger } from '../logger.js';
import { loadCodecs } from '../log/compression.js';
import { LogCleaner } from '../log/cleaner.js';
import { describeTopicConfigs, type ConfigEntry } from '../log/log-config.js';
import type { AppendResult, Log, LogEnv } from '../log/log.js';
import { encodeBatch, type RecordInput } from '../log/record-batch.js';
import { GroupCoordinator } from './group-coordinator.js';
import { MetadataStore } from './metadata-store.js';
import { ProducerIdManager } from './producer-ids.js';
import { isInternalTopic, OFFSETS_TOPIC, type TRANSACTION_STATE_TOPIC } from './topic-names.js';
import { TopicRegistry, type CreateTopicOptions, type TopicDescription } from './topic-registry.js';
import { TransactionCoordinator } from './txn-coordinator.js';
import { WriteScheduler } from './write-scheduler.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, type IsolationLevel } from '../types.js';
import { EmbeddedClient } from '../client/embedded/client.js';
import type { Admin, Consumer, ConsumerConfig, Producer, ProducerConfig } from '../client/types.js';

export interface BrokerOptions {
  /** Where topics and metadata live. Created if missing. */
  dataDir: string;
  nodeId?: number;
  /** auto.create.topics.enable: produce/metadata for an unknown topic creates it. Default true. */
  autoCreateTopics?: boolean;
  /** num.partitions for auto-created topics. Default 1. */
  defaultPartitions?: number;
  /** Broker-wide defaults for topic configs, under the topic config names (e.g. retention.ms). */
  topicDefaults?: Record<string, string>;
  offsetsTopicPartitions?: number;
  transactionStateTopicPartitions?: number;
  /** group.initial.rebalance.delay.ms. Default 3000, as Kafka. */
  groupInitialRebalanceDelayMs?: number;
  groupMinSessionTimeoutMs?: number;
  groupMaxSessionTimeoutMs?: number;
  /** offsets.retention.minutes, in ms: committed offsets of an empty group expire after it. */
  offsetsRetentionMs?: number;
  offsetMetadataMaxBytes?: number;
  transactionMaxTimeoutMs?: number;
  /** How often abandoned transactions are looked for (and aborted). */
  transactionAbortCheckIntervalMs?: number;
  transactionalIdExpirationMs?: number;
  producerIdExpirationMs?: number;
  /** log.retention.check.interval.ms */
  retentionCheckIntervalMs?: number;
  /** log.cleaner.backoff.ms: pause between compaction passes. */
  cleanerBackoffMs?: number;
  logger?: Logger;
  /** The clock (ms); tests inject one. */
  now?: () => number;
}

export type ResolvedBrokerOptions = Required<Omit<BrokerOptions, 'logger' | 'now'>> & { logger: Logger; now: () => number };

export interface ProduceOptions {
  /** 0: do not wait; 1 or -1 ("all"): wait until written. One node, so 1 and all are the same. */
  acks?: number;
  /** Internal callers (coordinators) may write to internal topics. */
  internal?: boolean;
}

export interface FetchPartitionRequest {
  topic: string;
  partition: number;
  offset: number;
  /** Per-partition byte limit (max.partition.fetch.bytes). */
  maxBytes: number;
}

export interface FetchOptions {
  /** fetch.max.wait.ms: how long to wait for minBytes. */
  maxWaitMs?: number;
  /** fetch.min.bytes. */
  minBytes?: number;
  /** fetch.max.bytes over the whole response. */
  maxBytes?: number;
  isolationLevel?: IsolationLevel;
}

export interface FetchPartitionResult {
  topic: string;
  partition: number;
  error: KafkaError | null;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  abortedTransactions: { producerId: number; firstOffset: number }[] | null;
  records: Buffer;
}

export interface ListOffsetsResult {
  offset: number;
  timestamp: number;
}

const DAY = 86_400_000;

function resolveOptions(opts: BrokerOptions): ResolvedBrokerOptions {
  return {
    dataDir: resolve(opts.dataDir),
    nodeId: opts.nodeId ?? 1,
    autoCreateTopics: opts.autoCreateTopics ?? true,
    defaultPartitions: opts.defaultPartitions ?? 1,
    topicDefaults: opts.topicDefaults ?? {},
    offsetsTopicPartitions: opts.offsetsTopicPartitions ?? 50,
    transactionStateTopicPartitions: opts.transactionStateTopicPartitions ?? 50,
    groupInitialRebalanceDelayMs: opts.groupInitialRebalanceDelayMs ?? 3000,
    groupMinSessionTimeoutMs: opts.groupMinSessionTimeoutMs ?? 6000,
    groupMaxSessionTimeoutMs: opts.groupMaxSessionTimeoutMs ?? 1_800_000,
    offsetsRetentionMs: opts.offsetsRetentionMs ?? 7 * DAY,
    offsetMetadataMaxBytes: opts.offsetMetadataMaxBytes ?? 4096,
    transactionMaxTimeoutMs: opts.transactionMaxTimeoutMs ?? 900_000,
    transactionAbortCheckIntervalMs: opts.transactionAbortCheckIntervalMs ?? 10_000,
    transactionalIdExpirationMs: opts.transactionalIdExpirationMs ?? 7 * DAY,
    producerIdExpirationMs: opts.producerIdExpirationMs ?? DAY,
    retentionCheckIntervalMs: opts.retentionCheckIntervalMs ?? 300_000,
    cleanerBackoffMs: opts.cleanerBackoffMs ?? 15_000,
    logger: opts.logger ?? consoleLogger(),
    now: opts.now ?? Date.now,
  };
}

export class Broker {
  readonly options: ResolvedBrokerOptions;
  readonly logger: Logger;
  readonly topics: TopicRegistry;
  readonly groups: GroupCoordinator;
  readonly transactions: TransactionCoordinator;
  readonly producerIds: ProducerIdManager;
  private readonly scheduler: WriteScheduler;
  private readonly metadata: MetadataStore;
  private readonly cleaner: LogCleaner;
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;

  private constructor(options: ResolvedBrokerOptions, clean: boolean) {
    this.options = options;
    this.logger = options.logger;
    this.metadata = new MetadataStore(options.dataDir, options.nodeId);
    this.scheduler = new WriteScheduler((log, err) => this.logger.error(`Writing ${log.name} failed`, { error: String(err) }));
    const env: LogEnv = { now: options.now, logger: options.logger, onPendingWrites: (log) => this.scheduler.markDirty(log) };
    this.topics = new TopicRegistry(options.dataDir, this.metadata, env, options.topicDefaults, this.metadata.nodeId);
    this.topics.loadAll(clean);
    this.producerIds = new ProducerIdManager(this.metadata);
    this.groups = new GroupCoordinator(this);
    this.transactions = new TransactionCoordinator(this);
    this.cleaner = new LogCleaner({ logger: options.logger, now: options.now });
  }

  /** Opens the broker on its data directory: recovers the logs, loads groups and transactions. */
  static async open(options: BrokerOptions): Promise<Broker> {
    const opts = resolveOptions(options);
    mkdirSync(opts.dataDir, { recursive: true });
    acquireLock(opts.dataDir);
    const marker = join(opts.dataDir, '.clean-shutdown');
    const clean = existsSync(marker);
    rmSync(marker, { force: true });
    try {
      await loadCodecs();
      const broker = new Broker(opts, clean);
      await broker.groups.load();
      await broker.transactions.load();
      broker.startMaintenance();
      opts.logger.info(`Broker ${broker.nodeId} open on ${opts.dataDir}`, { topics: broker.topics.names().length, clusterId: broker.clusterId, cleanShutdown: clean });
      return broker;
    } catch (err) {
      releaseLock(opts.dataDir);
      throw err;
    }
  }

  get clusterId(): string {
    return this.metadata.clusterId;
  }

  get nodeId(): number {
    return this.metadata.nodeId;
  }

  get now(): number {
    return this.options.now();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private ensureOpen(): void {
    if (this.closed) throw new KafkaError('BROKER_NOT_AVAILABLE', 'The broker is shut down.');
  }

  private startMaintenance(): void {
    const every = (ms: number, fn: () => void): void => {
      const t = setInterval(() => {
        try {
          fn();
        } catch (err) {
          this.logger.error('A broker maintenance task failed', { error: String(err) });
        }
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.options.retentionCheckIntervalMs, () => this.applyRetention());
    every(1000, () => {
      const now = this.now;
      for (const log of this.topics.allLogs()) log.flushIfDue(now);
    });
    every(Math.min(60_000, this.options.producerIdExpirationMs), () => {
      const now = this.now;
      for (const log of this.topics.allLogs()) log.producerState.expire(now, this.options.producerIdExpirationMs);
    });
    this.cleaner.start(() => this.compactedLogs(), this.options.cleanerBackoffMs);
    this.transactions.start();
    this.groups.start();
  }

  /** Deletes segments past retention in every log; returns the number deleted. */
  applyRetention(): number {
    let deleted = 0;
    for (const log of this.topics.allLogs()) deleted += log.applyRetention(this.now);
    return deleted;
  }

  /** Runs one compaction pass over every log that needs it (tests and tools; the broker also runs it in the background). */
  async runCleaner(): Promise<void> {
    const now = this.now;
    for (const log of this.compactedLogs()) {
      if (this.cleaner.needsCleaning(log, now)) await this.cleaner.cleanLog(log, now);
    }
  }

  private compactedLogs(): Log[] {
    return this.topics.allLogs().filter((log) => log.config.cleanupPolicy.compact);
  }

  // ---------------------------------------------------------------- clients

  /** A storage client on this broker (what the engine takes). */
  client(): EmbeddedClient {
    return new EmbeddedClient(this);
  }

  producer(config?: ProducerConfig): Producer {
    return this.client().producer(config);
  }

  consumer(config?: ConsumerConfig): Consumer {
    return this.client().consumer(config);
  }

  admin(): Admin {
    return this.client().admin();
  }

  // ---------------------------------------------------------------- topics

  /** The partition count of `topic`, creating it first when auto-creation is on. */
  partitionsFor(topic: string, autoCreate = this.options.autoCreateTopics): number {
    this.ensureOpen();
    if (!this.topics.has(topic)) {
      if (!autoCreate || isInternalTopic(topic)) {
        throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${topic}' does not exist and auto-creation is off: create it first.`);
      }
      this.createTopic(topic, {});
    }
    return this.topics.partitionCount(topic);
  }

  createTopic(name: string, opts: CreateTopicOptions = {}): TopicDescription {
    this.ensureOpen();
    if (isInternalTopic(name)) throw new KafkaError('INVALID_TOPIC_EXCEPTION', `'${name}' is an internal topic name.`);
    return this.topics.create(name, opts, this.options.defaultPartitions);
  }

  deleteTopic(name: string): void {
    this.ensureOpen();
    if (isInternalTopic(name)) throw new KafkaError('INVALID_TOPIC_EXCEPTION', `Internal topic '${name}' cannot be deleted.`);
    const logs = this.topics.logsOf(name);
    this.topics.delete(name);
    this.groups.onTopicDeleted(name, logs.length);
    this.scheduler.wakeAll();
  }

  createPartitions(name: string, total: number, validateOnly = false): void {
    this.ensureOpen();
    if (isInternalTopic(name)) throw new KafkaError('INVALID_TOPIC_EXCEPTION', `Internal topic '${name}' cannot get more partitions.`);
    this.topics.addPartitions(name, total, validateOnly);
  }

  listTopics(includeInternal = false): string[] {
    return this.topics.names(includeInternal);
  }

  describeTopic(name: string): TopicDescription {
    return this.topics.describe(name);
  }

  describeConfigs(topic: string): ConfigEntry[] {
    return describeTopicConfigs(this.topics.overrides(topic), this.topics.defaults);
  }

  /** Broker-level configs as DescribeConfigs shows them for the broker resource. */
  describeBrokerConfigs(): ConfigEntry[] {
    const o = this.options;
    const entries: [string, string][] = [
      ['broker.id', String(this.nodeId)],
      ['node.id', String(this.nodeId)],
      ['log.dirs', o.dataDir],
      ['auto.create.topics.enable', String(o.autoCreateTopics)],
      ['num.partitions', String(o.defaultPartitions)],
      ['offsets.topic.num.partitions', String(o.offsetsTopicPartitions)],
      ['transaction.state.log.num.partitions', String(o.transactionStateTopicPartitions)],
      ['group.initial.rebalance.delay.ms', String(o.groupInitialRebalanceDelayMs)],
      ['group.min.session.timeout.ms', String(o.groupMinSessionTimeoutMs)],
      ['group.max.session.timeout.ms', String(o.groupMaxSessionTimeoutMs)],
      ['offsets.retention.minutes', String(Math.round(o.offsetsRetentionMs / 60_000))],
      ['transaction.max.timeout.ms', String(o.transactionMaxTimeoutMs)],
      ['log.retention.check.interval.ms', String(o.retentionCheckIntervalMs)],
      ['log.cleaner.backoff.ms', String(o.cleanerBackoffMs)],
      ['default.replication.factor', '1'],
      ['min.insync.replicas', '1'],
    ];
    return entries.map(([name, value]) => ({ name, value, source: 'STATIC_BROKER_CONFIG', isDefault: false, readOnly: true, sensitive: false, documentation: '' }));
  }

  /**
   * Changes topic configs. `set` adds or replaces, `remove` reverts to defaults. With
   * `incremental` false (AlterConfigs), `set` replaces all overrides.
   */
  alterConfigs(topic: string, set: Record<string, string>, remove: string[] = [], incremental = true, validateOnly = false): void {
    this.ensureOpen();
    const next = incremental ? { ...this.topics.overrides(topic), ...set } : { ...set };
    for (const name of remove) delete next[name];
    this.topics.setConfigs(topic, next, validateOnly);
  }

  // ---------------------------------------------------------------- data

  /**
   * Appends producer record batches to a partition and resolves when they are written (acks 1
   * or all) or at once (acks 0). Validation failures reject with a typed error.
   */
  async produce(topic: string, partition: number, records: Buffer, opts: ProduceOptions = {}): Promise<AppendResult> {
    const result = this.appendNow(topic, partition, records, opts);
    if ((opts.acks ?? -1) !== 0) await this.scheduler.whenWritten();
    return result;
  }

  /** The synchronous part of produce: validates and appends (the bytes are written this turn). */
  appendNow(topic: string, partition: number, records: Buffer, opts: ProduceOptions = {}): AppendResult {
    this.ensureOpen();
    const acks = opts.acks ?? -1;
    if (acks !== 0 && acks !== 1 && acks !== -1) {
      throw new KafkaError('INVALID_REQUIRED_ACKS', `acks=${acks} is not valid: use 0, 1 or -1 (all).`);
    }
    if (isInternalTopic(topic) && !opts.internal) {
      throw new KafkaError('INVALID_TOPIC_EXCEPTION', `Clients cannot write to internal topic '${topic}'.`);
    }
    const log = this.topics.log(topic, partition);
    this.transactions.checkTransactionalAppend(records, topic, partition);
    const result = log.append(records, 'client');
    this.scheduler.markDirty(log);
    return result;
  }

  /** Resolves once every append made so far is written. */
  whenWritten(): Promise<void> {
    return this.scheduler.whenWritten();
  }

  /** Appends records built here (the coordinators' internal topics). */
  appendInternal(topic: string, partition: number, records: RecordInput[], opts: { producerId?: number; producerEpoch?: number; baseSequence?: number; transactional?: boolean } = {}): AppendResult {
    const log = this.topics.log(topic, partition);
    const result = log.append(encodeBatch(records, opts), 'coordinator');
    this.scheduler.markDirty(log);
    return result;
  }

  /** Writes a transaction marker into a partition (the transaction coordinator). */
  appendMarker(topic: string, partition: number, type: 'COMMIT' | 'ABORT', producerId: number, producerEpoch: number, coordinatorEpoch = 0): number | null {
    const log = this.topics.maybeLog(topic, partition);
    if (!log) return null;
    const offset = log.appendMarker(type, producerId, producerEpoch, coordinatorEpoch);
    this.scheduler.markDirty(log);
    return offset;
  }

  /**
   * Reads from several partitions, waiting up to `maxWaitMs` until `minBytes` are available
   * (long polling). Per-partition errors come back in the results; the first partition with data
   * always gets at least one whole batch, the total stays within `maxBytes` otherwise.
   */
  async fetch(requests: readonly FetchPartitionRequest[], opts: FetchOptions = {}): Promise<FetchPartitionResult[]> {
    this.ensureOpen();
    const maxWaitMs = opts.maxWaitMs ?? 500;
    const minBytes = opts.minBytes ?? 1;
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      const results = this.fetchNow(requests, opts);
      const total = results.reduce((n, r) => n + r.records.length, 0);
      const remaining = deadline - Date.now();
      if (total >= minBytes || remaining <= 0 || results.some((r) => r.error !== null) || this.closed) return results;
      const logs = requests.map((r) => this.topics.maybeLog(r.topic, r.partition)).filter((l): l is Log => l !== undefined);
      await this.scheduler.waitForData(logs, remaining);
    }
  }

  /** One pass of fetch without waiting. */
  fetchNow(requests: readonly FetchPartitionRequest[], opts: FetchOptions = {}): FetchPartitionResult[] {
    const isolation = opts.isolationLevel ?? 'read_uncommitted';
    let budget = opts.maxBytes ?? 52_428_800;
    let gotData = false;
    return requests.map((req) => {
      const base = { topic: req.topic, partition: req.partition };
      try {
        const log = this.topics.log(req.topic, req.partition);
        const limit = gotData ? Math.min(req.maxBytes, budget) : req.maxBytes;
        if (gotData && limit <= 0) {
          return { ...base, error: null, highWatermark: log.highWatermark, lastStableOffset: log.lastStableOffset, logStartOffset: log.logStartOffset, abortedTransactions: isolation === 'read_committed' ? [] : null, records: Buffer.alloc(0) };
        }
        const res = log.read(req.offset, limit, isolation, undefined, !gotData);
        if (res.records.length > 0) gotData = true;
        budget -= res.records.length;
        return { ...base, error: null, ...res };
      } catch (err) {
        const error = err instanceof KafkaError ? err : new KafkaError('UNKNOWN_SERVER_ERROR', String(err));
        const log = this.topics.maybeLog(req.topic, req.partition);
        return {
          ...base,
          error,
          highWatermark: log?.highWatermark ?? -1,
          lastStableOffset: log?.lastStableOffset ?? -1,
          logStartOffset: log?.logStartOffset ?? -1,
          abortedTransactions: null,
          records: Buffer.alloc(0),
        };
      }
    });
  }

  /**
   * ListOffsets: `timestamp` -2 earliest, -1 latest (the LSO for read_committed), -3 the record
   * with the largest timestamp, otherwise the first offset whose record timestamp is >= it
   * (offset -1 when there is none).
   */
  listOffset(topic: string, partition: number, timestamp: number, isolation: IsolationLevel = 'read_uncommitted'): ListOffsetsResult {
    this.ensureOpen();
    const log = this.topics.log(topic, partition);
    log.flushPending();
    if (timestamp === EARLIEST_TIMESTAMP) return { offset: log.logStartOffset, timestamp: -1 };
    if (timestamp === LATEST_TIMESTAMP) return { offset: isolation === 'read_committed' ? log.lastStableOffset : log.highWatermark, timestamp: -1 };
    if (timestamp === -3) return log.maxTimestamp() ?? { offset: -1, timestamp: -1 };
    if (timestamp < 0) throw new KafkaError('INVALID_REQUEST', `ListOffsets timestamp ${timestamp} is not valid: use -2 (earliest), -1 (latest), -3 (max timestamp) or a timestamp.`);
    return log.offsetForTimestamp(timestamp, isolation) ?? { offset: -1, timestamp: -1 };
  }

  /** DeleteRecords: moves the partition's log start to `offset` (-1: the high watermark); returns the new low watermark. */
  deleteRecords(topic: string, partition: number, offset: number): number {
    this.ensureOpen();
    if (isInternalTopic(topic)) throw new KafkaError('INVALID_TOPIC_EXCEPTION', `Records of internal topic '${topic}' cannot be deleted.`);
    const log = this.topics.log(topic, partition);
    log.flushPending();
    return log.deleteRecordsBefore(offset === -1 ? log.highWatermark : offset);
  }

  /** Ensures an internal topic exists (created compacted on first use, as Kafka does). */
  ensureInternalTopic(name: typeof OFFSETS_TOPIC | typeof TRANSACTION_STATE_TOPIC): void {
    if (this.topics.has(name)) return;
    const partitions = name === OFFSETS_TOPIC ? this.options.offsetsTopicPartitions : this.options.transactionStateTopicPartitions;
    this.topics.create(name, { partitions, configs: { 'cleanup.policy': 'compact', 'segment.bytes': String(100 * 1024 * 1024) } }, partitions);
  }

  /** Closes cleanly: writes everything, stops background work, marks the shutdown clean. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.groups.stop();
    this.transactions.stop();
    await this.cleaner.stop();
    this.scheduler.flush();
    this.scheduler.wakeAll();
    this.topics.close();
    writeFileSync(join(this.options.dataDir, '.clean-shutdown'), '');
    releaseLock(this.options.dataDir);
    this.logger.info(`Broker ${this.nodeId} closed`, { dataDir: this.options.dataDir });
  }
}

function lockPath(dataDir: string): string {
  return join(dataDir, '.lock');
}

/** One broker per data directory: a second one would corrupt the logs. */
function acquireLock(dataDir: string): void {
  const path = lockPath(dataDir);
  if (existsSync(path)) {
    const pid = Number(readFileSync(path, 'utf8').trim());
    let alive = false;
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch (err) {
        alive = (err as NodeJS.ErrnoException).code === 'EPERM';
      }
    }
    if (alive || pid === process.pid) {
      throw new KafkaError('KAFKA_STORAGE_ERROR', `The data directory ${dataDir} is in use by another broker (process ${pid}). Stop it, or use another --data-dir.`);
    }
  }
  writeFileSync(path, `${process.pid}\n`);
}

function releaseLock(dataDir: string): void {
  rmSync(lockPath(dataDir), { force: true });
}
