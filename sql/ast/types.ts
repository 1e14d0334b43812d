/**
 * SQL types as written in statements: column declarations, CAST targets, CREATE TYPE.
 * Aliases are resolved (`INT` is INTEGER, `VARCHAR` is STRING); a name that is not a built-in
 * type stays a `CustomType` reference for the analyzer to look up among CREATE TYPEs.
 */
import type { SourceLocation } from '../parser/source-text.js';

export type PrimitiveTypeName =
  | 'BOOLEAN'
  | 'INTEGER'
  | 'BIGINT'
  | 'DOUBLE'
  | 'STRING'
  | 'BYTES'
  | 'DATE'
  | 'TIME'
  | 'TIMESTAMP';

export interface PrimitiveType {
  readonly kind: 'PrimitiveType';
  readonly name: PrimitiveTypeName;
  readonly loc: SourceLocation;
}

export interface DecimalType {
  readonly kind: 'DecimalType';
  readonly precision: number;
  readonly scale: number;
  readonly loc: SourceLocation;
}

export interface ArrayType {
  readonly kind: 'ArrayType';
  readonly element: SqlType;
  readonly loc: SourceLocation;
}

export interface MapType {
  readonly kind: 'MapType';
  readonly key: SqlType;
  readonly value: SqlType;
  readonly loc: SourceLocation;
}

export interface StructField {
  readonly name: string;
  readonly type: SqlType;
  readonly loc: SourceLocation;
}

export interface StructType {
  readonly kind: 'StructType';
  readonly fields: readonly StructField[];
  readonly loc: SourceLocation;
}

/** A name registered with CREATE TYPE (or a typo: the analyzer says which). */
export interface CustomType {
  readonly kind: 'CustomType';
  readonly name: string;
  readonly loc: SourceLocation;
}

export type SqlType = PrimitiveType | DecimalType | ArrayType | MapType | StructType | CustomType;

/** Built-in type names and their aliases, as the lexer upper-cases them. */
export const PRIMITIVE_TYPE_NAMES: ReadonlyMap<string, PrimitiveTypeName> = new Map([
  ['BOOLEAN', 'BOOLEAN'],
  ['INT', 'INTEGER'],
  ['INTEGER', 'INTEGER'],
  ['BIGINT', 'BIGINT'],
  ['DOUBLE', 'DOUBLE'],
  ['STRING', 'STRING'],
  ['VARCHAR', 'STRING'],
  ['BYTES', 'BYTES'],
  ['DATE', 'DATE'],
  ['TIME', 'TIME'],
  ['TIMESTAMP', 'TIMESTAMP'],
]);
