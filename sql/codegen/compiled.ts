/**
 * What compiling an expression gives: its SQL type and a function of the row that computes it.
 * A row is the array of column values a query step holds (its layout is the step's schema); the
 * scope says which slot a column reference reads.
 */
import type { ColumnRef, Expression } from '../ast/expressions.js';
import type { FunctionConfig, FunctionRegistry } from '../functions/index.js';
import type { SqlType } from '../types/sql-type.js';

export type Row = unknown[];

/** Computes an expression for one row. May throw (a failed cast, an integer division by zero): the step decides what that means. */
export type Evaluator = (row: Row) => unknown;

export interface ColumnBinding {
  readonly index: number;
  readonly type: SqlType;
}

export interface ExpressionScope {
  /** The slot and type of the column a reference names; throws a typed error for unknown or ambiguous names. */
  resolve(ref: ColumnRef): ColumnBinding;
}

export interface CompileOptions {
  readonly functions: FunctionRegistry;
  readonly config?: FunctionConfig;
  /** Function failures (which yield NULL), for the processing log. */
  readonly onFunctionError?: (error: unknown, functionName: string) => void;
  /** CREATE TYPE definitions, for CAST targets. */
  readonly customTypes?: ReadonlyMap<string, SqlType>;
}

export interface CompiledExpression {
  readonly expression: Expression;
  readonly type: SqlType;
  readonly evaluate: Evaluator;
  /** Set when the expression has no column references and no non-deterministic call: its value. */
  readonly constant?: { readonly value: unknown };
}
