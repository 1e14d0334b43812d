/**
 * A query's physical plan to a topology of the streams engine: one DSL call (or a few) per step.
 * The SQL layer has no runtime of its own; what runs is the same engine DSL users write.
 *
 * Rows travel as arrays of SQL values in the layout each step's schema states; record keys are
 * arrays of the key columns' values (windowed keys: Windowed<array>). Slots no later step reads
 * (column-usage.ts) stay null: sources do not compute them and repartitions do not carry them.
 * Between source and sink, repartition topics, changelogs and stores use the internal serde
 * (accumulators of fixed-width types their own, accumulator-serde.ts); only the source and sink
 * topics are read and written in the user's formats. Rows and keys are never changed once
 * forwarded (every step makes new arrays), which the internal serde's store key relies on.
 */
import { StreamsBuilder } from '../../engine/dsl/streams-builder.js';
import type { KStream } from '../../engine/dsl/kstream.js';
import type { KTable } from '../../engine/dsl/ktable.js';
import type { KGroupedStream } from '../../engine/dsl/kgrouped-stream.js';
import type { KGroupedTable } from '../../engine/dsl/kgrouped-table.js';
import { JoinWindows } from '../../engine/dsl/join-windows.js';
import { SessionWindows, TimeWindows } from '../../engine/dsl/windows.js';
import { BufferConfig, Suppressed } from '../../engine/dsl/suppress.js';
import type { Processor, ProcessorContext } from '../../engine/processor/processor.js';
import type { Record as StreamRecord } from '../../engine/processor/record.js';
import type { Serde } from '../../engine/serde/serde.js';
import { sessionWindowedSerde, timeWindowedSerde } from '../../engine/serde/windowed.js';
import type { Topology } from '../../engine/topology/topology.js';
import type { Windowed } from '../../storage/state/stores.js';
import { formatProperties, type FormatInfo } from '../catalog/data-source.js';
import type { Column } from '../formats/format.js';
import { createRowSerde } from '../formats/formats.js';
import type { SchemaRegistryClient } from '../schema-registry/client.js';
import { compileExpression } from '../codegen/compile-expression.js';
import type { CompileOptions, Evaluator, Row } from '../codegen/compiled.js';
import type { Aggregator } from '../functions/index.js';
import { parseExpression } from '../parser/parse.js';
import { RowScope } from '../planner/row-scope.js';
import type { AggregateStep, GroupByStep, JoinStep, PlanColumn, QueryPlan, SelectExpression, SourceStep, Step, StepSchema } from '../planner/steps.js';
import { accumulatorSerde } from './accumulator-serde.js';
import { columnUsage, type ColumnUsage } from './column-usage.js';
import { internalSerde } from './internal-serde.js';
import { SqlValueError } from '../types/errors.js';
import { Types } from '../types/sql-type.js';

type Key = Row | Windowed<Row> | null;
type AnyStream = KStream<Key, Row | null>;
type AnyTable = KTable<Key, Row | null>;
type Built = { readonly kind: 'stream'; readonly s: AnyStream } | { readonly kind: 'table'; readonly t: AnyTable };

/** Where a query's processing errors go (ksqlDB's processing log): counted and logged, never fatal. */
export type ProcessingErrorSink = (error: unknown, where: string) => void;

export interface BuildOptions {
  readonly compile: CompileOptions;
  readonly registry?: SchemaRegistryClient;
  readonly onError?: ProcessingErrorSink;
  /** ksql.timestamp.throw.on.invalid: a record without a valid TIMESTAMP column value fails the query instead of being skipped. */
  readonly throwOnInvalidTimestamp?: boolean;
}

export interface BuiltQuery {
  readonly topology: Topology;
  readonly sourceTopics: readonly string[];
  readonly sinkTopic: string;
}

const INTERNAL = internalSerde<never>();

