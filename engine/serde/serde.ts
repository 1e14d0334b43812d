/**
 * A Serde turns values of one type into bytes and back, per topic (Kafka's Serde, as one object).
 * Null stays null in both directions: a null value is a tombstone and never reaches a serde's
 * byte logic.
 */
import type { Headers } from '../processor/headers.js';

export interface Serde<T> {
  serialize(topic: string, data: T | null, headers?: Headers): Buffer | null;
  deserialize(topic: string, data: Buffer | null, headers?: Headers): T | null;
}

/** A serde from two functions that never see null. */
export function serdeFrom<T>(serialize: (data: T, topic: string) => Buffer, deserialize: (data: Buffer, topic: string) => T): Serde<T> {
  return {
    serialize: (topic, data) => (data === null || data === undefined ? null : serialize(data, topic)),
    deserialize: (topic, data) => (data === null || data === undefined ? null : deserialize(data, topic)),
  };
}
