/**
 * A SELECT to the steps that compute its rows, in ksqlDB's order:
 *
 *   FROM (sources, joins) → WHERE → table functions → GROUP BY / WINDOW → HAVING → EMIT FINAL
 *   → PARTITION BY → SELECT
 *
 * The result's key columns are the projected expressions equal to the key of the rows at the
 * projection: the source key, the join expression, the GROUP BY or the PARTITION BY expressions.
 */
import type { Expression, FunctionCall } from '../ast/expressions.js';
import type { Query } from '../ast/statements.js';
import { formatExpressionForMessage } from '../ast/format-expression.js';
import type { DataSource, WindowInfo } from '../catalog/data-source.js';
import { SqlStatementError } from '../catalog/errors.js';
import { isReservedColumnName } from '../catalog/logical-schema.js';
import { compileExpression } from '../codegen/compile-expression.js';
import { SqlTypeError } from '../types/errors.js';
import { formatSqlType, type SqlType } from '../types/sql-type.js';
import { containsAggregate, planAggregation } from './aggregate-planner.js';
import { NameGenerator, type PlannerContext } from './plan-context.js';
import { checkReservedNames, expandSelect, matchKeys } from './projection.js';
import { RelationPlanner, type KeyColumnInfo } from './relation-planner.js';
import { rewrite, nodesOf } from './rewrite.js';
import { columnText, RowScope, type ScopeEntry } from './row-scope.js';
import type { FlatMapStep, PlanColumn, SelectKeyStep, SelectStep, Step } from './steps.js';

export interface PlannedQuery {
  /** The projection: its schema is the result's (key columns, value columns). */
  readonly step: SelectStep;
  readonly resultType: 'STREAM' | 'TABLE';
  readonly window?: WindowInfo;
  /** The left-most source (formats and partitions default to its). */
  readonly primary: DataSource;
  readonly partitions: number | undefined;
  /** Names of the sources read. */
  readonly sources: readonly string[];
  /** Whether the result's key differs from the primary source's (its key format may need to change). */
  readonly rekeyed: boolean;
}

export interface QueryPlanOptions {
  /** The stream or table the result goes to (messages name it). */
  readonly sinkName: string;
  /** Persistent queries must project their key columns; transient ones need not. */
  readonly persistent: boolean;
}

