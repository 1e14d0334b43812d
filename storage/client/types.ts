/**
 * The storage client interface: what the engine (and any user) needs from a log: producers
 * (idempotent, transactional), consumers (groups, assign, seek, commit) and admin. Two
 * implementations: embedded (the in-process broker) and remote (any Kafka cluster, over the
 * wire). Shapes follow the Java client, made async.
 */
import type { ConfigEntry } from '../log/log-config.js';
import type { CompressionType } from '../log/compression.js';
import type { IsolationLevel, RecordHeader, TimestampType, TopicPartition } from '../types.js';

export type { TopicPartition, RecordHeader, IsolationLevel, TimestampType, ConfigEntry, CompressionType };

export type Bytes = Buffer | string;

export interface ProducerRecord {
  topic: string;
  key?: Bytes | null;
  value: Bytes | null;
  /** Header list, or an object of header name -> value. */
  headers?: RecordHeader[] | Record<string, Bytes | null>;
  /** CreateTime in ms; defaults to now. */
  timestamp?: number;
  /** Explicit partition; otherwise murmur2(key) or sticky for null keys. */
  partition?: number;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: number;
  /** The record's timestamp (the broker's when the topic uses LogAppendTime). */
  timestamp: number;
}

export interface ProducerConfig {
  clientId?: string;
  /** 0, 1 or -1/'all'. Default 'all'. */
  acks?: 0 | 1 | -1 | 'all';
  /** linger.ms: how long a batch waits for more records. Default 5 (Kafka 4's default). */
  lingerMs?: number;
  /** batch.size in bytes. Default 16384. */
  batchSize?: number;
  compression?: CompressionType;
  /** enable.idempotence. Default true (Kafka 3.0+). */
  idempotent?: boolean;
  transactionalId?: string;
  /** transaction.timeout.ms. Default 60000. */
  transactionTimeoutMs?: number;
  /** max.request.size: the largest record accepted. Default 1048576. */
  maxRequestSize?: number;
  /** A custom partitioner; return a partition number. */
  partitioner?: (record: ProducerRecord, partitions: number) => number;
}

