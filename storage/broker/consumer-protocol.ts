/**
 * The consumer protocol of Kafka's classic group protocol (protocol type "consumer"): the bytes a
 * consumer puts in JoinGroup's protocol metadata and the bytes the leader sends back in SyncGroup.
 * The coordinator only relays them, so Freshet's consumer and Java, librdkafka and kafkajs
 * consumers can share a group only if these layouts match Kafka's exactly. Big-endian,
 * non-flexible (no tagged fields, no compact lengths).
 *
 * ConsumerProtocolSubscription (JoinGroup metadata), versions 0-3:
 *   version          int16
 *   topics           int32 count, count x string
 *   userData         bytes, nullable                      assignor-specific, opaque to the group
 *   ownedPartitions  v1+: int32 count, count x (topic string, int32 count, count x int32)
 *   generationId     v2+: int32                            -1 = none
 *   rackId           v3+: string, nullable
 *
 * ConsumerProtocolAssignment (SyncGroup assignment), versions 0-3 (2 and 3 only mirror the
 * subscription's versions and add no field):
 *   version             int16
 *   assignedPartitions  int32 count, count x (topic string, int32 count, count x int32)
 *   userData            bytes, nullable
 *
 *   string    int16 length, UTF-8 bytes; a nullable string uses length -1 for null
 *   bytes     int32 length, the bytes; length -1 = null
 *
 * A reader meeting a version newer than it knows reads the fields it knows and ignores the rest:
 * newer versions may only append fields. Trailing bytes are ignored at every version, as Java's
 * reader does.
 *
 * Assignor user data carried inside the subscription's userData (no version prefix):
 *
 * StickyAssignor ("sticky"); V1 appends the generation, readers try V1 and fall back to V0:
 *   previous_assignment  int32 count, count x (topic string, int32 count, count x int32)
 *   generation           V1: int32
 *
 * CooperativeStickyAssignor ("cooperative-sticky"), for subscriptions older than v2:
 *   generation           int32
 */
import { KafkaError } from '../errors.js';
import type { TopicPartition } from '../types.js';

/** The protocol type consumers send in JoinGroup. */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';
export const SUBSCRIPTION_MAX_VERSION = 3;
export const ASSIGNMENT_MAX_VERSION = 3;
/** The generation of a member that has not been through a completed rebalance. */
export const NO_GENERATION = -1;

/** A topic with some of its partitions: how every partition list goes on the wire here. */
export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

export interface ConsumerProtocolSubscription {
  topics: string[];
  userData: Buffer | null;
  /** v1+: what the member owns right now (cooperative rebalancing reads it). */
  ownedPartitions: TopicPartitions[];
  /** v2+: the generation in which the member got `ownedPartitions`, or -1. */
  generationId: number;
  /** v3+: the member's `client.rack`, for rack-aware assignors. */
  rackId: string | null;
}

export interface ConsumerProtocolAssignment {
  assignedPartitions: TopicPartitions[];
  userData: Buffer | null;
}

/** A decoded message with the version it carried, which may be newer than the reader knows. */
export type Versioned<T> = T & { version: number };

/** StickyAssignor's user data: what the member had, and (V1) in which generation. */
export interface StickyUserData {
  previousAssignment: TopicPartitions[];
  /** null when the member sent V0, which has no generation. */
  generation: number | null;
}

// ---------------------------------------------------------------------------------------------
// Wire types and field tables: each message declares its fields once, with the version that added
// them; encoding, sizing and decoding walk that table.

class Reader {
  private pos = 0;
  private readonly path: string[] = [];

  constructor(
    private readonly buf: Buffer,
    private readonly message: string,
  ) {}

  enter(field: string): void {
    this.path.push(field);
  }

  leave(): void {
    this.path.pop();
  }

  malformed(problem: string): KafkaError {
    return new KafkaError(
      'INCONSISTENT_GROUP_PROTOCOL',
      `Malformed ${this.message}: ${problem}. The member's client wrote invalid consumer protocol bytes; ` +
        'it must rejoin the group with well-formed metadata.',
    );
  }

