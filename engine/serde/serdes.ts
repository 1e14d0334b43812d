/**
 * The built-in serdes, with Kafka's byte layouts so records interoperate with Java apps:
 * String (UTF-8), Integer (4-byte big-endian), Long (8-byte big-endian), Double (IEEE 754
 * big-endian), Bytes (as is), Json (UTF-8 JSON text), Void (always null).
 */
import { FreshetError } from '../../storage/errors.js';
import { serdeFrom, type Serde } from './serde.js';

export class SerializationError extends FreshetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SERIALIZATION_ERROR', message, options);
  }
}

function expectLength(data: Buffer, n: number, what: string): void {
  if (data.length !== n) throw new SerializationError(`A ${what} is ${n} bytes; got ${data.length}. Check the topic's serde.`);
}

const stringSerde: Serde<string> = serdeFrom(
  (s) => Buffer.from(s, 'utf8'),
  (b) => b.toString('utf8'),
);

const integerSerde: Serde<number> = serdeFrom(
  (n) => {
    if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) throw new SerializationError(`${n} is not a 32-bit integer.`);
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(n, 0);
    return b;
  },
  (b) => {
    expectLength(b, 4, 'Integer');
    return b.readInt32BE(0);
  },
);

const longSerde: Serde<number> = serdeFrom(
  (n) => {
    if (!Number.isSafeInteger(n)) throw new SerializationError(`${n} is not an integer Freshet can hold exactly (|n| < 2^53); use Serdes.BigLong() for the full 64-bit range.`);
    const b = Buffer.allocUnsafe(8);
    // Two 32-bit halves: exact for |n| < 2^53, and no BigInt per value.
    const hi = Math.floor(n / 0x1_0000_0000);
    b.writeInt32BE(hi, 0);
    b.writeUInt32BE(n - hi * 0x1_0000_0000, 4);
    return b;
  },
  (b) => {
    expectLength(b, 8, 'Long');
    const hi = b.readInt32BE(0);
    const lo = b.readUInt32BE(4);
    const v = hi * 0x1_0000_0000 + lo;
    if (!Number.isSafeInteger(v)) throw new SerializationError(`The Long ${b.readBigInt64BE(0)} is beyond 2^53; use Serdes.BigLong().`);
    return v;
  },
);

const bigLongSerde: Serde<bigint> = serdeFrom(
  (n) => {
    const b = Buffer.allocUnsafe(8);
    b.writeBigInt64BE(n, 0);
    return b;
  },
  (b) => {
    expectLength(b, 8, 'Long');
    return b.readBigInt64BE(0);
  },
);

const doubleSerde: Serde<number> = serdeFrom(
  (n) => {
    const b = Buffer.allocUnsafe(8);
    b.writeDoubleBE(n, 0);
    return b;
  },
  (b) => {
    expectLength(b, 8, 'Double');
    return b.readDoubleBE(0);
  },
);

const bytesSerde: Serde<Buffer> = serdeFrom(
  (b) => {
    if (!Buffer.isBuffer(b)) {
      throw new SerializationError(`The bytes serde got a ${typeof b}, not a Buffer: give this stream, table or store a serde for its type (e.g. Serdes.String()), or set a default serde.`);
    }
    return b;
  },
  (b) => b,
);

const voidSerde: Serde<null> = {
  serialize: () => null,
  deserialize: () => null,
};

function jsonSerde<T>(): Serde<T> {
  return serdeFrom(
    (v: T) => Buffer.from(JSON.stringify(v), 'utf8'),
    (b) => {
      try {
        return JSON.parse(b.toString('utf8')) as T;
      } catch (err) {
        throw new SerializationError(`Not JSON: ${(err as Error).message}.`, { cause: err });
      }
    },
  );
}

export const Serdes = {
  String: (): Serde<string> => stringSerde,
  Integer: (): Serde<number> => integerSerde,
  Long: (): Serde<number> => longSerde,
  BigLong: (): Serde<bigint> => bigLongSerde,
  Double: (): Serde<number> => doubleSerde,
  Bytes: (): Serde<Buffer> => bytesSerde,
  Void: (): Serde<null> => voidSerde,
  Json: <T>(): Serde<T> => jsonSerde<T>(),
};
