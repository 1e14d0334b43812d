/**
 * What a foreign-key join sends between its two sides (KIP-213) and how it is laid out.
 *
 * Subscription (left -> right, keyed by the foreign key; also the subscription store's value).
 * Kafka's SubscriptionWrapper v1 layout:
 *
 *   byte 0                 byte 1        bytes 2..17         n bytes           4 bytes
 *   +---+-----------------+-------------+-------------------+-----------------+---------------------+
 *   | H | version (7 bit) | instruction | value hash (16)   | left key bytes  | left partition      |
 *   +---+-----------------+-------------+-------------------+-----------------+---------------------+
 *   H = 1: no hash (the left row was deleted), and the 16 hash bytes are left out.
 *   version = 1. Left partition: int32 BE, where the response must go back to.
 *
 * Response (right -> left, keyed by the left key):
 *
 *   byte 0                       bytes 1..16         n bytes
 *   +---+---+-------------------+-------------------+---------------------+
 *   | H | P | version (6 bit)   | value hash (16)   | right value bytes   |
 *   +---+---+-------------------+-------------------+---------------------+
 *   H = 1: no hash (left out). P = 1: a right value follows (none: the foreign row is missing).
 *   version = 1. Unlike Kafka's layout (where zero value bytes mean "no value") P keeps a value
 *   that serializes to zero bytes (an empty string) apart from a missing one.
 *
 * Subscription store key (Kafka's CombinedKey), so one prefix scan finds a foreign key's subscribers:
 *
 *   foreign key length int32 BE (4) | foreign key bytes (n) | left key bytes (m)
 *
 * The hash is MD5 of the left value's serialized bytes: only equality matters (is the response
 * still about the left row's current value?), and MD5 is native in Node and 128 bits like the
 * Murmur3 Kafka uses; the hash never leaves the application.
 */
import { createHash } from 'node:crypto';
import type { Serde } from '../serde/serde.js';
import { SerializationError } from '../serde/serdes.js';

/** What the right side does with a subscription (Kafka's values, on the wire). */
export const Instruction = {
  /** The left row is gone or has no foreign key now: forget it, and answer so the result is deleted. */
  DELETE_KEY_AND_PROPAGATE: 0,
  /** The left row moved to another foreign key: forget it here, the new subscription answers. */
  DELETE_KEY_NO_PROPAGATE: 1,
  /** Subscribe and always answer (left joins, and foreign-key changes that must clear an old result). */
  PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE: 2,
  /** Subscribe and answer only if the foreign row exists. */
  PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE: 3,
} as const;

export type Instruction = (typeof Instruction)[keyof typeof Instruction];

export interface Subscription<K> {
  /** Hash of the left value that sent it; null when the left row was deleted. */
  hash: Buffer | null;
  instruction: Instruction;
  leftKey: K;
  /** The left task's partition: the response goes back there. */
  leftPartition: number;
}

export interface SubscriptionResponse<VO> {
  hash: Buffer | null;
  /** The foreign row's value, or null when there is none. */
  foreignValue: VO | null;
  /** Where to send it (not serialized: the sink's partitioner uses it). */
  leftPartition: number;
}

const VERSION = 1;
const HASH = 16;

export function valueHash(bytes: Buffer): Buffer {
  return createHash('md5').update(bytes).digest();
}

export function sameHash(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}

function required(bytes: Buffer | null, what: string): Buffer {
  if (bytes === null) throw new SerializationError(`A foreign-key join cannot send a ${what} that serializes to null.`);
  return bytes;
}

export function subscriptionSerde<K>(leftKeySerde: Serde<K>): Serde<Subscription<K>> {
  return {
    serialize(topic, data) {
      if (data === null) return null;
      const key = required(leftKeySerde.serialize(topic, data.leftKey), 'left key');
      const hashLength = data.hash === null ? 0 : HASH;
      const out = Buffer.allocUnsafe(2 + hashLength + key.length + 4);
      out[0] = VERSION | (data.hash === null ? 0x80 : 0);
      out[1] = data.instruction;
      if (data.hash !== null) data.hash.copy(out, 2);
      key.copy(out, 2 + hashLength);
      out.writeInt32BE(data.leftPartition, out.length - 4);
      return out;
    },
    deserialize(topic, data) {
      if (data === null) return null;
      if (data.length < 6) throw new SerializationError(`A foreign-key join subscription needs at least 6 bytes, got ${data.length}.`);
      const version = data[0]! & 0x7f;
      if (version !== VERSION) throw new SerializationError(`A foreign-key join subscription of version ${version}; this version of Freshet reads version ${VERSION}.`);
      const hashLength = data[0]! & 0x80 ? 0 : HASH;
      const instruction = data[1]!;
      if (instruction > 3) throw new SerializationError(`A foreign-key join subscription with unknown instruction ${instruction}.`);
      if (data.length < 2 + hashLength + 4) throw new SerializationError(`A truncated foreign-key join subscription (${data.length} bytes).`);
      return {
        hash: hashLength === 0 ? null : Buffer.from(data.subarray(2, 2 + HASH)),
        instruction: instruction as Instruction,
        leftKey: leftKeySerde.deserialize(topic, data.subarray(2 + hashLength, data.length - 4)) as K,
        leftPartition: data.readInt32BE(data.length - 4),
      };
    },
  };
}

