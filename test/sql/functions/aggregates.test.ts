import { describe, expect, it } from 'vitest';
import { createFunctionRegistry, type AggregateArg, type Aggregator, type FunctionConfig } from '../../../sql/functions/index.js';
import { Dec } from '../../../sql/types/decimal.js';
import { Types as T, type SqlType } from '../../../sql/types/sql-type.js';

const registry = createFunctionRegistry();

/** Aggregates rows of column values; `literals` are the constant arguments after the columns. */
function aggregate(name: string, types: SqlType[], rows: unknown[][], literals: unknown[] = [], config?: FunctionConfig) {
  const args: AggregateArg[] = [...types.map((type) => ({ type })), ...literals.map((value) => ({ type: literalType(value), literal: { value } }))];
  const resolved = registry.resolveAggregate(name, args, { config });
  const agg = resolved.create();
  const results: unknown[] = [];
  let acc = agg.initialize();
  for (const row of rows) {
    acc = agg.aggregate(acc, row);
    // Accumulators may be updated in place: keep a copy of each result.
    const result = agg.map(acc);
    results.push(Array.isArray(result) ? [...result] : result instanceof Map ? new Map(result) : result);
  }
  return { resolved, agg, acc, results, last: results[results.length - 1] };
}

function literalType(v: unknown): SqlType {
  return typeof v === 'boolean' ? T.BOOLEAN : T.INTEGER;
}

function fold(agg: Aggregator, rows: unknown[][]): unknown {
  return rows.reduce((acc, row) => agg.aggregate(acc, row), agg.initialize());
}

describe('COUNT, SUM and AVG', () => {
  it('COUNT(*) counts rows, COUNT(col) non-NULL values, both undoable', () => {
    const star = aggregate('COUNT', [], [[], [], []]);
    expect(star.results).toEqual([1n, 2n, 3n]);
    expect(star.resolved.returnType).toEqual(T.BIGINT);
    const col = aggregate('count', [T.STRING], [['a'], [null], ['b']]);
    expect(col.results).toEqual([1n, 1n, 2n]);
    expect(col.resolved.supportsUndo).toBe(true);
    expect(col.agg.map(col.agg.undo!(col.acc, ['a']))).toBe(1n);
  });

  it('SUM keeps the column type, wraps integers and skips NULLs', () => {
    expect(aggregate('SUM', [T.INTEGER], [[2147483647], [1]]).last).toBe(-2147483648);
    const big = aggregate('SUM', [T.BIGINT], [[5n], [null], [7n]]);
    expect(big.last).toBe(12n);
    expect(big.resolved.returnType).toEqual(T.BIGINT);
    expect(aggregate('SUM', [T.DOUBLE], [[0.5], [0.25]]).last).toBe(0.75);
    expect(aggregate('SUM', [T.INTEGER], [[null]]).last).toBe(0);
  });

  it('SUM of DECIMAL keeps its type and overflows like ksqlDB (the query fails)', () => {
    const sum = aggregate('SUM', [T.decimal(4, 1)], [[new Dec('400.5')], [new Dec('500.1')]]);
    expect(sum.resolved.returnType).toEqual(T.decimal(4, 1));
    expect((sum.last as Dec).toFixed(1)).toBe('900.6');
    expect(() => sum.agg.aggregate(sum.acc, [new Dec('100')])).toThrow(/Numeric field overflow/);
  });

  it('AVG is a DOUBLE over a STRUCT of sum and count, undoable for tables', () => {
    const avg = aggregate('AVG', [T.INTEGER], [[1], [2], [null], [6]]);
    expect(avg.results).toEqual([1, 1.5, 1.5, 3]);
    expect(avg.resolved.intermediateType).toEqual(T.struct([{ name: 'SUM', type: T.INTEGER }, { name: 'COUNT', type: T.BIGINT }]));
    expect(avg.agg.map(avg.agg.undo!(avg.acc, [6]))).toBe(1.5);
    expect(aggregate('AVG', [T.BIGINT], []).agg.map(aggregate('AVG', [T.BIGINT], []).agg.initialize())).toBe(0);
    // A DECIMAL column averages as a DOUBLE.
    expect(aggregate('AVG', [T.decimal(3, 1)], [[new Dec('1.5')], [new Dec('2.5')]]).last).toBe(2);
  });
});

