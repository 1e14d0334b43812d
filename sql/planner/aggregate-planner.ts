/**
 * GROUP BY, aggregate functions, windows and HAVING.
 *
 * The aggregation's output row is
 *
 *   [ group-by values … | aggregate results … | WINDOWSTART WINDOWEND ]
 *
 * (bounds only when windowed), named KSQL_GROUPBY_i, KSQL_AGG_VARIABLE_j. SELECT and HAVING are
 * rewritten over that row top-down: an expression equal to a GROUP BY expression reads its
 * group column, an aggregate call reads its result; a column reference left over is a
 * non-aggregate expression, ksqlDB's error.
 */
import type { ColumnRef, Expression, FunctionCall } from '../ast/expressions.js';
import { durationMillis, type WindowExpression } from '../ast/statements.js';
import { formatExpressionForMessage } from '../ast/format-expression.js';
import { SqlStatementError } from '../catalog/errors.js';
import type { WindowInfo } from '../catalog/data-source.js';
import { WINDOWEND, WINDOWSTART } from '../catalog/logical-schema.js';
import { compileExpression } from '../codegen/compile-expression.js';
import { getFormat } from '../formats/formats.js';
import type { AggregateArg } from '../functions/index.js';
import { Types, type SqlType } from '../types/sql-type.js';
import type { PlannerContext } from './plan-context.js';
import type { KeyColumnInfo, PlannedRelation } from './relation-planner.js';
import { columnText, RowScope } from './row-scope.js';
import { list } from './projection.js';
import { nodesOf, rewrite } from './rewrite.js';
import type { AggregateCall, AggregateStep, GroupByStep, PlanColumn, Step, WindowSpec } from './steps.js';

/** Kafka Streams' default grace for windows that do not name one, which ksqlDB keeps. */
export const DEFAULT_WINDOW_GRACE_MS = 24 * 60 * 60 * 1000;

export interface AggregationInput {
  /** The rows being aggregated (after WHERE). */
  readonly relation: PlannedRelation;
  readonly step: Step;
  readonly scope: RowScope;
  readonly groupBy: readonly Expression[];
  readonly window?: WindowExpression;
  /** SELECT expressions (over `scope`), already expanded. */
  readonly selects: readonly Expression[];
  readonly having?: Expression;
}

export interface PlannedAggregation {
  readonly step: AggregateStep;
  /** Resolves the output row's columns. */
  readonly scope: RowScope;
  readonly keys: KeyColumnInfo[];
  readonly selects: Expression[];
  readonly having?: Expression;
  readonly window?: WindowInfo;
  /** The expression each generated column of the output row stands for (`KSQL_AGG_VARIABLE_0` → `SUM(VALUE)`), for messages. */
  readonly columnTexts: ReadonlyMap<string, string>;
}

export function containsAggregate(e: Expression, ctx: PlannerContext): boolean {
  return nodesOf(e).some((x) => x.kind === 'FunctionCall' && ctx.compile.functions.isAggregate(x.name));
}

/**
 * ksqlDB keeps an aggregation's intermediate state in the source's value format: a function whose
 * state that format cannot hold (AVG's STRUCT in DELIMITED) cannot be used on that source.
 */
function checkIntermediateFormat(intermediate: SqlType, relation: AggregationInput['relation']): void {
  const format = getFormat(relation.primary.valueFormat.format);
  if (format.unsupported([{ name: 'INTERMEDIATE', type: intermediate }], false) === null) return;
  throw new SqlStatementError(
    'SQL_INVALID_AGGREGATION',
    'One of the functions used in the statement has an intermediate type that the value format can not handle. Please remove the function or change the format.',
  );
}

