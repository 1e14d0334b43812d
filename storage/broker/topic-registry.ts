/**
 * Topics and their partition logs: create, delete, add partitions, alter configs, and the
 * lookups every request makes. Each partition is a Log in `<dataDir>/<topic>-<partition>/`.
 */
import { existsSync, readdirSync, renameSync, rm } from 'node:fs';
import { join } from 'node:path';
import { KafkaError } from '../errors.js';
import { Log, type LogEnv } from '../log/log.js';
import { buildLogConfig, validateTopicConfigs, type LogConfig } from '../log/log-config.js';
import { type MetadataStore, type TopicMeta, newKafkaUuid } from './metadata-store.js';
import { collisionKey, isInternalTopic, validateTopicName } from './topic-names.js';

export interface PartitionInfo {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface TopicDescription {
  name: string;
  topicId: string;
  internal: boolean;
  partitions: PartitionInfo[];
  /** The topic's own config overrides (DescribeConfigs gives every effective value). */
  configs: Record<string, string>;
}

export interface CreateTopicOptions {
  partitions?: number;
  replicationFactor?: number;
  configs?: Record<string, string>;
  validateOnly?: boolean;
}

interface TopicState {
  meta: TopicMeta;
  config: LogConfig;
  logs: Log[];
}

/** Kafka refuses more than this many partitions in one topic by default policy; we bound it for sanity. */
const MAX_PARTITIONS = 10_000;

export class TopicRegistry {
  private readonly topics = new Map<string, TopicState>();
  /** Bumped on every change to the set of topics or their partition counts (clients cache by it). */
  version = 0;

  constructor(
    private readonly dataDir: string,
    private readonly store: MetadataStore,
    private readonly env: LogEnv,
    private readonly brokerDefaults: Record<string, string>,
    private readonly nodeId: number,
  ) {}

  /** Opens every topic's logs (recovering them after an unclean shutdown). */
  loadAll(clean: boolean): void {
    for (const entry of readdirSync(this.dataDir)) {
      if (entry.endsWith('-delete')) rm(join(this.dataDir, entry), { recursive: true, force: true }, () => {});
    }
    for (const meta of this.store.topics()) {
      const config = buildLogConfig(meta.configs, this.brokerDefaults);
      const logs: Log[] = [];
      for (let p = 0; p < meta.partitions; p++) logs.push(this.openLog(meta.name, p, config, clean));
      this.topics.set(meta.name, { meta, config, logs });
    }
  }

  private openLog(topic: string, partition: number, config: LogConfig, clean: boolean): Log {
    return Log.open(join(this.dataDir, `${topic}-${partition}`), topic, partition, config, this.env, { clean });
  }

  has(name: string): boolean {
    return this.topics.has(name);
  }

  names(includeInternal = true): string[] {
    return [...this.topics.keys()].filter((n) => includeInternal || !isInternalTopic(n)).sort();
  }

  partitionCount(name: string): number {
    return this.require(name).logs.length;
  }

  private require(name: string): TopicState {
    const t = this.topics.get(name);
    if (!t) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${name}' does not exist: create it first (or enable auto.create.topics.enable).`);
    return t;
  }

  log(topic: string, partition: number): Log {
    const t = this.require(topic);
    const log = t.logs[partition];
    if (!log) {
      throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${topic}' has ${t.logs.length} partition(s); partition ${partition} does not exist.`);
    }
    return log;
  }

  maybeLog(topic: string, partition: number): Log | undefined {
    return this.topics.get(topic)?.logs[partition];
  }

  logsOf(topic: string): readonly Log[] {
    return this.require(topic).logs;
  }

  allLogs(): Log[] {
    return [...this.topics.values()].flatMap((t) => t.logs);
  }

  topicId(name: string): string {
    return this.require(name).meta.topicId;
  }

  topicById(topicId: string): string | undefined {
    for (const t of this.topics.values()) if (t.meta.topicId === topicId) return t.meta.name;
    return undefined;
  }

  overrides(name: string): Record<string, string> {
    return { ...this.require(name).meta.configs };
  }

  get defaults(): Record<string, string> {
    return this.brokerDefaults;
  }

  describe(name: string): TopicDescription {
    const t = this.require(name);
    return {
      name,
      topicId: t.meta.topicId,
      internal: isInternalTopic(name),
      partitions: t.logs.map((_, partition) => ({ partition, leader: this.nodeId, replicas: [this.nodeId], isr: [this.nodeId] })),
      configs: { ...t.meta.configs },
    };
  }