describe('MIN, MAX, TOPK and TOPKDISTINCT', () => {
  it('MIN and MAX skip NULLs, for any ordered type, and cannot undo', () => {
    expect(aggregate('MAX', [T.STRING], [['b'], [null], ['a']]).results).toEqual(['b', 'b', 'b']);
    expect(aggregate('MIN', [T.INTEGER], [[null], [3], [1]]).results).toEqual([null, 3, 1]);
    const dec = aggregate('MAX', [T.decimal(3, 1)], [[new Dec('1.5')], [new Dec('10.0')]]);
    expect(String(dec.last)).toBe('10');
    expect(dec.resolved.returnType).toEqual(T.decimal(3, 1));
    expect(dec.resolved.supportsUndo).toBe(false);
    expect(aggregate('MIN', [T.TIMESTAMP], [[5], [2]]).last).toBe(2);
  });

  it('TOPK keeps the k largest, TOPKDISTINCT the k largest distinct', () => {
    expect(aggregate('TOPK', [T.INTEGER], [[5], [9], [5], [null], [1]], [2]).results).toEqual([[5], [9, 5], [9, 5], [9, 5], [9, 5]]);
    expect(aggregate('TOPK', [T.INTEGER], [[5], [9], [5]], [3]).last).toEqual([9, 5, 5]);
    expect(aggregate('TOPKDISTINCT', [T.STRING], [['b'], ['c'], ['b'], ['a']], [2]).last).toEqual(['c', 'b']);
    const topk = aggregate('TOPK', [T.BIGINT], [], [2]);
    expect(topk.resolved.returnType).toEqual(T.array(T.BIGINT));
    expect(topk.resolved.columnArgCount).toBe(1);
    expect(topk.agg.merge([9n, 3n], [7n, 1n])).toEqual([9n, 7n]);
    expect(() => registry.resolveAggregate('TOPK', [{ type: T.INTEGER }, { type: T.INTEGER, text: 'K' }])).toThrow(/must be a literal constant/);
  });
});

describe('collecting aggregates', () => {
  it('COLLECT_LIST keeps every value, NULLs too, up to its limit', () => {
    expect(aggregate('COLLECT_LIST', [T.STRING], [['a'], [null], ['a']]).last).toEqual(['a', null, 'a']);
    expect(aggregate('COLLECT_LIST', [T.INTEGER], [[1], [2], [3]], [], { 'ksql.functions.collect_list.limit': 2 }).last).toEqual([1, 2]);
    const list = aggregate('COLLECT_LIST', [T.array(T.INTEGER)], [[[1]], [[2]], [[1]]]);
    expect(list.resolved.returnType).toEqual(T.array(T.array(T.INTEGER)));
    expect(list.agg.undo!(list.acc, [[1]])).toEqual([[1], [2]]);
  });

  it('COLLECT_SET keeps distinct values', () => {
    expect(aggregate('COLLECT_SET', [T.decimal(2, 1)], [[new Dec('1.0')], [new Dec('1')], [new Dec('2')]]).last).toHaveLength(2);
    expect(aggregate('COLLECT_SET', [T.STRING], [['x'], ['y'], ['x']]).last).toEqual(['x', 'y']);
  });

  it('HISTOGRAM counts strings, undoably', () => {
    const h = aggregate('HISTOGRAM', [T.STRING], [['a'], ['b'], ['a'], [null]]);
    expect(h.last).toEqual(new Map([['a', 2n], ['b', 1n]]));
    expect(h.agg.undo!(h.acc, ['a'])).toEqual(new Map([['a', 1n], ['b', 1n]]));
  });

  it('COUNT_DISTINCT estimates distinct values, exactly for small counts', () => {
    const values = Array.from({ length: 40 }, (_, i) => [`v${i % 25}`]);
    expect(aggregate('COUNT_DISTINCT', [T.STRING], values).last).toBe(25n);
    const big = aggregate('COUNT_DISTINCT', [T.BIGINT], Array.from({ length: 20000 }, (_, i) => [BigInt(i)]));
    expect(Number(big.last)).toBeGreaterThan(19000);
    expect(Number(big.last)).toBeLessThan(21000);
    expect(big.resolved.intermediateType).toEqual(T.BYTES);
  });
});