export function planAggregation(input: AggregationInput, ctx: PlannerContext): PlannedAggregation {
  const { scope, relation } = input;
  const functions = ctx.compile.functions;
  const kafka = relation.sources.filter((s) => s.source.valueFormat.format === 'KAFKA').map((s) => s.source.name);
  if (kafka.length > 0 && input.groupBy.length > 0) {
    throw new SqlStatementError('SQL_INVALID_AGGREGATION', `Source(s) ${kafka.join(', ')} are using the 'KAFKA' value format. This format does not yet support GROUP BY.`);
  }

  // GROUP BY expressions: no aggregates, no duplicates.
  const groupTexts: string[] = [];
  const groupColumns: PlanColumn[] = [];
  const keys: KeyColumnInfo[] = [];
  for (const [i, g] of input.groupBy.entries()) {
    const call = nodesOf(g).find((x): x is FunctionCall => x.kind === 'FunctionCall' && functions.isAggregate(x.name));
    if (call) throw new SqlStatementError('SQL_INVALID_AGGREGATION', `GROUP BY does not support aggregate functions: ${call.name} is an aggregate function.`);
    const text = scope.withClause('GROUP BY').text(g);
    if (groupTexts.includes(text)) {
      throw new SqlStatementError('SQL_INVALID_AGGREGATION', `Duplicate GROUP BY expression: ${formatExpressionForMessage(scope.qualify(g))}`);
    }
    const type = compileExpression(g, scope.withClause('GROUP BY'), ctx.compile).type;
    if (type.kind === 'NULL') throw new SqlStatementError('SQL_INVALID_AGGREGATION', 'GROUP BY NULL is not supported: group by an expression that has a value.');
    groupTexts.push(text);
    const name = `KSQL_GROUPBY_${i}`;
    groupColumns.push({ name, type });
    keys.push({ equivalents: [columnText(name)], names: [formatExpressionForMessage(g)], kind: 'grouping expression', type });
  }

  // Aggregate calls in SELECT and HAVING, each computed once.
  const calls: AggregateCall[] = [];
  const callTypes: SqlType[] = [];
  const callByText = new Map<string, string>();
  const undoable: boolean[] = [];
  const aggregateRef = (call: FunctionCall): ColumnRef => {
    const text = scope.text(call);
    let name = callByText.get(text);
    if (name === undefined) {
      for (const arg of call.args) {
        const nested = nodesOf(arg).find((x): x is FunctionCall => x.kind === 'FunctionCall' && functions.isAggregate(x.name));
        if (nested) throw new SqlStatementError('SQL_INVALID_AGGREGATION', `Aggregate functions can not be nested: ${call.name}(${nested.name}())`);
      }
      const args: AggregateArg[] = call.args.map((a) => {
        const compiled = compileExpression(a, scope.withClause('SELECT'), ctx.compile);
        return { type: compiled.type, text: formatExpressionForMessage(a), ...(compiled.constant && isLiteral(a) ? { literal: compiled.constant } : {}) };
      });
      const resolved = functions.resolveAggregate(call.name, args, { config: ctx.compile.config ?? {} });
      checkIntermediateFormat(resolved.intermediateType, relation);
      name = `KSQL_AGG_VARIABLE_${calls.length}`;
      callByText.set(text, name);
      calls.push({
        name,
        functionName: resolved.name,
        args: call.args.slice(0, resolved.columnArgCount).map((a) => scope.text(a)),
        initArgs: call.args.slice(resolved.columnArgCount).map((a) => formatExpressionForMessage(a)),
      });
      callTypes.push(resolved.returnType);
      undoable.push(resolved.supportsUndo);
    }
    return { kind: 'ColumnRef', name, loc: call.loc };
  };

  const windowed = input.window !== undefined;
  const leftovers: { clause: 'SELECT' | 'HAVING'; expression: Expression }[] = [];
  const rewriteClause = (e: Expression, clause: 'SELECT' | 'HAVING'): Expression => {
    let leftover = false;
    const out = rewrite(e, (x) => {
      if (x.kind === 'Lambda' || x.kind === 'LambdaVariable') return undefined;
      let text: string | undefined;
      try {
        text = scope.text(x);
      } catch {
        text = undefined;
      }
      const g = text === undefined ? -1 : groupTexts.indexOf(text);
      if (g >= 0) return { kind: 'ColumnRef', name: groupColumns[g]!.name, loc: x.loc };
      if (x.kind === 'FunctionCall' && functions.isAggregate(x.name)) return aggregateRef(x);
      if (x.kind === 'ColumnRef') {
        if (windowed && x.source === undefined && (x.name === WINDOWSTART || x.name === WINDOWEND)) return { kind: 'ColumnRef', name: x.name, loc: x.loc };
        // Say "cannot be resolved" before "not part of GROUP BY" for names that do not exist.
        scope.withClause(clause).entry(x);
        leftover = true;
      }
      return undefined;
    });
    if (leftover) leftovers.push({ clause, expression: e });
    return out;
  };
  const selects = input.selects.map((s) => rewriteClause(s, 'SELECT'));
  const having = input.having ? rewriteClause(input.having, 'HAVING') : undefined;
  const badSelects = leftovers.filter((l) => l.clause === 'SELECT');
  if (badSelects.length > 0) {
    throw new SqlStatementError(
      'SQL_INVALID_AGGREGATION',
      `Non-aggregate SELECT expression(s) not part of GROUP BY: ${badSelects.map((l) => formatExpressionForMessage(l.expression)).join(', ')}\nEither add the column(s) to the GROUP BY or remove them from the SELECT.`,
    );
  }
  const badHaving = leftovers.find((l) => l.clause === 'HAVING');
  if (badHaving) {
    const refs = nodesOf(badHaving.expression).filter((x) => x.kind === 'ColumnRef');
    throw new SqlStatementError('SQL_INVALID_AGGREGATION', `Non-aggregate HAVING expression not part of GROUP BY: ${refs.map((r) => formatExpressionForMessage(r)).join(', ')}`);
  }
  if (calls.length === 0) {
    throw new SqlStatementError('SQL_INVALID_AGGREGATION', 'GROUP BY requires aggregate functions in either the SELECT or HAVING clause.');
  }
  if (relation.isTable) {
    const cannot = calls.filter((_, i) => !undoable[i]).map((c) => c.functionName);
    if (cannot.length > 0) {
      const names = [...new Set(cannot)];
      throw new SqlStatementError('SQL_INVALID_AGGREGATION', `The aggregation functions ${list(names)} cannot be applied to a table source, only to a stream source.`);
    }
    if (windowed) throw new SqlStatementError('SQL_INVALID_AGGREGATION', 'Windowing not supported for table aggregations.');
  }

  // GROUP BY the current key keeps the partitioning; anything else re-keys (a repartition).
  const byKey = !relation.isTable && relation.keys.length === groupTexts.length && relation.keys.every((k, i) => k.equivalents.includes(groupTexts[i]!));
  const groupStep: GroupByStep = {
    kind: relation.isTable ? 'TableGroupBy' : byKey ? 'StreamGroupByKey' : 'StreamGroupBy',
    id: 'Aggregate-GroupBy',
    source: input.step,
    groupByExpressions: byKey ? [] : groupTexts,
    schema: { key: groupColumns, value: input.step.schema.value },
  };
  const spec = input.window ? windowSpec(input.window) : undefined;
  const windowInfo: WindowInfo | undefined = spec ? { type: spec.type, ...(spec.type === 'SESSION' ? {} : { sizeMs: spec.sizeMs }) } : undefined;
  const aggColumns: PlanColumn[] = calls.map((c, i) => ({ name: c.name, type: callTypes[i]! }));
  const bounds: PlanColumn[] = windowed ? [{ name: WINDOWSTART, type: Types.BIGINT }, { name: WINDOWEND, type: Types.BIGINT }] : [];
  const outColumns = [...groupColumns, ...aggColumns, ...bounds];
  const step: AggregateStep = {
    kind: relation.isTable ? 'TableAggregate' : windowed ? 'StreamWindowedAggregate' : 'StreamAggregate',
    id: 'Aggregate-Aggregate',
    source: groupStep,
    aggregations: calls,
    ...(spec ? { window: spec } : {}),
    storeName: 'Aggregate-Aggregate-Materialize',
    schema: { key: groupColumns, value: outColumns, ...(windowInfo ? { window: windowInfo } : {}) },
  };
  const columnTexts = new Map<string, string>([...callByText].map(([text, name]) => [name, text]));
  groupColumns.forEach((c, i) => columnTexts.set(c.name, groupTexts[i]!));
  return {
    step,
    scope: RowScope.of(outColumns),
    keys,
    selects,
    columnTexts,
    ...(having ? { having } : {}),
    ...(windowInfo ? { window: windowInfo } : {}),
  };
}

function isLiteral(e: Expression): boolean {
  switch (e.kind) {
    case 'IntegerLiteral':
    case 'BigIntLiteral':
    case 'DecimalLiteral':
    case 'DoubleLiteral':
    case 'StringLiteral':
    case 'BooleanLiteral':
    case 'NullLiteral':
      return true;
    case 'ArithmeticUnary':
      return isLiteral(e.operand);
    default:
      return false;
  }
}

export function windowSpec(w: WindowExpression): WindowSpec {
  const common = {
    graceMs: w.grace ? durationMillis(w.grace) : DEFAULT_WINDOW_GRACE_MS,
    ...(w.retention ? { retentionMs: durationMillis(w.retention) } : {}),
  };
  switch (w.kind) {
    case 'TumblingWindow':
      return { type: 'TUMBLING', sizeMs: durationMillis(w.size), ...common };
    case 'HoppingWindow':
      return { type: 'HOPPING', sizeMs: durationMillis(w.size), advanceMs: durationMillis(w.advance), ...common };
    case 'SessionWindow':
      return { type: 'SESSION', sizeMs: durationMillis(w.gap), ...common };
  }
}
