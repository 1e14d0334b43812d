import { describe, expect, it } from 'vitest';
import {
  Dec,
  decimalResultType,
  decimalToJavaString,
  decimalToPlainString,
  decimalTypeOfText,
  fitDecimal,
  parseDecimal,
  widenDecimal,
  type DecimalType,
} from '../../../sql/types/decimal.js';
import { NumericOverflowError, SqlValueError } from '../../../sql/types/errors.js';
import { Types } from '../../../sql/types/sql-type.js';

const d = (p: number, s: number) => Types.decimal(p, s) as DecimalType;

describe('DECIMAL types', () => {
  it('types written numbers by their digits and scale', () => {
    expect(decimalTypeOfText('14.1230')).toEqual(d(6, 4));
    expect(decimalTypeOfText('-2.5')).toEqual(d(2, 1));
    expect(decimalTypeOfText('0.07')).toEqual(d(3, 2));
    expect(decimalTypeOfText('3e1')).toEqual(d(2, 0));
    expect(decimalTypeOfText('0.0')).toEqual(d(2, 1));
    expect(decimalTypeOfText('123')).toEqual(d(3, 0));
  });

  it('widens to the widest integer part and the widest scale', () => {
    expect(widenDecimal(d(8, 2), d(6, 5))).toEqual(d(11, 5));
    expect(widenDecimal(Types.BIGINT, d(3, 1))).toEqual(d(20, 1));
    expect(widenDecimal(Types.INTEGER, d(2, 0))).toEqual(d(10, 0));
  });

  it('gives arithmetic results the precision and scale ksqlDB does', () => {
    expect(decimalResultType('+', d(4, 2), d(4, 2))).toEqual(d(5, 2));
    expect(decimalResultType('-', d(5, 1), d(3, 3))).toEqual(d(8, 3));
    expect(decimalResultType('*', d(4, 2), d(3, 1))).toEqual(d(8, 3));
    expect(decimalResultType('/', d(4, 2), d(4, 2))).toEqual(d(11, 7));
    expect(decimalResultType('/', d(2, 0), d(2, 0))).toEqual(d(8, 6));
    expect(decimalResultType('%', d(6, 2), d(3, 1))).toEqual(d(4, 2));
  });
});

describe('DECIMAL values', () => {
  it('rounds half up to the scale and refuses values that need more digits', () => {
    expect(fitDecimal(new Dec('2.345'), 4, 2).toFixed(2)).toBe('2.35');
    expect(fitDecimal(new Dec('-2.345'), 4, 2).toFixed(2)).toBe('-2.35');
    expect(() => fitDecimal(new Dec('100.1'), 4, 2)).toThrow(NumericOverflowError);
    // Rounding up can reach the limit too.
    expect(() => fitDecimal(new Dec('99.996'), 4, 2)).toThrow(/Numeric field overflow/);
  });

  it('prints plainly, or as BigDecimal.toString does for tiny values', () => {
    expect(decimalToPlainString(new Dec('1.5'), 3)).toBe('1.500');
    expect(decimalToJavaString(new Dec('1.5'), 3)).toBe('1.500');
    expect(decimalToJavaString(new Dec('0.00000012'), 8)).toBe('1.2E-7');
    expect(decimalToJavaString(new Dec('-0.000001'), 6)).toBe('-0.000001');
    expect(decimalToJavaString(new Dec('0'), 2)).toBe('0.00');
  });

  it('parses as BigDecimal does, trimming but not guessing', () => {
    expect(parseDecimal(' 12.50 ').toString()).toBe('12.5');
    expect(parseDecimal('1E3').toNumber()).toBe(1000);
    expect(() => parseDecimal('12,5')).toThrow(SqlValueError);
    expect(() => parseDecimal('NaN')).toThrow(SqlValueError);
  });
});
