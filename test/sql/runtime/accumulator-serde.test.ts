import { describe, expect, it } from 'vitest';
import { valueAndTimestampSerde } from '../../../storage/state/store-serde.js';
import { accumulatorSerde } from '../../../sql/runtime/accumulator-serde.js';
import { internalSerialize } from '../../../sql/runtime/internal-serde.js';
import { Types } from '../../../sql/types/sql-type.js';

const TYPES = [Types.BIGINT, Types.INTEGER, Types.DOUBLE, Types.BOOLEAN, Types.TIMESTAMP];
const NAMES = ['COUNT', 'SUM', 'MAX', 'MIN', 'LATEST'];

describe('accumulator serde', () => {
  const serde = accumulatorSerde(TYPES, NAMES)!;

  it('lays accumulators out as a tag and 8 bytes each (the layout in its header)', () => {
    expect(accumulatorSerde([Types.BIGINT, Types.BIGINT], ['COUNT', 'MAX'])!.serialize('t', [3n, null])!.toString('hex')).toBe('01' + '0000000000000003' + '00' + '0000000000000000');
    expect(accumulatorSerde([Types.BOOLEAN], ['X'])!.serialize('t', [true])!.toString('hex')).toBe('03' + '0000000000000001');
    expect(serde.fixedWidth).toBe(45);
  });

  it('round trips every value exactly, numbers and bigints apart, nulls kept', () => {
    const rows: unknown[][] = [
      [0n, 0, 0, false, 0],
      [-1n, -7, 1.5, true, 1_700_000_000_000],
      [2n ** 63n - 1n, 2147483647, -0, null, null],
      [-(2n ** 63n), -2147483648, NaN, false, -1],
      [9007199254740993n, 5, Infinity, true, 86_400_000],
      [null, null, null, null, null],
      [5, 5n, -Infinity, true, 3],
    ];
    for (const row of rows) {
      const back = serde.deserialize('t', serde.serialize('t', row))!;
      expect(back).toEqual(row);
      row.forEach((v, i) => expect(Object.is(back[i], v), `${String(v)}`).toBe(true));
    }
  });

  it('writes in place for timestamped stores, and reads that back', () => {
    const timestamped = valueAndTimestampSerde(serde);
    const bytes = timestamped.serialize('t', { value: [3n, 1, 2.5, true, 9], timestamp: 1_700_000_000_123 })!;
    expect(bytes.length).toBe(8 + 45);
    expect(timestamped.deserialize('t', bytes)).toEqual({ value: [3n, 1, 2.5, true, 9], timestamp: 1_700_000_000_123 });
  });

  it('reads accumulators stored in the general internal format', () => {
    expect(serde.deserialize('t', internalSerialize([1n, 2, 0.5, null, 7]))).toEqual([1n, 2, 0.5, null, 7]);
  });

  it('is only for fixed-width intermediate types', () => {
    expect(accumulatorSerde([Types.BIGINT, Types.STRING], ['COUNT', 'LATEST_BY_OFFSET'])).toBeUndefined();
    expect(accumulatorSerde([Types.array(Types.BIGINT)], ['COLLECT_LIST'])).toBeUndefined();
    expect(accumulatorSerde([Types.decimal(10, 2)], ['SUM'])).toBeUndefined();
    expect(accumulatorSerde([], [])).toBeUndefined();
  });

  it('refuses an accumulator that is not a value of its intermediate type, naming the function', () => {
    expect(() => serde.serialize('t', ['x', 0, 0, false, 0])).toThrow(/accumulator of COUNT is a string/);
    expect(() => serde.serialize('t', [2n ** 64n, 0, 0, false, 0])).toThrow(/BIGINT 18446744073709551616, beyond 64 bits/);
  });
});
