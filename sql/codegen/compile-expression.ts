/**
 * Expressions to closures. One pass types an expression (ksqlDB's rules: implicit numeric
 * widening, literal coercion, overload resolution) and builds the function that computes it, so
 * what runs per row is a tree of small closures with every type decision already taken.
 *
 * Lambda parameters live in an environment array the whole expression shares: each parameter
 * has a slot, set just before the lambda's body runs (evaluation is synchronous, so a slot is
 * never needed twice at once).
 */
import type { Expression, FunctionCall, Lambda } from '../ast/expressions.js';
import { formatExpression, formatExpressionForMessage } from '../ast/format-expression.js';
import { SqlStatementError } from '../catalog/errors.js';
import type { ArgType, LambdaArg } from '../functions/index.js';
import { compileArithmetic, compileNegation } from '../types/arithmetic.js';
import { compileCast, compileImplicitCast } from '../types/cast.js';
import { coerceLiteral } from '../types/coercion.js';
import { compileComparison } from '../types/comparison.js';
import { Dec } from '../types/decimal.js';
import { SqlTypeError, SqlValueError } from '../types/errors.js';
import { formatSqlType, fromAstType, typeEquals, Types, type SqlType } from '../types/sql-type.js';
import { compileSubscript } from '../types/subscript.js';
import type { CompiledExpression, CompileOptions, ExpressionScope, Row } from './compiled.js';
import { compileArrayConstructor, compileCase, compileMapConstructor, compileStructConstructor } from './compile-constructors.js';
import { compileBetween, compileInList, compileLike } from './compile-predicates.js';

/** The closure inside: the row and the lambda environment. */
export type Eval = (row: Row, env: unknown[]) => unknown;

export interface Node {
  readonly expression: Expression;
  readonly type: SqlType;
  readonly ev: Eval;
  readonly constant?: { readonly value: unknown };
}

interface LambdaSlot {
  readonly slot: number;
  readonly type: SqlType;
}

/** State of one top-level compilation. */
export class Compiler {
  private slots = 0;
  private readonly lambdaScopes: Map<string, LambdaSlot>[] = [];

  constructor(
    readonly scope: ExpressionScope,
    readonly options: CompileOptions,
  ) {}

  get envSize(): number {
    return this.slots;
  }

  compile(e: Expression): Node {
    const node = this.compileRaw(e);
    if (node.constant === undefined && isFoldable(node, e)) {
      try {
        const value = node.ev([], []);
        return constant(e, node.type, value);
      } catch {
        return node;
      }
    }
    return node;
  }

