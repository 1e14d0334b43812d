/**
 * Serdes as stores see them. storage/ may not import engine/, so this is a structural copy of
 * the engine's `Serde<T>` (its extra optional headers parameter makes no difference): any engine
 * serde is a StoreSerde. The metered layer checks what serdes return, so a broken serde fails
 * with the store's name instead of a TypeError deep in RocksDB.
 *
 * Timestamped stores keep value and timestamp in one value (Kafka's ValueAndTimestamp format):
 *
 *   timestamp int64 big-endian (8) | value bytes (n)
 */
import type { ValueAndTimestamp } from './stores.js';
import { describeError, StateStoreError } from './state-errors.js';

export interface StoreSerde<T> extends StoreSerdeShortcuts<T> {
  serialize(topic: string, data: T | null): Buffer | null;
  deserialize(topic: string, data: Buffer | null): T | null;
}

/**
 * Shortcuts a serde may offer the stores (the built-in String, Long, Integer and Double serdes
 * do). Each gives exactly what serialize()/deserialize() would, without a Buffer of its own per
 * call: that Buffer is a good part of a store operation's garbage.
 */
export interface StoreSerdeShortcuts<T> {
  /** The store key (latin1 string of the serialized bytes) of a key; undefined: take the Buffer path. */
  storeKey?(data: T): string | undefined;
  /** A key back from its store key; undefined: take the Buffer path. */
  fromStoreKey?(key: string): T | undefined;
  /** Fixed-width values: their size in bytes, written into and read from a larger buffer. */
  fixedWidth?: number;
  writeAt?(buf: Buffer, offset: number, data: T): void;
  readAt?(buf: Buffer, offset: number): T;
}

const TWO_32 = 0x1_0000_0000;

export function writeInt64(buf: Buffer, offset: number, value: number): void {
  const hi = Math.floor(value / TWO_32);
  buf.writeInt32BE(hi, offset);
  buf.writeUInt32BE(value - hi * TWO_32, offset + 4);
}

export function readInt64(buf: Buffer, offset: number): number {
  return buf.readInt32BE(offset) * TWO_32 + buf.readUInt32BE(offset + 4);
}

/** Wraps a value serde into the ValueAndTimestamp layout above. */
export function valueAndTimestampSerde<V>(inner: StoreSerde<V>): StoreSerde<ValueAndTimestamp<V>> {
  return {
    serialize(topic, data) {
      if (data === null || data === undefined) return null;
      const width = inner.fixedWidth;
      if (width !== undefined && inner.writeAt !== undefined && data.value !== null && data.value !== undefined) {
        const out = Buffer.allocUnsafe(8 + width);
        writeInt64(out, 0, data.timestamp);
        inner.writeAt(out, 8, data.value);
        return out;
      }
      const raw = inner.serialize(topic, data.value);
      if (raw === null) return null;
      const out = Buffer.allocUnsafe(8 + raw.length);
      writeInt64(out, 0, data.timestamp);
      raw.copy(out, 8);
      return out;
    },
    deserialize(topic, data) {
      if (data === null || data === undefined) return null;
      if (data.length < 8) throw new Error(`a timestamped value needs at least 8 bytes, got ${data.length}`);
      if (inner.readAt !== undefined && data.length === 8 + inner.fixedWidth!) return { value: inner.readAt(data, 8), timestamp: readInt64(data, 0) };
      const value = inner.deserialize(topic, data.subarray(8));
      return value === null ? null : { value, timestamp: readInt64(data, 0) };
    },
  };
}

/** Serializes through a user serde, insisting on a Buffer (keys and non-null values). */
export function serializeChecked<T>(serde: StoreSerde<T>, topic: string, data: T, store: string, what: 'key' | 'value'): Buffer {
  let out: unknown;
  try {
    out = serde.serialize(topic, data);
  } catch (err) {
    throw serdeError(store, what, `serializing threw: ${describeError(err)}`, err);
  }
  if (Buffer.isBuffer(out)) return out;
  if (out instanceof Uint8Array) return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  throw serdeError(store, what, `serializing a non-null ${what} returned ${out === null ? 'null' : typeof out} instead of a Buffer`);
}

export function deserializeChecked<T>(serde: StoreSerde<T>, topic: string, data: Buffer, store: string, what: 'key' | 'value'): T | null {
  try {
    return serde.deserialize(topic, data);
  } catch (err) {
    throw serdeError(store, what, `deserializing ${data.length} bytes threw: ${describeError(err)}`, err);
  }
}

function serdeError(store: string, what: string, problem: string, cause?: unknown): StateStoreError {
  return new StateStoreError(
    'STATE_STORE_SERDE_ERROR',
    `State store '${store}': the ${what} serde failed (${problem}). Check the ${what} serde given to the store builder (or Materialized); ` +
      'if the store holds data written with another format, reset the application or use a new store name.',
    cause === undefined ? undefined : { cause },
  );
}
