import { describe, expect, it } from 'vitest';
import { castValue, compileCast, isCastSupported } from '../../../sql/types/cast.js';
import { Dec } from '../../../sql/types/decimal.js';
import { NumericOverflowError, SqlValueError, UnsupportedCastError } from '../../../sql/types/errors.js';
import { Types as T } from '../../../sql/types/sql-type.js';

describe('CAST between numbers', () => {
  it('narrows as Java primitive casts do', () => {
    expect(castValue(7.9, T.DOUBLE, T.INTEGER)).toBe(7);
    expect(castValue(-7.9, T.DOUBLE, T.INTEGER)).toBe(-7);
    expect(castValue(NaN, T.DOUBLE, T.INTEGER)).toBe(0);
    expect(castValue(1e12, T.DOUBLE, T.INTEGER)).toBe(2147483647);
    expect(castValue(1e30, T.DOUBLE, T.BIGINT)).toBe(9223372036854775807n);
    // BIGINT and DECIMAL keep the low 32 bits.
    expect(castValue(4294967297n, T.BIGINT, T.INTEGER)).toBe(1);
    expect(castValue(new Dec('4294967298.75'), T.decimal(12, 2), T.INTEGER)).toBe(2);
    expect(castValue(new Dec('-12.99'), T.decimal(4, 2), T.BIGINT)).toBe(-12n);
  });

  it('widens exactly', () => {
    expect(castValue(5, T.INTEGER, T.BIGINT)).toBe(5n);
    expect(castValue(2n ** 53n + 1n, T.BIGINT, T.DOUBLE)).toBe(2 ** 53);
    expect(castValue(new Dec('1.25'), T.decimal(3, 2), T.DOUBLE)).toBe(1.25);
  });

  it('converts to DECIMAL rounding half up, failing on overflow', () => {
    expect((castValue(1.005, T.DOUBLE, T.decimal(5, 2)) as Dec).toFixed(2)).toBe('1.01');
    expect((castValue(12, T.INTEGER, T.decimal(4, 2)) as Dec).toFixed(2)).toBe('12.00');
    expect((castValue(new Dec('3.14159'), T.decimal(6, 5), T.decimal(3, 2)) as Dec).toFixed(2)).toBe('3.14');
    expect(() => castValue(123, T.INTEGER, T.decimal(4, 2))).toThrow(NumericOverflowError);
    expect(() => castValue(Infinity, T.DOUBLE, T.decimal(4, 2))).toThrow(SqlValueError);
  });
});