  create(name: string, opts: CreateTopicOptions, defaultPartitions: number): TopicDescription {
    validateTopicName(name);
    if (this.topics.has(name)) throw new KafkaError('TOPIC_ALREADY_EXISTS', `Topic '${name}' already exists.`);
    const collides = [...this.topics.keys()].find((n) => collisionKey(n) === collisionKey(name));
    if (collides) {
      throw new KafkaError('INVALID_TOPIC_EXCEPTION', `Topic '${name}' collides with existing topic '${collides}': names that differ only in '.' versus '_' would share metric names. Pick another name.`);
    }
    const partitions = opts.partitions === undefined || opts.partitions === -1 ? defaultPartitions : opts.partitions;
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
      throw new KafkaError('INVALID_PARTITIONS', `Topic '${name}' cannot have ${partitions} partitions: use a whole number from 1 to ${MAX_PARTITIONS}.`);
    }
    const rf = opts.replicationFactor ?? -1;
    if (rf !== -1 && rf !== 1) {
      throw new KafkaError('INVALID_REPLICATION_FACTOR', `Replication factor ${rf} is larger than the 1 broker of this Freshet node: use 1 (or -1 for the default). For replication, run on an Apache Kafka cluster through the remote client.`);
    }
    const configs = Object.fromEntries(Object.entries(opts.configs ?? {}).map(([k, v]) => [k, String(v)]));
    validateTopicConfigs(configs);
    const config = buildLogConfig(configs, this.brokerDefaults);
    const meta: TopicMeta = { name, topicId: newKafkaUuid(), partitions, configs, createdAt: this.env.now() };
    if (opts.validateOnly) return this.describeMeta(meta);
    this.store.putTopic(meta);
    const logs: Log[] = [];
    for (let p = 0; p < partitions; p++) logs.push(this.openLog(name, p, config, true));
    this.topics.set(name, { meta, config, logs });
    this.version++;
    this.env.logger.info(`Created topic ${name}`, { partitions, configs });
    return this.describe(name);
  }

  private describeMeta(meta: TopicMeta): TopicDescription {
    return {
      name: meta.name,
      topicId: meta.topicId,
      internal: isInternalTopic(meta.name),
      partitions: Array.from({ length: meta.partitions }, (_, partition) => ({ partition, leader: this.nodeId, replicas: [this.nodeId], isr: [this.nodeId] })),
      configs: meta.configs,
    };
  }

  /** Deletes the topic: its logs close at once and their directories are removed in the background. */
  delete(name: string): void {
    const t = this.require(name);
    this.store.removeTopic(name);
    this.topics.delete(name);
    this.version++;
    for (const log of t.logs) {
      log.close();
      const doomed = `${log.dir}.${newKafkaUuid()}-delete`;
      try {
        renameSync(log.dir, doomed);
        rm(doomed, { recursive: true, force: true }, () => {});
      } catch (err) {
        if (existsSync(log.dir)) this.env.logger.warn(`Could not remove the directory of ${log.name}`, { error: String(err) });
      }
    }
    this.env.logger.info(`Deleted topic ${name}`);
  }

  addPartitions(name: string, total: number, validateOnly = false): void {
    const t = this.require(name);
    if (!Number.isInteger(total) || total <= t.logs.length || total > MAX_PARTITIONS) {
      throw new KafkaError('INVALID_PARTITIONS', `Topic '${name}' has ${t.logs.length} partitions; the new count must be larger (and at most ${MAX_PARTITIONS}), got ${total}.`);
    }
    if (validateOnly) return;
    t.meta = { ...t.meta, partitions: total };
    this.store.putTopic(t.meta);
    for (let p = t.logs.length; p < total; p++) t.logs.push(this.openLog(name, p, t.config, true));
    this.version++;
  }

  /** Replaces the topic's config overrides; every partition's log takes the new config at once. */
  setConfigs(name: string, configs: Record<string, string>, validateOnly = false): void {
    const t = this.require(name);
    validateTopicConfigs(configs);
    const config = buildLogConfig(configs, this.brokerDefaults);
    if (validateOnly) return;
    t.meta = { ...t.meta, configs: { ...configs } };
    t.config = config;
    this.store.putTopic(t.meta);
    for (const log of t.logs) log.config = config;
  }

  close(): void {
    for (const t of this.topics.values()) for (const log of t.logs) log.close();
    this.topics.clear();
  }
}