export async function buildQuery(plan: QueryPlan, options: BuildOptions): Promise<BuiltQuery> {
  const builder = new StreamsBuilder();
  const b = new QueryBuilder(builder, options);
  const built = await b.build(plan.sink.source);
  const sink = plan.sink;
  const keySerde = await formatSerde(sink.formats.key, sink.source.schema.key, true, sink.topic, options.registry);
  const valueSerde = await formatSerde(sink.formats.value, sink.source.schema.value, false, sink.topic, options.registry);
  const window = sink.source.schema.window;
  const windowedKey = window ? (window.type === 'SESSION' ? sessionWindowedSerde(keySerde) : timeWindowedSerde(keySerde, window.sizeMs ?? 0)) : undefined;
  let stream: AnyStream = built.kind === 'stream' ? built.s : built.t.toStream({ name: `${sink.id}-ToStream` });
  if (sink.timestamp) {
    const { column, format } = sink.timestamp;
    const { key, value } = sink.source.schema;
    const inValue = value.findIndex((c) => c.name === column);
    const inKey = key.findIndex((c) => c.name === column);
    const read =
      inValue >= 0
        ? timestampReader((r) => (r.value as Row | null)?.[inValue], value[inValue]!, format, options)
        : inKey >= 0
          ? timestampReader((r) => keyRow(r.key)?.[inKey], key[inKey]!, format, options)
          : undefined;
    if (read) stream = stream.process(() => timestampSetter(read), { name: `${sink.id}-ApplyTimestamp` });
  }
  stream.to(sink.topic, { name: sink.id, keySerde: (windowedKey ?? keySerde) as Serde<Key>, valueSerde: valueSerde as Serde<Row | null> });
  return { topology: builder.build(), sourceTopics: b.sourceTopics, sinkTopic: sink.topic };
}

/** One result row of a transient query: the record key (Windowed<array> for windowed results), the row, its timestamp. */
export type TransientRowSink = (key: Row | Windowed<Row> | null, row: Row | null, timestamp: number) => void;

/**
 * A transient (push or pull) query's topology: the steps as for a persistent query, but the
 * result rows go to `deliver` in process instead of to a sink topic.
 */
export async function buildTransientQuery(step: Step, options: BuildOptions, deliver: TransientRowSink): Promise<Omit<BuiltQuery, 'sinkTopic'>> {
  const builder = new StreamsBuilder();
  const b = new QueryBuilder(builder, options);
  const built = await b.build(step);
  const stream: AnyStream = built.kind === 'stream' ? built.s : built.t.toStream({ name: 'Transient-ToStream' });
  stream.process(
    () => ({
      process: (r: StreamRecord<Key, Row | null>) => deliver(r.key, r.value, r.timestamp),
    }),
    { name: 'Transient-Deliver' },
  );
  return { topology: builder.build(), sourceTopics: b.sourceTopics };
}

/** The serde of a source or sink side in its format; a reading side does not register schemas. */
export async function formatSerde(
  format: FormatInfo,
  columns: readonly Column[],
  isKey: boolean,
  topic: string,
  registry: SchemaRegistryClient | undefined,
  autoRegister = true,
  rowWidth?: number,
): Promise<Serde<Row>> {
  return createRowSerde(format.format, columns, { isKey, topic, autoRegister, ...formatProperties(format), ...(registry ? { registry } : {}), ...(rowWidth !== undefined ? { rowWidth } : {}) });
}

/** Output records take their timestamp from the sink's TIMESTAMP column; one without a valid (non-negative) one is dropped. */
function timestampSetter(read: TimestampReader): Processor<Key, Row | null, Key, Row | null> {
  let ctx: ProcessorContext<Key, Row | null>;
  return {
    init: (c) => (ctx = c),
    process: (r) => {
      const ts = read(r);
      if (ts >= 0) ctx.forward(r.withTimestamp(ts));
    },
  };
}

type TimestampReader = (record: { key: unknown; value: unknown; timestamp: number }) => number;

/**
 * The timestamp a TIMESTAMP column gives a record (a STRING one parsed with its format), or -1
 * when it has none: NULL, unparseable or negative. Under ksql.timestamp.throw.on.invalid that
 * fails the query instead.
 */
function timestampReader(read: (record: { key: unknown; value: unknown }) => unknown, column: Column, format: string | undefined, options: BuildOptions): TimestampReader {
  let parse: ((v: unknown) => unknown) | undefined;
  if (column.type.kind === 'STRING') {
    const fn = options.compile.functions.resolveScalar('STRINGTOTIMESTAMP', [Types.STRING, Types.STRING]);
    const pattern = format ?? "yyyy-MM-dd'T'HH:mm:ss.SSS";
    parse = (v) => fn.invoke([v, pattern]);
  }
  const fatal = options.throwOnInvalidTimestamp === true;
  return (record) => {
    const v = read(record);
    let ts: unknown;
    let cause: unknown;
    try {
      ts = parse && v !== null && v !== undefined ? parse(v) : v;
    } catch (error) {
      cause = error;
    }
    if (typeof ts === 'bigint') ts = Number(ts);
    if (typeof ts === 'number' && ts >= 0) return ts;
    const problem = new SqlValueError(
      `The TIMESTAMP column ${column.name} of a record is ${v === null || v === undefined ? 'NULL' : typeof ts === 'number' ? `negative: ${ts}` : `unparseable: ${String(v)}`}${cause instanceof Error ? ` (${cause.message})` : ''}.`,
    );
    if (fatal) throw problem;
    options.onError?.(problem, 'TIMESTAMP');
    return -1;
  };
}

