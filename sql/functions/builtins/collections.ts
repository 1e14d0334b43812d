/**
 * ARRAY and MAP functions. Elements compare by their SQL type's equality and order
 * (sql/types/values.ts): ARRAY_DISTINCT on ARRAY<DECIMAL> treats 1.0 and 1.00 as one value.
 */
import { formatValue } from '../../types/format-value.js';
import { Types, type SqlType } from '../../types/sql-type.js';
import { comparatorFor, equalityFor, ValueSet } from '../../types/values.js';
import { FunctionCategory, type BindContext, type TypeContext, type UdfDefinition } from '../definitions.js';
import { P } from '../param-types.js';
import { fail, param, sig, strictSig, udf } from './helpers.js';

const ARRAY = FunctionCategory.ARRAY;
const MAP = FunctionCategory.MAP;

/** The element type of the first (array) argument. */
function elementType(ctx: TypeContext): SqlType {
  const t = ctx.paramTypes[0]!;
  return t.kind === 'ARRAY' ? t.element : (ctx.bindings.get('T') ?? Types.NULL);
}

type Arr = unknown[] | null;

function setOperation(name: string, description: string, op: (a: unknown[], b: unknown[], type: SqlType) => unknown[]): UdfDefinition {
  return udf({ name, category: ARRAY, description }, [
    {
      params: [param('array1', P.array(P.T)), param('array2', P.array(P.T))],
      returns: P.array(P.T),
      strict: true,
      bind: (ctx) => {
        const type = elementType(ctx);
        return (a) => op(a[0] as unknown[], a[1] as unknown[], type);
      },
    },
  ]);
}

function extreme(name: string, description: string, pickMax: boolean): UdfDefinition {
  return udf({ name, category: ARRAY, description }, [
    {
      params: [param('array', P.array(P.T))],
      returns: P.T,
      strict: true,
      bind: (ctx) => {
        const cmp = comparatorFor(elementType(ctx));
        return (a) => {
          let best: unknown = null;
          for (const v of a[0] as unknown[]) {
            if (v === null || v === undefined) continue;
            if (best === null || (pickMax ? cmp(v, best) > 0 : cmp(v, best) < 0)) best = v;
          }
          return best;
        };
      },
    },
  ]);
}

function sortArray(values: unknown[], type: SqlType, direction: string): unknown[] {
  const dir = direction.toUpperCase();
  if (dir !== 'ASC' && dir !== 'DESC') fail(`ARRAY_SORT's direction must be ASC or DESC, not '${direction}'.`);
  const cmp = comparatorFor(type);
  const present = values.filter((v) => v !== null && v !== undefined).sort(cmp);
  if (dir === 'DESC') present.reverse();
  return [...present, ...values.filter((v) => v === null || v === undefined)];
}

function generateSeries(start: number | bigint, end: number | bigint, step: number): unknown[] {
  if (step === 0) fail('GENERATE_SERIES step cannot be zero');
  const big = typeof start === 'bigint';
  const s = BigInt(start);
  const e = BigInt(end);
  const st = BigInt(step);
  if ((e > s && st < 0n) || (e < s && st > 0n)) fail('GENERATE_SERIES step has wrong sign');
  const count = (e - s) / st + 1n;
  if (count > 1_000_000n) fail('GENERATE_SERIES would produce more than 1000000 elements');
  const out: unknown[] = [];
  for (let v = s, i = 0n; i < count; v += st, i++) out.push(big ? v : Number(v));
  return out;
}

function joiner(type: SqlType): (a: unknown[]) => string | null {
  return (a) => {
    const array = a[0] as Arr;
    if (array === null) return null;
    const delimiter = a.length > 1 ? ((a[1] as string | null) ?? '') : ',';
    return array.map((v) => formatValue(type, v)).join(delimiter);
  };
}

function isPrimitive(t: SqlType): boolean {
  return t.kind !== 'ARRAY' && t.kind !== 'MAP' && t.kind !== 'STRUCT';
}

