/**
 * What a function is, for registering one (built in or a user's TypeScript UDF) and for using a
 * resolved call.
 *
 * Values follow sql/types/sql-type.ts (BIGINT is a bigint, DECIMAL a decimal.js Decimal, ...).
 * An implementation receives the call's arguments already converted to its signature's
 * parameter types, NULLs included (unless the signature is `strict`), variadic arguments in
 * place (not gathered into an array), lambda arguments as JavaScript functions, and INTERVAL_UNIT
 * arguments as the unit's name ('SECONDS', ...).
 */
import type { SqlType } from '../types/sql-type.js';
import type { ParamType } from './param-types.js';

/** ksqlDB's function categories, as SHOW FUNCTIONS groups them. */
export const FunctionCategory = {
  MATHEMATICAL: 'MATHEMATICAL',
  STRING: 'STRING',
  REGULAR_EXPRESSION: 'REGULAR EXPRESSION',
  DATE_TIME: 'DATE / TIME',
  JSON: 'JSON',
  ARRAY: 'ARRAY',
  MAP: 'MAP',
  LAMBDA: 'LAMBDA',
  URL: 'URL',
  CONVERSIONS: 'CONVERSIONS',
  NULL: 'NULL',
  GEO: 'GEO',
  AGGREGATE: 'AGGREGATE',
  TABLE: 'TABLE',
  OTHER: 'OTHER',
} as const;

/** Properties a function may read (ksqlDB's `ksql.functions.*` settings). */
export type FunctionConfig = Readonly<Record<string, unknown>>;

/** A parameter: its type, optionally named and described for DESCRIBE FUNCTION. */
export interface ParamSpec {
  readonly type: ParamType;
  readonly name?: string;
  readonly description?: string;
  /** The parameter repeats zero or more times (at most one per signature, anywhere in it). */
  readonly variadic?: boolean;
}

export type ParamLike = ParamType | ParamSpec;

/** What is known of a call once its signature is chosen. */
export interface TypeContext {
  /** The call's argument types (NULL for bare NULLs; a lambda's as typed for this signature). */
  readonly argTypes: readonly SqlType[];
  /** The types the arguments are converted to, one per argument. */
  readonly paramTypes: readonly SqlType[];
  readonly bindings: ReadonlyMap<string, SqlType>;
}

export interface BindContext extends TypeContext {
  readonly returnType: SqlType;
  readonly config: FunctionConfig;
}

export type ScalarImpl = (args: unknown[]) => unknown;

export interface UdfSignature {
  readonly params: readonly ParamLike[];
  /** The result type: a parameter type over the signature's generics, or computed from the call. */
  readonly returns: ParamType | ((ctx: TypeContext) => SqlType);
  /** The implementation, or `bind` to build one per call from the resolved types. */
  readonly impl?: ScalarImpl;
  readonly bind?: (ctx: BindContext) => ScalarImpl;
  /** NULL for any NULL argument, without calling the implementation. */
  readonly strict?: boolean;
  readonly description?: string;
}

export interface FunctionInfo {
  /** As it prints in messages; calls match it case-insensitively. */
  readonly name: string;
  readonly description: string;
  readonly category?: string;
  readonly author?: string;
  readonly version?: string;
}

export interface UdfDefinition extends FunctionInfo {
  readonly signatures: readonly UdfSignature[];
}

/**
 * An aggregate's state machine. The accumulator is a value of the signature's intermediate SQL
 * type (so state stores serialize it like any other value). `aggregate`, `undo` and `merge` may
 * change and return the accumulator they are given: callers pass one they own, such as one
 * just read from a store.
 */
export interface Aggregator<A = unknown, R = unknown> {
  initialize(): A;
  /** Folds in one row's column arguments (already converted to the parameter types). */
  aggregate(acc: A, args: readonly unknown[]): A;
  /** Combines two accumulators: session windows that merge. */
  merge(a: A, b: A): A;
  /** The result for an accumulator. */
  map(acc: A): R;
  /** Takes a row back out, for aggregations over tables; absent when the function cannot. */
  undo?(acc: A, args: readonly unknown[]): A;
}

