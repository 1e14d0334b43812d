/**
 * Functions taking lambdas: TRANSFORM, FILTER and REDUCE over arrays and maps. The lambdas
 * arrive as JavaScript functions compiled by the analyzer. A lambda that yields NULL where a
 * BOOLEAN decides (FILTER) or that fails makes the whole call fail (NULL), as in ksqlDB where
 * the generated Java unboxes the result.
 */
import { FunctionCategory, type UdfDefinition } from '../definitions.js';
import { P } from '../param-types.js';
import { fail, param, sig, udf } from './helpers.js';

const LAMBDA = FunctionCategory.LAMBDA;

type Fn = (...args: unknown[]) => unknown;

function decide(value: unknown): boolean {
  if (value === null || value === undefined) fail('A lambda function returned NULL where a BOOLEAN is required.');
  return value === true;
}

export const lambdaFunctions: readonly UdfDefinition[] = [
  udf({ name: 'transform', category: LAMBDA, description: 'Applies a lambda to each element of an array, or two lambdas to the keys and values of a map.' }, [
    sig([param('array', P.array(P.T)), param('function', P.lambda([P.T], P.U))], P.array(P.U), (a) => {
      const [array, fn] = a as [unknown[] | null, Fn];
      return array === null ? null : array.map((v) => fn(v ?? null) ?? null);
    }),
    sig(
      [param('map', P.map(P.K, P.V)), param('keyFunction', P.lambda([P.K, P.V], P.generic('K1'))), param('valueFunction', P.lambda([P.K, P.V], P.generic('V1')))],
      P.map(P.generic('K1'), P.generic('V1')),
      (a) => {
        const [map, keyFn, valueFn] = a as [Map<unknown, unknown> | null, Fn, Fn];
        if (map === null) return null;
        const out = new Map<unknown, unknown>();
        for (const [k, v] of map) {
          const key = keyFn(k, v ?? null) ?? null;
          if (out.has(key)) fail(`TRANSFORM produced the key ${String(key)} twice; map keys must be unique.`);
          out.set(key, valueFn(k, v ?? null) ?? null);
        }
        return out;
      },
    ),
  ]),
  udf({ name: 'filter', category: LAMBDA, description: 'The elements of an array, or entries of a map, for which a lambda is true.' }, [
    sig([param('array', P.array(P.T)), param('function', P.lambda([P.T], P.BOOLEAN))], P.array(P.T), (a) => {
      const [array, fn] = a as [unknown[] | null, Fn];
      return array === null ? null : array.filter((v) => decide(fn(v ?? null)));
    }),
    sig([param('map', P.map(P.K, P.V)), param('function', P.lambda([P.K, P.V], P.BOOLEAN))], P.map(P.K, P.V), (a) => {
      const [map, fn] = a as [Map<unknown, unknown> | null, Fn];
      if (map === null) return null;
      const out = new Map<unknown, unknown>();
      for (const [k, v] of map) if (decide(fn(k, v ?? null))) out.set(k, v ?? null);
      return out;
    }),
  ]),
  udf({ name: 'reduce', category: LAMBDA, description: 'Folds an array\'s elements, or a map\'s entries, into a state with a lambda, from an initial state; NULL if that is NULL.' }, [
    sig([param('array', P.array(P.T)), param('initialState', P.S), param('function', P.lambda([P.S, P.T], P.S))], P.S, (a) => {
      const [array, initial, fn] = a as [unknown[] | null, unknown, Fn];
      if (initial === null || initial === undefined) return null;
      let state: unknown = initial;
      for (const v of array ?? []) state = fn(state, v ?? null) ?? null;
      return state;
    }),
    sig([param('map', P.map(P.K, P.V)), param('initialState', P.S), param('function', P.lambda([P.S, P.K, P.V], P.S))], P.S, (a) => {
      const [map, initial, fn] = a as [Map<unknown, unknown> | null, unknown, Fn];
      if (initial === null || initial === undefined) return null;
      let state: unknown = initial;
      for (const [k, v] of map ?? []) state = fn(state, k, v ?? null) ?? null;
      return state;
    }),
  ]),
];