class QueryBuilder {
  readonly sourceTopics: string[] = [];
  /** The row slots the plan reads, from the step the first build() call is given (the top). */
  private usage: ColumnUsage | undefined;

  constructor(
    private readonly builder: StreamsBuilder,
    private readonly options: BuildOptions,
  ) {}

  async build(step: Step): Promise<Built> {
    this.usage ??= columnUsage(step);
    switch (step.kind) {
      case 'StreamSource':
      case 'TableSource':
        return this.source(step);
      case 'StreamFilter':
      case 'TableFilter': {
        const input = await this.build(step.source);
        const predicate = this.evaluator(step.predicate, step.source.schema, step.clause);
        const test = (_k: unknown, v: Row | null) => v !== null && predicate(v) === true;
        return input.kind === 'stream' ? { kind: 'stream', s: input.s.filter(test, { name: step.id }) } : { kind: 'table', t: input.t.filter(test, { name: step.id }) };
      }
      case 'StreamSelect':
      case 'TableSelect': {
        const project = this.projection(step.selects, step.source.schema);
        const source = step.source;
        if (source.kind === 'StreamAggregate' || source.kind === 'TableAggregate' || source.kind === 'StreamWindowedAggregate') {
          // The aggregation's result row and the projection of it in one step.
          const { table, result } = await this.aggregation(source);
          const mapper = (acc: unknown[] | null, key: Key): Row | null => {
            const row = result(acc, key);
            return row === null ? null : project(row);
          };
          return { kind: 'table', t: table.mapValues(mapper, { name: step.id }) as unknown as AnyTable };
        }
        const input = await this.build(source);
        const mapper = (v: Row | null): Row | null => (v === null ? null : project(v));
        return input.kind === 'stream'
          ? { kind: 'stream', s: input.s.mapValues(mapper, { name: step.id }) }
          : { kind: 'table', t: input.t.mapValues(mapper, { name: step.id }) };
      }
      case 'StreamSelectKey':
      case 'TableSelectKey': {
        const input = await this.build(step.source);
        if (input.kind !== 'stream') throw new Error('PARTITION BY on a table is rejected by the planner.');
        const evals = step.keyExpressions.map((e) => this.evaluator(e, step.source.schema, 'PARTITION BY'));
        // A record without value (a tombstone) is still re-keyed, from a row of nulls holding its key columns.
        const width = step.source.schema.value.length;
        const keySlots = step.source.schema.key.map((k) => step.source.schema.value.findIndex((c) => c.name === k.name));
        const nullRow = (k: Key): Row => {
          const row = nulls(width);
          const kr = keyRow(k);
          keySlots.forEach((slot, i) => {
            if (slot >= 0) row[slot] = kr?.[i] ?? null;
          });
          return row;
        };
        const keyOf = (k: Key, v: Row | null): Row => evals.map((e) => e(v ?? nullRow(k)));
        // Through a repartition topic go only the columns read after it.
        const keep = step.repartition ? this.pruner(step) : undefined;
        let s = (
          step.appendKeys
            ? input.s.map((k, v) => {
                const key = keyOf(k, v);
                return { key: key as Key, value: v === null ? v : [...v, ...key] };
              }, { name: step.id })
            : keep
              ? input.s.map((k, v) => ({ key: keyOf(k, v) as Key, value: v === null ? v : keep(v) }), { name: step.id })
              : input.s.selectKey((k, v) => keyOf(k, v), { name: step.id })
        ).withSerdes<Key, Row | null>(INTERNAL, INTERNAL);
        if (step.repartition) s = s.repartition({ name: step.id });
        return { kind: 'stream', s };
      }
      case 'StreamFlatMap': {
        const input = await this.build(step.source);
        if (input.kind !== 'stream') throw new Error('Table functions on a table are rejected by the planner.');
        const scope = RowScope.of(step.source.schema.value);
        const functions = this.options.compile.functions;
        const calls = step.tableFunctions.map((t) => {
          const call = parseExpression(t.expression);
          if (call.kind !== 'FunctionCall') throw new Error(`Not a table function call: ${t.expression}`);
          const args = call.args.map((a) => compileExpression(a, scope, this.options.compile));
          const fn = functions.resolveTableFunction(call.name, args.map((a) => a.type), { ...(this.options.onError ? { onError: this.options.onError } : {}) });
          return (row: Row) => fn.invoke(args.map((a) => a.evaluate(row)));
        });
        const expand = (v: Row | null): (Row | null)[] => {
          if (v === null) return [];
          const results = calls.map((c) => c(v));
          const n = Math.max(0, ...results.map((r) => r.length));
          const out: (Row | null)[] = [];
          for (let i = 0; i < n; i++) out.push([...v, ...results.map((r) => (i < r.length ? r[i] : null))]);
          return out;
        };
        return { kind: 'stream', s: input.s.flatMapValues(expand, { name: step.id }) };
      }
      case 'StreamGroupBy':
      case 'StreamGroupByKey':
      case 'TableGroupBy':
        throw new Error('A GROUP BY step is built by its aggregate.');
      case 'StreamAggregate':
      case 'TableAggregate':
      case 'StreamWindowedAggregate':
        return this.aggregate(step);
      case 'StreamStreamJoin':
      case 'StreamTableJoin':
      case 'TableTableJoin':
        return this.join(step);
      case 'ForeignKeyTableTableJoin': {
        const left = await this.build(step.left);
        const right = await this.build(step.right);
        if (left.kind !== 'table' || right.kind !== 'table') throw new Error('Foreign-key joins join tables.');
        const fk = this.evaluator(step.foreignKeyExpression, step.left.schema, 'JOIN ON');
        const lw = step.left.schema.value.length;
        const rw = step.right.schema.value.length;
        const joiner = (l: Row | null, r: Row | null): Row => [...(l ?? nulls(lw)), ...(r ?? nulls(rw))];
        const extract = (v: Row | null): Key => {
          const k = v === null ? null : fk(v);
          return k === null || k === undefined ? null : [k];
        };
        const t =
          step.joinType === 'LEFT'
            ? left.t.leftJoinOnForeignKey(right.t as unknown as KTable<Key, Row>, extract, joiner, { name: step.id, materialized: { keySerde: INTERNAL, valueSerde: INTERNAL } })
            : left.t.joinOnForeignKey(right.t as unknown as KTable<Key, Row>, extract, joiner, { name: step.id, materialized: { keySerde: INTERNAL, valueSerde: INTERNAL } });
        return { kind: 'table', t: t as unknown as AnyTable };
      }
      case 'TableSuppress': {
        const input = await this.build(step.source);
        if (input.kind !== 'table') throw new Error('EMIT FINAL suppresses a table.');
        const suppressed = Suppressed.untilWindowCloses(BufferConfig.unbounded()).withName(step.id);
        return { kind: 'table', t: input.t.suppress(suppressed as never) };
      }
      case 'StreamSink':
      case 'TableSink':
        throw new Error('A sink is built by buildQuery.');
    }
  }

