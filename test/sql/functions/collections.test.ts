import { describe, expect, it } from 'vitest';
import { Dec } from '../../../sql/types/decimal.js';
import { Types as T } from '../../../sql/types/sql-type.js';
import { compile, evaluate } from './evaluate.js';

const SCHEMA = {
  A: T.array(T.INTEGER),
  B: T.array(T.INTEGER),
  S: T.array(T.STRING),
  D: T.array(T.decimal(3, 1)),
  M: T.map(T.STRING, T.INTEGER),
  N: T.map(T.STRING, T.INTEGER),
  NESTED: T.array(T.array(T.STRING)),
};
const run = (text: string, row: Record<string, unknown> = {}) => evaluate(text, row, SCHEMA);

describe('array functions', () => {
  it('ARRAY_LENGTH, ARRAY_CONTAINS and SLICE', () => {
    expect(run('ARRAY_LENGTH(a)', { A: [5, null] })).toBe(2);
    expect(run('ARRAY_LENGTH(a)', { A: null })).toBeNull();
    expect(run('ARRAY_CONTAINS(a, 3)', { A: [1, 3] })).toBe(true);
    expect(run('ARRAY_CONTAINS(a, 3)', { A: null })).toBe(false);
    expect(run('ARRAY_CONTAINS(a, CAST(NULL AS INT))', { A: [1, null] })).toBe(true);
    expect(run('ARRAY_CONTAINS(nested, ARRAY[\'x\'])', { NESTED: [['y'], ['x']] })).toBe(true);
    expect(run('SLICE(s, 2, 3)', { S: ['a', 'b', 'c', 'd'] })).toEqual(['b', 'c']);
    expect(run('SLICE(s, 1, 9)', { S: ['a'] })).toBeNull();
    expect(run('SLICE(s, 3, 2)', { S: ['a', 'b', 'c'] })).toEqual([]);
    expect(run('SLICE(s, 3, 1)', { S: ['a', 'b', 'c'] })).toBeNull();
  });

  it('ARRAY_DISTINCT, ARRAY_EXCEPT, ARRAY_INTERSECT and ARRAY_UNION keep first-appearance order', () => {
    expect(run('ARRAY_DISTINCT(a)', { A: [3, 1, 3, null, 1, null] })).toEqual([3, 1, null]);
    expect(run('ARRAY_EXCEPT(a, b)', { A: [4, 1, 4, 2, 3], B: [2, 9] })).toEqual([4, 1, 3]);
    expect(run('ARRAY_INTERSECT(a, b)', { A: [4, 1, 4, 2], B: [2, 4] })).toEqual([4, 2]);
    expect(run('ARRAY_UNION(a, b)', { A: [1, 1], B: [2, 1, 3] })).toEqual([1, 2, 3]);
    expect(run('ARRAY_UNION(a, b)', { A: [1], B: null })).toBeNull();
    const distinct = run('ARRAY_DISTINCT(d)', { D: [new Dec('1.0'), new Dec('1'), new Dec('2.5')] }) as Dec[];
    expect(distinct.map(String)).toEqual(['1', '2.5']);
    expect(run('ARRAY_DISTINCT(nested)', { NESTED: [['a'], ['a'], ['b', null]] })).toEqual([['a'], ['b', null]]);
  });

  it('ARRAY_CONCAT is NULL only when both are', () => {
    expect(run('ARRAY_CONCAT(a, b)', { A: [1], B: [1, 2] })).toEqual([1, 1, 2]);
    expect(run('ARRAY_CONCAT(a, b)', { A: null, B: [2] })).toEqual([2]);
    expect(run('ARRAY_CONCAT(a, b)', { A: null, B: null })).toBeNull();
  });

  it('ARRAY_REMOVE removes equal elements, NULLs too', () => {
    expect(run('ARRAY_REMOVE(a, 2)', { A: [2, 1, 2, null] })).toEqual([1, null]);
    expect(run('ARRAY_REMOVE(a, CAST(NULL AS INT))', { A: [2, null] })).toEqual([2]);
    expect(run('ARRAY_REMOVE(a, 2)', { A: null })).toBeNull();
  });

  it('ARRAY_MIN, ARRAY_MAX and ARRAY_SORT order naturally, NULLs last', () => {
    expect(run('ARRAY_MAX(s)', { S: ['Foo', 'bar', null, 'Baz'] })).toBe('bar');
    expect(run('ARRAY_MIN(s)', { S: ['Foo', 'bar', null, 'Baz'] })).toBe('Baz');
    expect(run('ARRAY_MIN(a)', { A: [null] })).toBeNull();
    expect(run('ARRAY_MAX(a)', { A: [] })).toBeNull();
    expect(run('ARRAY_SORT(a)', { A: [3, null, -1, 2] })).toEqual([-1, 2, 3, null]);
    expect(run("ARRAY_SORT(a, 'desc')", { A: [3, null, -1, 2] })).toEqual([3, 2, -1, null]);
    expect(run("ARRAY_SORT(a, 'sideways')", { A: [1] })).toBeNull();
    expect((run('ARRAY_SORT(d)', { D: [new Dec('2.5'), new Dec('-1')] }) as Dec[]).map(String)).toEqual(['-1', '2.5']);
  });

  it('ARRAY_JOIN joins primitives as text', () => {
    expect(run('ARRAY_JOIN(a)', { A: [1, null, -3] })).toBe('1,null,-3');
    expect(run("ARRAY_JOIN(s, ' | ')", { S: ['a', 'b'] })).toBe('a | b');
    expect(run('ARRAY_JOIN(s, CAST(NULL AS STRING))', { S: ['a', 'b'] })).toBe('ab');
    expect(run('ARRAY_JOIN(d)', { D: [new Dec('1.5')] })).toBe('1.5');
    expect(evaluate('ARRAY_JOIN(ARRAY[1.0E0, 2.5E0])')).toBe('1.0,2.5');
    expect(() => compile('ARRAY_JOIN(nested)', { schema: SCHEMA })).toThrow(/primitive/);
  });

  it('GENERATE_SERIES counts in steps either way', () => {
    expect(evaluate('GENERATE_SERIES(1, 4)')).toEqual([1, 2, 3, 4]);
    expect(evaluate('GENERATE_SERIES(10, 1, -4)')).toEqual([10, 6, 2]);
    expect(evaluate('GENERATE_SERIES(CAST(1 AS BIGINT), CAST(3 AS BIGINT))')).toEqual([1n, 2n, 3n]);
    expect(evaluate('GENERATE_SERIES(1, 4, 0)')).toBeNull();
    expect(evaluate('GENERATE_SERIES(1, 4, -1)')).toBeNull();
  });
});

