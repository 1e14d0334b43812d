/**
 * The configuration of a StreamsApp (Kafka Streams' StreamsConfig, as an options object) and its
 * defaults. Names follow Kafka's settings: `commitIntervalMs` is commit.interval.ms and so on.
 */
import { resolve } from 'node:path';
import { consoleLogger, type Logger } from '../../storage/logger.js';
import type { Serde } from '../serde/serde.js';
import type { FailedRecord } from './exception-handlers.js';
import type { TimestampExtractor } from '../topology/topology.js';
import { StreamsError } from './errors.js';
import { applicationServer, type HostInfo } from './host-info.js';

export type ProcessingGuarantee = 'at_least_once' | 'exactly_once_v2';

/**
 * What to do with a record that fails: skip it (and count it), stop the app (state ERROR),
 * skip it after writing its raw bytes with the error in headers to a dead-letter topic, or ask a
 * handler of one's own.
 */
export type ExceptionHandlerSetting = 'log-and-continue' | 'log-and-fail' | { deadLetterTopic: string } | CustomExceptionHandler;

/**
 * A handler of one's own: it sees the error and the failed record (null for a punctuation) and
 * answers 'continue' (skip the record) or 'fail' (stop the app). The SQL server's processing log
 * is one.
 */
export type CustomExceptionHandler = (error: unknown, record: FailedRecord | null, where: string) => 'continue' | 'fail';

export interface StreamsConfig {
  /** application.id: the consumer group, the prefix of internal topics, the state directory name. */
  applicationId: string;
  /**
   * state.dir. Default `./data/streams` (resolved against the working directory when the app
   * is created): beside the integrated broker's default `data/` directory, and unlike a temp
   * directory it survives reboots, so a restart restores only the changelog tail.
   */
  stateDir?: string;
  /** processing.guarantee. Default at_least_once. */
  processingGuarantee?: ProcessingGuarantee;
  /** commit.interval.ms. Default 30000 (at_least_once) or 100 (exactly_once_v2), as Kafka. */
  commitIntervalMs?: number;
  /** cache.max.bytes.buffering: record caches of all tasks together (split evenly). Default 10 MiB. */
  cacheMaxBytes?: number;
  defaultKeySerde?: Serde<unknown>;
  defaultValueSerde?: Serde<unknown>;
  /** For source nodes without their own extractor. Default: the record's timestamp. */
  defaultTimestampExtractor?: TimestampExtractor;
  /** Default log-and-fail, as Kafka. */
  deserializationExceptionHandler?: ExceptionHandlerSetting;
  /** Default log-and-fail, as Kafka. */
  processingExceptionHandler?: ExceptionHandlerSetting;
  /** Default log-and-fail, as Kafka. */
  productionExceptionHandler?: ExceptionHandlerSetting;
  /** replication.factor of internal topics. Default -1: the broker's default. */
  replicationFactor?: number;
  /** auto.offset.reset for source partitions without a committed offset. Default earliest (Kafka Streams'). */
  autoOffsetReset?: 'earliest' | 'latest';
  /** buffered.records.per.partition: input partitions pause above it. Default 1000. */
  bufferedRecordsPerPartition?: number;
  /**
   * max.task.idle.ms (KIP-695). 0 (the default, as Kafka): a task whose other inputs are empty
   * waits for records the broker has but the consumer has not fetched yet, so joins see their
   * tables' data in timestamp order; > 0: also waits that long for data not yet produced;
   * -1: never waits.
   */
  maxTaskIdleMs?: number;
  /** repartition.purge.interval.ms: how often consumed repartition records are deleted. Default 30000. */
  repartitionPurgeIntervalMs?: number;
  /** How long one poll waits for records when no task has any buffered. Default 100. */
  pollMs?: number;
  /** max.poll.records of the main and restore consumers. Default 1000. */
  maxPollRecords?: number;
  /** session.timeout.ms of the group member. Default 45000. */
  sessionTimeoutMs?: number;
  /** heartbeat.interval.ms. Default 3000. */
  heartbeatIntervalMs?: number;
  /** transaction.timeout.ms of the exactly-once producer. Default 10000 (Kafka Streams'). */
  transactionTimeoutMs?: number;
  /**
   * application.server: 'host:port' of this instance's own endpoint (an HTTP or RPC server of
   * yours) for interactive queries. It travels in the group subscription, so every instance
   * learns which one holds a key (`queryMetadataForKey(...).activeHost`,
   * `metadataForAllStreamsClients()`). Default: none (the instance is left out of that metadata).
   */
  applicationServer?: string;
  /**
   * num.standby.replicas: how many other instances keep a standby copy of each task's logged
   * stores, applying its changelog as the active task writes it, so a failover restores only
   * the tail the standby had not applied yet. Default 0. With fewer instances than replicas + 1,
   * each task gets as many standbys as there are other instances.
   */
  numStandbyReplicas?: number;
  /** Extra values processors read through context.appConfigs. */
  appConfigs?: Record<string, unknown>;
  logger?: Logger;
}