export interface GroupMetadata {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface OffsetAndMetadata {
  topic: string;
  partition: number;
  offset: number;
  metadata?: string;
  leaderEpoch?: number;
}

export interface Producer {
  send(record: ProducerRecord): Promise<RecordMetadata>;
  /** Sends many records; resolves when all are acknowledged, in input order. */
  sendBatch(records: ProducerRecord[]): Promise<RecordMetadata[]>;
  /** Sends every batch now and waits for their acknowledgements. */
  flush(): Promise<void>;
  partitionsFor(topic: string): Promise<number>;
  initTransactions(): Promise<void>;
  beginTransaction(): void;
  sendOffsetsToTransaction(offsets: OffsetAndMetadata[], group: GroupMetadata | string): Promise<void>;
  commitTransaction(): Promise<void>;
  abortTransaction(): Promise<void>;
  close(): Promise<void>;
}

export interface ConsumerRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: TimestampType;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface ConsumerConfig {
  groupId?: string;
  clientId?: string;
  /** group.instance.id: static membership. */
  groupInstanceId?: string;
  /** auto.offset.reset. Default 'latest'. */
  autoOffsetReset?: 'earliest' | 'latest' | 'none';
  /** enable.auto.commit. Default true when there is a group. */
  enableAutoCommit?: boolean;
  autoCommitIntervalMs?: number;
  isolationLevel?: IsolationLevel;
  maxPollRecords?: number;
  fetchMaxBytes?: number;
  maxPartitionFetchBytes?: number;
  fetchMinBytes?: number;
  fetchMaxWaitMs?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** max.poll.interval.ms: a consumer that does not poll this long leaves its group. */
  maxPollIntervalMs?: number;
  /** partition.assignment.strategy, by Kafka protocol names. Default ['range', 'cooperative-sticky']. */
  partitionAssignmentStrategy?: ('range' | 'roundrobin' | 'sticky' | 'cooperative-sticky')[];
  /** check.crcs. Default true. */
  checkCrcs?: boolean;
  /**
   * Bytes for the `user_data` field of this member's group subscription (Kafka's
   * ConsumerProtocolSubscription), opaque to the group: the leader's assignor sees them, and so
   * does anyone describing the group (`GroupMemberInfo.subscriptionUserData`). Only with
   * assignors that keep nothing of their own there ('range', 'roundrobin'); 'sticky' and
   * 'cooperative-sticky' do, so the consumer refuses the combination (INVALID_CONFIG).
   */
  subscriptionUserData?: Uint8Array;
}

export interface RebalanceListener {
  onPartitionsRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  onPartitionsAssigned?(partitions: TopicPartition[]): void | Promise<void>;
  /** Partitions lost without a chance to commit (the member was kicked out of the group). */
  onPartitionsLost?(partitions: TopicPartition[]): void | Promise<void>;
}

export interface Consumer {
  subscribe(topics: string[] | RegExp, listener?: RebalanceListener): void;
  unsubscribe(): Promise<void>;
  assign(partitions: TopicPartition[]): void;
  assignment(): TopicPartition[];
  subscription(): string[];
  /** Fetches records; waits up to `timeoutMs` (default 1000) when none are ready. */
  poll(timeoutMs?: number): Promise<ConsumerRecord[]>;
  seek(partition: TopicPartition, offset: number): void;
  seekToBeginning(partitions?: TopicPartition[]): void;
  seekToEnd(partitions?: TopicPartition[]): void;
  position(partition: TopicPartition): Promise<number>;
  /**
   * Records the partition has beyond the consumer's position, as of the last fetch's high
   * watermark (last stable offset under read_committed); null when no fetch has told yet.
   */
  currentLag(partition: TopicPartition): number | null;
  committed(partitions: TopicPartition[]): Promise<(OffsetAndMetadata | null)[]>;
  offsetsForTimes(query: { topic: string; partition: number; timestamp: number }[]): Promise<({ offset: number; timestamp: number } | null)[]>;
  beginningOffsets(partitions: TopicPartition[]): Promise<number[]>;
  endOffsets(partitions: TopicPartition[]): Promise<number[]>;
  /** Commits the given offsets, or the current positions of all assigned partitions. */
  commitSync(offsets?: OffsetAndMetadata[]): Promise<void>;
  commitAsync(offsets?: OffsetAndMetadata[], callback?: (err: Error | null) => void): void;
  pause(partitions: TopicPartition[]): void;
  resume(partitions: TopicPartition[]): void;
  paused(): TopicPartition[];
  groupMetadata(): GroupMetadata;
  close(): Promise<void>;
}

export interface NewTopic {
  name: string;
  partitions?: number;
  replicationFactor?: number;
  configs?: Record<string, string>;
}

export interface TopicInfo {
  name: string;
  topicId: string;
  internal: boolean;
  partitions: { partition: number; leader: number; replicas: number[]; isr: number[] }[];
}

export type OffsetSpec = 'earliest' | 'latest' | 'max-timestamp' | { timestamp: number };

export interface GroupMemberInfo {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** Consumer groups: the member's partitions (empty while the group is not Stable). */
  assignment: TopicPartition[];
  /**
   * Consumer groups: the `user_data` of the member's subscription for the chosen assignor
   * (`ConsumerConfig.subscriptionUserData`, or the assignor's own); null when it sent none or the
   * group is between generations (Kafka describes member metadata only while Stable).
   */
  subscriptionUserData: Buffer | null;
}

export interface GroupInfo {
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: GroupMemberInfo[];
}

export interface GroupOffsetInfo {
  topic: string;
  partition: number;
  offset: number;
  logEndOffset: number;
  lag: number;
  metadata: string;
}

export interface ConfigResource {
  type: 'topic' | 'broker';
  name: string;
}

export interface Admin {
  createTopics(topics: NewTopic[], options?: { validateOnly?: boolean }): Promise<void>;
  deleteTopics(names: string[]): Promise<void>;
  listTopics(options?: { listInternal?: boolean }): Promise<string[]>;
  describeTopics(names: string[]): Promise<TopicInfo[]>;
  createPartitions(requests: { topic: string; count: number }[]): Promise<void>;
  describeConfigs(resources: ConfigResource[]): Promise<{ resource: ConfigResource; entries: ConfigEntry[] }[]>;
  /** Sets and removes topic configs, leaving the others (IncrementalAlterConfigs). */
  incrementalAlterConfigs(topic: string, set: Record<string, string>, remove?: string[]): Promise<void>;
  listOffsets(requests: { topic: string; partition: number; spec: OffsetSpec }[], options?: { isolationLevel?: IsolationLevel }): Promise<{ topic: string; partition: number; offset: number; timestamp: number }[]>;
  /** Deletes records before the offsets; returns the new low watermarks. */
  deleteRecords(requests: { topic: string; partition: number; offset: number }[]): Promise<{ topic: string; partition: number; lowWatermark: number }[]>;
  listGroups(): Promise<{ groupId: string; protocolType: string; state: string }[]>;
  describeGroups(groupIds: string[]): Promise<GroupInfo[]>;
  /** Committed offsets of a group with log end offsets and lag per partition. */
  listGroupOffsets(groupId: string): Promise<GroupOffsetInfo[]>;
  deleteGroups(groupIds: string[]): Promise<void>;
  describeCluster(): Promise<{ clusterId: string; controllerId: number; nodes: { nodeId: number; host: string; port: number }[] }>;
  close(): Promise<void>;
}

/** One entry point per implementation. */
export interface StorageClient {
  producer(config?: ProducerConfig): Producer;
  consumer(config?: ConsumerConfig): Consumer;
  admin(): Admin;
}
