/**
 * FROM: sources and joins, planned to the steps that produce the joined row, with the scope that
 * resolves column names against it and what is known about its key.
 *
 * Joins follow ksqlDB: equi-joins only; a stream is repartitioned onto the join expression when
 * its key is not already that expression; a table never is (a table-table join on a non-key
 * column of the left table is a foreign-key join); the joined row is the left row then the
 * right row, each column named `<alias>_<column>`; when the join key is no column of either
 * side (an expression, or a FULL OUTER join, where either side may be missing) it is a synthetic
 * key column, ROWKEY.
 */
import type { Comparison, Expression } from '../ast/expressions.js';
import type { AliasedSource, Join, JoinWindow, Relation as RelationAst } from '../ast/statements.js';
import { durationMillis } from '../ast/statements.js';
import type { DataSource, WindowInfo } from '../catalog/data-source.js';
import { WINDOWEND, WINDOWSTART } from '../catalog/logical-schema.js';
import { SqlStatementError } from '../catalog/errors.js';
import { compileExpression } from '../codegen/compile-expression.js';
import { getFormat } from '../formats/formats.js';
import { formatSqlType, typeEquals, type SqlType } from '../types/sql-type.js';
import type { PlannerContext } from './plan-context.js';
import { columnText, RowScope, type ScopeEntry } from './row-scope.js';
import { nodesOf } from './rewrite.js';
import { sourceLayout, sourceScopeEntries, sourceStepSchema } from './source-rows.js';
import type { JoinStep, ForeignKeyJoinStep, SelectKeyStep, SourceStep, Step, JoinType } from './steps.js';
import { ksqlExpressionText } from './ksql-text.js';

export type KeyKind = 'key column' | 'join expression' | 'partitioning expression' | 'grouping expression';

export interface KeyColumnInfo {
  /** Canonical texts (over the current row) of the expressions the key column equals. */
  readonly equivalents: readonly string[];
  /** The expressions as messages name them (`L.A`, `ABS(INPUT.ID)`). */
  readonly names: readonly string[];
  readonly kind: KeyKind;
  readonly type: SqlType;
  /** A note messages add (why a synthetic key exists). */
  readonly note?: string;
}

export interface PlannedRelation {
  readonly step: Step;
  readonly scope: RowScope;
  readonly sources: readonly { readonly source: DataSource; readonly alias: string }[];
  readonly isTable: boolean;
  readonly window?: WindowInfo;
  readonly keys: readonly KeyColumnInfo[];
  /** The left-most source: the result's formats and partition count default to its. */
  readonly primary: DataSource;
  /** The partition count of the topic(s) the rows come from. */
  readonly partitions: number | undefined;
  /** Whether the rows went through a repartition (their partition count is the engine's choice). */
  readonly repartitioned: boolean;
}

const DEFAULT_GRACE_MS = 24 * 60 * 60 * 1000;

export class RelationPlanner {
  private joins = 0;

  constructor(private readonly ctx: PlannerContext) {}

  plan(relation: RelationAst): PlannedRelation {
    return relation.kind === 'AliasedSource' ? this.source(relation) : this.join(relation);
  }

  source(ast: AliasedSource): PlannedRelation {
    const source = this.ctx.metaStore.getSource(ast.name);
    if (!source) throw new SqlStatementError('SQL_UNKNOWN_SOURCE', `${ast.name} does not exist.`);
    const alias = ast.alias ?? ast.name;
    const step: SourceStep = {
      kind: source.sourceType === 'STREAM' ? 'StreamSource' : 'TableSource',
      id: `KsqlTopic/Source/${alias}`,
      schema: sourceStepSchema(source),
      sourceName: source.name,
      topic: source.topic,
      formats: { key: source.keyFormat, value: source.valueFormat },
      layout: sourceLayout(source),
      ...(source.timestamp ? { timestamp: source.timestamp } : {}),
      ...(source.window ? { window: source.window } : {}),
    };
    const scope = new RowScope(sourceScopeEntries(source, alias, { windowBoundsInStar: this.ctx.transient === true }));
    const keys: KeyColumnInfo[] = source.schema.key.map((c) => ({
      equivalents: [columnText(c.name)],
      names: [c.name],
      kind: 'key column',
      type: c.type,
    }));
    return {
      step,
      scope,
      sources: [{ source, alias }],
      isTable: source.sourceType === 'TABLE',
      ...(source.window ? { window: source.window } : {}),
      keys,
      primary: source,
      partitions: this.ctx.partitionsOf(source.topic),
      repartitioned: false,
    };
  }