  private async source(step: SourceStep): Promise<Built> {
    this.sourceTopics.push(step.topic);
    const { layout } = step;
    const registry = this.options.registry;
    const keySerde = await formatSerde(step.formats.key, layout.keyColumns, true, step.topic, registry, false);
    // Rows read as wide as the source row, which the row processor fills in place.
    const valueSerde = await formatSerde(step.formats.value, layout.valueColumns, false, step.topic, registry, false, step.schema.value.length);
    const window = step.window;
    const sourceKeySerde = (window ? (window.type === 'SESSION' ? sessionWindowedSerde(keySerde) : timeWindowedSerde(keySerde, window.sizeMs ?? 0)) : keySerde) as Serde<Key>;
    const tsValue = step.timestamp ? layout.valueColumns.findIndex((c) => c.name === step.timestamp!.column) : -1;
    const tsKey = step.timestamp ? layout.keyColumns.findIndex((c) => c.name === step.timestamp!.column) : -1;
    const extractor =
      tsValue >= 0
        ? timestampReader((r) => (r.value as Row | null)?.[tsValue], layout.valueColumns[tsValue]!, step.timestamp!.format, this.options)
        : tsKey >= 0
          ? timestampReader((r) => keyRow(r.key)?.[tsKey], layout.keyColumns[tsKey]!, step.timestamp!.format, this.options)
          : undefined;
    const raw = this.builder.stream<Key, Row | null>(step.topic, {
      name: step.id,
      keySerde: sourceKeySerde,
      valueSerde: valueSerde as Serde<Row | null>,
      ...(extractor ? { timestampExtractor: extractor } : {}),
    });
    const isTable = step.kind === 'TableSource';
    const rows = raw.processValues(() => sourceRowProcessor(step, isTable, this.usage?.get(step)), { name: `${step.id}-Rows` }).withSerdes<Key, Row | null>(INTERNAL, INTERNAL);
    if (!isTable) return { kind: 'stream', s: rows };
    const table = rows.toTable({ name: `${step.id}-Table`, materialized: { storeName: `${step.sourceName}-${step.id.replace(/\W/g, '_')}-Reduce`, keySerde: INTERNAL, valueSerde: INTERNAL } });
    return { kind: 'table', t: table };
  }

