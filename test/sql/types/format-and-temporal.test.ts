import { describe, expect, it } from 'vitest';
import { Dec } from '../../../sql/types/decimal.js';
import { SqlValueError } from '../../../sql/types/errors.js';
import { formatDouble, formatValue } from '../../../sql/types/format-value.js';
import { Types as T } from '../../../sql/types/sql-type.js';
import { civilFromDays, daysFromCivil, formatDate, formatTime, formatTimestamp, parseDate, parseTime, parseTimestamp } from '../../../sql/types/temporal.js';

describe('Java Double.toString', () => {
  it.each([
    [0, '0.0'],
    [-0, '-0.0'],
    [3, '3.0'],
    [0.1, '0.1'],
    [123.456, '123.456'],
    [0.001, '0.001'],
    [0.0005, '5.0E-4'],
    [1234567.5, '1234567.5'],
    [12345678, '1.2345678E7'],
    [1e100, '1.0E100'],
    [Number.MIN_VALUE, '4.9E-324'],
    [NaN, 'NaN'],
    [-Infinity, '-Infinity'],
  ])('%d prints as %s', (d, text) => {
    expect(formatDouble(d)).toBe(text);
  });
});

describe('values as Java prints them', () => {
  it('nests collections and structs', () => {
    const type = T.struct([
      { name: 'ID', type: T.BIGINT },
      { name: 'TAGS', type: T.array(T.STRING) },
      { name: 'SCORES', type: T.map(T.STRING, T.DOUBLE) },
      { name: 'GONE', type: T.INTEGER },
    ]);
    expect(formatValue(type, { ID: 1n, TAGS: ['a', null], SCORES: new Map([['x', 2]]), GONE: null })).toBe('Struct{ID=1,TAGS=[a, null],SCORES={x=2.0}}');
    expect(formatValue(T.decimal(9, 8), new Dec('0.00000001'))).toBe('1E-8');
    expect(formatValue(T.BYTES, Buffer.from([1, 2]))).toBe('AQI=');
    expect(formatValue(T.STRING, null)).toBe('null');
  });
});

describe('ISO dates and times', () => {
  it('converts between days and civil dates in any era', () => {
    for (const days of [-719528, -1, 0, 59, 18993, 2932896]) {
      const c = civilFromDays(days);
      expect(daysFromCivil(c.year, c.month, c.day)).toBe(days);
    }
    expect(civilFromDays(18993)).toEqual({ year: 2022, month: 1, day: 1 });
  });

  it('prints dates, times and timestamps as ksqlDB does', () => {
    expect(formatDate(0)).toBe('1970-01-01');
    expect(formatDate(-719528)).toBe('0000-01-01');
    expect(formatTime(60_220_000)).toBe('16:43:40');
    expect(formatTime(61_200_000)).toBe('17:00');
    expect(formatTimestamp(60_220_000_000)).toBe('1971-11-28T23:46:40.000');
    expect(formatTimestamp(-1)).toBe('1969-12-31T23:59:59.999');
  });

  it('reads partial timestamps, with zones', () => {
    expect(parseTimestamp('2017')).toBe(Date.UTC(2017, 0, 1));
    expect(parseTimestamp('2020-02')).toBe(Date.UTC(2020, 1, 1));
    expect(parseTimestamp('2020-12-02T13')).toBe(Date.UTC(2020, 11, 2, 13));
    expect(parseTimestamp('2020-12-02T13:59Z')).toBe(Date.UTC(2020, 11, 2, 13, 59));
    expect(parseTimestamp('2020-12-02T13:59:58.1')).toBe(Date.UTC(2020, 11, 2, 13, 59, 58, 100));
    expect(parseTimestamp('2017-11-13T23:59:58.999+0100')).toBe(1510613998999);
    expect(parseTimestamp('2017-11-13T23:59:58.999-0100')).toBe(1510621198999);
    expect(() => parseTimestamp('2017-1-1')).toThrow("Failed to parse timestamp '2017-1-1'");
    expect(() => parseTimestamp('2017-01-01T00:00:00.000+foo')).toThrow(SqlValueError);
  });

  it('reads dates and times strictly', () => {
    expect(parseDate('2020-03')).toBe(daysFromCivil(2020, 3, 1));
    expect(() => parseDate('2021-02-29')).toThrow(SqlValueError);
    expect(parseTime('23:59')).toBe(86_340_000);
    expect(parseTime('01:02:03.123456')).toBe(3_723_123);
    expect(() => parseTime('24:00')).toThrow(SqlValueError);
    expect(() => parseTime('1:00')).toThrow(SqlValueError);
  });
});
