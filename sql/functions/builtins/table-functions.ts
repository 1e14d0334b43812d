/**
 * Table functions: each input row becomes zero or more output rows, one per returned element.
 */
import { FunctionCategory, type UdtfDefinition } from '../definitions.js';
import { P } from '../param-types.js';
import { param } from './helpers.js';

/**
 * Every combination of the array's elements kept or replaced by NULL, in the order of a binary
 * count where the first element is the highest bit. An element that is NULL already is never
 * "kept", so no combination repeats.
 */
function cube(values: readonly unknown[]): unknown[][] {
  const n = values.length;
  const rows: unknown[][] = [];
  for (let mask = 0; mask < 2 ** n; mask++) {
    let duplicate = false;
    const row = values.map((v, i) => {
      const kept = (mask >> (n - 1 - i)) & 1;
      if (kept && (v === null || v === undefined)) duplicate = true;
      return kept ? v : null;
    });
    if (!duplicate) rows.push(row);
  }
  return rows;
}

export const tableFunctions: readonly UdtfDefinition[] = [
  {
    name: 'explode',
    category: FunctionCategory.TABLE,
    description: 'One row per element of an array.',
    signatures: [{ params: [param('array', P.array(P.T))], returns: P.T, impl: (a) => (a[0] as unknown[] | null) ?? [] }],
  },
  {
    name: 'cube_explode',
    category: FunctionCategory.TABLE,
    description: 'One row per combination of the array\'s elements with some replaced by NULL (a grouping-set cube).',
    signatures: [
      {
        params: [param('columns', P.array(P.T))],
        returns: P.array(P.T),
        impl: (a) => (a[0] === null ? [] : cube(a[0] as unknown[])),
      },
    ],
  },
];