function bindJoin(ctx: BindContext) {
  const type = elementType(ctx);
  if (!isPrimitive(type)) fail(`ARRAY_JOIN only joins arrays of primitive types, not ${type.kind}.`);
  return joiner(type);
}

export const collectionFunctions: readonly UdfDefinition[] = [
  udf({ name: 'array_concat', category: ARRAY, description: 'The concatenation of two arrays; NULL only if both are NULL.' }, [
    sig([param('array1', P.array(P.T)), param('array2', P.array(P.T))], P.array(P.T), (a) => {
      const [x, y] = a as [Arr, Arr];
      if (x === null && y === null) return null;
      return [...(x ?? []), ...(y ?? [])];
    }),
  ]),
  udf({ name: 'array_contains', category: ARRAY, description: 'Whether an array contains a value.' }, [
    {
      params: [param('array', P.array(P.T)), param('val', P.T)],
      returns: P.BOOLEAN,
      bind: (ctx) => {
        const eq = equalityFor(elementType(ctx));
        return (a) => (a[0] === null ? false : (a[0] as unknown[]).some((v) => eq(v, a[1] ?? null)));
      },
    },
  ]),
  udf({ name: 'array_distinct', category: ARRAY, description: 'The distinct values of an array (NULL included), in order of first appearance.' }, [
    {
      params: [param('array', P.array(P.T))],
      returns: P.array(P.T),
      strict: true,
      bind: (ctx) => {
        const type = elementType(ctx);
        return (a) => new ValueSet(type, a[0] as unknown[]).values();
      },
    },
  ]),
  setOperation('array_except', 'The distinct values of the first array that are not in the second, in order.', (a, b, type) => {
    const exclude = new ValueSet(type, b);
    return new ValueSet(type, a).values().filter((v) => !exclude.has(v));
  }),
  setOperation('array_intersect', 'The distinct values that are in both arrays, in the first array\'s order.', (a, b, type) => {
    const other = new ValueSet(type, b);
    return new ValueSet(type, a).values().filter((v) => other.has(v));
  }),
  udf({ name: 'array_join', category: ARRAY, description: 'The elements of an array of primitives as text, joined by a delimiter (a comma by default).' }, [
    { params: [param('array', P.array(P.T))], returns: P.STRING, bind: bindJoin },
    { params: [param('array', P.array(P.T)), param('delimiter', P.STRING)], returns: P.STRING, bind: bindJoin },
  ]),
  udf({ name: 'array_length', category: ARRAY, description: 'The number of elements of an array.' }, [
    strictSig([param('array', P.array(P.T))], P.INTEGER, (a) => (a[0] as unknown[]).length),
  ]),
  extreme('array_max', 'The greatest non-NULL element of an array of primitives; NULL if there is none.', true),
  extreme('array_min', 'The least non-NULL element of an array of primitives; NULL if there is none.', false),
  udf({ name: 'array_remove', category: ARRAY, description: 'The array without the elements equal to a value (NULL removes NULLs).' }, [
    {
      params: [param('array', P.array(P.T)), param('element', P.T)],
      returns: P.array(P.T),
      bind: (ctx) => {
        const eq = equalityFor(elementType(ctx));
        return (a) => (a[0] === null ? null : (a[0] as unknown[]).filter((v) => !eq(v, a[1] ?? null)));
      },
    },
  ]),
  udf({ name: 'array_sort', category: ARRAY, description: 'The elements of an array of primitives in ascending (or DESC) order, NULLs last.' }, [
    {
      params: [param('array', P.array(P.T))],
      returns: P.array(P.T),
      strict: true,
      bind: (ctx) => {
        const type = elementType(ctx);
        return (a) => sortArray(a[0] as unknown[], type, 'ASC');
      },
    },
    {
      params: [param('array', P.array(P.T)), param('direction', P.STRING)],
      returns: P.array(P.T),
      strict: true,
      bind: (ctx) => {
        const type = elementType(ctx);
        return (a) => sortArray(a[0] as unknown[], type, a[1] as string);
      },
    },
  ]),
  setOperation('array_union', 'The distinct values of both arrays, in order of first appearance.', (a, b, type) => new ValueSet(type, [...a, ...b]).values()),
  udf({ name: 'as_map', category: MAP, description: 'A map from an array of keys and an array of values, paired by position.' }, [
    sig([param('keys', P.array(P.STRING)), param('values', P.array(P.T))], P.map(P.STRING, P.T), (a) => {
      const [keys, values] = a as [Arr, Arr];
      if (keys === null || values === null) return null;
      const out = new Map<unknown, unknown>();
      keys.forEach((k, i) => {
        if (i < values.length) out.set(k, values[i] ?? null);
      });
      return out;
    }),
  ]),
  udf({ name: 'entries', category: MAP, description: 'The entries of a map as an array of STRUCT<K, V>, sorted by key if asked.' }, [
    {
      params: [param('map', P.map(P.STRING, P.T)), param('sorted', P.BOOLEAN)],
      returns: (ctx) => Types.array(Types.struct([{ name: 'K', type: Types.STRING }, { name: 'V', type: (ctx.paramTypes[0] as { value: SqlType }).value }])),
      strict: true,
      bind: () => (a) => {
        const entries = [...(a[0] as Map<string, unknown>)].map(([k, v]) => ({ K: k, V: v ?? null }));
        if (a[1]) entries.sort((x, y) => (x.K < y.K ? -1 : x.K > y.K ? 1 : 0));
        return entries;
      },
    },
  ]),
  udf({ name: 'generate_series', category: ARRAY, description: 'The numbers from start to end inclusive, by a step (1 by default) that may be negative.' }, [
    strictSig([param('start', P.INTEGER), param('end', P.INTEGER)], P.array(P.INTEGER), (a) => generateSeries(a[0] as number, a[1] as number, 1)),
    strictSig([param('start', P.INTEGER), param('end', P.INTEGER), param('step', P.INTEGER)], P.array(P.INTEGER), (a) =>
      generateSeries(a[0] as number, a[1] as number, a[2] as number),
    ),
    strictSig([param('start', P.BIGINT), param('end', P.BIGINT)], P.array(P.BIGINT), (a) => generateSeries(a[0] as bigint, a[1] as bigint, 1)),
    strictSig([param('start', P.BIGINT), param('end', P.BIGINT), param('step', P.INTEGER)], P.array(P.BIGINT), (a) =>
      generateSeries(a[0] as bigint, a[1] as bigint, a[2] as number),
    ),
  ]),
  udf({ name: 'map_keys', category: MAP, description: 'The keys of a map.' }, [strictSig([param('map', P.map(P.K, P.V))], P.array(P.K), (a) => [...(a[0] as Map<unknown, unknown>).keys()])]),
  udf({ name: 'map_union', category: MAP, description: 'The entries of two maps, the second\'s value winning for a shared key; NULL only if both are NULL.' }, [
    sig([param('map1', P.map(P.K, P.V)), param('map2', P.map(P.K, P.V))], P.map(P.K, P.V), (a) => {
      const [x, y] = a as [Map<unknown, unknown> | null, Map<unknown, unknown> | null];
      if (x === null && y === null) return null;
      return new Map([...(x ?? []), ...(y ?? [])]);
    }),
  ]),
  udf({ name: 'map_values', category: MAP, description: 'The values of a map.' }, [
    strictSig([param('map', P.map(P.K, P.V))], P.array(P.V), (a) => [...(a[0] as Map<unknown, unknown>).values()]),
  ]),
  udf({ name: 'slice', category: ARRAY, description: 'The elements from one 1-based position to another, both included; NULL when out of range.' }, [
    sig([param('array', P.array(P.T)), param('from', P.INTEGER), param('to', P.INTEGER)], P.array(P.T), (a) => {
      const [array, from, to] = a as [Arr, number | null, number | null];
      if (array === null) return null;
      const start = from === null ? 0 : from - 1;
      const end = to === null ? array.length : to;
      if (start < 0 || end > array.length || start > end) return null;
      return array.slice(start, end);
    }),
  ]),
];
