/**
 * Expression nodes: a discriminated union on `kind`. Every node records where it starts in the
 * submitted text, so the analyzer can say "line 3:14: unknown column FOO".
 *
 * Names are stored as ksqlDB resolves them: unquoted identifiers upper-cased, quoted ones as
 * written. Parentheses leave no node; the tree's shape carries the grouping.
 */
import type { SourceLocation } from '../parser/source-text.js';
import type { SqlType } from './types.js';

interface Node {
  readonly loc: SourceLocation;
}

// ---- literals ----------------------------------------------------------------------------------

/** An integer literal that fits ksqlDB's INTEGER (32-bit). */
export interface IntegerLiteral extends Node {
  readonly kind: 'IntegerLiteral';
  readonly value: number;
}

/** An integer literal beyond INTEGER's range but within BIGINT's (64-bit). */
export interface BigIntLiteral extends Node {
  readonly kind: 'BigIntLiteral';
  readonly value: bigint;
}

/**
 * A number with a point and no exponent (`1.50`), typed DECIMAL as ksqlDB types it: the scale is
 * the digits after the point; the precision is the significant digits, or scale + 1 for values
 * between -1 and 1 (`0.05` is DECIMAL(3, 2)).
 */
export interface DecimalLiteral extends Node {
  readonly kind: 'DecimalLiteral';
  /** The number as written, sign included (`-1.50`, `.5`). */
  readonly value: string;
  readonly precision: number;
  readonly scale: number;
}

/** A number with an exponent (`1.5E3`): DOUBLE. */
export interface DoubleLiteral extends Node {
  readonly kind: 'DoubleLiteral';
  readonly value: number;
  /** As written, for printing without a round trip through binary floating point. */
  readonly text: string;
}

export interface StringLiteral extends Node {
  readonly kind: 'StringLiteral';
  readonly value: string;
}

export interface BooleanLiteral extends Node {
  readonly kind: 'BooleanLiteral';
  readonly value: boolean;
}

export interface NullLiteral extends Node {
  readonly kind: 'NullLiteral';
}

export type Literal =
  | IntegerLiteral
  | BigIntLiteral
  | DecimalLiteral
  | DoubleLiteral
  | StringLiteral
  | BooleanLiteral
  | NullLiteral;

// ---- references ---------------------------------------------------------------------------------

/** `col` or `source.col`. Pseudo columns (ROWTIME, WINDOWSTART, …) are column references too. */
export interface ColumnRef extends Node {
  readonly kind: 'ColumnRef';
  readonly source?: string;
  readonly name: string;
}

/** Plural forms: `1 SECOND` and `1 SECONDS` are the same duration. */
export type TimeUnit = 'MILLISECONDS' | 'SECONDS' | 'MINUTES' | 'HOURS' | 'DAYS';

/**
 * A time unit passed to a function, as in `TIMESTAMPADD(SECONDS, 5, ts)`. Only the plural words
 * are read so; a singular one (`SECOND`) is a column, as ksqlDB has it.
 */
export interface IntervalUnit extends Node {
  readonly kind: 'IntervalUnit';
  readonly unit: TimeUnit;
}

/** A lambda's parameter, inside that lambda's body. */
export interface LambdaVariable extends Node {
  readonly kind: 'LambdaVariable';
  readonly name: string;
}

/** `base->field`. */
export interface Dereference extends Node {
  readonly kind: 'Dereference';
  readonly base: Expression;
  readonly field: string;
}

/** `base[index]`: arrays (1-based, negative from the end) and maps. */
export interface Subscript extends Node {
  readonly kind: 'Subscript';
  readonly base: Expression;
  readonly index: Expression;
}

// ---- operators ----------------------------------------------------------------------------------

export type ArithmeticOperator = '+' | '-' | '*' | '/' | '%';

/** In ksqlDB `+` also concatenates strings; which it is depends on the operand types (the analyzer's call). */
export interface ArithmeticBinary extends Node {
  readonly kind: 'ArithmeticBinary';
  readonly operator: ArithmeticOperator;
  readonly left: Expression;
  readonly right: Expression;
}

/** Unary minus on a number literal is folded into the literal; this is the rest. */
export interface ArithmeticUnary extends Node {
  readonly kind: 'ArithmeticUnary';
  readonly operator: '+' | '-';
  readonly operand: Expression;
}

