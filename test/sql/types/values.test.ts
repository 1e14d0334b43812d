import { describe, expect, it } from 'vitest';
import { Dec } from '../../../sql/types/decimal.js';
import { SqlTypeError } from '../../../sql/types/errors.js';
import { Types as T } from '../../../sql/types/sql-type.js';
import { comparatorFor, compareValues, hashValue, isOrderable, valuesEqual, ValueSet } from '../../../sql/types/values.js';

describe('ordering', () => {
  it('orders doubles as Double.compare: -0 before 0, NaN last', () => {
    const sorted = [NaN, 1, -0, 0, -Infinity].sort(comparatorFor(T.DOUBLE));
    expect(sorted.map((x) => Object.is(x, -0) ? '-0' : String(x))).toEqual(['-Infinity', '-0', '0', '1', 'NaN']);
  });

  it('orders strings by UTF-16 code units and bytes as signed bytes', () => {
    expect(['b', 'B', 'a', 'Ab'].sort(comparatorFor(T.STRING))).toEqual(['Ab', 'B', 'a', 'b']);
    const bytes = [Buffer.from([0x80]), Buffer.from([0x01]), Buffer.from([0x01, 0x00])].sort(comparatorFor(T.BYTES));
    expect(bytes.map((b) => b.toString('hex'))).toEqual(['80', '01', '0100']);
  });

  it('orders decimals by value, arrays element-wise, NULL last', () => {
    expect(compareValues(T.decimal(4, 2), new Dec('1.50'), new Dec('1.5'))).toBe(0);
    expect(compareValues(T.array(T.INTEGER), [1, 2], [1, 2, 0])).toBeLessThan(0);
    expect(compareValues(T.INTEGER, null, 3)).toBeGreaterThan(0);
    expect(compareValues(T.BIGINT, 3n, 10n)).toBeLessThan(0);
  });

  it('has no order for maps and structs', () => {
    expect(isOrderable(T.map(T.STRING, T.INTEGER))).toBe(false);
    expect(isOrderable(T.array(T.struct([{ name: 'A', type: T.INTEGER }])))).toBe(false);
    expect(() => comparatorFor(T.map(T.STRING, T.INTEGER))).toThrow(SqlTypeError);
  });
});

describe('equality and hashing', () => {
  const cases: [string, Parameters<typeof valuesEqual>[0], unknown, unknown][] = [
    ['decimal scale', T.decimal(5, 2), new Dec('2.0'), new Dec('2.00')],
    ['NaN', T.DOUBLE, NaN, NaN],
    ['bytes', T.BYTES, Buffer.from('ab'), Buffer.from('ab')],
    ['arrays', T.array(T.STRING), ['a', null], ['a', null]],
    ['maps in any order', T.map(T.STRING, T.INTEGER), new Map([['a', 1], ['b', 2]]), new Map([['b', 2], ['a', 1]])],
    ['maps with decimal keys', T.map(T.decimal(3, 1), T.INTEGER), new Map([[new Dec('1.0'), 1]]), new Map([[new Dec('1'), 1]])],
    ['structs', T.struct([{ name: 'A', type: T.BIGINT }]), { A: 5n }, { A: 5n }],
    ['NULLs', T.INTEGER, null, null],
  ];
  it.each(cases)('finds equal %s equal, with equal hashes', (_name, type, a, b) => {
    expect(valuesEqual(type, a, b)).toBe(true);
    expect(hashValue(type, a)).toBe(hashValue(type, b));
  });

  it('tells different values apart', () => {
    expect(valuesEqual(T.array(T.INTEGER), [1, 2], [2, 1])).toBe(false);
    expect(valuesEqual(T.map(T.STRING, T.INTEGER), new Map([['a', 1]]), new Map([['a', 2]]))).toBe(false);
    expect(valuesEqual(T.INTEGER, 1, null)).toBe(false);
    expect(hashValue(T.STRING, 'a')).not.toBe(hashValue(T.STRING, 'b'));
  });

  it('keeps a set of distinct values in first-insertion order', () => {
    const set = new ValueSet(T.decimal(4, 2), [new Dec('1.5'), null, new Dec('1.50'), new Dec('2'), null]);
    expect(set.size).toBe(3);
    expect(set.values().map((v) => (v === null ? null : String(v)))).toEqual(['1.5', null, '2']);
    expect(set.has(new Dec('2.00'))).toBe(true);
    expect(set.add(new Dec('2'))).toBe(false);
  });
});
