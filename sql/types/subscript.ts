/**
 * `base[index]` as ksqlDB evaluates it: arrays are 1-based, a negative index counts from the
 * end (-1 is the last element), and an index out of range (or 0) gives NULL; maps give the value
 * for an equal key, or NULL.
 */
import { compileCast } from './cast.js';
import { SqlTypeError } from './errors.js';
import { formatSqlType, typeEquals, type SqlType } from './sql-type.js';
import { equalityFor } from './values.js';

/** The element of an array at a 1-based index, negative from the end; NULL when out of range. */
export function arrayElement(array: readonly unknown[] | null | undefined, index: number | bigint | null | undefined): unknown {
  if (array === null || array === undefined || index === null || index === undefined) return null;
  const i = Number(index);
  const at = i > 0 ? i - 1 : array.length + i;
  if (i === 0 || at < 0 || at >= array.length) return null;
  return array[at] ?? null;
}

export interface CompiledSubscript {
  readonly type: SqlType;
  readonly lookup: (base: unknown, index: unknown) => unknown;
}

/** `base[index]` for an ARRAY (INTEGER or BIGINT index) or a MAP (an index of the key's type). */
export function compileSubscript(base: SqlType, index: SqlType): CompiledSubscript {
  if (base.kind === 'ARRAY') {
    if (index.kind !== 'INTEGER' && index.kind !== 'BIGINT' && index.kind !== 'NULL') {
      throw new SqlTypeError(`An array index must be an INTEGER, not ${formatSqlType(index)}.`);
    }
    return { type: base.element, lookup: (b, i) => arrayElement(b as unknown[] | null, i as number | bigint | null) };
  }
  if (base.kind === 'MAP') {
    const convert = index.kind === 'NULL' || typeEquals(index, base.key) ? (v: unknown) => v : compileCast(index, base.key);
    const direct = base.key.kind !== 'DECIMAL' && base.key.kind !== 'BYTES' && base.key.kind !== 'ARRAY' && base.key.kind !== 'MAP' && base.key.kind !== 'STRUCT' && base.key.kind !== 'DOUBLE';
    const eq = equalityFor(base.key);
    return {
      type: base.value,
      lookup: (b, i) => {
        if (b === null || b === undefined || i === null || i === undefined) return null;
        const map = b as Map<unknown, unknown>;
        const key = convert(i);
        if (direct) return map.get(key) ?? null;
        for (const [k, v] of map) if (eq(k, key)) return v ?? null;
        return null;
      },
    };
  }
  throw new SqlTypeError(`Only arrays and maps can be subscripted, not ${formatSqlType(base)}.`);
}