  private compileRaw(e: Expression): Node {
    switch (e.kind) {
      case 'IntegerLiteral':
        return constant(e, Types.INTEGER, e.value);
      case 'BigIntLiteral':
        return constant(e, Types.BIGINT, e.value);
      case 'DecimalLiteral':
        return constant(e, Types.decimal(e.precision, e.scale), new Dec(e.value));
      case 'DoubleLiteral':
        return constant(e, Types.DOUBLE, e.value);
      case 'StringLiteral':
        return constant(e, Types.STRING, e.value);
      case 'BooleanLiteral':
        return constant(e, Types.BOOLEAN, e.value);
      case 'NullLiteral':
        return constant(e, Types.NULL, null);
      case 'IntervalUnit':
        return constant(e, Types.INTERVAL_UNIT, e.unit);
      case 'ColumnRef': {
        const binding = this.scope.resolve(e);
        const index = binding.index;
        return { expression: e, type: binding.type, ev: (row) => row[index] ?? null };
      }
      case 'LambdaVariable': {
        const slot = this.lambdaVariable(e.name);
        const i = slot.slot;
        return { expression: e, type: slot.type, ev: (_row, env) => env[i] ?? null };
      }
      case 'Dereference':
        return this.dereference(e);
      case 'Subscript': {
        const base = this.compile(e.base);
        const index = this.compile(e.index);
        const sub = compileSubscript(base.type, index.type);
        const b = base.ev;
        const i = index.ev;
        return { expression: e, type: sub.type, ev: (row, env) => sub.lookup(b(row, env), i(row, env)) };
      }
      case 'ArithmeticBinary':
        return this.arithmetic(e);
      case 'ArithmeticUnary': {
        const operand = this.compile(e.operand);
        if (e.operator === '+') return { ...operand, expression: e };
        if (operand.type.kind === 'NULL') return constant(e, Types.NULL, null);
        const negate = compileNegation(operand.type);
        const o = operand.ev;
        return { expression: e, type: operand.type, ev: (row, env) => negate(o(row, env)) };
      }
      case 'Concatenation':
        return this.call({ kind: 'FunctionCall', name: 'CONCAT', args: [e.left, e.right], star: false, loc: e.loc }, e);
      case 'Comparison': {
        const left = this.compile(e.left);
        const right = this.compile(e.right);
        const [l, r] = coerceStringLiteralOperands(left, right);
        const test = compileComparison(e.operator, l.type, r.type, { left: ksqlText(e.left), right: ksqlText(e.right) });
        const lev = l.ev;
        const rev = r.ev;
        // A comparison with NULL is false, not NULL (ksqlDB's behaviour).
        return { expression: e, type: Types.BOOLEAN, ev: (row, env) => test(lev(row, env), rev(row, env)) };
      }
      case 'LogicalBinary': {
        const left = this.booleanOperand(e.left, e.operator);
        const right = this.booleanOperand(e.right, e.operator);
        const l = left.ev;
        const r = right.ev;
        if (e.operator === 'AND') {
          return {
            expression: e,
            type: Types.BOOLEAN,
            ev: (row, env) => {
              const a = l(row, env);
              if (a === false) return false;
              const b = r(row, env);
              if (b === false) return false;
              return a === null || b === null ? null : true;
            },
          };
        }
        return {
          expression: e,
          type: Types.BOOLEAN,
          ev: (row, env) => {
            const a = l(row, env);
            if (a === true) return true;
            const b = r(row, env);
            if (b === true) return true;
            return a === null || b === null ? null : false;
          },
        };
      }
      case 'Not': {
        const operand = this.booleanOperand(e.operand, 'NOT');
        const o = operand.ev;
        return {
          expression: e,
          type: Types.BOOLEAN,
          ev: (row, env) => {
            const v = o(row, env);
            return v === null ? null : !v;
          },
        };
      }
      case 'IsNull': {
        const operand = this.compile(e.operand);
        const o = operand.ev;
        const negated = e.negated;
        return { expression: e, type: Types.BOOLEAN, ev: (row, env) => (o(row, env) === null) !== negated };
      }
      case 'Like':
        return compileLike(this, e);
      case 'Between':
        return compileBetween(this, e);
      case 'InList':
        return compileInList(this, e);
      case 'FunctionCall':
        return this.call(e, e);
      case 'Lambda':
        throw new SqlStatementError('SQL_INVALID_QUERY', `A lambda is only allowed as a function argument: ${formatExpression(e)}`);
      case 'Cast': {
        const operand = this.compile(e.expression);
        const to = fromAstType(e.type, this.options.customTypes);
        if (operand.type.kind === 'NULL') return constant(e, to, null);
        const convert = compileCast(operand.type, to);
        const o = operand.ev;
        return { expression: e, type: to, ev: (row, env) => convert(o(row, env)) };
      }
      case 'SearchedCase':
      case 'SimpleCase':
        return compileCase(this, e);
      case 'ArrayConstructor':
        return compileArrayConstructor(this, e);
      case 'MapConstructor':
        return compileMapConstructor(this, e);
      case 'StructConstructor':
        return compileStructConstructor(this, e);
    }
  }

  private lambdaVariable(name: string): LambdaSlot {
    for (let i = this.lambdaScopes.length - 1; i >= 0; i--) {
      const slot = this.lambdaScopes[i]!.get(name);
      if (slot) return slot;
    }
    throw new SqlStatementError('SQL_UNKNOWN_COLUMN', `Lambda variable ${name} is not defined here.`);
  }

  private booleanOperand(e: Expression, operator: string): Node {
    const node = this.compile(e);
    if (node.type.kind !== 'BOOLEAN' && node.type.kind !== 'NULL') {
      throw new SqlTypeError(`${operator} expects BOOLEAN operands, but ${ksqlText(e)} is ${formatSqlType(node.type)}.`);
    }
    return node;
  }

