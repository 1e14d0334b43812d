/**
 * Which slots of each step's rows a plan reads. A source row carries every column a query
 * could name (value columns, headers, ROWTIME, ROWPARTITION, ROWOFFSET, window bounds, copies of
 * the key columns); most queries read a few, and some of those slots cost something per record
 * (a BigInt for the offset, the headers as an array), or per byte where rows go through a
 * repartition topic. The runtime fills only the slots read here (sources) and passes only those
 * on through repartitions (grouping, re-keying for a join), leaving the others null, so the row
 * keeps its layout and every index in the plan holds.
 *
 * The answer is an over-approximation, which is always safe: a step reads what its expressions
 * name (every column reference, whatever scope it resolves in) plus, for steps that pass rows
 * on (filters, joins, re-keying), whatever their consumer reads of what they pass on; a sink,
 * or a query's final rows, read everything.
 */
import type { Expression } from '../ast/expressions.js';
import { parseExpression } from '../parser/parse.js';
import { nodesOf } from '../planner/rewrite.js';
import type { Step } from '../planner/steps.js';

/**
 * Per step: for each slot of its rows, whether the plan reads it after the step. For a GROUP BY
 * step: of the rows it passes to the aggregation (after its repartition), the slots the
 * aggregate functions read.
 */
export type ColumnUsage = ReadonlyMap<Step, readonly boolean[]>;

/** The slots of every step's rows that the rows `top` produces depend on. */
export function columnUsage(top: Step): ColumnUsage {
  const usage = new Map<Step, boolean[]>();
  visit(top, all(top), usage);
  return usage;
}

/** Every slot of the step's row. */
function all(step: Step): boolean[] {
  return step.schema.value.map(() => true);
}

/** The slots of `step`'s row that expressions over it name, added to `needed`. */
function withReferences(step: Step, needed: boolean[], expressions: readonly string[]): boolean[] {
  if (expressions.length === 0) return needed;
  const names = new Set<string>();
  for (const text of expressions) for (const x of nodesOf(parseExpression(text))) if (x.kind === 'ColumnRef') names.add((x as Extract<Expression, { kind: 'ColumnRef' }>).name);
  return step.schema.value.map((c, i) => needed[i] === true || names.has(c.name));
}

/** `needed` over the step's own row, for the first `width` slots of its input (what it passes on). */
function prefix(needed: readonly boolean[], width: number, offset = 0): boolean[] {
  return Array.from({ length: width }, (_, i) => needed[offset + i] === true);
}

function visit(step: Step, needed: boolean[], usage: Map<Step, boolean[]>): void {
  const before = usage.get(step);
  usage.set(step, before ? before.map((b, i) => b || needed[i] === true) : needed);
  switch (step.kind) {
    case 'StreamSource':
    case 'TableSource':
      return;
    case 'StreamFilter':
    case 'TableFilter':
      return visit(step.source, withReferences(step.source, prefix(needed, step.source.schema.value.length), [step.predicate]), usage);
    case 'StreamSelect':
    case 'TableSelect': {
      const source = step.source;
      const exprs = step.selects.map((s) => s.expression);
      // The aggregate a projection reads is built with it: its inputs are what matters.
      return visit(source, withReferences(source, source.schema.value.map(() => false), exprs), usage);
    }
    case 'StreamSelectKey':
    case 'TableSelectKey':
      return visit(step.source, withReferences(step.source, prefix(needed, step.source.schema.value.length), step.keyExpressions), usage);
    case 'StreamFlatMap':
      return visit(
        step.source,
        withReferences(
          step.source,
          prefix(needed, step.source.schema.value.length),
          step.tableFunctions.map((t) => t.expression),
        ),
        usage,
      );
    case 'StreamGroupBy':
    case 'StreamGroupByKey':
    case 'TableGroupBy':
      return visit(step.source, withReferences(step.source, prefix(needed, step.source.schema.value.length), step.groupByExpressions), usage);
    case 'StreamAggregate':
    case 'TableAggregate':
    case 'StreamWindowedAggregate': {
      // The result row is built from the key and the accumulators: the input feeds the aggregations only.
      const group = step.source;
      const input = group.source;
      const args = withReferences(input, input.schema.value.map(() => false), step.aggregations.flatMap((a) => a.args));
      usage.set(group, args);
      return visit(input, withReferences(input, args, group.groupByExpressions), usage);
    }
    case 'StreamStreamJoin':
    case 'StreamTableJoin':
    case 'TableTableJoin': {
      const lw = step.left.schema.value.length;
      visit(step.left, prefix(needed, lw), usage);
      visit(step.right, prefix(needed, step.right.schema.value.length, lw), usage);
      return;
    }
    case 'ForeignKeyTableTableJoin': {
      const lw = step.left.schema.value.length;
      visit(step.left, withReferences(step.left, prefix(needed, lw), [step.foreignKeyExpression]), usage);
      visit(step.right, prefix(needed, step.right.schema.value.length, lw), usage);
      return;
    }
    case 'TableSuppress':
      return visit(step.source, needed, usage);
    case 'StreamSink':
    case 'TableSink':
      return visit(step.source, all(step.source), usage);
  }
}