export function responseSerde<VO>(foreignValueSerde: Serde<VO>): Serde<SubscriptionResponse<VO>> {
  return {
    serialize(topic, data) {
      if (data === null) return null;
      const value = data.foreignValue === null ? null : required(foreignValueSerde.serialize(topic, data.foreignValue), 'foreign value');
      const hashLength = data.hash === null ? 0 : HASH;
      const out = Buffer.allocUnsafe(1 + hashLength + (value?.length ?? 0));
      out[0] = VERSION | (data.hash === null ? 0x80 : 0) | (value === null ? 0 : 0x40);
      if (data.hash !== null) data.hash.copy(out, 1);
      if (value !== null) value.copy(out, 1 + hashLength);
      return out;
    },
    deserialize(topic, data) {
      if (data === null) return null;
      if (data.length < 1) throw new SerializationError('An empty foreign-key join response.');
      const version = data[0]! & 0x3f;
      if (version !== VERSION) throw new SerializationError(`A foreign-key join response of version ${version}; this version of Freshet reads version ${VERSION}.`);
      const hashLength = data[0]! & 0x80 ? 0 : HASH;
      if (data.length < 1 + hashLength) throw new SerializationError(`A truncated foreign-key join response (${data.length} bytes).`);
      return {
        hash: hashLength === 0 ? null : Buffer.from(data.subarray(1, 1 + HASH)),
        foreignValue: data[0]! & 0x40 ? (foreignValueSerde.deserialize(topic, data.subarray(1 + hashLength)) as VO) : null,
        leftPartition: -1,
      };
    },
  };
}

/** `foreign key length | foreign key`: the prefix of every subscription to one foreign key. */
export function combinedKeyPrefix(foreignKey: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + foreignKey.length);
  out.writeInt32BE(foreignKey.length, 0);
  foreignKey.copy(out, 4);
  return out;
}

export function combinedKey(foreignKey: Buffer, leftKey: Buffer): Buffer {
  return Buffer.concat([combinedKeyPrefix(foreignKey), leftKey]);
}

/** The two rows a result was joined from: what a result table without a store of its own keeps. */
export interface JoinedRows<V, VO> {
  left: V;
  right: VO | null;
}

/**
 * Joined rows (the result store of an unmaterialized join, recomputed through the joiner on read):
 *
 *   flags int8 (1: bit 0 = right row present) | left length int32 BE (4) | left value bytes | [right value bytes]
 */
export function joinedRowsSerde<V, VO>(leftSerde: Serde<V>, rightSerde: Serde<VO>): Serde<JoinedRows<V, VO>> {
  return {
    serialize(topic, data) {
      if (data === null) return null;
      const left = required(leftSerde.serialize(topic, data.left), 'left value');
      const right = data.right === null ? null : required(rightSerde.serialize(topic, data.right), 'foreign value');
      const out = Buffer.allocUnsafe(5 + left.length + (right?.length ?? 0));
      out[0] = right === null ? 0 : 1;
      out.writeInt32BE(left.length, 1);
      left.copy(out, 5);
      if (right !== null) right.copy(out, 5 + left.length);
      return out;
    },
    deserialize(topic, data) {
      if (data === null) return null;
      const length = data.length >= 5 ? data.readInt32BE(1) : -1;
      if (length < 0 || 5 + length > data.length) throw new SerializationError(`A truncated foreign-key join result row (${data.length} bytes).`);
      return {
        left: leftSerde.deserialize(topic, data.subarray(5, 5 + length)) as V,
        right: data[0]! & 1 ? (rightSerde.deserialize(topic, data.subarray(5 + length)) as VO) : null,
      };
    },
  };
}