  private dereference(e: Extract<Expression, { kind: 'Dereference' }>): Node {
    const base = this.compile(e.base);
    if (base.type.kind !== 'STRUCT') {
      throw new SqlTypeError(`Can't dereference ${ksqlText(e.base)}: it is ${formatSqlType(base.type)}, not a STRUCT.`);
    }
    const field = base.type.fields.find((f) => f.name === e.field) ?? base.type.fields.find((f) => f.name.toUpperCase() === e.field.toUpperCase());
    if (!field) {
      throw new SqlStatementError('SQL_UNKNOWN_COLUMN', `Could not find field '${e.field}' in '${ksqlText(e.base)}'.`);
    }
    const name = field.name;
    const b = base.ev;
    return {
      expression: e,
      type: field.type,
      ev: (row, env) => {
        const s = b(row, env) as Record<string, unknown> | null;
        return s === null ? null : (s[name] ?? null);
      },
    };
  }

  private arithmetic(e: Extract<Expression, { kind: 'ArithmeticBinary' }>): Node {
    const left = this.compile(e.left);
    const right = this.compile(e.right);
    if (left.type.kind === 'NULL' || right.type.kind === 'NULL') {
      // ksqlDB rejects arithmetic with an untyped NULL: CAST(NULL AS …) gives it a type.
      const name = (t: SqlType) => (t.kind === 'NULL' ? 'null' : formatSqlType(t));
      const part = (x: Expression) => (x.kind === 'NullLiteral' ? 'null' : ksqlText(x));
      throw new SqlTypeError(`Error processing expression: (${part(e.left)} ${e.operator} ${part(e.right)}). Arithmetic on types ${name(left.type)} and ${name(right.type)} are not supported.`);
    }
    let op: ReturnType<typeof compileArithmetic>;
    try {
      op = compileArithmetic(e.operator, left.type, right.type);
    } catch (error) {
      if (!(error instanceof SqlTypeError) || error.message.startsWith('Error processing expression')) throw error;
      throw new SqlTypeError(`Error processing expression: ${formatExpressionForMessage(e)}. ${error.message}`, { cause: error });
    }
    const l = left.ev;
    const r = right.ev;
    const compute = op.compute;
    if (this.lambdaScopes.length > 0) {
      // In a lambda body ksqlDB computes on unboxed values: a NULL operand fails the whole
      // expression (NULL, and a processing error), where elsewhere the result is just NULL.
      const text = ksqlText(e);
      return {
        expression: e,
        type: op.type,
        ev: (row, env) => {
          const a = l(row, env);
          const b = r(row, env);
          if (a === null || b === null) throw new SqlValueError(`A lambda computes ${text} on a NULL value.`);
          return compute(a, b);
        },
      };
    }
    return { expression: e, type: op.type, ev: (row, env) => compute(l(row, env), r(row, env)) };
  }

  /** A scalar function call (aggregates and table functions are the planner's, and never reach here). */
  call(call: FunctionCall, expression: Expression): Node {
    const registry = this.options.functions;
    const kind = registry.kindOf(call.name);
    if (kind === 'AGGREGATE') {
      throw new SqlStatementError('SQL_INVALID_AGGREGATION', `Aggregate function ${call.name.toUpperCase()} is not allowed here: ${ksqlText(expression)}`);
    }
    if (kind === 'TABLE') {
      throw new SqlStatementError('SQL_INVALID_QUERY', `Table function ${call.name.toUpperCase()} can only be used in the SELECT of a stream query: ${ksqlText(expression)}`);
    }
    if (call.star) {
      throw new SqlStatementError('SQL_INVALID_QUERY', `${call.name.toUpperCase()}(*) is only valid for aggregate functions.`);
    }
    const compiled: (Node | undefined)[] = call.args.map((a) => (a.kind === 'Lambda' ? undefined : this.compile(a)));
    const argTypes: ArgType[] = call.args.map((a, i) => (a.kind === 'Lambda' ? this.lambdaArg(a) : compiled[i]!.type));
    const resolved = registry.resolveScalar(call.name, argTypes, { config: this.options.config, onError: this.options.onFunctionError });
    const evals = call.args.map((a, i) => {
      if (a.kind !== 'Lambda') return compiled[i]!.ev;
      const lambdaType = resolved.paramTypes[i]!;
      return this.lambdaValue(a, lambdaType);
    });
    const invoke = resolved.invoke;
    const n = evals.length;
    const deterministic = !NON_DETERMINISTIC.has(call.name.toUpperCase());
    const node: Node = {
      expression,
      type: resolved.returnType,
      ev: (row, env) => {
        const args = new Array<unknown>(n);
        for (let i = 0; i < n; i++) args[i] = evals[i]!(row, env);
        return invoke(args);
      },
    };
    if (!deterministic) nonDeterministic.add(node);
    return node;
  }