describe('CAST from and to STRING', () => {
  it('parses numbers strictly after trimming', () => {
    expect(castValue(' 42 ', T.STRING, T.INTEGER)).toBe(42);
    expect(castValue('-9000000000', T.STRING, T.BIGINT)).toBe(-9000000000n);
    expect(castValue('2.5e1', T.STRING, T.DOUBLE)).toBe(25);
    expect((castValue('7.125', T.STRING, T.decimal(4, 2)) as Dec).toFixed(2)).toBe('7.13');
    expect(() => castValue('4.0', T.STRING, T.INTEGER)).toThrow(SqlValueError);
    expect(() => castValue('3000000000', T.STRING, T.INTEGER)).toThrow(SqlValueError);
    expect(() => castValue('ten', T.STRING, T.DOUBLE)).toThrow(SqlValueError);
  });

  it('reads booleans as ksqlDB does: yes/true or a prefix is true, anything else false', () => {
    expect(castValue('TRUE', T.STRING, T.BOOLEAN)).toBe(true);
    expect(castValue(' ye ', T.STRING, T.BOOLEAN)).toBe(true);
    expect(castValue('t', T.STRING, T.BOOLEAN)).toBe(true);
    expect(castValue('nope', T.STRING, T.BOOLEAN)).toBe(false);
    expect(castValue('', T.STRING, T.BOOLEAN)).toBe(false);
  });

  it('reads ISO dates, times and timestamps, partials included', () => {
    expect(castValue('1970-01-02', T.STRING, T.DATE)).toBe(1);
    expect(castValue('1970-02', T.STRING, T.DATE)).toBe(31);
    expect(castValue('01:02:03.5', T.STRING, T.TIME)).toBe(3723500);
    expect(castValue('1970-01-01T00:00:01', T.STRING, T.TIMESTAMP)).toBe(1000);
    expect(castValue('1970-01-01T02:00+0200', T.STRING, T.TIMESTAMP)).toBe(0);
    expect(() => castValue('yesterday', T.STRING, T.TIMESTAMP)).toThrow(SqlValueError);
  });

  it('writes values as ksqlDB prints them', () => {
    expect(castValue(1.0, T.DOUBLE, T.STRING)).toBe('1.0');
    expect(castValue(1.5e-7, T.DOUBLE, T.STRING)).toBe('1.5E-7');
    expect(castValue(new Dec('0.0000001'), T.decimal(8, 8), T.STRING)).toBe('0.00000010');
    expect(castValue(12n, T.BIGINT, T.STRING)).toBe('12');
    expect(castValue(true, T.BOOLEAN, T.STRING)).toBe('true');
    expect(castValue(25, T.TIMESTAMP, T.STRING)).toBe('1970-01-01T00:00:00.025');
    expect(castValue(3_600_000, T.TIME, T.STRING)).toBe('01:00');
    expect(castValue(3_601_000, T.TIME, T.STRING)).toBe('01:00:01');
    expect(castValue(-1, T.DATE, T.STRING)).toBe('1969-12-31');
    expect(castValue([1, null], T.array(T.INTEGER), T.STRING)).toBe('[1, null]');
    expect(castValue(new Map([['a', 1.5]]), T.map(T.STRING, T.DOUBLE), T.STRING)).toBe('{a=1.5}');
    expect(castValue({ A: 1, B: null }, T.struct([{ name: 'A', type: T.INTEGER }, { name: 'B', type: T.STRING }]), T.STRING)).toBe('Struct{A=1}');
  });
});

describe('CAST of times and collections', () => {
  it('takes the UTC date or time of a timestamp, and midnight of a date', () => {
    const ts = 86_400_000 * 3 + 5_000;
    expect(castValue(ts, T.TIMESTAMP, T.DATE)).toBe(3);
    expect(castValue(ts, T.TIMESTAMP, T.TIME)).toBe(5_000);
    expect(castValue(-1, T.TIMESTAMP, T.TIME)).toBe(86_399_999);
    expect(castValue(2, T.DATE, T.TIMESTAMP)).toBe(172_800_000);
  });

  it('casts element-wise, and keeps only the target fields of a struct', () => {
    expect(castValue(['1', '2'], T.array(T.STRING), T.array(T.INTEGER))).toEqual([1, 2]);
    expect(castValue(new Map([['k', 1]]), T.map(T.STRING, T.INTEGER), T.map(T.STRING, T.BIGINT))).toEqual(new Map([['k', 1n]]));
    const from = T.struct([
      { name: 'A', type: T.INTEGER },
      { name: 'B', type: T.STRING },
    ]);
    const to = T.struct([
      { name: 'A', type: T.STRING },
      { name: 'C', type: T.INTEGER },
    ]);
    expect(castValue({ A: 7, B: 'x' }, from, to)).toEqual({ A: '7', C: null });
  });

  it('refuses casts ksqlDB has no conversion for, at plan time', () => {
    expect(() => compileCast(T.BYTES, T.STRING)).toThrow(UnsupportedCastError);
    expect(() => compileCast(T.BOOLEAN, T.INTEGER)).toThrow('Cast of BOOLEAN to INTEGER is not supported');
    expect(isCastSupported(T.array(T.BOOLEAN), T.array(T.INTEGER))).toBe(false);
    expect(isCastSupported(T.TIME, T.TIMESTAMP)).toBe(false);
    expect(isCastSupported(T.NULL, T.array(T.INTEGER))).toBe(true);
  });

  it('leaves NULL as NULL', () => {
    expect(castValue(null, T.STRING, T.INTEGER)).toBeNull();
    expect(castValue(null, T.DOUBLE, T.STRING)).toBeNull();
  });
});
