/**
 * The physical plan of a query: a tree of steps, plain JSON (EXPLAIN prints it; the runtime
 * builds it into a topology with an exhaustive switch on `kind`). Expressions are SQL text over
 * the column names of the step's input row, so a plan reads like what it does and survives a
 * restart without any object identity.
 *
 * Every step states the schema of what it emits: the key columns (the record key, a row of
 * values) and the value columns (the record value, a row of values, which is also what
 * expressions read). Sources put copies of the key columns and the pseudo columns (ROWTIME,
 * ROWPARTITION, ROWOFFSET, WINDOWSTART, WINDOWEND) into the value row, as ksqlDB does, so every
 * later step reads them like any column, even after a repartition.
 */
import type { FormatInfo, TimestampColumn, WindowInfo } from '../catalog/data-source.js';
import type { SqlType } from '../types/sql-type.js';

export interface PlanColumn {
  readonly name: string;
  readonly type: SqlType;
}

export interface StepSchema {
  readonly key: readonly PlanColumn[];
  readonly value: readonly PlanColumn[];
  /** Keys are windowed (Windowed<row>): tumbling/hopping or session. */
  readonly window?: WindowInfo;
}

export interface Formats {
  readonly key: FormatInfo;
  readonly value: FormatInfo;
}

/** How a source's value row is laid out: which value slot each part of the record fills. */
export interface SourceLayout {
  /** Columns the value format holds, in the row's first slots. */
  readonly valueColumns: readonly PlanColumn[];
  /** HEADER('k') columns (key set) and HEADERS columns (key absent), after the value columns. */
  readonly headerColumns: readonly (PlanColumn & { readonly headerKey?: string })[];
  /** The key columns, copied into the value row after the pseudo columns. */
  readonly keyColumns: readonly PlanColumn[];
}

interface StepBase {
  /** Unique within the plan; names the processors ksqlDB-style (`Aggregate-GroupBy`). */
  readonly id: string;
  readonly schema: StepSchema;
}

export interface SourceStep extends StepBase {
  readonly kind: 'StreamSource' | 'TableSource';
  readonly sourceName: string;
  readonly topic: string;
  readonly formats: Formats;
  readonly layout: SourceLayout;
  readonly timestamp?: TimestampColumn;
  readonly window?: WindowInfo;
}

export interface FilterStep extends StepBase {
  readonly kind: 'StreamFilter' | 'TableFilter';
  readonly source: Step;
  readonly predicate: string;
  /** Which clause the predicate is (WHERE or HAVING): messages and the processing log name it. */
  readonly clause: 'WHERE' | 'HAVING';
}

export interface SelectExpression {
  readonly name: string;
  readonly expression: string;
}

/** The projection: the key passes through (renamed), value columns are computed. */
export interface SelectStep extends StepBase {
  readonly kind: 'StreamSelect' | 'TableSelect';
  readonly source: Step;
  readonly selects: readonly SelectExpression[];
}

/** PARTITION BY: a new key from expressions over the row (null allowed); the value row is unchanged. */
export interface SelectKeyStep extends StepBase {
  readonly kind: 'StreamSelectKey' | 'TableSelectKey';
  readonly source: Step;
  readonly keyExpressions: readonly string[];
  /** Whether the new key must go through a repartition topic here (before a join). */
  readonly repartition: boolean;
  /** PARTITION BY: the key's values are also appended to the value row (the schema's last columns). */
  readonly appendKeys?: boolean;
}

/** Table functions (EXPLODE …): one output row per produced value, the results appended to the row. */
export interface FlatMapStep extends StepBase {
  readonly kind: 'StreamFlatMap';
  readonly source: Step;
  readonly tableFunctions: readonly SelectExpression[];
}

export interface GroupByStep extends StepBase {
  readonly kind: 'StreamGroupBy' | 'StreamGroupByKey' | 'TableGroupBy';
  readonly source: Step;
  /** Empty for StreamGroupByKey. */
  readonly groupByExpressions: readonly string[];
}