  private join(ast: Join): PlannedRelation {
    const left = this.plan(ast.left);
    const right = this.source(ast.right);
    const id = `Join${this.joins++ === 0 ? '' : this.joins - 1}`;
    const leftAliases = new Set(left.sources.map((s) => s.alias));
    if (leftAliases.has(right.sources[0]!.alias)) {
      throw new SqlStatementError('SQL_INVALID_JOIN', `Can not join a source to itself without an alias: ${right.sources[0]!.alias}. Give each side its own alias (FROM s AS a JOIN s AS b …).`);
    }
    this.checkFormats(left, right);
    this.checkWindows(left, right);
    const { leftExpr, rightExpr } = this.criteria(ast.on, left, right);
    const joinType = joinTypeOf(ast.joinType);
    const leftType = this.typeIn(leftExpr, left);
    const rightType = this.typeIn(rightExpr, right);
    if (!typeEquals(leftType, rightType)) {
      throw new SqlStatementError(
        'SQL_INVALID_JOIN',
        `Invalid join condition: types don't match. Got ${ksqlExpressionText(leftExpr)}{${formatSqlType(leftType)}} = ${ksqlExpressionText(rightExpr)}{${formatSqlType(rightType)}}.`,
      );
    }
    const leftIsKey = isKey(left, leftExpr);
    const rightIsKey = isKey(right, rightExpr);

    if (left.isTable && !right.isTable) {
      throw new SqlStatementError(
        'SQL_INVALID_JOIN',
        `Invalid join order: table-stream joins are not supported; only stream-table joins. Got ${describeSide(left)} ${ast.joinType === 'INNER' ? '' : `${ast.joinType} `}JOIN ${describeSide(right)}.`,
      );
    }
    if (left.isTable && right.isTable) {
      if (ast.within) {
        throw new SqlStatementError(
          'SQL_INVALID_JOIN',
          'A window definition was provided for a Table-Table join. These joins are not windowed. Please drop the window definition (ie. the WITHIN clause) and try to execute your Table-Table join again.',
        );
      }
      if (!rightIsKey) {
        throw new SqlStatementError(
          'SQL_INVALID_JOIN',
          `Invalid join condition: table-table joins require to join on the primary key of the right input table. Got ${ksqlExpressionText(leftExpr)} = ${ksqlExpressionText(rightExpr)}.`,
        );
      }
      if (!leftIsKey) return this.foreignKeyJoin(id, ast, left, right, leftExpr, joinType);
    }
    if (!left.isTable && right.isTable) {
      if (ast.within) {
        throw new SqlStatementError(
          'SQL_INVALID_JOIN',
          'A window definition was provided for a Stream-Table join. These joins are not windowed. Please drop the window definition (i.e. the WITHIN clause) and try to execute your join again.',
        );
      }
      if (!rightIsKey) {
        throw new SqlStatementError(
          'SQL_INVALID_JOIN',
          `Cannot repartition a TABLE source. If this is a join, make sure that the criteria uses the TABLE's key column ${right.keys.map((k) => k.names[0]).join(', ')} instead of ${ksqlExpressionText(rightExpr)}`,
        );
      }
      if (joinType === 'OUTER' || joinType === 'RIGHT') {
        throw new SqlStatementError('SQL_INVALID_JOIN', `Invalid join type: full-outer join not supported for Stream-Table join. Got ${describeSide(left)} ${ast.joinType} JOIN ${describeSide(right)}.`);
      }
    }
    if (!left.isTable && !right.isTable && !ast.within) {
      throw new SqlStatementError(
        'SQL_INVALID_JOIN',
        'Stream-Stream joins must have a WITHIN clause specified. None was provided. To learn about how to specify a WITHIN clause with a stream-stream join, please visit: https://docs.confluent.io/current/ksql/docs/syntax-reference.html#create-stream-as-select',
      );
    }

    const l = leftIsKey ? left : this.repartition(left, leftExpr, `${id}/LeftSourceKeyed`);
    const r = rightIsKey ? right : this.repartition(right, rightExpr, `${id}/RightSourceKeyed`);
    if (!l.repartitioned && !r.repartitioned && l.partitions !== undefined && r.partitions !== undefined && l.partitions !== r.partitions) {
      const ln = left.sources.map((s) => s.source.name).join(', ');
      const rn = right.sources[0]!.source.name;
      throw new SqlStatementError(
        'SQL_INVALID_JOIN',
        `Can't join \`${ln}\` with \`${rn}\` since the number of partitions don't match. \`${ln}\` partitions = ${l.partitions}; \`${rn}\` partitions = ${r.partitions}. Please repartition either one so that the number of partitions match.`,
      );
    }

    // The key is a column of the result when one side of the criteria is a column (either side may
    // be missing in a FULL OUTER join, so there it is always a synthetic column).
    const synthetic = joinType === 'OUTER' || (leftExpr.kind !== 'ColumnRef' && rightExpr.kind !== 'ColumnRef');
    const keyExpr = leftExpr.kind === 'ColumnRef' ? leftExpr : rightExpr;
    const lEntries = prefixed(l);
    const rEntries = prefixed(r).map((e) => ({ ...e, index: e.index + lEntries.length }));
    const entries: ScopeEntry[] = [...lEntries, ...rEntries];
    const syntheticName = synthetic ? syntheticKeyName(entries) : undefined;
    if (syntheticName) entries.unshift({ name: syntheticName, rowName: syntheticName, index: lEntries.length + rEntries.length, type: leftType });
    const scope = new RowScope(entries);
    const keyType = leftType;
    const keys: KeyColumnInfo[] = syntheticName
      ? [
          {
            equivalents: [columnText(syntheticName)],
            names: [syntheticName],
            kind: 'join expression',
            type: keyType,
            note: `${syntheticName} was added as a synthetic key column because the join criteria did not match any source column.`,
          },
        ]
      : [
          {
            equivalents: [scope.text(leftExpr), scope.text(rightExpr)],
            names: [ksqlExpressionText(leftExpr), ksqlExpressionText(rightExpr)],
            kind: 'join expression',
            type: keyType,
          },
        ];
    const window = ast.within;
    const kind = l.isTable ? 'TableTableJoin' : r.isTable ? 'StreamTableJoin' : 'StreamStreamJoin';
    const step: JoinStep = {
      kind,
      id,
      joinType,
      left: l.step,
      right: r.step,
      schema: {
        key: [{ name: syntheticName ?? scope.entry(keyExpr as Extract<Expression, { kind: 'ColumnRef' }>).rowName, type: keyType }],
        value: scope.columns(),
        ...(l.window ? { window: l.window } : {}),
      },
      ...(kind === 'StreamStreamJoin' ? windowOf(window!) : {}),
      ...(syntheticName ? { syntheticKey: syntheticName } : {}),
    };
    return {
      step,
      scope,
      sources: [...left.sources, ...right.sources],
      isTable: kind === 'TableTableJoin',
      ...(l.window ? { window: l.window } : {}),
      keys,
      primary: left.primary,
      partitions: l.partitions ?? r.partitions,
      repartitioned: l.repartitioned || r.repartitioned,
    };
  }