  /** Claims `n` bytes and returns where they start, or throws when the message ends first. */
  take(n: number): number {
    const remaining = this.buf.length - this.pos;
    if (n > remaining) {
      const field = this.path.length > 0 ? this.path.join('.') : 'version';
      throw this.malformed(
        `truncated at ${field}, which needs ${n} byte(s) at offset ${this.pos} but only ${remaining} remain`,
      );
    }
    const start = this.pos;
    this.pos += n;
    return start;
  }

  int16(): number {
    return this.buf.readInt16BE(this.take(2));
  }

  int32(): number {
    return this.buf.readInt32BE(this.take(4));
  }

  /** A view of the next `n` bytes. */
  view(n: number): Buffer {
    const start = this.take(n);
    return this.buf.subarray(start, start + n);
  }
}

interface WireType<T> {
  size(value: T): number;
  write(buf: Buffer, pos: number, value: T): number;
  read(reader: Reader): T;
}

function invalid(problem: string): KafkaError {
  return new KafkaError('INVALID_REQUEST', `Cannot encode consumer protocol data: ${problem}.`);
}

function checkInt(value: number, bits: 16 | 32, what: string): void {
  const limit = 2 ** (bits - 1);
  if (!Number.isInteger(value) || value < -limit || value >= limit) {
    throw invalid(`${what} ${value} is not an int${bits}`);
  }
}

const INT32: WireType<number> = {
  size: () => 4,
  write(buf, pos, value) {
    checkInt(value, 32, 'value');
    return buf.writeInt32BE(value, pos);
  },
  read: (reader) => reader.int32(),
};

function stringType(nullable: boolean): WireType<string | null> {
  return {
    size: (value) => 2 + (value === null ? 0 : Buffer.byteLength(value, 'utf8')),
    write(buf, pos, value) {
      if (value === null) {
        if (!nullable) throw invalid('a non-nullable string is null');
        return buf.writeInt16BE(-1, pos);
      }
      const length = Buffer.byteLength(value, 'utf8');
      if (length > 0x7fff) throw invalid(`a string of ${length} UTF-8 bytes exceeds the int16 length limit`);
      pos = buf.writeInt16BE(length, pos);
      return pos + buf.write(value, pos, 'utf8');
    },
    read(reader) {
      const length = reader.int16();
      if (length === -1 && nullable) return null;
      if (length < 0) throw reader.malformed(`string length ${length}`);
      return reader.view(length).toString('utf8');
    },
  };
}

const STRING = stringType(false) as WireType<string>;
const NULLABLE_STRING = stringType(true);

const NULLABLE_BYTES: WireType<Buffer | null> = {
  size: (value) => 4 + (value === null ? 0 : value.length),
  write(buf, pos, value) {
    if (value === null) return buf.writeInt32BE(-1, pos);
    pos = buf.writeInt32BE(value.length, pos);
    return pos + value.copy(buf, pos);
  },
  read(reader) {
    const length = reader.int32();
    if (length === -1) return null;
    if (length < 0) throw reader.malformed(`bytes length ${length}`);
    // A copy, so a kept userData does not pin the whole request buffer.
    return Buffer.from(reader.view(length));
  },
};

function arrayOf<T>(element: WireType<T>): WireType<T[]> {
  return {
    size: (values) => values.reduce((sum, value) => sum + element.size(value), 4),
    write(buf, pos, values) {
      pos = buf.writeInt32BE(values.length, pos);
      for (const value of values) pos = element.write(buf, pos, value);
      return pos;
    },
    read(reader) {
      const count = reader.int32();
      if (count < 0) throw reader.malformed(`array length ${count} for a non-nullable array`);
      // Every element takes at least two bytes, so a lying count runs into `take` quickly.
      const values: T[] = [];
      for (let i = 0; i < count; i++) values.push(element.read(reader));
      return values;
    },
  };
}

interface Field<T> {
  name: keyof T & string;
  type: WireType<unknown>;
  /** The first version that carries the field. */
  since: number;
  /** The value a reader assumes when the version predates the field. */
  absent: () => unknown;
}