/** `a || b`. */
export interface Concatenation extends Node {
  readonly kind: 'Concatenation';
  readonly left: Expression;
  readonly right: Expression;
}

/** `!=` is stored as `<>`. */
export type ComparisonOperator = '=' | '<>' | '<' | '<=' | '>' | '>=' | 'IS DISTINCT FROM' | 'IS NOT DISTINCT FROM';

export interface Comparison extends Node {
  readonly kind: 'Comparison';
  readonly operator: ComparisonOperator;
  readonly left: Expression;
  readonly right: Expression;
}

export interface LogicalBinary extends Node {
  readonly kind: 'LogicalBinary';
  readonly operator: 'AND' | 'OR';
  readonly left: Expression;
  readonly right: Expression;
}

export interface Not extends Node {
  readonly kind: 'Not';
  readonly operand: Expression;
}

/** `x IS NULL`, or `x IS NOT NULL` when negated. */
export interface IsNull extends Node {
  readonly kind: 'IsNull';
  readonly operand: Expression;
  readonly negated: boolean;
}

export interface Like extends Node {
  readonly kind: 'Like';
  readonly value: Expression;
  readonly pattern: Expression;
  /** The ESCAPE character string, as written (ksqlDB requires one character). */
  readonly escape?: string;
  readonly negated: boolean;
}

export interface Between extends Node {
  readonly kind: 'Between';
  readonly value: Expression;
  readonly lower: Expression;
  readonly upper: Expression;
  readonly negated: boolean;
}

export interface InList extends Node {
  readonly kind: 'InList';
  readonly value: Expression;
  readonly list: readonly Expression[];
  readonly negated: boolean;
}

// ---- calls and constructors ---------------------------------------------------------------------

export interface FunctionCall extends Node {
  readonly kind: 'FunctionCall';
  /** Upper-cased unless quoted; function lookup is the analyzer's. */
  readonly name: string;
  readonly args: readonly Expression[];
  /** `COUNT(*)`: no arguments, and a star. */
  readonly star: boolean;
}

/** `x => body` or `(x, y) => body`; only as a function argument. */
export interface Lambda extends Node {
  readonly kind: 'Lambda';
  readonly params: readonly string[];
  readonly body: Expression;
}

export interface Cast extends Node {
  readonly kind: 'Cast';
  readonly expression: Expression;
  readonly type: SqlType;
}

export interface WhenClause {
  readonly when: Expression;
  readonly then: Expression;
  readonly loc: SourceLocation;
}

/** `CASE WHEN cond THEN x … [ELSE y] END`. */
export interface SearchedCase extends Node {
  readonly kind: 'SearchedCase';
  readonly whenClauses: readonly WhenClause[];
  readonly else?: Expression;
}

/** `CASE operand WHEN value THEN x … [ELSE y] END`. */
export interface SimpleCase extends Node {
  readonly kind: 'SimpleCase';
  readonly operand: Expression;
  readonly whenClauses: readonly WhenClause[];
  readonly else?: Expression;
}

export interface ArrayConstructor extends Node {
  readonly kind: 'ArrayConstructor';
  readonly elements: readonly Expression[];
}

export interface MapEntry {
  readonly key: Expression;
  readonly value: Expression;
}

/** `MAP(k := v, …)`. */
export interface MapConstructor extends Node {
  readonly kind: 'MapConstructor';
  readonly entries: readonly MapEntry[];
}

export interface StructFieldValue {
  readonly name: string;
  readonly value: Expression;
  readonly loc: SourceLocation;
}

/** `STRUCT(name := v, …)`. */
export interface StructConstructor extends Node {
  readonly kind: 'StructConstructor';
  readonly fields: readonly StructFieldValue[];
}

export type Expression =
  | Literal
  | ColumnRef
  | IntervalUnit
  | LambdaVariable
  | Dereference
  | Subscript
  | ArithmeticBinary
  | ArithmeticUnary
  | Concatenation
  | Comparison
  | LogicalBinary
  | Not
  | IsNull
  | Like
  | Between
  | InList
  | FunctionCall
  | Lambda
  | Cast
  | SearchedCase
  | SimpleCase
  | ArrayConstructor
  | MapConstructor
  | StructConstructor;

export type ExpressionKind = Expression['kind'];