  private foreignKeyJoin(id: string, ast: Join, left: PlannedRelation, right: PlannedRelation, leftExpr: Expression, joinType: JoinType): PlannedRelation {
    if (joinType !== 'INNER' && joinType !== 'LEFT') {
      throw new SqlStatementError('SQL_INVALID_JOIN', `Invalid join type: ${ast.joinType} join not supported for foreign-key table-table join. Got ${describeSide(left)} ${ast.joinType} JOIN ${describeSide(right)}.`);
    }
    if (left.window || right.window) throw new SqlStatementError('SQL_INVALID_JOIN', 'Foreign-key table-table joins are not supported on windowed tables.');
    const lEntries = prefixed(left);
    const rEntries = prefixed(right).map((e) => ({ ...e, index: e.index + lEntries.length }));
    const scope = new RowScope([...lEntries, ...rEntries]);
    const keys = left.keys.map((k) => ({
      ...k,
      equivalents: k.equivalents.map((eq) => {
        const entry = lEntries.find((e) => left.scope.entries.some((o) => o.index === e.index && columnText(o.rowName) === eq));
        return entry ? columnText(entry.rowName) : eq;
      }),
    }));
    const step: ForeignKeyJoinStep = {
      kind: 'ForeignKeyTableTableJoin',
      id,
      joinType,
      left: left.step,
      right: right.step,
      foreignKeyExpression: left.scope.text(leftExpr),
      schema: { key: left.step.schema.key.map((c, i) => ({ name: keys[i]?.equivalents[0] ?? c.name, type: c.type })), value: scope.columns() },
    };
    return {
      step,
      scope,
      sources: [...left.sources, ...right.sources],
      isTable: true,
      keys,
      primary: left.primary,
      partitions: left.partitions,
      repartitioned: left.repartitioned,
    };
  }