export interface AggregateContext extends TypeContext {
  /** The literal arguments after the columns (TOPK's k), converted to their parameter types. */
  readonly initArgs: readonly unknown[];
  readonly returnType: SqlType;
  readonly intermediateType: SqlType;
  readonly config: FunctionConfig;
}

export interface UdafSignature {
  /** The column arguments. */
  readonly params: readonly ParamLike[];
  /** Arguments after the columns that must be literals, fixed for the query (TOPK's k). */
  readonly initParams?: readonly ParamLike[];
  readonly returns: ParamType | ((ctx: TypeContext) => SqlType);
  readonly intermediate: ParamType | ((ctx: TypeContext) => SqlType);
  readonly create: (ctx: AggregateContext) => Aggregator;
  readonly description?: string;
}

export interface UdafDefinition extends FunctionInfo {
  readonly signatures: readonly UdafSignature[];
}

export interface UdtfSignature {
  readonly params: readonly ParamLike[];
  /** The type of each row the function produces. */
  readonly returns: ParamType | ((ctx: TypeContext) => SqlType);
  /** The rows (values of the return type) for one input; NULL or none for no rows. */
  readonly impl?: (args: unknown[]) => readonly unknown[] | null;
  readonly bind?: (ctx: BindContext) => (args: unknown[]) => readonly unknown[] | null;
  readonly description?: string;
}

export interface UdtfDefinition extends FunctionInfo {
  readonly signatures: readonly UdtfSignature[];
}

export type FunctionKind = 'SCALAR' | 'AGGREGATE' | 'TABLE';

/** A scalar call resolved at plan time; `invoke` is all that runs per row. */
export interface ResolvedFunction {
  readonly name: string;
  readonly returnType: SqlType;
  /** The types the arguments are converted to; for a lambda, the LAMBDA type its body is typed with. */
  readonly paramTypes: readonly SqlType[];
  /**
   * Calls the function with the argument values (in the call's own types; conversions happen
   * inside). May reuse the array. A function that fails yields NULL and reports to `onError`, as
   * ksqlDB logs a processing error and carries on.
   */
  readonly invoke: (args: unknown[]) => unknown;
}

export interface ResolvedAggregate {
  readonly name: string;
  readonly returnType: SqlType;
  /** The accumulator's type: the state store's value schema. */
  readonly intermediateType: SqlType;
  /** How many leading arguments are columns; the rest were literals, bound into `create`. */
  readonly columnArgCount: number;
  readonly paramTypes: readonly SqlType[];
  /** Whether the function can aggregate a table (it can undo). */
  readonly supportsUndo: boolean;
  /** A fresh aggregator; argument conversions happen inside. */
  readonly create: () => Aggregator;
}

export interface ResolvedTableFunction {
  readonly name: string;
  /** The type of each produced row's value. */
  readonly returnType: SqlType;
  readonly paramTypes: readonly SqlType[];
  /** The rows for one input; a failure yields no rows and reports to `onError`. */
  readonly invoke: (args: unknown[]) => readonly unknown[];
}

/** An aggregate call's argument: its type, and its value when it is a literal. */
export interface AggregateArg {
  readonly type: SqlType;
  readonly literal?: { readonly value: unknown };
  /** The argument as written, for messages. */
  readonly text?: string;
}

/** Receives the errors of function calls that ksqlDB logs to its processing log. */
export type FunctionErrorHandler = (error: unknown, functionName: string) => void;

export interface ResolveOptions {
  readonly config?: FunctionConfig;
  readonly onError?: FunctionErrorHandler;
}

/** One row of SHOW FUNCTIONS. */
export interface FunctionSummary {
  readonly name: string;
  readonly type: FunctionKind;
  readonly category: string;
}

/** DESCRIBE FUNCTION. */
export interface FunctionDescription extends FunctionSummary {
  readonly description: string;
  readonly author: string;
  readonly version: string;
  readonly variants: readonly {
    readonly arguments: readonly { readonly name: string; readonly type: string; readonly description: string }[];
    readonly returnType: string;
    readonly description: string;
  }[];
}