describe('statistics', () => {
  it('STDDEV_SAMP and STDDEV_POP, with undo', () => {
    const rows = [[2], [4], [4], [4], [5], [5], [7], [9]];
    expect(aggregate('STDDEV_POP', [T.INTEGER], rows).last).toBeCloseTo(2, 12);
    const samp = aggregate('STDDEV_SAMP', [T.DOUBLE], rows);
    expect(samp.last).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(samp.agg.map(samp.agg.undo!(samp.acc, [9]))).toBeCloseTo(Math.sqrt((5.898 + 0.551 + 0.653 + 6.612) / 6), 3);
    expect(aggregate('STDDEV_SAMP', [T.BIGINT], [[5n]]).last).toBe(0);
  });

  it('CORRELATION of two columns, skipping incomplete pairs', () => {
    expect(aggregate('CORRELATION', [T.DOUBLE, T.DOUBLE], [[1, 2], [2, 4], [3, 6.5], [null, 1]]).last).toBeCloseTo(4.5 / Math.sqrt(2 * (61 / 6)), 12);
    expect(aggregate('CORRELATION', [T.DOUBLE, T.DOUBLE], [[1, 3], [2, 2], [3, 1]]).last).toBeCloseTo(-1, 12);
    // Integers widen to DOUBLE.
    expect(aggregate('CORRELATION', [T.INTEGER, T.INTEGER], [[1, 1], [2, 2]]).last).toBeCloseTo(1, 12);
  });

  it('merges partial aggregates (session windows) to the same result', () => {
    const { agg } = aggregate('STDDEV_SAMP', [T.DOUBLE], []);
    const whole = agg.map(fold(agg, [[1], [5], [2], [8]]));
    const merged = agg.map(agg.merge(fold(agg, [[1], [5]]), fold(agg, [[2], [8]])));
    expect(merged).toBeCloseTo(whole as number, 12);
  });
});

describe('EARLIEST_BY_OFFSET and LATEST_BY_OFFSET', () => {
  it('keep the first or last value, ignoring NULLs by default', () => {
    expect(aggregate('EARLIEST_BY_OFFSET', [T.INTEGER], [[null], [3], [4]]).results).toEqual([null, 3, 3]);
    expect(aggregate('LATEST_BY_OFFSET', [T.INTEGER], [[3], [null], [4]]).results).toEqual([3, 3, 4]);
    expect(aggregate('EARLIEST_BY_OFFSET', [T.INTEGER], [[null], [3]], [false]).results).toEqual([null, null]);
    expect(aggregate('LATEST_BY_OFFSET', [T.INTEGER], [[3], [null]], [false]).results).toEqual([3, null]);
  });

  it('keep N values as an array', () => {
    expect(aggregate('EARLIEST_BY_OFFSET', [T.STRING], [['a'], [null], ['b'], ['c']], [2]).results).toEqual([['a'], ['a'], ['a', 'b'], ['a', 'b']]);
    expect(aggregate('LATEST_BY_OFFSET', [T.STRING], [['a'], ['b'], [null], ['c']], [2, false]).last).toEqual([null, 'c']);
    const r = aggregate('LATEST_BY_OFFSET', [T.STRING], [], [2]);
    expect(r.resolved.returnType).toEqual(T.array(T.STRING));
    expect(r.resolved.intermediateType).toEqual(T.array(T.struct([{ name: 'SEQ', type: T.BIGINT }, { name: 'VAL', type: T.STRING }])));
  });

  it('merge by arrival order, as session windows need', () => {
    const { agg } = aggregate('EARLIEST_BY_OFFSET', [T.INTEGER], [], [2, false]);
    const first = fold(agg, [[null]]);
    const second = fold(agg, [[1], [null]]);
    expect(agg.map(agg.merge(second, first))).toEqual([null, 1]);
    const latest = aggregate('LATEST_BY_OFFSET', [T.INTEGER], []).agg;
    const a = fold(latest, [[1]]);
    const b = fold(latest, [[2]]);
    expect(latest.map(latest.merge(b, a))).toBe(2);
  });
});

describe('table functions', () => {
  it('EXPLODE makes a row per element, none for NULL or empty', () => {
    const explode = registry.resolveTableFunction('EXPLODE', [T.array(T.STRING)]);
    expect(explode.returnType).toEqual(T.STRING);
    expect(explode.invoke([['a', null, 'b']])).toEqual(['a', null, 'b']);
    expect(explode.invoke([null])).toEqual([]);
    expect(explode.invoke([[]])).toEqual([]);
  });

  it('CUBE_EXPLODE makes every combination, without repeating for NULLs', () => {
    const cube = registry.resolveTableFunction('cube_explode', [T.array(T.INTEGER)]);
    expect(cube.returnType).toEqual(T.array(T.INTEGER));
    expect(cube.invoke([[1, 2]])).toEqual([
      [null, null],
      [null, 2],
      [1, null],
      [1, 2],
    ]);
    expect(cube.invoke([[null, 5]])).toEqual([
      [null, null],
      [null, 5],
    ]);
    expect(cube.invoke([['x', 'y', 'z']])).toHaveLength(8);
  });
});
