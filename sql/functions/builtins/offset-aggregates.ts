/**
 * EARLIEST_BY_OFFSET and LATEST_BY_OFFSET, with an optional count N and an ignoreNulls flag
 * (true by default), both literals.
 *
 * The accumulator remembers when each kept value arrived, so that merging session windows keeps
 * the earliest/latest of both: STRUCT<SEQ BIGINT, VAL T> (NULL until a value is kept) for one
 * value, ARRAY<STRUCT<SEQ BIGINT, VAL T>> for N. SEQ is a process-wide counter seeded from the
 * clock, so it keeps increasing across restarts.
 */
import { Types, type SqlStruct, type SqlType } from '../../types/sql-type.js';
import { FunctionCategory, type AggregateContext, type Aggregator, type TypeContext, type UdafDefinition, type UdafSignature } from '../definitions.js';
import { P } from '../param-types.js';
import { fail, param } from './helpers.js';

let sequence = BigInt(Date.now()) * 1000n;

function nextSequence(): bigint {
  return ++sequence;
}

function entryType(t: SqlType): SqlType {
  return Types.struct([
    { name: 'SEQ', type: Types.BIGINT },
    { name: 'VAL', type: t },
  ]);
}

const isNull = (v: unknown): boolean => v === null || v === undefined;
const bySeq = (a: SqlStruct, b: SqlStruct): number => ((a.SEQ as bigint) < (b.SEQ as bigint) ? -1 : (a.SEQ as bigint) > (b.SEQ as bigint) ? 1 : 0);

function single(latest: boolean, ignoreNulls: boolean): Aggregator<SqlStruct | null> {
  return {
    initialize: () => null,
    aggregate: (acc, args) => {
      const v = args[0] ?? null;
      if (v === null && ignoreNulls) return acc;
      if (acc !== null && !latest) return acc;
      return { SEQ: nextSequence(), VAL: v };
    },
    merge: (a, b) => {
      if (a === null) return b;
      if (b === null) return a;
      const aFirst = bySeq(a, b) <= 0;
      return latest === aFirst ? b : a;
    },
    map: (acc) => (acc === null ? null : (acc.VAL ?? null)),
  };
}

function multiple(latest: boolean, n: number, ignoreNulls: boolean): Aggregator<SqlStruct[]> {
  if (!Number.isInteger(n) || n < 1) fail(`The number of values to keep must be a positive integer, not ${n}.`);
  const keep = (entries: SqlStruct[]): SqlStruct[] => (latest ? entries.slice(-n) : entries.slice(0, n));
  return {
    initialize: () => [],
    aggregate: (acc, args) => {
      const v = args[0] ?? null;
      if (v === null && ignoreNulls) return acc;
      if (!latest && acc.length >= n) return acc;
      acc.push({ SEQ: nextSequence(), VAL: v });
      return latest && acc.length > n ? acc.slice(-n) : acc;
    },
    merge: (a, b) => keep([...a, ...b].sort(bySeq)),
    map: (acc) => acc.map((e) => e.VAL ?? null),
  };
}

function signatures(latest: boolean): UdafSignature[] {
  const t = (ctx: TypeContext): SqlType => ctx.paramTypes[0]!;
  const one = {
    returns: t,
    intermediate: (ctx: TypeContext) => entryType(t(ctx)),
  };
  const many = {
    returns: (ctx: TypeContext) => Types.array(t(ctx)),
    intermediate: (ctx: TypeContext) => Types.array(entryType(t(ctx))),
  };
  const flag = (ctx: AggregateContext, i: number): boolean => (isNull(ctx.initArgs[i]) ? true : (ctx.initArgs[i] as boolean));
  return [
    { params: [param('col', P.T)], ...one, create: () => single(latest, true) as Aggregator },
    { params: [param('col', P.T)], initParams: [param('ignoreNulls', P.BOOLEAN)], ...one, create: (ctx) => single(latest, flag(ctx, 0)) as Aggregator },
    { params: [param('col', P.T)], initParams: [param('n', P.INTEGER)], ...many, create: (ctx) => multiple(latest, ctx.initArgs[0] as number, true) as Aggregator },
    {
      params: [param('col', P.T)],
      initParams: [param('n', P.INTEGER), param('ignoreNulls', P.BOOLEAN)],
      ...many,
      create: (ctx) => multiple(latest, ctx.initArgs[0] as number, flag(ctx, 1)) as Aggregator,
    },
  ];
}

export const offsetAggregateFunctions: readonly UdafDefinition[] = [
  {
    name: 'earliest_by_offset',
    category: FunctionCategory.AGGREGATE,
    description: 'The value of a column that arrived first (the lowest offset), or the first N values; NULLs are ignored unless ignoreNulls is false.',
    signatures: signatures(false),
  },
  {
    name: 'latest_by_offset',
    category: FunctionCategory.AGGREGATE,
    description: 'The value of a column that arrived last (the highest offset), or the last N values; NULLs are ignored unless ignoreNulls is false.',
    signatures: signatures(true),
  },
];