/** A typed field-declaring helper: `fieldsOf<T>()('name', type, since, absent)`. */
function fieldsOf<T>() {
  return <K extends keyof T & string>(name: K, type: WireType<T[K]>, since: number, absent: () => T[K]): Field<T> => ({
    name,
    type: type as WireType<unknown>,
    since,
    absent,
  });
}

function sizeOf<T>(fields: readonly Field<T>[], value: T, version: number): number {
  let size = 0;
  for (const field of fields) if (field.since <= version) size += field.type.size(value[field.name]);
  return size;
}

function writeFields<T>(fields: readonly Field<T>[], buf: Buffer, pos: number, value: T, version: number): number {
  for (const field of fields) if (field.since <= version) pos = field.type.write(buf, pos, value[field.name]);
  return pos;
}

function readFields<T>(fields: readonly Field<T>[], reader: Reader, version: number): T {
  const out: Partial<Record<keyof T, unknown>> = {};
  for (const field of fields) {
    reader.enter(field.name);
    out[field.name] = field.since <= version ? field.type.read(reader) : field.absent();
    reader.leave();
  }
  return out as T;
}

function struct<T>(fields: readonly Field<T>[]): WireType<T> {
  return {
    size: (value) => sizeOf(fields, value, Infinity),
    write: (buf, pos, value) => writeFields(fields, buf, pos, value, Infinity),
    read: (reader) => readFields(fields, reader, Infinity),
  };
}

const topicPartitionsField = fieldsOf<TopicPartitions>();
const TOPIC_PARTITIONS = arrayOf(
  struct<TopicPartitions>([
    topicPartitionsField('topic', STRING, 0, () => ''),
    topicPartitionsField('partitions', arrayOf(INT32), 0, () => []),
  ]),
);

const subscriptionField = fieldsOf<ConsumerProtocolSubscription>();
const SUBSCRIPTION_FIELDS = [
  subscriptionField('topics', arrayOf(STRING), 0, () => []),
  subscriptionField('userData', NULLABLE_BYTES, 0, () => null),
  subscriptionField('ownedPartitions', TOPIC_PARTITIONS, 1, () => []),
  subscriptionField('generationId', INT32, 2, () => NO_GENERATION),
  subscriptionField('rackId', NULLABLE_STRING, 3, () => null),
];

const assignmentField = fieldsOf<ConsumerProtocolAssignment>();
const ASSIGNMENT_FIELDS = [
  assignmentField('assignedPartitions', TOPIC_PARTITIONS, 0, () => []),
  assignmentField('userData', NULLABLE_BYTES, 0, () => null),
];

const stickyField = fieldsOf<StickyUserData>();
const STICKY_USER_DATA_FIELDS = [
  stickyField('previousAssignment', TOPIC_PARTITIONS, 0, () => []),
  stickyField('generation', INT32 as WireType<number | null>, 1, () => null),
];

interface VersionedCodec<T> {
  encode(value: T, version: number): Buffer;
  decode(buf: Buffer): Versioned<T>;
}

function versionedMessage<T>(name: string, fields: readonly Field<T>[], maxVersion: number): VersionedCodec<T> {
  return {
    encode(value, version) {
      if (!Number.isInteger(version) || version < 0 || version > maxVersion) {
        throw new KafkaError('UNSUPPORTED_VERSION', `${name} version ${version} is not one of 0-${maxVersion}.`);
      }
      const buf = Buffer.alloc(2 + sizeOf(fields, value, version));
      writeFields(fields, buf, buf.writeInt16BE(version, 0), value, version);
      return buf;
    },
    decode(buf) {
      const reader = new Reader(buf, name);
      const version = reader.int16();
      if (version < 0) throw reader.malformed(`version ${version}`);
      const value = readFields(fields, reader, Math.min(version, maxVersion));
      return { ...value, version };
    },
  };
}

