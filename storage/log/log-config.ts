/**
 * Topic (log) configuration under Kafka's names and defaults. One table declares every config:
 * its type, default, bounds and the typed field it fills; parsing, validation and
 * DescribeConfigs all read the table.
 */
import { KafkaError } from '../errors.js';
import type { TimestampType } from '../types.js';

/** Kafka's Long.MAX_VALUE, shown as such; held internally as the largest exact JS integer. */
export const LONG_MAX = Number.MAX_SAFE_INTEGER;
const LONG_MAX_TEXT = '9223372036854775807';

export type TopicCompression = 'producer' | 'uncompressed' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface LogConfig {
  segmentBytes: number;
  segmentMs: number;
  segmentJitterMs: number;
  segmentIndexBytes: number;
  indexIntervalBytes: number;
  flushMessages: number;
  flushMs: number;
  retentionMs: number;
  retentionBytes: number;
  cleanupPolicy: { delete: boolean; compact: boolean };
  deleteRetentionMs: number;
  minCleanableDirtyRatio: number;
  minCompactionLagMs: number;
  maxCompactionLagMs: number;
  maxMessageBytes: number;
  messageTimestampType: TimestampType;
  fileDeleteDelayMs: number;
  compressionType: TopicCompression;
}

type Kind = 'int' | 'long' | 'double' | 'string' | 'list' | 'boolean';

interface ConfigDef {
  name: string;
  kind: Kind;
  default: string;
  /** The LogConfig field it sets; absent for configs Kafka has that change nothing on one node. */
  field?: keyof LogConfig;
  min?: number;
  max?: number;
  oneOf?: readonly string[];
  doc: string;
}

