/**
 * Aggregate functions. Each accumulator is a value of the function's intermediate SQL type:
 *
 *   COUNT                BIGINT
 *   SUM                  the input type (INTEGER and BIGINT wrap as Java's; DECIMAL overflows)
 *   AVG                  STRUCT<SUM (input type), COUNT BIGINT>
 *   MIN, MAX             the input type (NULL until a value arrives)
 *   COLLECT_LIST/_SET    ARRAY<T>, TOPK/TOPKDISTINCT ARRAY<T> (descending)
 *   HISTOGRAM            MAP<STRING, BIGINT>
 *   STDDEV_SAMP/_POP     STRUCT<SUM, COUNT BIGINT, M2 DOUBLE> (Youngs-Cramer)
 *   CORRELATION          STRUCT<X_SUM, Y_SUM, X_SQUARED_SUM, Y_SQUARED_SUM, XY_SUM DOUBLE, COUNT BIGINT>
 *   COUNT_DISTINCT       BYTES: a HyperLogLog of 2^12 one-byte registers
 *
 * NULL inputs are skipped, except by COUNT(*) and COLLECT_LIST/_SET, which keep them. Functions
 * that can aggregate tables (ksqlDB's TableUdafs) have `undo`.
 */
import type { Decimal } from 'decimal.js';
import { Dec, fitDecimal, type DecimalType } from '../../types/decimal.js';
import { formatValue } from '../../types/format-value.js';
import { Types, type SqlStruct, type SqlType } from '../../types/sql-type.js';
import { comparatorFor, equalityFor } from '../../types/values.js';
import { FunctionCategory, type AggregateContext, type Aggregator, type FunctionConfig, type UdafDefinition, type UdafSignature } from '../definitions.js';
import { P, type ParamType } from '../param-types.js';
import { fail, param } from './helpers.js';

const AGG = FunctionCategory.AGGREGATE;

function udaf(name: string, description: string, signatures: readonly UdafSignature[]): UdafDefinition {
  return { name, description, category: AGG, signatures };
}

const isNull = (v: unknown): boolean => v === null || v === undefined;

/** The types MIN, MAX and TOPK order: every primitive with an order. */
const ORDERABLE: readonly ParamType[] = [P.INTEGER, P.BIGINT, P.DOUBLE, P.DECIMAL, P.STRING, P.BOOLEAN, P.DATE, P.TIME, P.TIMESTAMP, P.BYTES];

const first = (ctx: { paramTypes: readonly SqlType[] }): SqlType => ctx.paramTypes[0]!;

// ---- COUNT, SUM, AVG --------------------------------------------------------------------------------

const countRows: Aggregator<bigint> = {
  initialize: () => 0n,
  aggregate: (acc) => acc + 1n,
  undo: (acc) => acc - 1n,
  merge: (a, b) => a + b,
  map: (acc) => acc,
};

const countValues: Aggregator<bigint> = {
  initialize: () => 0n,
  aggregate: (acc, args) => (isNull(args[0]) ? acc : acc + 1n),
  undo: (acc, args) => (isNull(args[0]) ? acc : acc - 1n),
  merge: (a, b) => a + b,
  map: (acc) => acc,
};

interface Arithmetic<T> {
  readonly zero: T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  toDouble(v: T): number;
}

const INT_MATH: Arithmetic<number> = { zero: 0, add: (a, b) => (a + b) | 0, sub: (a, b) => (a - b) | 0, toDouble: (v) => v };
const BIGINT_MATH: Arithmetic<bigint> = { zero: 0n, add: (a, b) => BigInt.asIntN(64, a + b), sub: (a, b) => BigInt.asIntN(64, a - b), toDouble: (v) => Number(v) };
const DOUBLE_MATH: Arithmetic<number> = { zero: 0, add: (a, b) => a + b, sub: (a, b) => a - b, toDouble: (v) => v };

function decimalMath(t: DecimalType): Arithmetic<Decimal> {
  return {
    zero: new Dec(0),
    add: (a, b) => fitDecimal(a.plus(b), t.precision, t.scale),
    sub: (a, b) => fitDecimal(a.minus(b), t.precision, t.scale),
    toDouble: (v) => v.toNumber(),
  };
}

