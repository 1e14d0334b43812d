/**
 * The plumbing every row serde shares: null rows are null records and back, and any failure in
 * a format's byte logic surfaces as the engine's SerializationError naming the key or value and
 * the topic (ksqlDB's "Failed to deserialize value from topic: t. <reason>"), never as a crash.
 */
import { SerializationError } from './errors.js';
import { deserializationFailure, serializationFailure } from './errors.js';
import type { Row, RowSerde } from './format.js';

export interface RowCodec {
  /** Bytes for a non-null row; null when the row is written as a null record. */
  serialize(row: Row, topic: string): Buffer | null;
  /** The row for non-null bytes; null when the record stands for no row (a tombstone). */
  deserialize(bytes: Buffer, topic: string): Row | null;
}

export function rowSerde(target: 'key' | 'value', codec: RowCodec): RowSerde {
  return {
    serialize(topic, row) {
      if (row === null || row === undefined) return null;
      try {
        return codec.serialize(row, topic);
      } catch (err) {
        throw serializationFailure(target, topic, err);
      }
    },
    deserialize(topic, bytes) {
      if (bytes === null || bytes === undefined) return null;
      try {
        return codec.deserialize(bytes, topic);
      } catch (err) {
        throw deserializationFailure(target, topic, err);
      }
    },
  };
}

/** No columns: records carry nothing (a keyless stream's keys are ignored and written as null). */
export function voidRowSerde(): RowSerde {
  return {
    serialize: () => null,
    deserialize: (_topic, bytes) => (bytes === null || bytes === undefined ? null : []),
  };
}

export function expectColumnCount(row: Row, expected: number, topic: string): void {
  if (row.length !== expected) {
    throw new SerializationError(`Column count mismatch on serialization. topic: ${topic}, expected: ${expected}, got: ${row.length}`);
  }
}