export function planQuery(query: Query, ctx: PlannerContext, options: QueryPlanOptions): PlannedQuery {
  const functions = ctx.compile.functions;
  const relation = new RelationPlanner(ctx).plan(query.from);
  let step: Step = relation.step;
  let scope = relation.scope;
  let keys: readonly KeyColumnInfo[] = relation.keys;
  let isTable = relation.isTable;
  let window = relation.window;
  let rekeyed = relation.sources.length > 1 || relation.repartitioned;

  if (query.where) {
    if (containsAggregate(query.where, ctx)) {
      throw new SqlStatementError('SQL_INVALID_AGGREGATION', `WHERE clause cannot contain aggregate functions: ${formatExpressionForMessage(query.where)}. Use HAVING to filter aggregated rows.`);
    }
    // Compiled over row names, so messages name columns as ksqlDB does (`I1_BAR` after a join).
    const whereScope = scope.withClause('WHERE');
    const type = inClause('WHERE', () => compileExpression(whereScope.canonicalize(query.where!), whereScope, ctx.compile).type);
    if (type.kind !== 'BOOLEAN' && type.kind !== 'NULL') {
      throw new SqlStatementError('SQL_INVALID_QUERY', `Type error in WHERE expression: Should evaluate to boolean but is ${formatExpressionForMessage(query.where)} (${formatSqlType(type)}) instead.`);
    }
    step = { kind: isTable ? 'TableFilter' : 'StreamFilter', id: 'WhereFilter', source: step, predicate: scope.text(query.where), clause: 'WHERE', schema: step.schema };
  }

  // PARTITION BY comes before the projection: the new key columns lead the row (`*` lists them
  // first) and the old key columns follow the value columns.
  if (query.partitionBy) {
    if (query.groupBy) throw new SqlStatementError('SQL_INVALID_QUERY', 'PARTITION BY cannot be combined with GROUP BY: the result of an aggregation is keyed by its GROUP BY expressions.');
    const planned = planPartitionBy(query.partitionBy, step, scope, keys, isTable, window, ctx);
    rekeyed = rekeyed || planned.step !== step;
    step = planned.step;
    keys = planned.keys;
    scope = planned.scope;
  }

  // A projected PARTITION BY expression is the key column its PARTITION BY named (KSQL_COL_n).
  const keyNames = new Map<string, string>();
  if (query.partitionBy && step.kind === 'StreamSelectKey') {
    const named = step.schema.key;
    keys.forEach((k, i) => {
      const name = named[i]?.name;
      if (name?.startsWith('KSQL_COL_')) for (const t of k.equivalents) keyNames.set(t, name);
    });
  }
  const columns = expandSelect(query.select, scope, ctx, { windowBounds: query.window !== undefined && query.groupBy !== undefined, keyNames });

  // Table functions: each call becomes a column the flat map appends to the row.
  const tableCalls = new Map<string, { name: string; call: FunctionCall; type: SqlType }>();
  for (const c of columns) {
    for (const x of nodesOf(c.expression)) {
      if (x.kind !== 'FunctionCall' || !functions.isTableFunction(x.name)) continue;
      const text = scope.text(x);
      if (tableCalls.has(text)) continue;
      const argTypes = x.args.map((a) => compileExpression(a, scope.withClause('SELECT'), ctx.compile).type);
      const resolved = functions.resolveTableFunction(x.name, argTypes, { config: ctx.compile.config ?? {} });
      tableCalls.set(text, { name: `KSQL_SYNTH_${tableCalls.size}`, call: x, type: resolved.returnType });
    }
  }
  if (tableCalls.size > 0) {
    if (query.groupBy) throw new SqlStatementError('SQL_UNSUPPORTED', 'Table functions (EXPLODE …) cannot be used with GROUP BY.');
    if (isTable) throw new SqlStatementError('SQL_UNSUPPORTED', 'Table functions (EXPLODE …) are only supported on streams.');
    const base = step.schema.value.length;
    const added = [...tableCalls.entries()];
    const flatMap: FlatMapStep = {
      kind: 'StreamFlatMap',
      id: 'FlatMap',
      source: step,
      tableFunctions: added.map(([text, t]) => ({ name: t.name, expression: text })),
      schema: { ...step.schema, value: [...step.schema.value, ...added.map(([, t]) => ({ name: t.name, type: t.type }))] },
    };
    const entries: ScopeEntry[] = [...scope.entries, ...added.map(([, t], i) => ({ name: t.name, rowName: t.name, index: base + i, type: t.type, hidden: true }))];
    const outer = scope;
    scope = new RowScope(entries);
    for (const c of columns) {
      c.expression = rewrite(c.expression, (x) => {
        if (x.kind !== 'FunctionCall' || !functions.isTableFunction(x.name)) return undefined;
        return { kind: 'ColumnRef', name: tableCalls.get(outer.text(x))!.name, loc: x.loc };
      });
    }
    step = flatMap;
  }

  const aggregating = query.groupBy !== undefined || columns.some((c) => containsAggregate(c.expression, ctx)) || (query.having !== undefined && containsAggregate(query.having, ctx));
  if (aggregating) {
    // A push query may aggregate without GROUP BY: every row is in one group (of a constant key).
    const groupBy = query.groupBy ?? (options.persistent ? undefined : [{ kind: 'IntegerLiteral' as const, value: 1, loc: query.loc }]);
    if (!groupBy) {
      const call = columns.flatMap((c) => nodesOf(c.expression)).find((x) => x.kind === 'FunctionCall' && functions.isAggregate(x.name));
      throw new SqlStatementError(
        'SQL_INVALID_AGGREGATION',
        `CREATE TABLE AS SELECT statement does not support aggregate function [${call ? formatExpressionForMessage(call) : 'HAVING'}] without a GROUP BY clause.`,
      );
    }
    const agg = planAggregation(
      {
        relation,
        step,
        scope,
        groupBy,
        ...(query.window ? { window: query.window } : {}),
        selects: columns.map((c) => c.expression),
        ...(query.having ? { having: query.having } : {}),
      },
      ctx,
    );
    columns.forEach((c, i) => (c.expression = agg.selects[i]!));
    step = agg.step;
    scope = agg.scope;
    keys = agg.keys;
    isTable = true;
    window = agg.window;
    rekeyed = rekeyed || agg.step.source.kind !== 'StreamGroupByKey';
    if (agg.having) {
      const having = agg.having;
      const type = inClause('HAVING', () => compileExpression(having, scope.withClause('HAVING'), ctx.compile).type, agg.columnTexts);
      if (type.kind !== 'BOOLEAN') {
        throw new SqlStatementError('SQL_INVALID_QUERY', `Type error in HAVING expression: Should evaluate to boolean but is ${formatSqlType(type)} instead.`);
      }
      step = { kind: 'TableFilter', id: 'HavingFilter', source: step, predicate: scope.text(agg.having), clause: 'HAVING', schema: step.schema };
    }
    if (query.emit === 'FINAL') {
      if (!agg.window) throw new SqlStatementError('SQL_INVALID_QUERY', 'EMIT FINAL is only supported for windowed aggregations.');
      step = { kind: 'TableSuppress', id: 'Suppress', source: step, schema: step.schema };
    }
  } else {
    if (query.window) throw new SqlStatementError('SQL_INVALID_QUERY', 'WINDOW clause requires a GROUP BY clause.');
    if (query.having) throw new SqlStatementError('SQL_INVALID_QUERY', 'HAVING clause requires a GROUP BY clause.');
    if (query.emit === 'FINAL') throw new SqlStatementError('SQL_INVALID_QUERY', 'EMIT FINAL is only supported for windowed aggregations.');
  }

  // The projection.
  const texts = columns.map((c) => scope.text(c.expression));
  const types = columns.map((c) => compileExpression(c.expression, scope.withClause('SELECT'), ctx.compile).type);
  types.forEach((t, i) => {
    if (t.kind === 'NULL') {
      throw new SqlStatementError('SQL_INVALID_QUERY', `Can't infer a type of null. Please explicitly cast it to a required type, e.g. CAST(null AS VARCHAR). Column: ${columns[i]!.name}`);
    }
  });
  if (options.persistent) checkReservedNames(columns);
  let keyColumns: PlanColumn[];
  let valueIndexes: readonly number[];
  if (options.persistent) {
    // ksqlDB's new planner (ksql.new.query.planner.enabled) plans a plain stream projection on its
    // own: the key is the key columns the SELECT lists, in its order, and may lose some or all.
    const projectedKeysOnly = ctx.config.getBoolean('ksql.new.query.planner.enabled') === true && !aggregating && !isTable && relation.sources.length === 1 && !query.partitionBy;
    const matched = matchKeys(columns, texts, keys, options.sinkName, { projectedKeysOnly });
    keyColumns = matched.keyColumns.map((k) => ({ name: k.name, type: types[k.selectIndex]! }));
    valueIndexes = matched.valueIndexes;
    const keyTexts = matched.keyColumns.map((k) => texts[k.selectIndex]!);
    const keyChanged = keyTexts.length !== keys.length || keyTexts.some((t, i) => !keys[i]!.equivalents.includes(t));
    if (projectedKeysOnly && keyChanged) {
      // The record key becomes the projected key columns (no repartition: nothing downstream groups by it).
      step = { kind: 'StreamSelectKey', id: 'SelectKey', source: step, keyExpressions: keyTexts, repartition: false, schema: { key: keyColumns, value: step.schema.value } };
      rekeyed = true;
    }
  } else {
    keyColumns = step.schema.key.map((k) => ({ ...k }));
    valueIndexes = columns.map((_, i) => i);
  }
  const valueColumns = valueIndexes.map((i) => ({ name: columns[i]!.name, type: types[i]! }));
  if (valueColumns.length === 0) throw new SqlStatementError('SQL_INVALID_QUERY', 'The projection contains no value columns.');
  // A transient result is its projection: the upstream key columns are not part of it.
  checkDuplicates(options.persistent ? keyColumns : [], valueColumns);
  const select: SelectStep = {
    kind: isTable ? 'TableSelect' : 'StreamSelect',
    id: 'Project',
    source: step,
    selects: valueIndexes.map((i) => ({ name: columns[i]!.name, expression: texts[i]! })),
    schema: { key: keyColumns, value: valueColumns, ...(step.schema.window ? { window: step.schema.window } : {}) },
  };
  return {
    step: select,
    resultType: isTable ? 'TABLE' : 'STREAM',
    ...(window ? { window } : {}),
    primary: relation.primary,
    partitions: relation.partitions,
    sources: [...new Set(relation.sources.map((s) => s.source.name))],
    rekeyed,
  };
}

