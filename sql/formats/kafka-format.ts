/**
 * KAFKA: one column written with Kafka's own serdes, so records interoperate with any Kafka
 * client's Integer/Long/Double/String/Bytes serializers:
 *
 *   INTEGER   4 bytes, big-endian two's complement     7      -> 00 00 00 07
 *   BIGINT    8 bytes, big-endian two's complement     -1     -> FF FF FF FF FF FF FF FF
 *   DOUBLE    8 bytes, IEEE 754 big-endian             1.5    -> 3F F8 00 00 00 00 00 00
 *   STRING    UTF-8 bytes, no length prefix             "hé"   -> 68 C3 A9
 *   BYTES     the bytes as they are
 *
 * A null column is a null record (a tombstone for values). No columns at all (a keyless stream)
 * writes null and ignores whatever the record holds.
 */
import type { SqlType } from '../types/sql-type.js';
import { SerializationError } from './errors.js';
import { readBigInt64, writeBigInt64 } from './int64.js';
import { defineFormat, formatColumns, type Column, type Format, type ResolvedSerdeOptions, type Row, type RowSerde } from './format.js';
import { voidRowSerde, rowSerde, expectColumnCount } from './row-serde.js';

const SUPPORTED = new Set(['INTEGER', 'BIGINT', 'DOUBLE', 'STRING', 'BYTES']);

export const kafkaFormat: Format = defineFormat({
  name: 'KAFKA',
  usesSchemaRegistry: false,
  supportsSchemaInference: false,
  canUnwrap: true,
  canWrap: false,
  properties: [],

  unsupported(columns, isKey) {
    if (columns.length > 1) return `The 'KAFKA' format only supports a single field. Got: ${formatColumns(columns, isKey)}`;
    const type = columns[0]?.type;
    if (type && !SUPPORTED.has(type.kind)) return `The 'KAFKA' format does not support type '${type.kind}'`;
    return null;
  },

  async createSerde(columns, options) {
    const column = columns[0];
    if (!column) return voidRowSerde();
    return kafkaRowSerde(column, options);
  },
});

function kafkaRowSerde(column: Column, options: ResolvedSerdeOptions): RowSerde {
  const { write, read } = primitiveCodec(column.type);
  return rowSerde(options.target, {
    serialize(row: Row, topic: string) {
      expectColumnCount(row, 1, topic);
      const value = row[0];
      return value === null || value === undefined ? null : write(value);
    },
    deserialize(bytes: Buffer) {
      return [read(bytes)];
    },
  });
}

interface PrimitiveCodec {
  write(value: unknown): Buffer;
  read(bytes: Buffer): unknown;
}

/** Kafka's primitive serdes by SQL type. */
export function primitiveCodec(type: SqlType): PrimitiveCodec {
  switch (type.kind) {
    case 'INTEGER':
      return {
        write(value) {
          const n = value as number;
          if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) throw new SerializationError(`${String(value)} is not an INTEGER.`);
          const b = Buffer.allocUnsafe(4);
          b.writeInt32BE(n, 0);
          return b;
        },
        read(bytes) {
          expectSize(bytes, 4, 'IntegerDeserializer');
          return bytes.readInt32BE(0);
        },
      };
    case 'BIGINT':
      return {
        write(value) {
          const b = Buffer.allocUnsafe(8);
          writeBigInt64(b, 0, toBigInt(value));
          return b;
        },
        read(bytes) {
          expectSize(bytes, 8, 'LongDeserializer');
          return readBigInt64(bytes, 0);
        },
      };
    case 'DOUBLE':
      return {
        write(value) {
          if (typeof value !== 'number') throw new SerializationError(`${String(value)} is not a DOUBLE.`);
          const b = Buffer.allocUnsafe(8);
          b.writeDoubleBE(value, 0);
          return b;
        },
        read(bytes) {
          expectSize(bytes, 8, 'DoubleDeserializer');
          return bytes.readDoubleBE(0);
        },
      };
    case 'STRING':
      return {
        write: (value) => Buffer.from(String(value), 'utf8'),
        read: (bytes) => bytes.toString('utf8'),
      };
    case 'BYTES':
      return {
        write(value) {
          if (!Buffer.isBuffer(value)) throw new SerializationError('A BYTES value must be a Buffer.');
          return value;
        },
        read: (bytes) => Buffer.from(bytes),
      };
    default:
      throw new SerializationError(`The 'KAFKA' format does not support type '${type.kind}'`);
  }
}

function expectSize(bytes: Buffer, size: number, deserializer: string): void {
  if (bytes.length !== size) throw new SerializationError(`Size of data received by ${deserializer} is not ${size}`);
}

function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') {
    if (value !== BigInt.asIntN(64, value)) throw new SerializationError(`${value} does not fit a BIGINT.`);
    return value;
  }
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  throw new SerializationError(`${String(value)} is not a BIGINT.`);
}