export interface ResolvedStreamsConfig {
  applicationId: string;
  stateDir: string;
  processingGuarantee: ProcessingGuarantee;
  commitIntervalMs: number;
  cacheMaxBytes: number;
  defaultKeySerde: Serde<unknown> | undefined;
  defaultValueSerde: Serde<unknown> | undefined;
  defaultTimestampExtractor: TimestampExtractor | undefined;
  deserializationExceptionHandler: ExceptionHandlerSetting;
  processingExceptionHandler: ExceptionHandlerSetting;
  productionExceptionHandler: ExceptionHandlerSetting;
  replicationFactor: number;
  autoOffsetReset: 'earliest' | 'latest';
  bufferedRecordsPerPartition: number;
  maxTaskIdleMs: number;
  repartitionPurgeIntervalMs: number;
  pollMs: number;
  maxPollRecords: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  transactionTimeoutMs: number;
  applicationServer: HostInfo | null;
  numStandbyReplicas: number;
  appConfigs: Record<string, unknown>;
  logger: Logger;
}

export const DEFAULT_STATE_DIR = './data/streams';

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new StreamsError('STREAMS_CONFIG', `${name} must be a number >= 0, got ${value}.`);
  return value;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = nonNegative(name, value, fallback);
  if (v === 0) throw new StreamsError('STREAMS_CONFIG', `${name} must be greater than 0.`);
  return v;
}

function handler(name: string, value: ExceptionHandlerSetting | undefined): ExceptionHandlerSetting {
  if (value === undefined) return 'log-and-fail';
  if (value === 'log-and-continue' || value === 'log-and-fail') return value;
  if (typeof value === 'function') return value;
  if (typeof value === 'object' && value !== null && typeof value.deadLetterTopic === 'string' && value.deadLetterTopic !== '') return value;
  throw new StreamsError('STREAMS_CONFIG', `${name} must be 'log-and-continue', 'log-and-fail', { deadLetterTopic: '<topic>' } or a function, got ${JSON.stringify(value)}.`);
}

export function resolveStreamsConfig(config: StreamsConfig): ResolvedStreamsConfig {
  const id = config.applicationId;
  if (typeof id !== 'string' || !/^[a-zA-Z0-9._-]+$/.test(id)) {
    throw new StreamsError('STREAMS_CONFIG', `applicationId is required and may only contain letters, digits, '.', '_' and '-' (it names the group, internal topics and the state directory); got ${JSON.stringify(id)}.`);
  }
  const guarantee = config.processingGuarantee ?? 'at_least_once';
  if (guarantee !== 'at_least_once' && guarantee !== 'exactly_once_v2') {
    throw new StreamsError('STREAMS_CONFIG', `processingGuarantee must be 'at_least_once' or 'exactly_once_v2', got ${JSON.stringify(guarantee)}.`);
  }
  const eos = guarantee === 'exactly_once_v2';
  const replication = config.replicationFactor ?? -1;
  if (!Number.isInteger(replication) || replication === 0 || replication < -1) {
    throw new StreamsError('STREAMS_CONFIG', `replicationFactor must be -1 (the broker's default) or a positive integer, got ${replication}.`);
  }
  return {
    applicationId: id,
    stateDir: resolve(config.stateDir ?? DEFAULT_STATE_DIR),
    processingGuarantee: guarantee,
    commitIntervalMs: nonNegative('commitIntervalMs', config.commitIntervalMs, eos ? 100 : 30_000),
    cacheMaxBytes: nonNegative('cacheMaxBytes', config.cacheMaxBytes, 10 * 1024 * 1024),
    defaultKeySerde: config.defaultKeySerde,
    defaultValueSerde: config.defaultValueSerde,
    defaultTimestampExtractor: config.defaultTimestampExtractor,
    deserializationExceptionHandler: handler('deserializationExceptionHandler', config.deserializationExceptionHandler),
    processingExceptionHandler: handler('processingExceptionHandler', config.processingExceptionHandler),
    productionExceptionHandler: handler('productionExceptionHandler', config.productionExceptionHandler),
    replicationFactor: replication,
    autoOffsetReset: config.autoOffsetReset ?? 'earliest',
    bufferedRecordsPerPartition: positive('bufferedRecordsPerPartition', config.bufferedRecordsPerPartition, 1000),
    maxTaskIdleMs: maxTaskIdle(config.maxTaskIdleMs),
    repartitionPurgeIntervalMs: nonNegative('repartitionPurgeIntervalMs', config.repartitionPurgeIntervalMs, 30_000),
    pollMs: nonNegative('pollMs', config.pollMs, 100),
    maxPollRecords: positive('maxPollRecords', config.maxPollRecords, 1000),
    sessionTimeoutMs: positive('sessionTimeoutMs', config.sessionTimeoutMs, 45_000),
    heartbeatIntervalMs: positive('heartbeatIntervalMs', config.heartbeatIntervalMs, 3000),
    transactionTimeoutMs: positive('transactionTimeoutMs', config.transactionTimeoutMs, 10_000),
    applicationServer: applicationServer(config.applicationServer),
    numStandbyReplicas: standbyReplicas(config.numStandbyReplicas),
    appConfigs: { ...config.appConfigs },
    logger: config.logger ?? consoleLogger(undefined, `streams:${id}`),
  };
}

function maxTaskIdle(value: number | undefined): number {
  if (value === undefined) return 0;
  if (!Number.isInteger(value) || value < -1) throw new StreamsError('STREAMS_CONFIG', `maxTaskIdleMs must be -1 (never wait), 0 or a positive number of milliseconds, got ${value}.`);
  return value;
}

function standbyReplicas(value: number | undefined): number {
  if (value === undefined) return 0;
  if (!Number.isInteger(value) || value < 0) throw new StreamsError('STREAMS_CONFIG', `numStandbyReplicas must be an integer >= 0 (standby copies of each task's state on other instances), got ${JSON.stringify(value)}.`);
  return value;
}