  private evaluator(text: string, schema: StepSchema, where: string): Evaluator {
    const compiled = compileExpression(parseExpression(text), RowScope.of(schema.value), this.options.compile);
    if (compiled.constant) {
      const value = compiled.constant.value;
      return () => value;
    }
    const ev = compiled.evaluate;
    const onError = this.options.onError;
    return (row) => {
      try {
        return ev(row);
      } catch (error) {
        onError?.(error, where);
        return null;
      }
    };
  }

  /** The SELECT expressions over a row; plain column references are copied by index. */
  private projection(selects: readonly SelectExpression[], schema: StepSchema): (v: Row) => Row {
    const n = selects.length;
    const scope = RowScope.of(schema.value);
    const slots = selects.map((s) => {
      const e = parseExpression(s.expression);
      return e.kind === 'ColumnRef' ? scope.resolve(e).index : -1;
    });
    if (slots.every((i) => i >= 0)) {
      return (v) => {
        const out = new Array<unknown>(n);
        for (let i = 0; i < n; i++) out[i] = v[slots[i]!] ?? null;
        return out;
      };
    }
    const evals = selects.map((s) => this.evaluator(s.expression, schema, 'SELECT'));
    return (v) => {
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = evals[i]!(v);
      return out;
    };
  }

  /**
   * A copy of a row with only the slots read after `step` (column-usage.ts), others null; or
   * undefined when every slot is read.
   */
  private pruner(step: Step): ((v: Row) => Row) | undefined {
    const used = this.usage?.get(step);
    if (used === undefined || used.every((u) => u)) return undefined;
    const width = step.schema.value.length;
    return (v) => {
      const out = new Array<unknown>(width);
      for (let i = 0; i < width; i++) out[i] = used[i] ? (v[i] ?? null) : null;
      return out;
    };
  }

  private groupKey(step: GroupByStep): (v: Row) => Row | null {
    const evals = step.groupByExpressions.map((e) => this.evaluator(e, step.source.schema, 'GROUP BY'));
    return (v) => {
      const key: Row = [];
      for (const e of evals) {
        const x = e(v);
        if (x === null || x === undefined) return null;
        key.push(x);
      }
      return key;
    };
  }

  private async aggregate(step: AggregateStep): Promise<Built> {
    const { table, result } = await this.aggregation(step);
    return { kind: 'table', t: table.mapValues(result, { name: `${step.id}-Result` }) as unknown as AnyTable };
  }

