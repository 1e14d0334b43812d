/**
 * Serdes for Windowed<K> keys, with Kafka's byte layouts (WindowKeySchema / SessionKeySchema
 * without a sequence number), so windowed results in a topic read the same on Kafka Streams:
 *
 *   time windowed:    key bytes (n) | window start int64 BE (8)
 *   session windowed: key bytes (n) | window end int64 BE (8) | window start int64 BE (8)
 *
 * A time-windowed key does not carry its end: the deserializer needs the window size
 * (end = start + size; the time difference for sliding windows), as Kafka's does.
 */
import type { Windowed } from '../../storage/state/stores.js';
import type { Serde } from './serde.js';
import { SerializationError } from './serdes.js';

const TWO_32 = 0x1_0000_0000;

function writeTime(out: Buffer, at: number, t: number): void {
  if (!Number.isSafeInteger(t)) throw new SerializationError(`A window bound must be an integer number of milliseconds, got ${t}.`);
  const hi = Math.floor(t / TWO_32);
  out.writeInt32BE(hi, at);
  out.writeUInt32BE(t - hi * TWO_32, at + 4);
}

function readTime(data: Buffer, at: number): number {
  return data.readInt32BE(at) * TWO_32 + data.readUInt32BE(at + 4);
}

function innerBytes<K>(inner: Serde<K>, topic: string, data: Windowed<K>, headers: Parameters<Serde<K>['serialize']>[2]): Buffer {
  const key = inner.serialize(topic, data.key, headers);
  if (key === null) throw new SerializationError('The key of a Windowed key serialized to null: windowed keys need a non-null key.');
  return key;
}

/**
 * How many bytes a windowed serde appends to the inner key (8: the start; 16: end and start),
 * so a sink partitions a windowed key by its inner key, as Kafka Streams' WindowedStreamPartitioner
 * does: all windows of a key land where the key does.
 */
export const WINDOW_SUFFIX_BYTES = Symbol('windowSuffixBytes');

export function windowSuffixBytes(serde: Serde<unknown>): number | undefined {
  return (serde as { [WINDOW_SUFFIX_BYTES]?: number })[WINDOW_SUFFIX_BYTES];
}

/** Windowed keys of tumbling, hopping and sliding windows. */
export function timeWindowedSerde<K>(inner: Serde<K>, windowSizeMs: number): Serde<Windowed<K>> {
  if (!Number.isSafeInteger(windowSizeMs) || windowSizeMs < 0) {
    throw new SerializationError(`A time-windowed serde needs the window size (an integer number of milliseconds ≥ 0) to rebuild window ends, got ${String(windowSizeMs)}.`);
  }
  const serde: Serde<Windowed<K>> & { [WINDOW_SUFFIX_BYTES]: number } = {
    [WINDOW_SUFFIX_BYTES]: 8,
    serialize(topic, data, headers) {
      if (data === null || data === undefined) return null;
      const key = innerBytes(inner, topic, data, headers);
      const out = Buffer.allocUnsafe(key.length + 8);
      key.copy(out, 0);
      writeTime(out, key.length, data.window.start);
      return out;
    },
    deserialize(topic, data, headers) {
      if (data === null || data === undefined) return null;
      if (data.length < 8) throw new SerializationError(`A time-windowed key has at least 8 bytes (the window start), got ${data.length}.`);
      const start = readTime(data, data.length - 8);
      const key = inner.deserialize(topic, data.subarray(0, data.length - 8), headers) as K;
      // As Kafka: an end beyond the largest time is clamped rather than wrapped.
      return { key, window: { start, end: Math.min(start + windowSizeMs, Number.MAX_SAFE_INTEGER) } };
    },
  };
  return serde;
}

/** Windowed keys of session windows (both bounds inclusive, end first so sessions sort by end). */
export function sessionWindowedSerde<K>(inner: Serde<K>): Serde<Windowed<K>> {
  const serde: Serde<Windowed<K>> & { [WINDOW_SUFFIX_BYTES]: number } = {
    [WINDOW_SUFFIX_BYTES]: 16,
    serialize(topic, data, headers) {
      if (data === null || data === undefined) return null;
      const key = innerBytes(inner, topic, data, headers);
      const out = Buffer.allocUnsafe(key.length + 16);
      key.copy(out, 0);
      writeTime(out, key.length, data.window.end);
      writeTime(out, key.length + 8, data.window.start);
      return out;
    },
    deserialize(topic, data, headers) {
      if (data === null || data === undefined) return null;
      if (data.length < 16) throw new SerializationError(`A session-windowed key has at least 16 bytes (window end and start), got ${data.length}.`);
      const end = readTime(data, data.length - 16);
      const start = readTime(data, data.length - 8);
      const key = inner.deserialize(topic, data.subarray(0, data.length - 16), headers) as K;
      return { key, window: { start, end } };
    },
  };
  return serde;
}

/** Kafka's WindowedSerdes factory. */
export const WindowedSerdes = {
  timeWindowedSerdeFrom: <K>(inner: Serde<K>, windowSizeMs: number): Serde<Windowed<K>> => timeWindowedSerde(inner, windowSizeMs),
  sessionWindowedSerdeFrom: <K>(inner: Serde<K>): Serde<Windowed<K>> => sessionWindowedSerde(inner),
};

export type { Windowed };