  /** Re-keys a stream side onto its join expression (through a repartition topic). */
  private repartition(side: PlannedRelation, expr: Expression, id: string): PlannedRelation {
    if (side.isTable) {
      throw new SqlStatementError(
        'SQL_INVALID_JOIN',
        `Cannot repartition a TABLE source. If this is a join, make sure that the criteria uses the TABLE's key column ${side.keys.map((k) => k.names[0]).join(', ')} instead of ${ksqlExpressionText(expr)}`,
      );
    }
    if (side.window) {
      throw new SqlStatementError('SQL_INVALID_JOIN', 'Implicit repartitioning of windowed sources is not supported. See https://github.com/confluentinc/ksql/issues/4385.');
    }
    const text = side.scope.text(expr);
    const type = this.typeIn(expr, side);
    const step: SelectKeyStep = {
      kind: 'StreamSelectKey',
      id,
      source: side.step,
      keyExpressions: [text],
      repartition: true,
      schema: { key: [{ name: 'ROWKEY', type }], value: side.step.schema.value },
    };
    return {
      ...side,
      step,
      keys: [{ equivalents: [text], names: [ksqlExpressionText(expr)], kind: 'join expression', type }],
      repartitioned: true,
    };
  }

  private typeIn(expr: Expression, side: PlannedRelation): SqlType {
    return compileExpression(expr, side.scope, this.ctx.compile).type;
  }

  /** Splits `ON a = b` into the left side's and the right side's expression. */
  private criteria(on: Expression, left: PlannedRelation, right: PlannedRelation): { leftExpr: Expression; rightExpr: Expression } {
    if (on.kind !== 'Comparison' || on.operator !== '=') {
      throw new SqlStatementError(
        'SQL_INVALID_JOIN',
        `Unsupported join expression: ${ksqlExpressionText(on)}. Only equi-joins (ON a = b) are supported, with one side of the comparison from each source.`,
      );
    }
    const cmp = on as Comparison;
    const a = this.sideOf(cmp.left, cmp, left, right);
    const b = this.sideOf(cmp.right, cmp, left, right);
    if (a === b) {
      throw new SqlStatementError(
        'SQL_INVALID_JOIN',
        `Each side of the join must reference exactly one source and not the same source. Left side references ${describeRefs(cmp.left, left, right)} and right references ${describeRefs(cmp.right, left, right)}`,
      );
    }
    return a === 'left' ? { leftExpr: cmp.left, rightExpr: cmp.right } : { leftExpr: cmp.right, rightExpr: cmp.left };
  }

  private sideOf(e: Expression, on: Comparison, left: PlannedRelation, right: PlannedRelation): 'left' | 'right' {
    const refs = nodesOf(e).filter((x) => x.kind === 'ColumnRef');
    const resolves = (side: PlannedRelation) => {
      try {
        for (const r of refs) side.scope.entry(r as never);
        return true;
      } catch {
        return false;
      }
    };
    const inLeft = refs.length > 0 && resolves(left);
    const inRight = refs.length > 0 && resolves(right);
    if (inLeft === inRight) {
      if (refs.length > 0 && !inLeft) {
        // Let the scope say what is wrong with the reference (unknown alias or column).
        const combined = new RowScope([...left.scope.entries, ...right.scope.entries]);
        for (const r of refs) combined.entry(r as never);
      }
      throw new SqlStatementError(
        'SQL_INVALID_JOIN',
        `Invalid comparison expression '${ksqlExpressionText(e)}' in join '${ksqlExpressionText(on)}'. Each side of the join comparision must contain references from exactly one source.`,
      );
    }
    return inLeft ? 'left' : 'right';
  }

  private checkFormats(left: PlannedRelation, right: PlannedRelation): void {
    const kafka = [...left.sources, ...right.sources].filter((s) => s.source.valueFormat.format === 'KAFKA').map((s) => s.source.name);
    if (kafka.length > 0) {
      throw new SqlStatementError('SQL_INVALID_JOIN', `Source(s) ${kafka.join(', ')} are using the 'KAFKA' value format. This format does not yet support JOIN.`);
    }
  }

