import { describe, expect, it } from 'vitest';
import type { Expression } from '../../../sql/ast/expressions.js';
import { parseExpression } from '../../../sql/parser/parse.js';
import { canImplicitlyCast, coerceLiteral, commonSupertype, commonType, parseBooleanWord } from '../../../sql/types/coercion.js';
import { Dec } from '../../../sql/types/decimal.js';
import { SqlTypeError, SqlValueError } from '../../../sql/types/errors.js';
import { isTemporal, someType, Types as T, type SqlType } from '../../../sql/types/sql-type.js';

/** Types for the literals and the few columns these tests use. */
function typeOf(columns: Record<string, SqlType>) {
  const f = (e: Expression): SqlType | null => {
    switch (e.kind) {
      case 'IntegerLiteral':
        return T.INTEGER;
      case 'BigIntLiteral':
        return T.BIGINT;
      case 'DecimalLiteral':
        return T.decimal(e.precision, e.scale);
      case 'DoubleLiteral':
        return T.DOUBLE;
      case 'StringLiteral':
        return T.STRING;
      case 'BooleanLiteral':
        return T.BOOLEAN;
      case 'NullLiteral':
        return null;
      case 'ColumnRef':
        return columns[e.name]!;
      case 'ArrayConstructor':
        return T.array(commonType(e.elements, f)!);
      case 'StructConstructor':
        return T.struct(e.fields.map((x) => ({ name: x.name, type: f(x.value) ?? T.NULL })));
      default:
        throw new Error(e.kind);
    }
  };
  return f;
}

function listType(items: string, columns: Record<string, SqlType> = {}): SqlType | undefined {
  const array = parseExpression(`ARRAY[${items}]`) as Extract<Expression, { kind: 'ArrayConstructor' }>;
  return commonType(array.elements, typeOf(columns));
}

describe('implicit casts for function arguments', () => {
  it('widens numbers only upwards', () => {
    expect(canImplicitlyCast(T.INTEGER, T.BIGINT)).toBe(true);
    expect(canImplicitlyCast(T.BIGINT, T.decimal(5, 2))).toBe(true);
    expect(canImplicitlyCast(T.decimal(5, 2), T.DOUBLE)).toBe(true);
    expect(canImplicitlyCast(T.DOUBLE, T.INTEGER)).toBe(false);
    expect(canImplicitlyCast(T.BIGINT, T.INTEGER)).toBe(false);
  });

  it('reads strings as times and bytes, nothing else', () => {
    expect(canImplicitlyCast(T.STRING, T.TIMESTAMP)).toBe(true);
    expect(canImplicitlyCast(T.STRING, T.DATE)).toBe(true);
    expect(canImplicitlyCast(T.STRING, T.BYTES)).toBe(true);
    expect(canImplicitlyCast(T.STRING, T.DOUBLE)).toBe(false);
    expect(canImplicitlyCast(T.INTEGER, T.STRING)).toBe(false);
  });

  it('applies element-wise to collections', () => {
    expect(canImplicitlyCast(T.array(T.INTEGER), T.array(T.DOUBLE))).toBe(true);
    expect(canImplicitlyCast(T.map(T.STRING, T.DOUBLE), T.map(T.STRING, T.INTEGER))).toBe(false);
  });
});

