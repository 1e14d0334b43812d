import { describe, expect, it } from 'vitest';
import { arithmeticResultType, compileArithmetic, compileNegation } from '../../../sql/types/arithmetic.js';
import { comparisonType, compileComparison } from '../../../sql/types/comparison.js';
import { Dec } from '../../../sql/types/decimal.js';
import { NumericOverflowError, SqlArithmeticError, SqlTypeError } from '../../../sql/types/errors.js';
import { Types as T } from '../../../sql/types/sql-type.js';
import { arrayElement, compileSubscript } from '../../../sql/types/subscript.js';

describe('arithmetic', () => {
  it('types results as the wider operand, DECIMAL by its rules', () => {
    expect(arithmeticResultType('+', T.INTEGER, T.BIGINT)).toEqual(T.BIGINT);
    expect(arithmeticResultType('*', T.decimal(4, 2), T.DOUBLE)).toEqual(T.DOUBLE);
    expect(arithmeticResultType('+', T.INTEGER, T.decimal(4, 2))).toEqual(T.decimal(13, 2));
    expect(arithmeticResultType('+', T.STRING, T.STRING)).toEqual(T.STRING);
    expect(() => arithmeticResultType('+', T.BOOLEAN, T.decimal(2, 1))).toThrow('Unsupported arithmetic types. BOOLEAN DECIMAL');
  });

  it('wraps INTEGER and BIGINT as Java does, and truncates division', () => {
    expect(compileArithmetic('+', T.INTEGER, T.INTEGER).compute(2147483647, 1)).toBe(-2147483648);
    expect(compileArithmetic('*', T.INTEGER, T.INTEGER).compute(65536, 65536)).toBe(0);
    expect(compileArithmetic('/', T.INTEGER, T.INTEGER).compute(-7, 2)).toBe(-3);
    expect(compileArithmetic('%', T.INTEGER, T.INTEGER).compute(-7, 2)).toBe(-1);
    expect(compileArithmetic('+', T.BIGINT, T.INTEGER).compute(9223372036854775807n, 1)).toBe(-9223372036854775808n);
    expect(() => compileArithmetic('/', T.BIGINT, T.BIGINT).compute(1n, 0n)).toThrow(SqlArithmeticError);
    expect(compileArithmetic('/', T.DOUBLE, T.INTEGER).compute(1, 0)).toBe(Infinity);
  });

  it('computes DECIMAL results at their type\'s scale', () => {
    const div = compileArithmetic('/', T.decimal(4, 2), T.decimal(4, 2));
    expect((div.compute(new Dec('10.1'), new Dec('3')) as Dec).toFixed(7)).toBe('3.3666667');
    expect(() => div.compute(new Dec(1), new Dec(0))).toThrow(SqlArithmeticError);
    const mod = compileArithmetic('%', T.decimal(4, 2), T.decimal(4, 2));
    expect((mod.compute(new Dec('-10.1'), new Dec('2')) as Dec).toFixed(2)).toBe('-0.10');
    const add = compileArithmetic('+', T.decimal(2, 1), T.INTEGER);
    expect((add.compute(new Dec('1.5'), 2) as Dec).toFixed(1)).toBe('3.5');
    const sum = compileArithmetic('*', T.decimal(1, 0), T.decimal(1, 0));
    expect(() => sum.compute(new Dec(9), new Dec(9))).not.toThrow();
    expect(() => compileArithmetic('+', T.decimal(1000, 0), T.decimal(1000, 0)).compute(new Dec('9e999'), new Dec('9e999'))).toThrow(NumericOverflowError);
  });

  it('gives NULL for NULL operands and negates with wrapping', () => {
    expect(compileArithmetic('+', T.INTEGER, T.INTEGER).compute(null, 1)).toBeNull();
    expect(compileNegation(T.INTEGER)(-2147483648)).toBe(-2147483648);
    expect(compileNegation(T.BIGINT)(5n)).toBe(-5n);
    expect(compileNegation(T.DOUBLE)(null)).toBeNull();
  });
});

describe('comparisons', () => {
  it('compares numbers across types and strings by code unit', () => {
    expect(compileComparison('<', T.INTEGER, T.decimal(4, 2))(1, new Dec('1.01'))).toBe(true);
    expect(compileComparison('=', T.BIGINT, T.DOUBLE)(3n, 3)).toBe(true);
    expect(compileComparison('<', T.STRING, T.STRING)('b10', 'b2')).toBe(true);
    expect(compileComparison('>', T.BYTES, T.BYTES)(Buffer.from('b'), Buffer.from('a'))).toBe(true);
  });

  it('reads strings compared with times as ISO times', () => {
    expect(compileComparison('>', T.TIMESTAMP, T.STRING)(11, '1970-01-01T00:00:00.010')).toBe(true);
    expect(compileComparison('=', T.STRING, T.DATE)('1970-01-03', 2)).toBe(true);
    expect(compileComparison('<', T.DATE, T.TIMESTAMP)(1, 86_400_001)).toBe(true);
  });

  it('is false with a NULL, except for IS [NOT] DISTINCT FROM', () => {
    expect(compileComparison('=', T.INTEGER, T.INTEGER)(null, null)).toBe(false);
    expect(compileComparison('<>', T.INTEGER, T.INTEGER)(null, 1)).toBe(false);
    expect(compileComparison('IS DISTINCT FROM', T.INTEGER, T.INTEGER)(null, 1)).toBe(true);
    expect(compileComparison('IS NOT DISTINCT FROM', T.INTEGER, T.INTEGER)(null, null)).toBe(true);
  });

  it('compares collections only for equality, element types widened', () => {
    const eq = compileComparison('=', T.array(T.INTEGER), T.array(T.DOUBLE));
    expect(eq([1, 2], [1, 2.0])).toBe(true);
    expect(comparisonType('<', T.array(T.INTEGER), T.array(T.INTEGER))).toBeUndefined();
    expect(() => compileComparison('<', T.map(T.STRING, T.INTEGER), T.map(T.STRING, T.INTEGER), { left: 'B', right: 'C' })).toThrow(
      'Cannot compare B (MAP<STRING, INTEGER>) to C (MAP<STRING, INTEGER>) with LESS_THAN.',
    );
    expect(() => compileComparison('>=', T.INTEGER, T.STRING, { left: 'ID', right: "'x'" })).toThrow(SqlTypeError);
  });
});

describe('subscripts', () => {
  it('indexes arrays from 1, negatives from the end, NULL out of range', () => {
    expect(arrayElement(['a', 'b', 'c'], 1)).toBe('a');
    expect(arrayElement(['a', 'b', 'c'], -1)).toBe('c');
    expect(arrayElement(['a', 'b', 'c'], 0)).toBeNull();
    expect(arrayElement(['a', 'b', 'c'], 4)).toBeNull();
    expect(arrayElement([], -1)).toBeNull();
    expect(arrayElement(null, 1)).toBeNull();
  });

  it('looks maps up by key', () => {
    const s = compileSubscript(T.map(T.STRING, T.INTEGER), T.STRING);
    expect(s.type).toEqual(T.INTEGER);
    expect(s.lookup(new Map([['k', 3]]), 'k')).toBe(3);
    expect(s.lookup(new Map([['k', 3]]), 'x')).toBeNull();
    const d = compileSubscript(T.map(T.decimal(2, 1), T.STRING), T.decimal(2, 1));
    expect(d.lookup(new Map([[new Dec('1.5'), 'x']]), new Dec('1.50'))).toBe('x');
    expect(() => compileSubscript(T.STRING, T.INTEGER)).toThrow(SqlTypeError);
  });
});
