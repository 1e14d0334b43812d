/**
 * A small expression compiler over the function registry and the value layer, the way the
 * analyzer uses them: types are worked out once, calls resolve once, rows only run closures.
 * Enough of the language for function tests (literals, columns, calls with lambdas, arithmetic,
 * comparisons, CAST, constructors, subscripts, CASE); not the analyzer.
 */
import type { Expression } from '../../../sql/ast/expressions.js';
import { createFunctionRegistry } from '../../../sql/functions/index.js';
import type { FunctionRegistry } from '../../../sql/functions/registry.js';
import type { ArgType } from '../../../sql/functions/param-types.js';
import { parseExpression } from '../../../sql/parser/parse.js';
import { compileArithmetic, compileNegation } from '../../../sql/types/arithmetic.js';
import { compileCast } from '../../../sql/types/cast.js';
import { coerceLiteral, commonType } from '../../../sql/types/coercion.js';
import { compileComparison } from '../../../sql/types/comparison.js';
import { Dec } from '../../../sql/types/decimal.js';
import { fromAstType, Types, typeEquals, type SqlType } from '../../../sql/types/sql-type.js';
import { compileSubscript } from '../../../sql/types/subscript.js';

export type Row = Record<string, unknown>;
type Scope = ReadonlyMap<string, { type: SqlType; slot: number }>;

export interface Compiled {
  readonly type: SqlType;
  readonly run: (row: Row, lambdaValues: unknown[]) => unknown;
  readonly literal?: { value: unknown };
}

export interface EvalOptions {
  readonly registry?: FunctionRegistry;
  readonly schema?: Record<string, SqlType>;
  readonly errors?: unknown[];
}

let sharedRegistry: FunctionRegistry | undefined;

export function testRegistry(errors?: unknown[]): FunctionRegistry {
  if (errors) return createFunctionRegistry({ onError: (e) => errors.push(e) });
  sharedRegistry ??= createFunctionRegistry();
  return sharedRegistry;
}

/** Compiles `text` against a schema of column types. */
export function compile(text: string, options: EvalOptions = {}): Compiled {
  return compileExpression(parseExpression(text), options);
}

export function compileExpression(expression: Expression, options: EvalOptions = {}): Compiled {
  const registry = options.registry ?? testRegistry(options.errors);
  return compileNode(expression, { registry, schema: options.schema ?? {}, scope: new Map(), inLambda: false, errors: options.errors });
}

/** Evaluates `text` once; `row` gives column values, `schema` their types. */
export function evaluate(text: string, row: Row = {}, schema: Record<string, SqlType> = {}, options: EvalOptions = {}): unknown {
  return compile(text, { ...options, schema }).run(row, []);
}

interface Ctx {
  readonly registry: FunctionRegistry;
  readonly schema: Record<string, SqlType>;
  readonly scope: Scope;
  readonly inLambda: boolean;
  readonly errors?: unknown[];
}

function constant(type: SqlType, value: unknown): Compiled {
  return { type, run: () => value, literal: { value } };
}

