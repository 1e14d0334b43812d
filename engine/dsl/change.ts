/**
 * A table update as it flows between KTable processors: the key's new value and its old value
 * (null for an insert; a null new value is a delete). Old values let filters retract rows that
 * stop matching and grouped-table aggregations subtract what a key no longer contributes.
 *
 * Serialized (repartition topics of KTable.groupBy):
 *   flags int8 (bit 0: new present, bit 1: old present) | [newLength int32 | new bytes] | [old bytes]
 */
import type { Serde } from '../serde/serde.js';
import { SerializationError } from '../serde/serdes.js';

export interface Change<V> {
  newValue: V | null;
  oldValue: V | null;
}

export function change<V>(newValue: V | null, oldValue: V | null): Change<V> {
  return { newValue, oldValue };
}

export function changeSerde<V>(inner: Serde<V>): Serde<Change<V>> {
  return {
    serialize(topic, data, headers) {
      if (data === null) return null;
      const n = data.newValue === null ? null : inner.serialize(topic, data.newValue, headers);
      const o = data.oldValue === null ? null : inner.serialize(topic, data.oldValue, headers);
      const out = Buffer.allocUnsafe(1 + (n ? 4 + n.length : 0) + (o ? o.length : 0));
      out[0] = (n ? 1 : 0) | (o ? 2 : 0);
      let p = 1;
      if (n) {
        out.writeInt32BE(n.length, p);
        n.copy(out, p + 4);
        p += 4 + n.length;
      }
      if (o) o.copy(out, p);
      return out;
    },
    deserialize(topic, data, headers) {
      if (data === null) return null;
      if (data.length < 1) throw new SerializationError('An empty table-change record.');
      const flags = data[0]!;
      let p = 1;
      let newValue: V | null = null;
      if (flags & 1) {
        if (data.length < 5) throw new SerializationError('A truncated table-change record.');
        const len = data.readInt32BE(1);
        if (len < 0 || 5 + len > data.length) throw new SerializationError('A truncated table-change record.');
        newValue = inner.deserialize(topic, data.subarray(5, 5 + len), headers);
        p = 5 + len;
      }
      const oldValue = flags & 2 ? inner.deserialize(topic, data.subarray(p), headers) : null;
      return { newValue, oldValue };
    },
  };
}