function mathFor(t: SqlType): Arithmetic<unknown> {
  switch (t.kind) {
    case 'INTEGER':
      return INT_MATH as Arithmetic<unknown>;
    case 'BIGINT':
      return BIGINT_MATH as Arithmetic<unknown>;
    case 'DECIMAL':
      return decimalMath(t) as Arithmetic<unknown>;
    default:
      return DOUBLE_MATH as Arithmetic<unknown>;
  }
}

function sumAggregator(t: SqlType): Aggregator {
  const m = mathFor(t);
  return {
    initialize: () => m.zero,
    aggregate: (acc, args) => (isNull(args[0]) ? acc : m.add(acc, args[0])),
    undo: (acc, args) => (isNull(args[0]) ? acc : m.sub(acc, args[0])),
    merge: (a, b) => m.add(a, b),
    map: (acc) => acc,
  };
}

function avgAggregator(t: SqlType): Aggregator<SqlStruct> {
  const m = mathFor(t);
  return {
    initialize: () => ({ SUM: m.zero, COUNT: 0n }),
    aggregate: (acc, args) => (isNull(args[0]) ? acc : { SUM: m.add(acc.SUM, args[0]), COUNT: (acc.COUNT as bigint) + 1n }),
    undo: (acc, args) => (isNull(args[0]) ? acc : { SUM: m.sub(acc.SUM, args[0]), COUNT: (acc.COUNT as bigint) - 1n }),
    merge: (a, b) => ({ SUM: m.add(a.SUM, b.SUM), COUNT: (a.COUNT as bigint) + (b.COUNT as bigint) }),
    map: (acc) => (acc.COUNT === 0n ? 0 : m.toDouble(acc.SUM) / Number(acc.COUNT)),
  };
}

// ---- MIN, MAX ---------------------------------------------------------------------------------------

function extremeAggregator(t: SqlType, max: boolean): Aggregator {
  const cmp = comparatorFor(t);
  const better = (a: unknown, b: unknown): unknown => (isNull(a) ? b : isNull(b) ? a : (max ? cmp(a, b) >= 0 : cmp(a, b) <= 0) ? a : b);
  return {
    initialize: () => null,
    aggregate: (acc, args) => better(acc, args[0] ?? null),
    merge: better,
    map: (acc) => acc,
  };
}

// ---- COLLECT_LIST, COLLECT_SET, HISTOGRAM ------------------------------------------------------------

