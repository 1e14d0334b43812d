/**
 * The serde of an aggregation's accumulators (one per aggregate call) when every intermediate
 * type has a fixed width: COUNT, SUM, MIN and MAX of numbers, booleans and times. Each
 * accumulator takes a tag and 8 bytes, so the store writes them in place (the fixed-width
 * shortcut), without a Buffer per value as the general internal serde needs:
 *
 *   00 | 8 zero bytes          NULL
 *   01 | int64 big-endian      a bigint (BIGINT)
 *   02 | IEEE 754 double       a number (INTEGER, DOUBLE, DATE, TIME, TIMESTAMP)
 *   03 | 7 zero bytes, 00/01   a boolean
 *
 *   [3n, null]  ->  01 0000000000000003 | 00 0000000000000000
 *
 * An aggregate function's accumulator is a value of its intermediate type (see
 * sql/functions/builtins/aggregates.ts); a user function that keeps anything else there (a
 * string, a bigint beyond 64 bits) cannot be stored this way and fails with an error naming it.
 * Bytes in the general internal format (internal-serde.ts) are still read.
 */
import type { Serde } from '../../engine/serde/serde.js';
import type { StoreSerdeShortcuts } from '../../storage/state/store-serde.js';
import { SerializationError } from '../formats/errors.js';
import { readBigInt64, writeBigInt64 } from '../formats/int64.js';
import type { SqlType } from '../types/sql-type.js';
import { internalDeserialize } from './internal-serde.js';

const NULL = 0x00;
const INT64 = 0x01;
const DOUBLE = 0x02;
const BOOLEAN = 0x03;
const SLOT = 9;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

const FIXED_WIDTH = new Set(['BOOLEAN', 'INTEGER', 'BIGINT', 'DOUBLE', 'DATE', 'TIME', 'TIMESTAMP']);

/** The serde for accumulators of these intermediate types, or undefined when one has no fixed width. */
export function accumulatorSerde(types: readonly SqlType[], functionNames: readonly string[]): (Serde<unknown[]> & StoreSerdeShortcuts<unknown[]>) | undefined {
  if (types.length === 0 || !types.every((t) => FIXED_WIDTH.has(t.kind))) return undefined;
  const count = types.length;
  const width = SLOT * count;

  const writeAt = (buf: Buffer, offset: number, data: unknown[]): void => {
    for (let i = 0; i < count; i++) {
      const at = offset + SLOT * i;
      const v = data[i];
      switch (typeof v) {
        case 'bigint':
          if (v < INT64_MIN || v > INT64_MAX) throw notStorable(i, v);
          buf[at] = INT64;
          writeBigInt64(buf, at + 1, v);
          break;
        case 'number':
          buf[at] = DOUBLE;
          buf.writeDoubleBE(v, at + 1);
          break;
        case 'boolean':
          buf.fill(0, at, at + SLOT);
          buf[at] = BOOLEAN;
          buf[at + 8] = v ? 1 : 0;
          break;
        default:
          if (v !== null && v !== undefined) throw notStorable(i, v);
          buf.fill(0, at, at + SLOT);
      }
    }
  };

  const readAt = (buf: Buffer, offset: number): unknown[] => {
    const out = new Array<unknown>(count);
    for (let i = 0; i < count; i++) {
      const at = offset + SLOT * i;
      switch (buf[at]) {
        case INT64:
          out[i] = readBigInt64(buf, at + 1);
          break;
        case DOUBLE:
          out[i] = buf.readDoubleBE(at + 1);
          break;
        case BOOLEAN:
          out[i] = buf[at + 8] === 1;
          break;
        case NULL:
          out[i] = null;
          break;
        default:
          throw new SerializationError(`Unknown accumulator tag 0x${buf[at]!.toString(16)}.`);
      }
    }
    return out;
  };

  const notStorable = (i: number, v: unknown): SerializationError =>
    new SerializationError(
      `The accumulator of ${functionNames[i] ?? 'an aggregate'} is ${typeof v === 'bigint' ? `the BIGINT ${v}, beyond 64 bits` : `a ${typeof v}`}, ` +
        `which its intermediate type ${types[i]!.kind} cannot be: an aggregate function must keep values of the intermediate type it declares.`,
    );

  return {
    fixedWidth: width,
    writeAt,
    readAt,
    serialize: (_topic, data) => {
      if (data === null || data === undefined) return null;
      const buf = Buffer.allocUnsafe(width);
      writeAt(buf, 0, data);
      return buf;
    },
    deserialize: (_topic, data) => {
      if (data === null || data === undefined) return null;
      if (data.length === width && data[0]! <= BOOLEAN) return readAt(data, 0);
      return internalDeserialize(data) as unknown[];
    },
  };
}