  /** The table of accumulators, and the result row (group columns, aggregates, window bounds) of one. */
  private async aggregation(step: AggregateStep): Promise<{ table: KTable<Key, unknown[]>; result: (acc: unknown[] | null, key: Key) => Row | null }> {
    const group = step.source;
    const input = await this.build(group.source);
    const functions = this.options.compile.functions;
    const inputScope = RowScope.of(group.source.schema.value);
    const calls = step.aggregations.map((a) => {
      const args = a.args.map((t) => compileExpression(parseExpression(t), inputScope, this.options.compile));
      const inits = a.initArgs.map((t) => compileExpression(parseExpression(t), inputScope, this.options.compile));
      const resolved = functions.resolveAggregate(
        a.functionName,
        [...args.map((x) => ({ type: x.type })), ...inits.map((x) => ({ type: x.type, literal: x.constant ?? { value: null } }))],
        { config: this.options.compile.config ?? {}, ...(this.options.onError ? { onError: this.options.onError } : {}) },
      );
      return { aggregator: resolved.create() as Aggregator<unknown, unknown>, args: args.map((x) => x.evaluate), intermediate: resolved.intermediateType };
    });
    const count = calls.length;
    // A record falls into several windows (hopping), each aggregated on its own: the argument
    // values are computed once per record, as ksqlDB computes them in a step before the grouping.
    let argsRow: Row | null = null;
    const args = new Array<readonly unknown[] | undefined>(count);
    const argValues = (v: Row, i: number): readonly unknown[] => {
      if (v !== argsRow) {
        args.fill(undefined);
        argsRow = v;
      }
      let a = args[i];
      if (a === undefined) {
        const evals = calls[i]!.args;
        a = evals.length === 0 ? NO_ARGS : evals.map((e) => e(v));
        args[i] = a;
      }
      return a;
    };
    const init = (): unknown[] => calls.map((c) => c.aggregator.initialize());
    const onError = this.options.onError;
    // An aggregate function that fails (a DECIMAL SUM overflowing) fails the query, as in ksqlDB:
    // skipping the record would leave a wrong total behind.
    const add = (_k: unknown, v: Row | null, acc: unknown[]): unknown[] => {
      if (v === null) return acc;
      const next = new Array<unknown>(count);
      for (let i = 0; i < count; i++) next[i] = calls[i]!.aggregator.aggregate(acc[i], argValues(v, i));
      return next;
    };
    const undo = (_k: unknown, v: Row | null, acc: unknown[]): unknown[] => {
      if (v === null) return acc;
      return calls.map((c, i) => (c.aggregator.undo ? c.aggregator.undo(acc[i], argValues(v, i)) : acc[i]));
    };
    const merge = (_k: unknown, a: unknown[], b: unknown[]): unknown[] => calls.map((c, i) => c.aggregator.merge(a[i], b[i]));
    // Accumulators of fixed-width types are stored in place; others in the general internal format.
    const accumulators = accumulatorSerde(
      calls.map((c) => c.intermediate),
      step.aggregations.map((a) => a.functionName),
    );
    const materialized = { storeName: step.storeName, keySerde: INTERNAL, valueSerde: (accumulators ?? INTERNAL) as Serde<never> };

    let table: KTable<Key, unknown[]>;
    if (group.kind === 'TableGroupBy') {
      if (input.kind !== 'table') throw new Error('A table GROUP BY groups a table.');
      const key = this.groupKey(group);
      const keep = this.pruner(group) ?? ((v: Row) => v);
      const grouped: KGroupedTable<Row | null, Row | null> = input.t.groupBy((_k, v) => (v === null ? { key: null, value: v } : { key: key(v), value: keep(v) }), {
        name: group.id,
        keySerde: INTERNAL,
        valueSerde: INTERNAL,
      });
      table = grouped.aggregate(init, add, undo, { name: step.id, materialized }) as unknown as KTable<Key, unknown[]>;
    } else {
      if (input.kind !== 'stream') throw new Error('A stream GROUP BY groups a stream.');
      let grouped: KGroupedStream<Row | null, Row | null>;
      if (group.kind === 'StreamGroupByKey') {
        grouped = (input.s as unknown as KStream<Row | null, Row | null>).groupByKey({ name: group.id, keySerde: INTERNAL, valueSerde: INTERNAL });
      } else {
        const key = this.groupKey(group);
        // The repartition carries only the columns the aggregate functions read.
        const keep = this.pruner(group);
        grouped = keep
          ? input.s
              .map((_k, v) => (v === null ? { key: null, value: v } : { key: key(v), value: keep(v) }), { name: `${group.id}-SelectKey` })
              .withSerdes<Row | null, Row | null>(INTERNAL, INTERNAL)
              .groupByKey({ name: group.id, keySerde: INTERNAL, valueSerde: INTERNAL })
          : input.s.groupBy((_k, v) => (v === null ? null : key(v)), { name: group.id, keySerde: INTERNAL, valueSerde: INTERNAL });
      }
      const w = step.window;
      if (!w) {
        table = grouped.aggregate(init, add, { name: step.id, materialized }) as unknown as KTable<Key, unknown[]>;
      } else if (w.type === 'SESSION') {
        const windows = SessionWindows.ofInactivityGapAndGrace(w.sizeMs, w.graceMs ?? 0);
        table = grouped.windowedBy(windows).aggregate(init, add, merge, { name: step.id, materialized: { ...materialized, ...(w.retentionMs !== undefined ? { retentionMs: w.retentionMs } : {}) } }) as unknown as KTable<Key, unknown[]>;
      } else {
        let windows = TimeWindows.ofSizeAndGrace(w.sizeMs, w.graceMs ?? 0);
        if (w.type === 'HOPPING') windows = windows.advanceBy(w.advanceMs ?? w.sizeMs);
        table = grouped.windowedBy(windows).aggregate(init, add, { name: step.id, materialized: { ...materialized, ...(w.retentionMs !== undefined ? { retentionMs: w.retentionMs } : {}) } }) as unknown as KTable<Key, unknown[]>;
      }
    }
    const windowed = step.window !== undefined;
    const groupCount = group.schema.key.length;
    const width = groupCount + count + (windowed ? 2 : 0);
    const result = (acc: unknown[] | null, key: Key): Row | null => {
      if (acc === null) return null;
      const out = new Array<unknown>(width);
      const k = keyRow(key);
      for (let i = 0; i < groupCount; i++) out[i] = k?.[i] ?? null;
      for (let i = 0; i < count; i++) {
        try {
          out[groupCount + i] = calls[i]!.aggregator.map(acc[i]);
        } catch (error) {
          onError?.(error, step.aggregations[i]!.functionName);
          out[groupCount + i] = null;
        }
      }
      if (windowed) {
        const win = (key as Windowed<Row>).window;
        out[width - 2] = win.start;
        out[width - 1] = win.end;
      }
      return out;
    };
    return { table, result };
  }