function limit(config: FunctionConfig, key: string, fallback: number): number {
  const v = config[key];
  const n = typeof v === 'number' ? v : typeof v === 'string' || typeof v === 'bigint' ? Number(v) : fallback;
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

function collectList(t: SqlType, max: number): Aggregator<unknown[]> {
  const eq = equalityFor(t);
  return {
    initialize: () => [],
    aggregate: (acc, args) => {
      if (acc.length < max) acc.push(args[0] ?? null);
      return acc;
    },
    undo: (acc, args) => {
      for (let i = acc.length - 1; i >= 0; i--) {
        if (eq(acc[i], args[0] ?? null)) {
          acc.splice(i, 1);
          break;
        }
      }
      return acc;
    },
    merge: (a, b) => [...a, ...b].slice(0, max),
    map: (acc) => acc,
  };
}

function collectSet(t: SqlType, max: number): Aggregator<unknown[]> {
  const eq = equalityFor(t);
  const add = (acc: unknown[], v: unknown): unknown[] => {
    if (acc.length < max && !acc.some((x) => eq(x, v))) acc.push(v);
    return acc;
  };
  return {
    initialize: () => [],
    aggregate: (acc, args) => add(acc, args[0] ?? null),
    merge: (a, b) => b.reduce(add, a.slice()),
    map: (acc) => acc,
  };
}

function histogram(max: number): Aggregator<Map<string, bigint>> {
  const add = (acc: Map<string, bigint>, key: string, n: bigint): Map<string, bigint> => {
    const current = acc.get(key);
    if (current !== undefined) acc.set(key, current + n);
    else if (acc.size < max) acc.set(key, n);
    return acc;
  };
  return {
    initialize: () => new Map(),
    aggregate: (acc, args) => (isNull(args[0]) ? acc : add(acc, args[0] as string, 1n)),
    undo: (acc, args) => {
      const key = args[0] as string | null;
      const current = key === null ? undefined : acc.get(key);
      if (key !== null && current !== undefined) acc.set(key, current > 0n ? current - 1n : 0n);
      return acc;
    },
    merge: (a, b) => {
      const out = new Map(a);
      for (const [k, n] of b) add(out, k, n);
      return out;
    },
    map: (acc) => acc,
  };
}

// ---- STDDEV, CORRELATION -------------------------------------------------------------------------------

function stddev(t: SqlType, population: boolean): Aggregator<SqlStruct> {
  const m = mathFor(t);
  const num = (v: unknown): number => m.toDouble(v);
  return {
    initialize: () => ({ SUM: m.zero, COUNT: 0n, M2: 0 }),
    aggregate: (acc, args) => {
      const v = args[0];
      if (isNull(v)) return acc;
      const count = Number(acc.COUNT) + 1;
      const delta = count > 1 ? num(v) * count - (num(acc.SUM) + num(v)) : 0;
      const m2 = count > 1 ? (delta * delta) / (count * (count - 1)) : 0;
      return { SUM: m.add(acc.SUM, v), COUNT: BigInt(count), M2: (acc.M2 as number) + m2 };
    },
    undo: (acc, args) => {
      const v = args[0];
      if (isNull(v)) return acc;
      const count = Number(acc.COUNT) - 1;
      const delta = count > 0 ? num(v) * (count + 1) - num(acc.SUM) : 0;
      const m2 = count > 0 ? (delta * delta) / (count * (count + 1)) : 0;
      return { SUM: m.sub(acc.SUM, v), COUNT: BigInt(count), M2: count > 0 ? (acc.M2 as number) - m2 : 0 };
    },
    merge: (a, b) => {
      const [ca, cb] = [Number(a.COUNT), Number(b.COUNT)];
      let m2 = (a.M2 as number) + (b.M2 as number);
      if (ca > 0 && cb > 0) {
        const inner = num(a.SUM) / ca - num(b.SUM) / cb;
        m2 += (ca * cb * inner * inner) / (ca + cb);
      }
      return { SUM: m.add(a.SUM, b.SUM), COUNT: BigInt(ca + cb), M2: m2 };
    },
    map: (acc) => {
      const count = Number(acc.COUNT);
      if (population) return count < 1 ? 0 : Math.sqrt((acc.M2 as number) / count);
      return count < 2 ? 0 : Math.sqrt((acc.M2 as number) / (count - 1));
    },
  };
}

const CORRELATION_FIELDS = ['X_SUM', 'Y_SUM', 'X_SQUARED_SUM', 'Y_SQUARED_SUM', 'XY_SUM'] as const;

function correlation(): Aggregator<SqlStruct> {
  const step = (acc: SqlStruct, x: number, y: number, sign: 1 | -1): SqlStruct => ({
    X_SUM: (acc.X_SUM as number) + sign * x,
    Y_SUM: (acc.Y_SUM as number) + sign * y,
    X_SQUARED_SUM: (acc.X_SQUARED_SUM as number) + sign * x * x,
    Y_SQUARED_SUM: (acc.Y_SQUARED_SUM as number) + sign * y * y,
    XY_SUM: (acc.XY_SUM as number) + sign * x * y,
    COUNT: (acc.COUNT as bigint) + BigInt(sign),
  });
  return {
    initialize: () => ({ X_SUM: 0, Y_SUM: 0, X_SQUARED_SUM: 0, Y_SQUARED_SUM: 0, XY_SUM: 0, COUNT: 0n }),
    aggregate: (acc, args) => (isNull(args[0]) || isNull(args[1]) ? acc : step(acc, args[0] as number, args[1] as number, 1)),
    undo: (acc, args) => (isNull(args[0]) || isNull(args[1]) ? acc : step(acc, args[0] as number, args[1] as number, -1)),
    merge: (a, b) => {
      const out: SqlStruct = { COUNT: (a.COUNT as bigint) + (b.COUNT as bigint) };
      for (const f of CORRELATION_FIELDS) out[f] = (a[f] as number) + (b[f] as number);
      return out;
    },
    map: (acc) => {
      const n = Number(acc.COUNT);
      const [sx, sy, sxx, syy, sxy] = CORRELATION_FIELDS.map((f) => acc[f] as number) as [number, number, number, number, number];
      return (n * sxy - sx * sy) / (Math.sqrt(n * sxx - sx * sx) * Math.sqrt(n * syy - sy * sy));
    },
  };
}

// ---- COUNT_DISTINCT (HyperLogLog) -------------------------------------------------------------------

const HLL_BITS = 12;
const HLL_REGISTERS = 1 << HLL_BITS;

function murmur32(text: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) {
    let k = Math.imul(text.charCodeAt(i), 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
  }
  h ^= text.length;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function countDistinct(t: SqlType): Aggregator<Buffer> {
  return {
    initialize: () => Buffer.alloc(HLL_REGISTERS),
    aggregate: (acc, args) => {
      if (isNull(args[0])) return acc;
      const text = formatValue(t, args[0]);
      const index = murmur32(text, 0x9747b28c) & (HLL_REGISTERS - 1);
      const w = murmur32(text, 0x5bd1e995);
      const rank = w === 0 ? 33 : Math.clz32(w) + 1;
      if (rank > acc[index]!) acc[index] = rank;
      return acc;
    },
    merge: (a, b) => {
      const out = Buffer.from(a);
      for (let i = 0; i < HLL_REGISTERS; i++) if (b[i]! > out[i]!) out[i] = b[i]!;
      return out;
    },
    map: (acc) => {
      let sum = 0;
      let zeros = 0;
      for (const r of acc) {
        sum += 2 ** -r;
        if (r === 0) zeros++;
      }
      const alpha = 0.7213 / (1 + 1.079 / HLL_REGISTERS);
      let estimate = (alpha * HLL_REGISTERS * HLL_REGISTERS) / sum;
      // Small cardinalities: linear counting, which is exact in practice for a handful of values.
      if (estimate <= 2.5 * HLL_REGISTERS && zeros > 0) estimate = HLL_REGISTERS * Math.log(HLL_REGISTERS / zeros);
      return BigInt(Math.round(estimate));
    },
  };
}

// ---- TOPK, TOPKDISTINCT -----------------------------------------------------------------------------------

function topK(t: SqlType, k: number, distinct: boolean): Aggregator<unknown[]> {
  if (!Number.isInteger(k) || k < 1) fail(`TOPK's k must be a positive integer, not ${k}.`);
  const cmp = comparatorFor(t);
  const eq = equalityFor(t);
  const descending = (a: unknown, b: unknown): number => cmp(b, a);
  const add = (acc: unknown[], v: unknown): unknown[] => {
    if (isNull(v) || (distinct && acc.some((x) => eq(x, v)))) return acc;
    if (acc.length >= k && cmp(v, acc[acc.length - 1]) <= 0) return acc;
    acc.push(v);
    acc.sort(descending);
    if (acc.length > k) acc.length = k;
    return acc;
  };
  return {
    initialize: () => [],
    aggregate: (acc, args) => add(acc, args[0]),
    merge: (a, b) => b.reduce(add, a.slice()),
    map: (acc) => acc,
  };
}

// ---- signatures ---------------------------------------------------------------------------------------------

function perType(types: readonly ParamType[], make: (t: ParamType) => UdafSignature): UdafSignature[] {
  return types.map(make);
}

const NUMERIC: readonly ParamType[] = [P.INTEGER, P.BIGINT, P.DOUBLE];

export const aggregateFunctions: readonly UdafDefinition[] = [
  udaf('avg', 'The average of a numeric column (a DOUBLE; 0.0 for no values).', [
    ...perType(NUMERIC, (t) => ({
      params: [param('val', t)],
      returns: P.DOUBLE,
      intermediate: (ctx) => Types.struct([{ name: 'SUM', type: first(ctx) }, { name: 'COUNT', type: Types.BIGINT }]),
      create: (ctx) => avgAggregator(first(ctx)),
    })),
  ]),
  udaf('collect_list', 'The values of a column, NULLs included, in arrival order (up to ksql.functions.collect_list.limit, 1000 by default).', [
    {
      params: [param('col', P.T)],
      returns: P.array(P.T),
      intermediate: P.array(P.T),
      create: (ctx) => collectList(first(ctx), limit(ctx.config, 'ksql.functions.collect_list.limit', 1000)),
    },
  ]),
  udaf('collect_set', 'The distinct values of a column, in arrival order (up to ksql.functions.collect_set.limit, 1000 by default).', [
    {
      params: [param('col', P.T)],
      returns: P.array(P.T),
      intermediate: P.array(P.T),
      create: (ctx) => collectSet(first(ctx), limit(ctx.config, 'ksql.functions.collect_set.limit', 1000)),
    },
  ]),
  udaf('correlation', 'The Pearson correlation coefficient of two DOUBLE columns.', [
    {
      params: [param('x', P.DOUBLE), param('y', P.DOUBLE)],
      returns: P.DOUBLE,
      intermediate: P.struct([...CORRELATION_FIELDS.map((name) => ({ name, type: P.DOUBLE })), { name: 'COUNT', type: P.BIGINT }]),
      create: () => correlation(),
    },
  ]),
  udaf('count', 'The number of rows (COUNT(*)), or of rows where a column is not NULL.', [
    { params: [], returns: P.BIGINT, intermediate: P.BIGINT, create: () => countRows as Aggregator },
    { params: [param('col', P.ANY)], returns: P.BIGINT, intermediate: P.BIGINT, create: () => countValues as Aggregator },
  ]),
  udaf('count_distinct', 'The approximate number of distinct non-NULL values of a column (HyperLogLog, about 2% error for large counts).', [
    { params: [param('col', P.T)], returns: P.BIGINT, intermediate: P.BYTES, create: (ctx) => countDistinct(first(ctx)) as Aggregator },
  ]),
  udaf('histogram', 'The number of times each distinct STRING value occurs (up to 1000 distinct values).', [
    { params: [param('col', P.STRING)], returns: P.map(P.STRING, P.BIGINT), intermediate: P.map(P.STRING, P.BIGINT), create: () => histogram(1000) as Aggregator },
  ]),
  udaf(
    'max',
    'The greatest non-NULL value of a column.',
    perType(ORDERABLE, (t) => ({ params: [param('col', t)], returns: first, intermediate: first, create: (ctx: AggregateContext) => extremeAggregator(first(ctx), true) })),
  ),
  udaf(
    'min',
    'The least non-NULL value of a column.',
    perType(ORDERABLE, (t) => ({ params: [param('col', t)], returns: first, intermediate: first, create: (ctx: AggregateContext) => extremeAggregator(first(ctx), false) })),
  ),
  udaf('stddev_pop', 'The population standard deviation of a numeric column.', [
    ...perType(NUMERIC, (t) => ({
      params: [param('val', t)],
      returns: P.DOUBLE,
      intermediate: (ctx) => Types.struct([{ name: 'SUM', type: first(ctx) }, { name: 'COUNT', type: Types.BIGINT }, { name: 'M2', type: Types.DOUBLE }]),
      create: (ctx) => stddev(first(ctx), true) as Aggregator,
    })),
  ]),
  udaf('stddev_samp', 'The sample standard deviation of a numeric column (0.0 for fewer than two values).', [
    ...perType(NUMERIC, (t) => ({
      params: [param('val', t)],
      returns: P.DOUBLE,
      intermediate: (ctx) => Types.struct([{ name: 'SUM', type: first(ctx) }, { name: 'COUNT', type: Types.BIGINT }, { name: 'M2', type: Types.DOUBLE }]),
      create: (ctx) => stddev(first(ctx), false) as Aggregator,
    })),
  ]),
  udaf('sum', 'The sum of a numeric column\'s non-NULL values, in the column\'s type.', [
    ...perType([...NUMERIC, P.DECIMAL], (t) => ({ params: [param('val', t)], returns: first, intermediate: first, create: (ctx: AggregateContext) => sumAggregator(first(ctx)) })),
  ]),
  udaf(
    'topk',
    'The k greatest non-NULL values of a column, greatest first.',
    perType(ORDERABLE, (t) => ({
      params: [param('col', t)],
      initParams: [param('k', P.INTEGER)],
      returns: (ctx) => Types.array(first(ctx)),
      intermediate: (ctx) => Types.array(first(ctx)),
      create: (ctx: AggregateContext) => topK(first(ctx), ctx.initArgs[0] as number, false) as Aggregator,
    })),
  ),
  udaf(
    'topkdistinct',
    'The k greatest distinct non-NULL values of a column, greatest first.',
    perType(ORDERABLE, (t) => ({
      params: [param('col', t)],
      initParams: [param('k', P.INTEGER)],
      returns: (ctx) => Types.array(first(ctx)),
      intermediate: (ctx) => Types.array(first(ctx)),
      create: (ctx: AggregateContext) => topK(first(ctx), ctx.initArgs[0] as number, true) as Aggregator,
    })),
  ),
];