export interface AggregateCall {
  /** The output column (KSQL_AGG_VARIABLE_n). */
  readonly name: string;
  readonly functionName: string;
  /** Column arguments, as expressions over the input row. */
  readonly args: readonly string[];
  /** Literal arguments after the columns (TOPK's k), as SQL literals. */
  readonly initArgs: readonly string[];
}

export interface WindowSpec {
  readonly type: 'TUMBLING' | 'HOPPING' | 'SESSION';
  readonly sizeMs: number;
  readonly advanceMs?: number;
  readonly graceMs?: number;
  readonly retentionMs?: number;
}

export interface AggregateStep extends StepBase {
  readonly kind: 'StreamAggregate' | 'TableAggregate' | 'StreamWindowedAggregate';
  readonly source: GroupByStep;
  readonly aggregations: readonly AggregateCall[];
  readonly window?: WindowSpec;
  /** Its state store (and changelog) name. */
  readonly storeName: string;
}

export type JoinType = 'INNER' | 'LEFT' | 'RIGHT' | 'OUTER';

export interface JoinStep extends StepBase {
  readonly kind: 'StreamStreamJoin' | 'StreamTableJoin' | 'TableTableJoin';
  readonly joinType: JoinType;
  readonly left: Step;
  readonly right: Step;
  /** Stream-stream joins: the window. */
  readonly beforeMs?: number;
  readonly afterMs?: number;
  readonly graceMs?: number;
  /** WITHIN without GRACE PERIOD: ksqlDB's legacy window, whose left/outer results with null come at once. */
  readonly legacyWindow?: boolean;
  /** When the join key is not a column of either side (FULL OUTER, expressions): the key is appended to the row under this name. */
  readonly syntheticKey?: string;
}

/** Table-table join on a foreign key: the left row's expression gives the right table's key. */
export interface ForeignKeyJoinStep extends StepBase {
  readonly kind: 'ForeignKeyTableTableJoin';
  readonly joinType: 'INNER' | 'LEFT';
  readonly left: Step;
  readonly right: Step;
  readonly foreignKeyExpression: string;
}

/** EMIT FINAL: results held back until their window closes. */
export interface SuppressStep extends StepBase {
  readonly kind: 'TableSuppress';
  readonly source: Step;
}

export interface SinkStep extends StepBase {
  readonly kind: 'StreamSink' | 'TableSink';
  readonly source: Step;
  readonly topic: string;
  readonly formats: Formats;
  /** TIMESTAMP='col' on the sink: output records take their timestamp from this value column. */
  readonly timestamp?: TimestampColumn;
}

export type Step =
  | SourceStep
  | FilterStep
  | SelectStep
  | SelectKeyStep
  | FlatMapStep
  | GroupByStep
  | AggregateStep
  | JoinStep
  | ForeignKeyJoinStep
  | SuppressStep
  | SinkStep;

export type StepKind = Step['kind'];

/** A persistent query's plan: what it reads, what it writes, and how. */
export interface QueryPlan {
  readonly queryId: string;
  readonly sink: SinkStep;
  /** The sources' names (the catalog's streams and tables it reads). */
  readonly sources: readonly string[];
}

export function isTableStep(step: Step): boolean {
  switch (step.kind) {
    case 'TableSource':
    case 'TableFilter':
    case 'TableSelect':
    case 'TableSelectKey':
    case 'TableGroupBy':
    case 'TableAggregate':
    case 'StreamAggregate':
    case 'StreamWindowedAggregate':
    case 'TableTableJoin':
    case 'ForeignKeyTableTableJoin':
    case 'TableSuppress':
    case 'TableSink':
      return true;
    default:
      return false;
  }
}

/** The steps a step reads. */
export function inputsOf(step: Step): Step[] {
  switch (step.kind) {
    case 'StreamSource':
    case 'TableSource':
      return [];
    case 'StreamStreamJoin':
    case 'StreamTableJoin':
    case 'TableTableJoin':
    case 'ForeignKeyTableTableJoin':
      return [step.left, step.right];
    default:
      return [step.source];
  }
}