const TIMESTAMP_TYPES = ['CreateTime', 'LogAppendTime'] as const;
const COMPRESSIONS = ['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

export const TOPIC_CONFIGS: readonly ConfigDef[] = [
  { name: 'cleanup.policy', kind: 'list', default: 'delete', field: 'cleanupPolicy', oneOf: ['delete', 'compact'], doc: 'delete old segments by retention, compact to the latest value per key, or both' },
  { name: 'compression.type', kind: 'string', default: 'producer', field: 'compressionType', oneOf: COMPRESSIONS, doc: "codec batches are stored with; 'producer' keeps the producer's" },
  { name: 'delete.retention.ms', kind: 'long', default: '86400000', field: 'deleteRetentionMs', min: 0, doc: 'how long tombstones stay readable after compaction first sees them' },
  { name: 'file.delete.delay.ms', kind: 'long', default: '60000', field: 'fileDeleteDelayMs', min: 0, doc: 'delay before a deleted segment file is removed from disk' },
  { name: 'flush.messages', kind: 'long', default: LONG_MAX_TEXT, field: 'flushMessages', min: 1, doc: 'fsync after this many messages (default: leave it to the OS page cache)' },
  { name: 'flush.ms', kind: 'long', default: LONG_MAX_TEXT, field: 'flushMs', min: 0, doc: 'fsync at least this often (default: leave it to the OS page cache)' },
  { name: 'index.interval.bytes', kind: 'int', default: '4096', field: 'indexIntervalBytes', min: 0, doc: 'bytes of log between two offset index entries' },
  { name: 'max.compaction.lag.ms', kind: 'long', default: LONG_MAX_TEXT, field: 'maxCompactionLagMs', min: 1, doc: 'longest time a record stays uncompacted' },
  { name: 'max.message.bytes', kind: 'int', default: '1048588', field: 'maxMessageBytes', min: 0, doc: 'largest record batch the topic accepts' },
  { name: 'message.timestamp.type', kind: 'string', default: 'CreateTime', field: 'messageTimestampType', oneOf: TIMESTAMP_TYPES, doc: "CreateTime keeps the producer's timestamps; LogAppendTime stamps the broker's clock" },
  { name: 'min.cleanable.dirty.ratio', kind: 'double', default: '0.5', field: 'minCleanableDirtyRatio', min: 0, max: 1, doc: 'share of uncompacted log that makes a log eligible for cleaning' },
  { name: 'min.compaction.lag.ms', kind: 'long', default: '0', field: 'minCompactionLagMs', min: 0, doc: 'shortest time a record stays uncompacted' },
  { name: 'retention.bytes', kind: 'long', default: '-1', field: 'retentionBytes', min: -1, doc: 'largest size of a partition before old segments are deleted (-1: no limit)' },
  { name: 'retention.ms', kind: 'long', default: '604800000', field: 'retentionMs', min: -1, doc: 'age after which segments are deleted (-1: keep forever)' },
  { name: 'segment.bytes', kind: 'int', default: '1073741824', field: 'segmentBytes', min: 14, doc: 'size at which a segment rolls' },
  { name: 'segment.index.bytes', kind: 'int', default: '10485760', field: 'segmentIndexBytes', min: 4, doc: 'size of the offset index at which a segment rolls' },
  { name: 'segment.jitter.ms', kind: 'long', default: '0', field: 'segmentJitterMs', min: 0, doc: 'random jitter subtracted from segment.ms' },
  { name: 'segment.ms', kind: 'long', default: '604800000', field: 'segmentMs', min: 1, doc: 'age at which a segment rolls' },
  // Accepted for compatibility; one node has no replicas, tiers or format down-conversion.
  { name: 'min.insync.replicas', kind: 'int', default: '1', min: 1, doc: 'accepted; a single node has one replica' },
  { name: 'unclean.leader.election.enable', kind: 'boolean', default: 'false', doc: 'accepted; a single node has one replica' },
  { name: 'preallocate', kind: 'boolean', default: 'false', doc: 'accepted; segments are not preallocated' },
  { name: 'message.downconversion.enable', kind: 'boolean', default: 'true', doc: 'accepted; only RecordBatch v2 is stored' },
  { name: 'message.timestamp.difference.max.ms', kind: 'long', default: LONG_MAX_TEXT, min: 0, doc: 'accepted; timestamps are not range-checked' },
  { name: 'message.timestamp.before.max.ms', kind: 'long', default: LONG_MAX_TEXT, min: 0, doc: 'accepted; timestamps are not range-checked' },
  { name: 'message.timestamp.after.max.ms', kind: 'long', default: LONG_MAX_TEXT, min: 0, doc: 'accepted; timestamps are not range-checked' },
  { name: 'leader.replication.throttled.replicas', kind: 'string', default: '', doc: 'accepted; no replication' },
  { name: 'follower.replication.throttled.replicas', kind: 'string', default: '', doc: 'accepted; no replication' },
];

const BY_NAME = new Map(TOPIC_CONFIGS.map((d) => [d.name, d]));

export function isTopicConfig(name: string): boolean {
  return BY_NAME.has(name);
}

function invalid(name: string, value: string, why: string): KafkaError {
  return new KafkaError('INVALID_CONFIG', `Invalid value '${value}' for topic config '${name}': ${why}.`);
}

function parseValue(def: ConfigDef, raw: string): unknown {
  const value = raw.trim();
  switch (def.kind) {
    case 'int':
    case 'long': {
      if (!/^-?\d+$/.test(value)) throw invalid(def.name, raw, 'expected a whole number');
      const n = value === LONG_MAX_TEXT ? LONG_MAX : Number(value);
      if (def.kind === 'int' && (n > 2147483647 || n < -2147483648)) throw invalid(def.name, raw, 'out of the 32-bit integer range');
      if (def.min !== undefined && n < def.min) throw invalid(def.name, raw, `must be at least ${def.min}`);
      if (def.max !== undefined && n > def.max) throw invalid(def.name, raw, `must be at most ${def.max}`);
      return Math.min(n, LONG_MAX);
    }
    case 'double': {
      const n = Number(value);
      if (value === '' || Number.isNaN(n)) throw invalid(def.name, raw, 'expected a number');
      if (def.min !== undefined && n < def.min) throw invalid(def.name, raw, `must be at least ${def.min}`);
      if (def.max !== undefined && n > def.max) throw invalid(def.name, raw, `must be at most ${def.max}`);
      return n;
    }
    case 'boolean':
      if (value !== 'true' && value !== 'false') throw invalid(def.name, raw, 'expected true or false');
      return value === 'true';
    case 'string':
      if (def.oneOf && !def.oneOf.includes(value)) throw invalid(def.name, raw, `expected one of ${def.oneOf.join(', ')}`);
      return value;
    case 'list': {
      const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
      for (const item of items) {
        if (def.oneOf && !def.oneOf.includes(item)) throw invalid(def.name, raw, `expected a list of ${def.oneOf.join(', ')}`);
      }
      if (def.name === 'cleanup.policy') return { delete: items.includes('delete'), compact: items.includes('compact') };
      return items;
    }
  }
}

/** Checks a set of topic config overrides: unknown names and bad values are INVALID_CONFIG. */
export function validateTopicConfigs(configs: Record<string, string>): void {
  for (const [name, value] of Object.entries(configs)) {
    const def = BY_NAME.get(name);
    if (!def) throw new KafkaError('INVALID_CONFIG', `Unknown topic config '${name}'. Topic configs use Kafka's names, e.g. retention.ms, cleanup.policy, segment.bytes.`);
    parseValue(def, String(value));
  }
}

/** The effective config: table defaults, then broker-wide defaults, then the topic's overrides. */
export function buildLogConfig(overrides: Record<string, string> = {}, brokerDefaults: Record<string, string> = {}): LogConfig {
  validateTopicConfigs(brokerDefaults);
  validateTopicConfigs(overrides);
  const config = {} as Record<keyof LogConfig, unknown>;
  for (const def of TOPIC_CONFIGS) {
    if (!def.field) continue;
    const raw = overrides[def.name] ?? brokerDefaults[def.name] ?? def.default;
    config[def.field] = parseValue(def, raw);
  }
  return config as unknown as LogConfig;
}

export type ConfigSource = 'TOPIC_CONFIG' | 'STATIC_BROKER_CONFIG' | 'DEFAULT_CONFIG';

export interface ConfigEntry {
  name: string;
  value: string;
  source: ConfigSource;
  isDefault: boolean;
  readOnly: boolean;
  sensitive: boolean;
  documentation: string;
}

/** Every topic config with its effective value and where it came from (DescribeConfigs). */
export function describeTopicConfigs(overrides: Record<string, string>, brokerDefaults: Record<string, string> = {}): ConfigEntry[] {
  return TOPIC_CONFIGS.map((def) => {
    const fromTopic = overrides[def.name];
    const fromBroker = brokerDefaults[def.name];
    const value = fromTopic ?? fromBroker ?? def.default;
    const source: ConfigSource = fromTopic !== undefined ? 'TOPIC_CONFIG' : fromBroker !== undefined ? 'STATIC_BROKER_CONFIG' : 'DEFAULT_CONFIG';
    return { name: def.name, value, source, isDefault: source === 'DEFAULT_CONFIG', readOnly: false, sensitive: false, documentation: def.doc };
  });
}