describe('map functions', () => {
  it('MAP_KEYS, MAP_VALUES, MAP_UNION and AS_MAP', () => {
    const m = new Map([['a', 1], ['b', 2]]);
    expect(run('MAP_KEYS(m)', { M: m })).toEqual(['a', 'b']);
    expect(run('MAP_VALUES(m)', { M: m })).toEqual([1, 2]);
    expect(run('MAP_UNION(m, n)', { M: m, N: new Map([['b', 9], ['c', 3]]) })).toEqual(new Map([['a', 1], ['b', 9], ['c', 3]]));
    expect(run('MAP_UNION(m, n)', { M: null, N: m })).toEqual(m);
    expect(run('MAP_UNION(m, n)', { M: null, N: null })).toBeNull();
    expect(run('AS_MAP(s, a)', { S: ['x', 'y', 'z'], A: [1, 2] })).toEqual(new Map([['x', 1], ['y', 2]]));
  });

  it('ENTRIES lists structs of key and value, sorted if asked', () => {
    const e = compile('ENTRIES(m, true)', { schema: SCHEMA });
    expect(e.type).toEqual(
      T.array(
        T.struct([
          { name: 'K', type: T.STRING },
          { name: 'V', type: T.INTEGER },
        ]),
      ),
    );
    expect(e.run({ M: new Map([['b', 1], ['a', 2]]) }, [])).toEqual([
      { K: 'a', V: 2 },
      { K: 'b', V: 1 },
    ]);
  });
});

describe('lambda functions', () => {
  it('TRANSFORM applies a lambda to arrays and to maps', () => {
    expect(run('TRANSFORM(a, x => x * 10)', { A: [1, 2] })).toEqual([10, 20]);
    expect(compile("TRANSFORM(a, x => CAST(x AS STRING) + '!')", { schema: SCHEMA }).type).toEqual(T.array(T.STRING));
    expect(run('TRANSFORM(m, (k, v) => UCASE(k), (k, v) => v + 1)', { M: new Map([['a', 1]]) })).toEqual(new Map([['A', 2]]));
    expect(run('TRANSFORM(a, x => x)', { A: null })).toBeNull();
  });

  it('TRANSFORM on a map fails (NULL) when two keys collide', () => {
    expect(run("TRANSFORM(m, (k, v) => 'same', (k, v) => v)", { M: new Map([['a', 1], ['b', 2]]) })).toBeNull();
  });

  it('FILTER keeps what the lambda accepts', () => {
    expect(run('FILTER(a, x => x > 1)', { A: [0, 2, null, 3] })).toEqual([2, 3]);
    expect(run('FILTER(m, (k, v) => LEN(k) > 1)', { M: new Map([['ab', 1], ['c', 2]]) })).toEqual(new Map([['ab', 1]]));
    expect(run('FILTER(a, x => x > 1)', { A: null })).toBeNull();
  });

  it('REDUCE folds from an initial state; a NULL state gives NULL', () => {
    expect(run('REDUCE(a, 0, (s, x) => s + x)', { A: [1, 2, 3] })).toBe(6);
    expect(run("REDUCE(s, '', (acc, x) => CONCAT(acc, x))", { S: ['a', null, 'b'] })).toBe('ab');
    expect(run('REDUCE(a, 7, (s, x) => s + x)', { A: null })).toBe(7);
    expect(run('REDUCE(a, CAST(NULL AS INT), (s, x) => s + x)', { A: [1] })).toBeNull();
    expect(run('REDUCE(m, 0, (s, k, v) => s + v * LEN(k))', { M: new Map([['ab', 2], ['c', 5]]) })).toBe(9);
    expect(compile('REDUCE(a, CAST(0 AS BIGINT), (s, x) => s + x)', { schema: SCHEMA }).type).toEqual(T.BIGINT);
  });

  it('nests lambdas, each seeing its own and the outer variables', () => {
    expect(run('TRANSFORM(a, x => REDUCE(b, x, (s, y) => s + y))', { A: [1, 10], B: [1, 1] })).toEqual([3, 12]);
    expect(run('FILTER(nested, xs => ARRAY_LENGTH(FILTER(xs, y => y = \'k\')) > 0)', { NESTED: [['a'], ['k', 'b']] })).toEqual([['k', 'b']]);
  });

  it('fails (NULL) when a lambda fails, as ksqlDB does for NULL arithmetic inside one', () => {
    expect(run('REDUCE(a, 0, (s, x) => s + x)', { A: [1, null] })).toBeNull();
    expect(run('TRANSFORM(a, x => x + 1)', { A: [null] })).toBeNull();
  });
});