function compileNode(e: Expression, ctx: Ctx): Compiled {
  switch (e.kind) {
    case 'IntegerLiteral':
      return constant(Types.INTEGER, e.value);
    case 'BigIntLiteral':
      return constant(Types.BIGINT, e.value);
    case 'DecimalLiteral':
      return constant(Types.decimal(e.precision, e.scale), new Dec(e.value));
    case 'DoubleLiteral':
      return constant(Types.DOUBLE, e.value);
    case 'StringLiteral':
      return constant(Types.STRING, e.value);
    case 'BooleanLiteral':
      return constant(Types.BOOLEAN, e.value);
    case 'NullLiteral':
      return constant(Types.NULL, null);
    case 'IntervalUnit':
      return constant(Types.INTERVAL_UNIT, e.unit);
    case 'ColumnRef': {
      const type = ctx.schema[e.name];
      if (!type) throw new Error(`unknown column ${e.name}`);
      return { type, run: (row) => row[e.name] ?? null };
    }
    case 'LambdaVariable': {
      const v = ctx.scope.get(e.name);
      if (!v) throw new Error(`unknown lambda variable ${e.name}`);
      return { type: v.type, run: (_row, values) => values[v.slot] };
    }
    case 'Cast': {
      const inner = compileNode(e.expression, ctx);
      const to = fromAstType(e.type);
      const convert = compileCast(inner.type, to);
      return { type: to, run: (row, l) => convert(inner.run(row, l)) };
    }
    case 'ArithmeticUnary': {
      const inner = compileNode(e.operand, ctx);
      if (e.operator === '+') return inner;
      const negate = compileNegation(inner.type);
      return { type: inner.type, run: (row, l) => negate(inner.run(row, l)) };
    }
    case 'ArithmeticBinary': {
      const left = compileNode(e.left, ctx);
      const right = compileNode(e.right, ctx);
      const op = compileArithmetic(e.operator, left.type, right.type);
      const inLambda = ctx.inLambda;
      return {
        type: op.type,
        run: (row, l) => {
          const a = left.run(row, l);
          const b = right.run(row, l);
          // ksqlDB's generated lambda code unboxes operands: NULL arithmetic fails there.
          if (inLambda && (a === null || b === null)) throw new Error('NULL in arithmetic inside a lambda');
          return op.compute(a, b);
        },
      };
    }
    case 'Comparison': {
      const left = compileNode(e.left, ctx);
      const right = compileNode(e.right, ctx);
      const cmp = compileComparison(e.operator, left.type, right.type);
      return { type: Types.BOOLEAN, run: (row, l) => cmp(left.run(row, l), right.run(row, l)) };
    }
    case 'LogicalBinary': {
      const left = compileNode(e.left, ctx);
      const right = compileNode(e.right, ctx);
      const and = e.operator === 'AND';
      return { type: Types.BOOLEAN, run: (row, l) => (and ? left.run(row, l) === true && right.run(row, l) === true : left.run(row, l) === true || right.run(row, l) === true) };
    }
    case 'SearchedCase': {
      const whens = e.whenClauses.map((w) => ({ when: compileNode(w.when, ctx), then: compileNode(w.then, ctx) }));
      const otherwise = e.else ? compileNode(e.else, ctx) : undefined;
      const type = commonType([...e.whenClauses.map((w) => w.then), ...(e.else ? [e.else] : [])], (x) => compileNode(x, ctx).type) ?? Types.NULL;
      return {
        type,
        run: (row, l) => {
          for (const w of whens) if (w.when.run(row, l) === true) return w.then.run(row, l);
          return otherwise ? otherwise.run(row, l) : null;
        },
      };
    }
    case 'ArrayConstructor': {
      const items = e.elements.map((x) => compileNode(x, ctx));
      const type = commonType(e.elements, (x) => compileNode(x, ctx).type);
      if (type === undefined) throw new Error('all NULL');
      const converted = items.map((item) => coerced(item, type));
      return { type: Types.array(type), run: (row, l) => converted.map((c) => c(row, l)) };
    }
    case 'MapConstructor': {
      const keyType = commonType(e.entries.map((x) => x.key), (x) => compileNode(x, ctx).type) ?? Types.STRING;
      const valueType = commonType(e.entries.map((x) => x.value), (x) => compileNode(x, ctx).type);
      if (valueType === undefined) throw new Error('all NULL');
      const entries = e.entries.map((x) => [coerced(compileNode(x.key, ctx), keyType), coerced(compileNode(x.value, ctx), valueType)] as const);
      return { type: Types.map(keyType, valueType), run: (row, l) => new Map(entries.map(([k, v]) => [k(row, l), v(row, l)])) };
    }
    case 'StructConstructor': {
      const fields = e.fields.map((f) => ({ name: f.name, value: compileNode(f.value, ctx) }));
      return {
        type: Types.struct(fields.map((f) => ({ name: f.name, type: f.value.type }))),
        run: (row, l) => Object.fromEntries(fields.map((f) => [f.name, f.value.run(row, l)])),
      };
    }
    case 'Subscript': {
      const base = compileNode(e.base, ctx);
      const index = compileNode(e.index, ctx);
      const s = compileSubscript(base.type, index.type);
      return { type: s.type, run: (row, l) => s.lookup(base.run(row, l), index.run(row, l)) };
    }
    case 'Dereference': {
      const base = compileNode(e.base, ctx);
      if (base.type.kind !== 'STRUCT') throw new Error('not a struct');
      const field = base.type.fields.find((f) => f.name === e.field);
      if (!field) throw new Error(`no field ${e.field}`);
      return { type: field.type, run: (row, l) => ((base.run(row, l) as Record<string, unknown> | null)?.[e.field] ?? null) };
    }
    case 'FunctionCall':
      return compileCall(e, ctx);
    default:
      throw new Error(`not supported in tests: ${e.kind}`);
  }
}

/** A value converted to a list's common type: literals coerced once, other values cast per row. */
function coerced(item: Compiled, to: SqlType): (row: Row, l: unknown[]) => unknown {
  if (item.type.kind === 'NULL' || typeEquals(item.type, to)) return item.run;
  if (item.literal) {
    const value = coerceLiteral(item.literal.value, item.type, to);
    return () => value;
  }
  const convert = compileCast(item.type, to);
  return (row, l) => convert(item.run(row, l));
}

function compileCall(e: Extract<Expression, { kind: 'FunctionCall' }>, ctx: Ctx): Compiled {
  const lambdaSlotsBase = ctx.scope.size;
  const argTypes: ArgType[] = e.args.map((a) => {
    if (a.kind !== 'Lambda') return compileNode(a, ctx).type;
    return { kind: 'LAMBDA_ARG', arity: a.params.length, typeBody: (paramTypes) => compileNode(a.body, lambdaCtx(ctx, a.params, paramTypes, lambdaSlotsBase)).type };
  });
  const resolved = ctx.registry.resolveScalar(e.name, argTypes);
  const args = e.args.map((a, i) => {
    if (a.kind !== 'Lambda') return compileNode(a, ctx).run;
    const lambdaType = resolved.paramTypes[i] as Extract<SqlType, { kind: 'LAMBDA' }>;
    const body = compileNode(a.body, lambdaCtx(ctx, a.params, lambdaType.params, lambdaSlotsBase));
    return (row: Row, outer: unknown[]) =>
      (...values: unknown[]) => {
        const slots = outer.slice(0, lambdaSlotsBase);
        slots.push(...values);
        return body.run(row, slots);
      };
  });
  return { type: resolved.returnType, run: (row, l) => resolved.invoke(args.map((a) => a(row, l))) };
}

function lambdaCtx(ctx: Ctx, names: readonly string[], types: readonly SqlType[], base: number): Ctx {
  const scope = new Map(ctx.scope);
  names.forEach((n, i) => scope.set(n, { type: types[i]!, slot: base + i }));
  return { ...ctx, scope, inLambda: true };
}