const SUBSCRIPTION = versionedMessage('ConsumerProtocolSubscription', SUBSCRIPTION_FIELDS, SUBSCRIPTION_MAX_VERSION);
const ASSIGNMENT = versionedMessage('ConsumerProtocolAssignment', ASSIGNMENT_FIELDS, ASSIGNMENT_MAX_VERSION);

// ---------------------------------------------------------------------------------------------

/** JoinGroup protocol metadata for `subscription`; fields newer than `version` are left out. */
export function encodeSubscription(
  subscription: ConsumerProtocolSubscription,
  version: number = SUBSCRIPTION_MAX_VERSION,
): Buffer {
  return SUBSCRIPTION.encode(subscription, version);
}

/** Reads JoinGroup protocol metadata; throws INCONSISTENT_GROUP_PROTOCOL when it is malformed. */
export function decodeSubscription(buf: Buffer): Versioned<ConsumerProtocolSubscription> {
  return SUBSCRIPTION.decode(buf);
}

/** A SyncGroup member assignment. */
export function encodeAssignment(
  assignment: ConsumerProtocolAssignment,
  version: number = ASSIGNMENT_MAX_VERSION,
): Buffer {
  return ASSIGNMENT.encode(assignment, version);
}

/**
 * Reads a SyncGroup member assignment; throws INCONSISTENT_GROUP_PROTOCOL when it is malformed.
 * A zero-length assignment (the coordinator's answer for a member the leader left out) is
 * malformed here; a consumer that wants to read it as "nothing assigned" checks the length first.
 */
export function decodeAssignment(buf: Buffer): Versioned<ConsumerProtocolAssignment> {
  return ASSIGNMENT.decode(buf);
}

/** StickyAssignor user data, always V1 (with the generation), as Java's StickyAssignor writes it. */
export function encodeStickyUserData(previousAssignment: TopicPartitions[], generation: number): Buffer {
  const value: StickyUserData = { previousAssignment, generation };
  const buf = Buffer.alloc(sizeOf(STICKY_USER_DATA_FIELDS, value, 1));
  writeFields(STICKY_USER_DATA_FIELDS, buf, 0, value, 1);
  return buf;
}

/** Reads StickyAssignor user data, V1 or V0; throws INCONSISTENT_GROUP_PROTOCOL when neither fits. */
export function decodeStickyUserData(buf: Buffer): StickyUserData {
  try {
    return readFields(STICKY_USER_DATA_FIELDS, new Reader(buf, 'StickyAssignor user data'), 1);
  } catch {
    // V0 is V1 without the generation: only a missing generation makes V1 fail where V0 works.
    return readFields(STICKY_USER_DATA_FIELDS, new Reader(buf, 'StickyAssignor user data'), 0);
  }
}

/** CooperativeStickyAssignor user data: the member's generation. */
export function encodeCooperativeStickyUserData(generation: number): Buffer {
  checkInt(generation, 32, 'generation');
  const buf = Buffer.alloc(4);
  buf.writeInt32BE(generation, 0);
  return buf;
}

/** Reads CooperativeStickyAssignor user data; throws INCONSISTENT_GROUP_PROTOCOL when it is short. */
export function decodeCooperativeStickyUserData(buf: Buffer): number {
  const reader = new Reader(buf, 'CooperativeStickyAssignor user data');
  reader.enter('generation');
  return reader.int32();
}

/** Groups partitions by topic, topics and partitions sorted, duplicates dropped: stable bytes. */
export function groupByTopic(partitions: readonly TopicPartition[]): TopicPartitions[] {
  const byTopic = new Map<string, Set<number>>();
  for (const { topic, partition } of partitions) {
    let set = byTopic.get(topic);
    if (set === undefined) byTopic.set(topic, (set = new Set()));
    set.add(partition);
  }
  return [...byTopic.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((topic) => ({ topic, partitions: [...(byTopic.get(topic) ?? [])].sort((a, b) => a - b) }));
}

/** The flat list of topic-partitions in a wire partition list, in wire order. */
export function flattenTopicPartitions(list: readonly TopicPartitions[]): TopicPartition[] {
  return list.flatMap(({ topic, partitions }) => partitions.map((partition) => ({ topic, partition })));
}