  private async join(step: JoinStep): Promise<Built> {
    const left = await this.build(step.left);
    const right = await this.build(step.right);
    const lw = step.left.schema.value.length;
    const rw = step.right.schema.value.length;
    const synthetic = step.syntheticKey !== undefined;
    const joiner = (l: Row | null, r: Row | null, key: unknown): Row => {
      const row = [...(l ?? nulls(lw)), ...(r ?? nulls(rw))];
      if (synthetic) row.push(keyRow(key)?.[0] ?? null);
      return row;
    };
    const swapped = (r: Row | null, l: Row | null, key: unknown): Row => joiner(l, r, key);
    const named = { name: step.id, keySerde: INTERNAL, valueSerde: INTERNAL, otherValueSerde: INTERNAL };
    if (step.kind === 'StreamStreamJoin') {
      // Windowed keys join as Kafka's windowed serdes compare them: a time window by key and
      // start (its end follows from a size each side may have its own of), a session by both bounds.
      const w = step.schema.window;
      if (w) named.keySerde = (w.type === 'SESSION' ? sessionWindowedSerde(INTERNAL) : timeWindowedSerde(INTERNAL, w.sizeMs ?? 0)) as unknown as typeof INTERNAL;
      if (left.kind !== 'stream' || right.kind !== 'stream') throw new Error('A stream-stream join joins streams.');
      const before = step.beforeMs ?? 0;
      const after = step.afterMs ?? 0;
      const grace = step.graceMs ?? 0;
      const base = (): JoinWindows => (step.legacyWindow ? JoinWindows.of(0) : JoinWindows.ofTimeDifferenceAndGrace(0, grace));
      const windows = base().before(before).after(after);
      const l = left.s as unknown as KStream<Key, Row>;
      const r = right.s as unknown as KStream<Key, Row>;
      switch (step.joinType) {
        case 'INNER':
          return { kind: 'stream', s: l.joinStream(r, joiner, windows, named) as unknown as AnyStream };
        case 'LEFT':
          return { kind: 'stream', s: l.leftJoinStream(r, joiner, windows, named) as unknown as AnyStream };
        case 'OUTER':
          return { kind: 'stream', s: l.outerJoinStream(r, joiner, windows, named) as unknown as AnyStream };
        case 'RIGHT': {
          const mirrored = base().before(after).after(before);
          return { kind: 'stream', s: r.leftJoinStream(l, swapped, mirrored, named) as unknown as AnyStream };
        }
      }
    }
    if (step.kind === 'StreamTableJoin') {
      if (left.kind !== 'stream' || right.kind !== 'table') throw new Error('A stream-table join joins a stream to a table.');
      const l = left.s as unknown as KStream<Key, Row>;
      const t = right.t as unknown as KTable<Key, Row>;
      const s = step.joinType === 'LEFT' ? l.leftJoin(t, joiner, named) : l.join(t, joiner, named);
      return { kind: 'stream', s: s as unknown as AnyStream };
    }
    if (left.kind !== 'table' || right.kind !== 'table') throw new Error('A table-table join joins tables.');
    const l = left.t as unknown as KTable<Key, Row>;
    const r = right.t as unknown as KTable<Key, Row>;
    const opts = { name: step.id, materialized: { keySerde: INTERNAL, valueSerde: INTERNAL } };
    switch (step.joinType) {
      case 'INNER':
        return { kind: 'table', t: l.join(r, joiner, opts) as unknown as AnyTable };
      case 'LEFT':
        return { kind: 'table', t: l.leftJoin(r, joiner, opts) as unknown as AnyTable };
      case 'OUTER':
        return { kind: 'table', t: l.outerJoin(r, joiner, opts) as unknown as AnyTable };
      case 'RIGHT':
        return { kind: 'table', t: r.leftJoin(l, swapped, opts) as unknown as AnyTable };
    }
  }
}

