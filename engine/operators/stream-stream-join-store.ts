/**
 * The shared store of a left or outer KStream-KStream join: records that found no partner yet,
 * waiting for their window to close (Kafka's "spurious results" fix, KAFKA-10847). Only once
 * stream time has passed a record's window end plus grace, and no partner came, is the record
 * emitted with null for the other side; a partner arriving before that deletes the entry.
 *
 * Keys sort by time first, so the join finds every closed window by reading from the start
 * and stops at the first entry whose window is still open:
 *
 *   timestamp int64 BE (8) | side int8 (1) | key length int32 BE (4) | key bytes (n) | seq uint32 BE (4)
 *
 *   side: 0 = left record, 1 = right record
 *   seq:  numbers records of the same side, key and timestamp (a stream may repeat them; each
 *         one must come out). The length before the key makes `timestamp | side | key` an exact
 *         prefix, so deleting "all entries of this record" is one prefix scan.
 *
 * Values say which side they are:
 *
 *   side int8 (1: 0 = left, 1 = right) | value bytes (n)
 */
import { readInt64, writeInt64 } from '../../storage/state/store-serde.js';
import type { KeyValueStore } from '../../storage/state/stores.js';
import type { Serde } from '../serde/serde.js';
import { SerializationError } from '../serde/serdes.js';

export interface OuterJoinKey<K> {
  timestamp: number;
  left: boolean;
  key: K;
  seq: number;
}

export type LeftOrRight<V1, V2> = { left: true; value: V1 } | { left: false; value: V2 };

const HEADER = 8 + 1 + 4;
const SEQ = 4;

export interface OuterJoinKeySerde<K> extends Serde<OuterJoinKey<K>> {
  /** `timestamp | side | key length | key`: every entry of one record, whatever its seq. */
  prefix(topic: string, entry: Omit<OuterJoinKey<K>, 'seq'>): Buffer;
}

export function outerJoinKeySerde<K>(keySerde: Serde<K>): OuterJoinKeySerde<K> {
  const prefix = (topic: string, entry: Omit<OuterJoinKey<K>, 'seq'>, extra: number): Buffer => {
    const key = keySerde.serialize(topic, entry.key);
    if (key === null) throw new SerializationError('A stream-stream join cannot buffer a record whose key serializes to null.');
    const out = Buffer.allocUnsafe(HEADER + key.length + extra);
    writeInt64(out, 0, entry.timestamp);
    out[8] = entry.left ? 0 : 1;
    out.writeInt32BE(key.length, 9);
    key.copy(out, HEADER);
    return out;
  };
  return {
    prefix: (topic, entry) => prefix(topic, entry, 0),
    serialize(topic, data) {
      if (data === null) return null;
      const out = prefix(topic, data, SEQ);
      out.writeUInt32BE(data.seq, out.length - SEQ);
      return out;
    },
    deserialize(topic, data) {
      if (data === null) return null;
      if (data.length < HEADER + SEQ) throw new SerializationError(`An outer-join store key needs at least ${HEADER + SEQ} bytes, got ${data.length}.`);
      const length = data.readInt32BE(9);
      if (length < 0 || HEADER + length + SEQ !== data.length) throw new SerializationError(`An outer-join store key says its key has ${length} bytes, but ${data.length - HEADER - SEQ} are there.`);
      return {
        timestamp: readInt64(data, 0),
        left: data[8] === 0,
        key: keySerde.deserialize(topic, data.subarray(HEADER, HEADER + length)) as K,
        seq: data.readUInt32BE(HEADER + length),
      };
    },
  };
}

export function leftOrRightSerde<V1, V2>(leftSerde: Serde<V1>, rightSerde: Serde<V2>): Serde<LeftOrRight<V1, V2>> {
  return {
    serialize(topic, data) {
      if (data === null) return null;
      const bytes = data.left ? leftSerde.serialize(topic, data.value) : rightSerde.serialize(topic, data.value);
      if (bytes === null) throw new SerializationError('A stream-stream join cannot buffer a value that serializes to null.');
      const out = Buffer.allocUnsafe(1 + bytes.length);
      out[0] = data.left ? 0 : 1;
      bytes.copy(out, 1);
      return out;
    },
    deserialize(topic, data) {
      if (data === null) return null;
      if (data.length < 1) throw new SerializationError('An empty outer-join store value.');
      const rest = data.subarray(1);
      return data[0] === 0 ? { left: true, value: leftSerde.deserialize(topic, rest) as V1 } : { left: false, value: rightSerde.deserialize(topic, rest) as V2 };
    },
  };
}

/** The typed operations the join needs on its shared store. */
export class OuterJoinBuffer<K, V1, V2> {
  constructor(
    private readonly store: KeyValueStore<OuterJoinKey<K>, LeftOrRight<V1, V2>>,
    private readonly keySerde: OuterJoinKeySerde<K>,
    /** The topic the store calls its key serde with (its changelog's), so prefixes match the stored keys. */
    private readonly topic: string,
  ) {}

  /** Buffers an unmatched record (after any others of the same side, key and timestamp). */
  add(timestamp: number, left: boolean, key: K, value: V1 | V2): void {
    let seq = 0;
    for (const entry of this.entriesOf(timestamp, left, key)) seq = Math.max(seq, entry.seq + 1);
    this.store.put({ timestamp, left, key, seq }, (left ? { left: true, value } : { left: false, value }) as LeftOrRight<V1, V2>);
  }

  /** Forgets the records of one side, key and timestamp: a partner has come for them. */
  removeAll(timestamp: number, left: boolean, key: K): void {
    for (const entry of this.entriesOf(timestamp, left, key)) this.store.delete(entry);
  }

  delete(entry: OuterJoinKey<K>): void {
    this.store.delete(entry);
  }

  /** Every buffered record, oldest first. Close the iterator when stopping early. */
  all(): ReturnType<KeyValueStore<OuterJoinKey<K>, LeftOrRight<V1, V2>>['all']> {
    return this.store.all();
  }

  private entriesOf(timestamp: number, left: boolean, key: K): OuterJoinKey<K>[] {
    const it = this.store.prefixScan({ timestamp, left, key }, (p) => this.keySerde.prefix(this.topic, p));
    try {
      return [...it].map((e) => e.key);
    } finally {
      it.close();
    }
  }
}
