/**
 * The built-in serdes, with Kafka's byte layouts so records interoperate with Java apps:
 * String (UTF-8), Integer (4-byte big-endian), Long (8-byte big-endian), Double (IEEE 754
 * big-endian), Bytes (as is), Json (UTF-8 JSON text), Void (always null).
 */
import { FreshetError } from '../../storage/errors.js';
import type { StoreSerdeShortcuts } from '../../storage/state/store-serde.js';
import { serdeFrom, type Serde } from './serde.js';

export class SerializationError extends FreshetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SERIALIZATION_ERROR', message, options);
  }
}

function expectLength(data: Buffer, n: number, what: string): void {
  if (data.length !== n) throw new SerializationError(`A ${what} is ${n} bytes; got ${data.length}. Check the topic's serde.`);
}

/** Whether every char is below 0x80: then the UTF-8 bytes, read as latin1, are the string itself. */
function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** A serde with the store shortcuts (storage/state/store-serde.ts) on the same object. */
function withShortcuts<T>(serde: Serde<T>, shortcuts: StoreSerdeShortcuts<T>): Serde<T> {
  return Object.assign(serde, shortcuts);
}

const stringSerde: Serde<string> = withShortcuts(
  serdeFrom(
    (s) => Buffer.from(s, 'utf8'),
    (b) => b.toString('utf8'),
  ),
  {
    storeKey: (s) => (typeof s === 'string' && isAscii(s) ? s : undefined),
    fromStoreKey: (key) => (isAscii(key) ? key : undefined),
  },
);

function writeInteger(b: Buffer, offset: number, n: number): void {
  if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) throw new SerializationError(`${n} is not a 32-bit integer.`);
  b.writeInt32BE(n, offset);
}

const integerSerde: Serde<number> = withShortcuts(
  serdeFrom(
    (n) => {
      const b = Buffer.allocUnsafe(4);
      writeInteger(b, 0, n);
      return b;
    },
    (b) => {
      expectLength(b, 4, 'Integer');
      return b.readInt32BE(0);
    },
  ),
  { fixedWidth: 4, writeAt: writeInteger, readAt: (b, offset) => b.readInt32BE(offset) },
);

/** Two 32-bit halves: exact for |n| < 2^53, and no BigInt per value. */
function writeLong(b: Buffer, offset: number, n: number): void {
  if (!Number.isSafeInteger(n)) throw new SerializationError(`${n} is not an integer Freshet can hold exactly (|n| < 2^53); use Serdes.BigLong() for the full 64-bit range.`);
  const hi = Math.floor(n / 0x1_0000_0000);
  b.writeInt32BE(hi, offset);
  b.writeUInt32BE(n - hi * 0x1_0000_0000, offset + 4);
}

function readLong(b: Buffer, offset: number): number {
  const v = b.readInt32BE(offset) * 0x1_0000_0000 + b.readUInt32BE(offset + 4);
  if (!Number.isSafeInteger(v)) throw new SerializationError(`The Long ${b.readBigInt64BE(offset)} is beyond 2^53; use Serdes.BigLong().`);
  return v;
}

const longSerde: Serde<number> = withShortcuts(
  serdeFrom(
    (n) => {
      const b = Buffer.allocUnsafe(8);
      writeLong(b, 0, n);
      return b;
    },
    (b) => {
      expectLength(b, 8, 'Long');
      return readLong(b, 0);
    },
  ),
  { fixedWidth: 8, writeAt: writeLong, readAt: readLong },
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

const doubleSerde: Serde<number> = withShortcuts(
  serdeFrom(
    (n) => {
      const b = Buffer.allocUnsafe(8);
      b.writeDoubleBE(n, 0);
      return b;
    },
    (b) => {
      expectLength(b, 8, 'Double');
      return b.readDoubleBE(0);
    },
  ),
  { fixedWidth: 8, writeAt: (b, offset, n) => void b.writeDoubleBE(n, offset), readAt: (b, offset) => b.readDoubleBE(offset) },
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