  private lambdaArg(lambda: Lambda): LambdaArg {
    return {
      kind: 'LAMBDA_ARG',
      arity: lambda.params.length,
      typeBody: (paramTypes) => this.withLambda(lambda, paramTypes, () => this.compile(lambda.body).type),
    };
  }

  /** The per-row value of a lambda argument: a JavaScript function running the body. */
  private lambdaValue(lambda: Lambda, lambdaType: SqlType): Eval {
    if (lambdaType.kind !== 'LAMBDA') throw new SqlTypeError(`${ksqlText(lambda)} is not expected here.`);
    let slots: number[] = [];
    const body = this.withLambda(lambda, lambdaType.params, (s) => {
      slots = s;
      return this.compile(lambda.body);
    });
    const resultType = lambdaType.result;
    const convert = typeEquals(body.type, resultType) || body.type.kind === 'NULL' ? null : compileImplicitCast(body.type, resultType);
    const b = body.ev;
    return (row, env) =>
      (...args: unknown[]) => {
        for (let i = 0; i < slots.length; i++) env[slots[i]!] = args[i] ?? null;
        const v = b(row, env);
        return convert ? convert(v) : v;
      };
  }

  private withLambda<T>(lambda: Lambda, paramTypes: readonly SqlType[], run: (slots: number[]) => T): T {
    if (paramTypes.length !== lambda.params.length) {
      throw new SqlTypeError(`The lambda ${ksqlText(lambda)} takes ${lambda.params.length} arguments, but the function gives it ${paramTypes.length}.`);
    }
    const scope = new Map<string, LambdaSlot>();
    const slots = lambda.params.map((name, i) => {
      const slot = this.slots++;
      scope.set(name, { slot, type: paramTypes[i]! });
      return slot;
    });
    this.lambdaScopes.push(scope);
    try {
      return run(slots);
    } finally {
      this.lambdaScopes.pop();
    }
  }

  /** `node` converted to `target` (a literal by coercion, anything else by implicit cast). */
  convert(node: Node, target: SqlType): Node {
    if (typeEquals(node.type, target) || node.type.kind === 'NULL') return node.type.kind === 'NULL' ? { ...node, type: target } : node;
    if (node.constant !== undefined) {
      const value = coerceLiteral(node.constant.value, node.type, target);
      return constant(node.expression, target, value);
    }
    const cast = compileImplicitCast(node.type, target);
    const ev = node.ev;
    return { expression: node.expression, type: target, ev: (row, env) => cast(ev(row, env)) };
  }
}

const NON_DETERMINISTIC = new Set(['RANDOM', 'UNIX_TIMESTAMP', 'UNIX_DATE', 'NOW', 'CURRENT_TIMESTAMP']);
const nonDeterministic = new WeakSet<Node>();

function isFoldable(node: Node, e: Expression): boolean {
  if (nonDeterministic.has(node)) return false;
  return hasNoRuntimeInputs(e, node);
}

function hasNoRuntimeInputs(e: Expression, node: Node): boolean {
  // Only calls and operators over constants fold; a node built from constants has none of these.
  let pure = true;
  visit(e, (x) => {
    if (x.kind === 'ColumnRef' || x.kind === 'LambdaVariable' || x.kind === 'Lambda') pure = false;
    if (x.kind === 'FunctionCall' && NON_DETERMINISTIC.has(x.name.toUpperCase())) pure = false;
  });
  return pure && node.type.kind !== 'LAMBDA';
}

/** Calls `f` on every node of the tree, parents first. */
export function visit(e: Expression, f: (e: Expression) => void): void {
  f(e);
  for (const child of children(e)) visit(child, f);
}