describe('common types of expression lists', () => {
  it('widens numbers to the widest', () => {
    expect(listType('1, 2')).toEqual(T.INTEGER);
    expect(listType('1, 3000000000')).toEqual(T.BIGINT);
    expect(listType('1, 2.25')).toEqual(T.decimal(12, 2));
    expect(listType('1, 2.25, 1e0')).toEqual(T.DOUBLE);
  });

  it('starts from the first non-NULL element and is undefined for all NULLs', () => {
    expect(listType('NULL, NULL')).toBeUndefined();
    expect(listType("NULL, 'a'")).toEqual(T.STRING);
  });

  it('lets string literals holding numbers join a numeric list', () => {
    expect(listType("NULL, 10, '2e1', a, b", { A: T.INTEGER, B: T.BIGINT })).toEqual(T.decimal(19, 0));
    expect(listType("5, '7'")).toEqual(T.INTEGER);
    expect(listType("5, '7000000000'")).toEqual(T.BIGINT);
    expect(() => listType("5, 'seven'")).toThrow('invalid input syntax for type INTEGER: "seven"');
  });

  it('lets string literals holding boolean words join a boolean list, and any literal a string list', () => {
    expect(listType("true, 'no'")).toEqual(T.BOOLEAN);
    expect(() => listType("true, 'maybe'")).toThrow(SqlTypeError);
    expect(listType("'a', 1, true")).toEqual(T.STRING);
  });

  it('refuses non-literals that do not coerce', () => {
    expect(() => listType("'a', n", { N: T.INTEGER })).toThrow(/operator does not exist/);
  });

  it('gathers the fields of structs', () => {
    const t = listType('NULL, STRUCT(x := a, y := b), STRUCT(y := a, z := b)', { A: T.INTEGER, B: T.BIGINT });
    expect(t).toEqual(
      T.struct([
        { name: 'Y', type: T.BIGINT },
        { name: 'Z', type: T.BIGINT },
        { name: 'X', type: T.INTEGER },
      ]),
    );
  });

  it('finds common element types of nested arrays, literals included', () => {
    expect(listType("ARRAY[1], ARRAY['2']")).toEqual(T.array(T.INTEGER));
    expect(listType('ARRAY[1], ARRAY[2.5]')).toEqual(T.array(T.decimal(11, 1)));
  });

  it('finds supertypes pairwise', () => {
    expect(commonSupertype(T.TIMESTAMP, T.STRING)).toEqual(T.TIMESTAMP);
    expect(commonSupertype(T.array(T.INTEGER), T.array(T.BIGINT))).toEqual(T.array(T.BIGINT));
    expect(commonSupertype(T.BOOLEAN, T.INTEGER)).toBeUndefined();
  });
});

describe('literal coercion', () => {
  it('converts literals to the list type', () => {
    expect(coerceLiteral('2e1', T.STRING, T.decimal(19, 0))).toEqual(new Dec(20));
    expect(coerceLiteral(7, T.INTEGER, T.BIGINT)).toBe(7n);
    expect(coerceLiteral(10, T.INTEGER, T.STRING)).toBe('10');
    expect(coerceLiteral(new Dec('1.50'), T.decimal(3, 2), T.STRING)).toBe('1.50');
    expect(coerceLiteral('YeS', T.STRING, T.BOOLEAN)).toBe(true);
    expect(coerceLiteral('f', T.STRING, T.BOOLEAN)).toBe(false);
    expect(coerceLiteral('IQ==', T.STRING, T.BYTES)).toEqual(Buffer.from([33]));
    expect(coerceLiteral('2018-09-01', T.STRING, T.TIMESTAMP)).toBe(1535760000000);
    expect(() => coerceLiteral('x', T.STRING, T.INTEGER)).toThrow(SqlValueError);
  });

  it('knows the boolean words', () => {
    expect(['true', 'TR', 'y', 'yes'].map(parseBooleanWord)).toEqual([true, true, true, true]);
    expect(['false', 'fal', 'n', 'NO'].map(parseBooleanWord)).toEqual([false, false, false, false]);
    expect(['', 'truest', 'on'].map(parseBooleanWord)).toEqual([undefined, undefined, undefined]);
  });
});

describe('type walks', () => {
  const isDecimal = (t: SqlType) => t.kind === 'DECIMAL';

  it('finds a type inside arrays, maps and structs', () => {
    expect(someType(T.decimal(4, 2), isDecimal)).toBe(true);
    expect(someType(T.array(T.map(T.STRING, T.struct([{ name: 'X', type: T.decimal(4, 2) }]))), isDecimal)).toBe(true);
    expect(someType(T.struct([{ name: 'A', type: T.array(T.INTEGER) }, { name: 'M', type: T.map(T.STRING, T.DOUBLE) }]), isDecimal)).toBe(false);
    expect(isTemporal(T.TIME) && isTemporal(T.DATE) && !isTemporal(T.STRING)).toBe(true);
  });
});