function planPartitionBy(
  exprs: readonly Expression[],
  step: Step,
  scope: RowScope,
  keys: readonly KeyColumnInfo[],
  isTable: boolean,
  window: WindowInfo | undefined,
  ctx: PlannerContext,
): { step: Step; keys: KeyColumnInfo[]; scope: RowScope } {
  if (exprs.length === 0) throw new SqlStatementError('SQL_INVALID_QUERY', 'PARTITION BY requires at least one expression');
  if (isTable) throw new SqlStatementError('SQL_UNSUPPORTED', 'PARTITION BY is only supported on streams: a table is keyed by its PRIMARY KEY.');
  const nulls = exprs.filter((e) => e.kind === 'NullLiteral').length;
  if (nulls > 0 && exprs.length > 1) throw new SqlStatementError('SQL_INVALID_QUERY', 'Cannot PARTITION BY multiple columns including NULL');
  if (window) throw new SqlStatementError('SQL_UNSUPPORTED', 'Implicit repartitioning of windowed sources is not supported. See https://github.com/confluentinc/ksql/issues/4385.');
  const clauseScope = scope.withClause('PARTITION BY');
  // A joined row's pseudo columns are ordinary columns of it (`L_ROWTIME` …): once the row is
  // re-keyed, ksqlDB's `*` lists them like the others.
  const joined = scope.qualifiers.size > 1;
  const listed = (e: ScopeEntry): boolean => !e.hidden || (joined && e.qualifier !== undefined);
  /**
   * The scope with new key entries first, then the row's other columns in their order in the row
   * (a source's values, then its old key columns; after a join each side's columns in turn),
   * then the hidden ones.
   */
  const reordered = (newKeys: ScopeEntry[], replaced: Set<number>): RowScope => {
    const rest = scope.entries.filter((e) => !replaced.has(e.index));
    const shown = rest.filter(listed).sort((a, b) => a.index - b.index);
    return new RowScope([...newKeys, ...shown.map(({ hidden: _, ...e }) => e), ...rest.filter((e) => !listed(e))]);
  };
  if (nulls === 1) {
    const selectKey: SelectKeyStep = { kind: 'StreamSelectKey', id: 'PartitionBy-SelectKey', source: step, keyExpressions: [], repartition: false, schema: { key: [], value: step.schema.value } };
    return { step: selectKey, keys: [], scope: reordered([], new Set()) };
  }
  for (const e of exprs) {
    const call = nodesOf(e).find((x) => x.kind === 'FunctionCall' && ctx.compile.functions.isAggregate(x.name));
    if (call) throw new SqlStatementError('SQL_INVALID_QUERY', `PARTITION BY does not support aggregate functions: ${formatExpressionForMessage(call)}.`);
  }
  const texts = exprs.map((e) => clauseScope.text(e));
  const types = exprs.map((e) => compileExpression(e, clauseScope, ctx.compile).type);
  const infos = (equivalents: (i: number) => string[]): KeyColumnInfo[] =>
    exprs.map((e, i) => ({ equivalents: equivalents(i), names: [formatExpressionForMessage(scope.qualify(e))], kind: 'partitioning expression', type: types[i]! }));
  const same = keys.length === texts.length && keys.every((k, i) => k.equivalents.includes(texts[i]!));
  if (same) return { step, keys: infos((i) => [...new Set([texts[i]!, ...keys[i]!.equivalents])]), scope };

  // The new key's values are appended to the row, so the key columns can be read as columns.
  const base = step.schema.value.length;
  const names = new NameGenerator(new Set(scope.entries.flatMap((e) => [e.name, e.rowName])));
  const replaced = new Set<number>();
  const newEntries: ScopeEntry[] = exprs.map((e, i) => {
    const rowName = `KSQL_PARTITION_KEY_${i}`;
    if (e.kind === 'ColumnRef') {
      // A column, or a pseudo column (ROWTIME …), names the key column after itself.
      const entry = clauseScope.entry(e);
      replaced.add(entry.index);
      const pseudo = isReservedColumnName(entry.name);
      return { ...(entry.qualifier !== undefined && !pseudo ? { qualifier: entry.qualifier } : {}), name: entry.name, rowName, index: base + i, type: types[i]! };
    }
    // A struct field keeps its field's name, as ksqlDB names it.
    const own = e.kind === 'Dereference' ? e.field : undefined;
    if (own !== undefined && !scope.entries.some((x) => x.name === own && !x.hidden)) {
      names.take(own);
      return { name: own, rowName, index: base + i, type: types[i]! };
    }
    return { name: names.column(), rowName, index: base + i, type: types[i]! };
  });
  const selectKey: SelectKeyStep = {
    kind: 'StreamSelectKey',
    id: 'PartitionBy-SelectKey',
    source: step,
    keyExpressions: texts,
    repartition: false,
    appendKeys: true,
    schema: { key: newEntries.map((e) => ({ name: e.name, type: e.type })), value: [...step.schema.value, ...newEntries.map((e) => ({ name: e.rowName, type: e.type }))] },
  };
  return { step: selectKey, keys: infos((i) => [texts[i]!, columnText(newEntries[i]!.rowName)]), scope: reordered(newEntries, replaced) };
}

/**
 * Type-checks a WHERE or HAVING expression, saying which clause a type error is in, as ksqlDB
 * does; the aggregation's generated columns are named by what they compute.
 */
function inClause<T>(clause: 'WHERE' | 'HAVING', check: () => T, columnTexts?: ReadonlyMap<string, string>): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof SqlTypeError)) throw error;
    const message = columnTexts ? error.message.replace(/\b(KSQL_AGG_VARIABLE_\d+|KSQL_GROUPBY_\d+)\b/g, (name) => columnTexts.get(name) ?? name) : error.message;
    throw new SqlStatementError('SQL_INVALID_QUERY', `Error in ${clause} expression: ${message}`, { cause: error });
  }
}

function checkDuplicates(keys: readonly PlanColumn[], values: readonly PlanColumn[]): void {
  const seen = new Set<string>();
  for (const c of [...keys, ...values]) {
    if (seen.has(c.name)) {
      const isKey = keys.includes(c);
      throw new SqlStatementError('SQL_INVALID_QUERY', `Duplicate ${isKey ? 'key' : 'value'} columns found in schema: \`${c.name}\` ${formatSqlType(c.type)}`);
    }
    seen.add(c.name);
  }
}