export function children(e: Expression): Expression[] {
  switch (e.kind) {
    case 'Dereference':
      return [e.base];
    case 'Subscript':
      return [e.base, e.index];
    case 'ArithmeticBinary':
    case 'Concatenation':
    case 'Comparison':
    case 'LogicalBinary':
      return [e.left, e.right];
    case 'ArithmeticUnary':
    case 'Not':
    case 'IsNull':
      return [e.operand];
    case 'Like':
      return [e.value, e.pattern];
    case 'Between':
      return [e.value, e.lower, e.upper];
    case 'InList':
      return [e.value, ...e.list];
    case 'FunctionCall':
      return [...e.args];
    case 'Lambda':
      return [e.body];
    case 'Cast':
      return [e.expression];
    case 'SearchedCase':
      return [...e.whenClauses.flatMap((w) => [w.when, w.then]), ...(e.else ? [e.else] : [])];
    case 'SimpleCase':
      return [e.operand, ...e.whenClauses.flatMap((w) => [w.when, w.then]), ...(e.else ? [e.else] : [])];
    case 'ArrayConstructor':
      return [...e.elements];
    case 'MapConstructor':
      return e.entries.flatMap((x) => [x.key, x.value]);
    case 'StructConstructor':
      return e.fields.map((f) => f.value);
    default:
      return [];
  }
}

export function constant(expression: Expression, type: SqlType, value: unknown): Node {
  return { expression, type, ev: () => value, constant: { value } };
}

/**
 * A STRING literal compared with ROWTIME or a window bound is read as a date-time, as ksqlDB
 * does (`ROWTIME >= '2020-01-01T00:00'`). Any other STRING compared with a number stays a
 * STRING, and the comparison is an error.
 */
export function coerceStringLiteralOperands(left: Node, right: Node): [Node, Node] {
  const fix = (lit: Node, other: Node): Node => {
    if (lit.constant === undefined || lit.type.kind !== 'STRING' || lit.expression.kind !== 'StringLiteral') return lit;
    const t = other.type;
    // '2020-02-23T23:45', '2020-02-23T23:45:12.000-0100' …
    if (other.expression.kind === 'ColumnRef' && TIME_COLUMNS.has(other.expression.name) && t.kind === 'BIGINT') {
      const ms = parsePartialTimestamp(String(lit.constant.value));
      if (ms !== undefined) return constant(lit.expression, t, BigInt(ms));
    }
    return lit;
  };
  return [fix(left, right), fix(right, left)];
}

const TIME_COLUMNS: ReadonlySet<string> = new Set(['ROWTIME', 'WINDOWSTART', 'WINDOWEND']);

/**
 * Date-time text as ksqlDB reads it against ROWTIME and window bounds: `yyyy[-MM[-dd[THH[:mm[:ss[.SSS]]]]]]`
 * with an optional zone (`Z`, `+hh[:]mm`, `-hhmm`); missing fields are their first value, UTC by default.
 * Undefined when the text is not such a date-time.
 */
export function parsePartialTimestamp(text: string): number | undefined {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', sec = '00', frac = '0', zone] = m;
  const ms = Number(frac.padEnd(3, '0'));
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), ms);
  if (zone && zone !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    const offset = (Number(z[2]) * 60 + Number(z[3])) * 60_000;
    t -= z[1] === '+' ? offset : -offset;
  }
  return Number.isNaN(t) ? undefined : t;
}

/** An expression as ksqlDB's messages print it. */
export function ksqlText(e: Expression): string {
  return formatExpression(e);
}

/** Compiles `expression` against `scope`. */
export function compileExpression(expression: Expression, scope: ExpressionScope, options: CompileOptions): CompiledExpression {
  const compiler = new Compiler(scope, options);
  const node = compiler.compile(expression);
  const ev = node.ev;
  const env = new Array<unknown>(compiler.envSize).fill(null);
  return {
    expression,
    type: node.type,
    evaluate: node.constant !== undefined ? () => node.constant!.value : (row) => ev(row, env),
    ...(node.constant !== undefined ? { constant: node.constant } : {}),
  };
}

/** The type of `expression` in `scope` (compiling it, which also checks it). */
export function typeOf(expression: Expression, scope: ExpressionScope, options: CompileOptions): SqlType {
  return compileExpression(expression, scope, options).type;
}
