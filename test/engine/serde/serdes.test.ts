/**
 * The built-in serdes: Kafka's byte layouts, their errors, and the store shortcuts
 * (storage/state/store-serde.ts) giving exactly the bytes and values the Buffer paths give.
 */
import { describe, expect, it } from 'vitest';
import { Serdes } from '../../../engine/serde/serdes.js';
import { valueAndTimestampSerde, type StoreSerde } from '../../../storage/state/store-serde.js';

const hex = (b: Buffer | null): string | undefined => b?.toString('hex');

describe('built-in serdes', () => {
  it("use Kafka's layouts", () => {
    expect(hex(Serdes.String().serialize('t', 'héllo'))).toBe(Buffer.from('héllo', 'utf8').toString('hex'));
    expect(hex(Serdes.Integer().serialize('t', -2))).toBe('fffffffe');
    expect(hex(Serdes.Long().serialize('t', -2))).toBe('fffffffffffffffe');
    expect(hex(Serdes.Long().serialize('t', 2 ** 40 + 5))).toBe('0000010000000005');
    expect(hex(Serdes.Double().serialize('t', 1.5))).toBe('3ff8000000000000');
    for (const n of [0, 1, -1, 2 ** 31, -(2 ** 31), 2 ** 32, -(2 ** 32) + 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, -987654321098]) {
      const bytes = Serdes.Long().serialize('t', n)!;
      expect(bytes.readBigInt64BE(0)).toBe(BigInt(n));
      expect(Serdes.Long().deserialize('t', bytes)).toBe(n);
    }
  });

  it('refuse what they cannot hold', () => {
    expect(() => Serdes.Long().serialize('t', 2 ** 53)).toThrow(/\|n\| < 2\^53/);
    expect(() => Serdes.Integer().serialize('t', 2 ** 31)).toThrow(/32-bit integer/);
    expect(() => Serdes.Long().deserialize('t', Buffer.from('7fffffffffffffff', 'hex'))).toThrow(/beyond 2\^53/);
    expect(() => Serdes.Long().deserialize('t', Buffer.alloc(4))).toThrow(/8 bytes/);
  });
});

describe('store shortcuts', () => {
  const latin1 = (b: Buffer | null): string => b!.toString('latin1');

  it('give String keys their store key without a Buffer, only where the bytes are the chars', () => {
    const s = Serdes.String() as StoreSerde<string>;
    for (const key of ['', 'key-12345', 'a\u0000b', '\u007f']) {
      expect(s.storeKey!(key)).toBe(latin1(s.serialize('t', key)));
      expect(s.fromStoreKey!(key)).toBe(key);
    }
    for (const key of ['héllo', '日本', '\u0080']) {
      expect(s.storeKey!(key)).toBeUndefined();
      expect(s.fromStoreKey!(latin1(s.serialize('t', key)))).toBeUndefined();
    }
    expect(s.storeKey!(42 as unknown as string)).toBeUndefined();
  });

  it('write and read fixed-width numbers as serialize and deserialize do', () => {
    const cases: [StoreSerde<number>, number[]][] = [
      [Serdes.Long(), [0, -1, 2 ** 40 + 5, Number.MIN_SAFE_INTEGER]],
      [Serdes.Integer(), [0, -1, 2 ** 31 - 1, -(2 ** 31)]],
      [Serdes.Double(), [0, -1.25, Math.PI, Infinity]],
    ];
    for (const [serde, values] of cases) {
      for (const v of values) {
        const buf = Buffer.alloc(3 + serde.fixedWidth!);
        serde.writeAt!(buf, 3, v);
        expect(hex(buf.subarray(3))).toBe(hex(serde.serialize('t', v)));
        expect(serde.readAt!(buf, 3)).toBe(v);
      }
    }
    expect(() => (Serdes.Long() as StoreSerde<number>).writeAt!(Buffer.alloc(8), 0, 0.5)).toThrow(/\|n\| < 2\^53/);
  });

  it('leave the timestamped layout unchanged', () => {
    const plain: StoreSerde<number> = { serialize: (t, v) => Serdes.Long().serialize(t, v), deserialize: (t, b) => Serdes.Long().deserialize(t, b) };
    const fast = valueAndTimestampSerde(Serdes.Long() as StoreSerde<number>);
    const slow = valueAndTimestampSerde(plain);
    for (const v of [{ value: 7, timestamp: 1_700_000_000_000 }, { value: -3, timestamp: 0 }]) {
      const bytes = fast.serialize('t', v)!;
      expect(hex(bytes)).toBe(hex(slow.serialize('t', v)));
      expect(fast.deserialize('t', bytes)).toEqual(slow.deserialize('t', bytes));
      expect(fast.deserialize('t', bytes)).toEqual(v);
    }
    expect(() => fast.deserialize('t', Buffer.alloc(12))).toThrow(/8 bytes/);
  });
});