  private checkWindows(left: PlannedRelation, right: PlannedRelation): void {
    const lw = left.window;
    const rw = right.window;
    if ((lw === undefined) === (rw === undefined)) {
      if (lw && rw && (lw.type === 'SESSION') !== (rw.type === 'SESSION')) {
        throw new SqlStatementError(
          'SQL_INVALID_JOIN',
          `Incompatible windowed sources.\n${describeWindow(left)}\n${describeWindow(right)}`,
        );
      }
      // Windowed keys of different windows (or formats) are different key formats, and ksqlDB
      // would repartition one side into the other's, which it cannot do for windowed keys. With a
      // schema-registry key format both sides are repartitioned anyway (their keys are compared as
      // key and window start), so there the windows may differ.
      if (lw && rw) {
        const lk = left.primary.keyFormat.format;
        const rk = right.primary.keyFormat.format;
        const registry = getFormat(lk).usesSchemaRegistry || getFormat(rk).usesSchemaRegistry;
        if (!registry && (lk !== rk || lw.type !== rw.type || lw.sizeMs !== rw.sizeMs)) {
          throw new SqlStatementError('SQL_INVALID_JOIN', 'Implicit repartitioning of windowed sources is not supported. See https://github.com/confluentinc/ksql/issues/4385.');
        }
      }
      return;
    }
    throw new SqlStatementError('SQL_INVALID_JOIN', `Can not join windowed source to non-windowed source.\n${describeWindow(left)}\n${describeWindow(right)}`);
  }
}

function describeWindow(side: PlannedRelation): string {
  const name = side.sources.length === 1 ? side.sources[0]!.source.name : side.sources.map((s) => s.source.name).join(', ');
  return side.window ? `\`${name}\` is ${side.window.type} windowed` : `\`${name}\` is not windowed`;
}

function describeSide(side: PlannedRelation): string {
  return side.sources.map((s) => s.source.name).join(', ');
}

function describeRefs(e: Expression, left: PlannedRelation, right: PlannedRelation): string {
  const names = new Set<string>();
  for (const r of nodesOf(e)) {
    if (r.kind !== 'ColumnRef') continue;
    for (const side of [left, right]) {
      try {
        const entry = side.scope.entry(r);
        if (entry.qualifier) names.add(entry.qualifier);
      } catch {
        // not this side
      }
    }
  }
  return `[${[...names].join(', ')}]`;
}

function joinTypeOf(t: Join['joinType']): JoinType {
  return t === 'FULL' ? 'OUTER' : t;
}

function windowOf(w: JoinWindow): { beforeMs: number; afterMs: number; graceMs: number; legacyWindow?: boolean } {
  return { beforeMs: durationMillis(w.before), afterMs: durationMillis(w.after), graceMs: w.grace ? durationMillis(w.grace) : DEFAULT_GRACE_MS, ...(w.grace ? {} : { legacyWindow: true }) };
}

function isKey(side: PlannedRelation, expr: Expression): boolean {
  if (side.keys.length !== 1) return false;
  let text: string;
  try {
    text = side.scope.text(expr);
  } catch {
    return false;
  }
  return side.keys[0]!.equivalents.includes(text);
}

/** A join side's entries, named `<alias>_<column>` (a side that is itself a join already is). */
function prefixed(side: PlannedRelation): ScopeEntry[] {
  if (side.sources.length > 1) return [...side.scope.entries];
  return side.scope.entries.map((e) => {
    if (e.qualifier === undefined) return e;
    const entry = { ...e, rowName: `${e.qualifier}_${e.name}` };
    // A windowed source's bounds are columns of the joined row (`S1_WINDOWSTART` …), listed by `*`.
    if (side.window && (e.name === WINDOWSTART || e.name === WINDOWEND)) delete entry.hidden;
    return entry;
  });
}

function syntheticKeyName(entries: readonly ScopeEntry[]): string {
  const taken = new Set(entries.flatMap((e) => [e.name, e.rowName]));
  if (!taken.has('ROWKEY')) return 'ROWKEY';
  for (let i = 1; ; i++) if (!taken.has(`ROWKEY_${i}`)) return `ROWKEY_${i}`;
}
