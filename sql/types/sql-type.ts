/**
 * The SQL type system after analysis (the AST's types resolved: aliases, CREATE TYPE names).
 *
 * How values of each type are held at run time (every layer agrees on this):
 *   BOOLEAN boolean | INTEGER number (int32) | BIGINT bigint | DOUBLE number |
 *   DECIMAL(p, s) Decimal (decimal.js, scale s) | STRING string | BYTES Buffer |
 *   DATE number (days since 1970-01-01) | TIME number (ms since midnight) |
 *   TIMESTAMP number (ms since epoch, UTC) | ARRAY<T> T[] | MAP<K, V> Map<K, V> |
 *   STRUCT<...> SqlStruct (an object of field name -> value, fields in declared order) |
 *   NULL of any type: null.
 * The pseudo columns ROWTIME, WINDOWSTART and WINDOWEND are BIGINT held as numbers (no bigint per
 * record); BIGINT arithmetic and comparisons take either.
 */
import { FreshetError } from '../../storage/errors.js';
import type { SqlType as AstType } from '../ast/types.js';

export type PrimitiveName = 'BOOLEAN' | 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'STRING' | 'BYTES' | 'DATE' | 'TIME' | 'TIMESTAMP';

export type SqlType =
  | { readonly kind: PrimitiveName }
  | { readonly kind: 'DECIMAL'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'ARRAY'; readonly element: SqlType }
  | { readonly kind: 'MAP'; readonly key: SqlType; readonly value: SqlType }
  | { readonly kind: 'STRUCT'; readonly fields: readonly StructField[] }
  /** The type of a bare NULL before it meets a context that gives it one. */
  | { readonly kind: 'NULL' }
  /** A time unit argument (TIMESTAMPADD(SECONDS, ...)). */
  | { readonly kind: 'INTERVAL_UNIT' }
  /** A lambda argument, typed when the function's signature binds its parameters. */
  | { readonly kind: 'LAMBDA'; readonly params: readonly SqlType[]; readonly result: SqlType };

export interface StructField {
  readonly name: string;
  readonly type: SqlType;
}

export type SqlStruct = Record<string, unknown>;

export const Types = {
  BOOLEAN: { kind: 'BOOLEAN' } as SqlType,
  INTEGER: { kind: 'INTEGER' } as SqlType,
  BIGINT: { kind: 'BIGINT' } as SqlType,
  DOUBLE: { kind: 'DOUBLE' } as SqlType,
  STRING: { kind: 'STRING' } as SqlType,
  BYTES: { kind: 'BYTES' } as SqlType,
  DATE: { kind: 'DATE' } as SqlType,
  TIME: { kind: 'TIME' } as SqlType,
  TIMESTAMP: { kind: 'TIMESTAMP' } as SqlType,
  NULL: { kind: 'NULL' } as SqlType,
  INTERVAL_UNIT: { kind: 'INTERVAL_UNIT' } as SqlType,
  decimal: (precision: number, scale: number): SqlType => ({ kind: 'DECIMAL', precision, scale }),
  array: (element: SqlType): SqlType => ({ kind: 'ARRAY', element }),
  map: (key: SqlType, value: SqlType): SqlType => ({ kind: 'MAP', key, value }),
  struct: (fields: readonly StructField[]): SqlType => ({ kind: 'STRUCT', fields }),
};

/** ksqlDB's limit on DECIMAL precision. */
export const MAX_DECIMAL_PRECISION = 1000;

export function isNumeric(t: SqlType): boolean {
  return t.kind === 'INTEGER' || t.kind === 'BIGINT' || t.kind === 'DOUBLE' || t.kind === 'DECIMAL';
}

export function isTemporal(t: SqlType): boolean {
  return t.kind === 'DATE' || t.kind === 'TIME' || t.kind === 'TIMESTAMP';
}

/** Whether `type` or any type inside it (array elements, map keys and values, struct fields) passes `test`. */
export function someType(type: SqlType, test: (t: SqlType) => boolean): boolean {
  if (test(type)) return true;
  switch (type.kind) {
    case 'ARRAY':
      return someType(type.element, test);
    case 'MAP':
      return someType(type.key, test) || someType(type.value, test);
    case 'STRUCT':
      return type.fields.some((f) => someType(f.type, test));
    default:
      return false;
  }
}

export function typeEquals(a: SqlType, b: SqlType): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'DECIMAL':
      return b.kind === 'DECIMAL' && a.precision === b.precision && a.scale === b.scale;
    case 'ARRAY':
      return b.kind === 'ARRAY' && typeEquals(a.element, b.element);
    case 'MAP':
      return b.kind === 'MAP' && typeEquals(a.key, b.key) && typeEquals(a.value, b.value);
    case 'STRUCT':
      return b.kind === 'STRUCT' && a.fields.length === b.fields.length && a.fields.every((f, i) => f.name === b.fields[i]!.name && typeEquals(f.type, b.fields[i]!.type));
    case 'LAMBDA':
      return b.kind === 'LAMBDA' && a.params.length === b.params.length && a.params.every((p, i) => typeEquals(p, b.params[i]!)) && typeEquals(a.result, b.result);
    default:
      return true;
  }
}

function quoteName(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** The type as ksqlDB prints it in schemas (DESCRIBE, QTT `post.sources`): `STRUCT<\`A\` INTEGER>`. */
export function formatSqlType(t: SqlType): string {
  switch (t.kind) {
    case 'DECIMAL':
      return `DECIMAL(${t.precision}, ${t.scale})`;
    case 'ARRAY':
      return `ARRAY<${formatSqlType(t.element)}>`;
    case 'MAP':
      return `MAP<${formatSqlType(t.key)}, ${formatSqlType(t.value)}>`;
    case 'STRUCT':
      return `STRUCT<${t.fields.map((f) => `${quoteName(f.name)} ${formatSqlType(f.type)}`).join(', ')}>`;
    case 'LAMBDA':
      return `LAMBDA<(${t.params.map(formatSqlType).join(', ')}) => ${formatSqlType(t.result)}>`;
    default:
      return t.kind;
  }
}

/** Resolves an AST type; `customTypes` holds CREATE TYPE definitions by upper-cased name. */
export function fromAstType(t: AstType, customTypes: ReadonlyMap<string, SqlType> = new Map()): SqlType {
  switch (t.kind) {
    case 'PrimitiveType':
      return { kind: t.name };
    case 'DecimalType':
      return Types.decimal(t.precision, t.scale);
    case 'ArrayType':
      return Types.array(fromAstType(t.element, customTypes));
    case 'MapType':
      return Types.map(fromAstType(t.key, customTypes), fromAstType(t.value, customTypes));
    case 'StructType':
      return Types.struct(t.fields.map((f) => ({ name: f.name, type: fromAstType(f.type, customTypes) })));
    case 'CustomType': {
      const found = customTypes.get(t.name.toUpperCase());
      if (!found) throw new UnknownTypeError(t.name);
      return found;
    }
  }
}

export class UnknownTypeError extends FreshetError {
  constructor(readonly typeName: string) {
    super('SQL_UNKNOWN_TYPE', `Type '${typeName}' is not a built-in type nor one created with CREATE TYPE. Check the spelling, or create it first.`);
  }
}