/** The key columns' values of a record key (windowed or not). */
function keyRow(key: unknown): Row | null {
  if (key === null || key === undefined) return null;
  if (Array.isArray(key)) return key;
  return ((key as Windowed<Row>).key as Row | null) ?? null;
}

/** The arguments of an aggregate without column arguments (COUNT(*)); never changed by an aggregator. */
const NO_ARGS: readonly unknown[] = Object.freeze([]);

function nulls(n: number): Row {
  return new Array<unknown>(n).fill(null);
}

/**
 * Builds a source's value row: the value columns, the header columns, ROWTIME, ROWPARTITION,
 * ROWOFFSET, the window bounds (windowed sources) and copies of the key columns; slots the plan
 * does not read (`used`, see column-usage.ts) stay null. A stream drops records without a value;
 * a table passes them on as deletes.
 */
function sourceRowProcessor(step: SourceStep, isTable: boolean, used: readonly boolean[] | undefined): Processor<Key, Row | null, Key, Row | null> {
  const { layout } = step;
  const windowed = step.window !== undefined;
  const width = step.schema.value.length;
  const valueCount = layout.valueColumns.length;
  const headers = layout.headerColumns;
  const keyCount = layout.keyColumns.length;
  const rowtime = valueCount + headers.length;
  const bounds = rowtime + 3;
  const keyStart = bounds + (windowed ? 2 : 0);
  const reads = (slot: number): boolean => used === undefined || used[slot] === true;
  const readHeaders = headers.map((_, i) => reads(valueCount + i));
  const anyHeader = readHeaders.some((r) => r);
  const readTime = reads(rowtime);
  const readPartition = reads(rowtime + 1);
  const readOffset = reads(rowtime + 2);
  const readBounds = windowed && (reads(bounds) || reads(bounds + 1));
  const readKeys = Array.from({ length: keyCount }, (_, i) => reads(keyStart + i));
  const anyKey = readKeys.some((r) => r);
  let ctx: ProcessorContext<Key, Row | null>;
  return {
    init: (c) => (ctx = c),
    process: (record: StreamRecord<Key, Row | null>) => {
      const value = record.value;
      if (value === null) {
        // A tombstone: a table deletes the key; a stream passes the null row on (SELECT keeps it null).
        if (!isTable || record.key !== null) ctx.forward(record);
        return;
      }
      const key = record.key;
      if (isTable && key === null) return;
      // A format that read the row as wide as this one (rowWidth) gave the processor its own
      // array, only ever seen here (a topic feeds one source node): it is filled in place.
      let row: Row;
      if (value.length === width) {
        row = value;
      } else {
        row = new Array<unknown>(width).fill(null);
        for (let i = 0; i < valueCount; i++) row[i] = value[i] ?? null;
      }
      if (anyHeader) {
        headers.forEach((h, i) => {
          if (!readHeaders[i]) return;
          row[valueCount + i] = h.headerKey !== undefined ? (record.headers.lastHeader(h.headerKey)?.value ?? null) : record.headers.toArray().map((x) => ({ KEY: x.key, VALUE: x.value }));
        });
      }
      if (readTime) row[rowtime] = record.timestamp;
      if (readPartition || readOffset) {
        const meta = ctx.recordMetadata();
        if (readPartition) row[rowtime + 1] = meta?.partition ?? 0;
        if (readOffset) row[rowtime + 2] = BigInt(meta?.offset ?? 0);
      }
      const w = windowed ? (key as Windowed<Row> | null) : null;
      if (readBounds) {
        row[bounds] = w?.window.start ?? null;
        row[bounds + 1] = w?.window.end ?? null;
      }
      if (anyKey) {
        const k = windowed ? (w?.key ?? null) : (key as Row | null);
        for (let i = 0; i < keyCount; i++) if (readKeys[i]) row[keyStart + i] = k?.[i] ?? null;
      }
      ctx.forward(row === value ? record : record.withValue(row));
    },
  };
}

export type { PlanColumn };
