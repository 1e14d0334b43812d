/**
 * Ordering, equality and hashing of run-time values by SQL type: what GREATEST, ARRAY_SORT,
 * MIN/MAX and TOPK order by, and what DISTINCT, GROUP BY keys, ARRAY_DISTINCT and COLLECT_SET
 * compare and hash by. The rules are Java's, since ksqlDB's results follow them:
 *
 * - DOUBLE orders as Double.compare: -0.0 before 0.0, NaN after everything, NaN equal to NaN.
 * - STRING orders by UTF-16 code units ('B' < 'a'), as String.compareTo.
 * - BYTES orders byte by byte as *signed* bytes, then by length (ByteBuffer.compareTo).
 * - DECIMAL compares by value whatever the scale.
 * - ARRAY orders element by element, a prefix first. MAP and STRUCT have equality but no order.
 * - NULL equals NULL here (these are grouping semantics, not SQL's `=`) and sorts last.
 *
 * `comparatorFor`/`equalityFor`/`hasherFor` resolve the type once, for per-row use.
 */
import type { Decimal } from 'decimal.js';
import { SqlTypeError } from './errors.js';
import { formatSqlType, type SqlStruct, type SqlType } from './sql-type.js';

export type Comparator = (a: unknown, b: unknown) => number;
export type Equality = (a: unknown, b: unknown) => boolean;
export type Hasher = (value: unknown) => number;

/** Whether values of the type have an order (everything but MAP, STRUCT and their arrays). */
export function isOrderable(type: SqlType): boolean {
  switch (type.kind) {
    case 'MAP':
    case 'STRUCT':
    case 'LAMBDA':
    case 'INTERVAL_UNIT':
      return false;
    case 'ARRAY':
      return isOrderable(type.element);
    default:
      return true;
  }
}

function compareDouble(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) {
    if (a !== 0) return 0;
    const na = Object.is(a, -0);
    const nb = Object.is(b, -0);
    return na === nb ? 0 : na ? -1 : 1;
  }
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  return an === bn ? 0 : an ? 1 : -1;
}

function compareBytes(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = (a[i]! << 24) >> 24;
    const y = (b[i]! << 24) >> 24;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length < 0 ? -1 : a.length === b.length ? 0 : 1;
}

/** The total order of non-null values of `type`, with NULL after every value. */
export function comparatorFor(type: SqlType): Comparator {
  const cmp = nonNullComparator(type);
  return (a, b) => {
    if (a === null || a === undefined) return b === null || b === undefined ? 0 : 1;
    if (b === null || b === undefined) return -1;
    return cmp(a, b);
  };
}

function nonNullComparator(type: SqlType): Comparator {
  switch (type.kind) {
    case 'BOOLEAN':
      return (a, b) => (a === b ? 0 : a ? 1 : -1);
    case 'INTEGER':
    case 'DATE':
    case 'TIME':
    case 'TIMESTAMP':
      return (a, b) => ((a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0);
    case 'BIGINT':
      return (a, b) => ((a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0);
    case 'DOUBLE':
      return (a, b) => compareDouble(a as number, b as number);
    case 'DECIMAL':
      return (a, b) => (a as Decimal).cmp(b as Decimal);
    case 'STRING':
      return (a, b) => ((a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0);
    case 'BYTES':
      return (a, b) => compareBytes(a as Buffer, b as Buffer);
    case 'ARRAY': {
      const element = comparatorFor(type.element);
      return (a, b) => {
        const x = a as unknown[];
        const y = b as unknown[];
        const n = Math.min(x.length, y.length);
        for (let i = 0; i < n; i++) {
          const c = element(x[i], y[i]);
          if (c !== 0) return c;
        }
        return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
      };
    }
    default:
      throw new SqlTypeError(`Values of type ${formatSqlType(type)} cannot be ordered.`);
  }
}

/** Orders two values of `type` (NULL last). Prefer `comparatorFor` on hot paths. */
export function compareValues(type: SqlType, a: unknown, b: unknown): number {
  return comparatorFor(type)(a, b);
}

/** Equality of values of `type`, NULL equal to NULL. */
export function equalityFor(type: SqlType): Equality {
  const eq = nonNullEquality(type);
  return (a, b) => {
    if (a === null || a === undefined) return b === null || b === undefined;
    if (b === null || b === undefined) return false;
    return eq(a, b);
  };
}

function isPrimitiveKey(type: SqlType): boolean {
  return type.kind === 'STRING' || type.kind === 'INTEGER' || type.kind === 'BIGINT' || type.kind === 'BOOLEAN' || type.kind === 'DATE' || type.kind === 'TIME' || type.kind === 'TIMESTAMP';
}

function nonNullEquality(type: SqlType): Equality {
  switch (type.kind) {
    case 'DOUBLE':
      return (a, b) => a === b || (Number.isNaN(a) && Number.isNaN(b));
    case 'DECIMAL':
      return (a, b) => (a as Decimal).eq(b as Decimal);
    case 'BYTES':
      return (a, b) => (a as Buffer).equals(b as Buffer);
    case 'ARRAY': {
      const element = equalityFor(type.element);
      return (a, b) => {
        const x = a as unknown[];
        const y = b as unknown[];
        if (x.length !== y.length) return false;
        for (let i = 0; i < x.length; i++) if (!element(x[i], y[i])) return false;
        return true;
      };
    }
    case 'MAP': {
      const key = equalityFor(type.key);
      const value = equalityFor(type.value);
      const direct = isPrimitiveKey(type.key);
      return (a, b) => {
        const x = a as Map<unknown, unknown>;
        const y = b as Map<unknown, unknown>;
        if (x.size !== y.size) return false;
        for (const [k, v] of x) {
          if (direct) {
            if (!y.has(k) || !value(v, y.get(k))) return false;
            continue;
          }
          let found = false;
          for (const [k2, v2] of y) {
            if (key(k, k2)) {
              found = value(v, v2);
              break;
            }
          }
          if (!found) return false;
        }
        return true;
      };
    }
    case 'STRUCT': {
      const fields = type.fields.map((f) => ({ name: f.name, eq: equalityFor(f.type) }));
      return (a, b) => fields.every((f) => f.eq((a as SqlStruct)[f.name] ?? null, (b as SqlStruct)[f.name] ?? null));
    }
    default:
      return (a, b) => a === b;
  }
}

/** Whether two values of `type` are equal, NULL equal to NULL. */
export function valuesEqual(type: SqlType, a: unknown, b: unknown): boolean {
  return equalityFor(type)(a, b);
}

// ---- hashing ---------------------------------------------------------------------------------

const NULL_HASH = 0x2f0b3c4d;
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix(h);
}

function hashNumber(n: number): number {
  if (Number.isInteger(n) && n >= -0x80000000 && n <= 0x7fffffff) return mix(n | 0);
  if (Number.isNaN(n)) return 0x7ff80000;
  f64[0] = n === 0 ? 0 : n;
  return mix(u32[0]! ^ Math.imul(u32[1]!, 31));
}

function hashBigint(n: bigint): number {
  return mix(Number(BigInt.asIntN(32, n)) ^ Math.imul(Number(BigInt.asIntN(32, n >> 32n)), 31));
}

/** A hash consistent with `equalityFor(type)`: equal values hash alike. */
export function hasherFor(type: SqlType): Hasher {
  const h = nonNullHasher(type);
  return (v) => (v === null || v === undefined ? NULL_HASH : h(v));
}

function nonNullHasher(type: SqlType): Hasher {
  switch (type.kind) {
    case 'BOOLEAN':
      return (v) => (v ? 1231 : 1237);
    case 'INTEGER':
    case 'DATE':
    case 'TIME':
    case 'TIMESTAMP':
    case 'DOUBLE':
      return (v) => hashNumber(v as number);
    case 'BIGINT':
      return (v) => hashBigint(v as bigint);
    case 'DECIMAL':
      // decimal.js keeps no trailing zeros, so equal values print alike whatever their scale.
      return (v) => hashString((v as Decimal).toString());
    case 'STRING':
      return (v) => hashString(v as string);
    case 'BYTES':
      return (v) => {
        let h = 0x811c9dc5;
        for (const byte of v as Buffer) h = Math.imul(h ^ byte, 0x01000193);
        return mix(h);
      };
    case 'ARRAY': {
      const element = hasherFor(type.element);
      return (v) => {
        let h = 1;
        for (const e of v as unknown[]) h = (Math.imul(h, 31) + element(e)) | 0;
        return h;
      };
    }
    case 'MAP': {
      const key = hasherFor(type.key);
      const value = hasherFor(type.value);
      return (v) => {
        // Order-independent, as map equality is.
        let h = 0;
        for (const [k, x] of v as Map<unknown, unknown>) h = (h + (key(k) ^ value(x))) | 0;
        return h;
      };
    }
    case 'STRUCT': {
      const fields = type.fields.map((f) => ({ name: f.name, hash: hasherFor(f.type) }));
      return (v) => {
        let h = 7;
        for (const f of fields) h = (Math.imul(h, 31) + f.hash((v as SqlStruct)[f.name])) | 0;
        return h;
      };
    }
    default:
      return (v) => hashString(String(v));
  }
}

/** A 32-bit hash of a value of `type`, consistent with `valuesEqual`. */
export function hashValue(type: SqlType, value: unknown): number {
  return hasherFor(type)(value);
}

/**
 * A set of values of one SQL type under `valuesEqual`, keeping first-insertion order (what
 * ARRAY_DISTINCT and COLLECT_SET return).
 */
export class ValueSet {
  private readonly buckets = new Map<number, unknown[]>();
  private readonly items: unknown[] = [];
  private readonly hash: Hasher;
  private readonly eq: Equality;

  constructor(type: SqlType, values: Iterable<unknown> = []) {
    this.hash = hasherFor(type);
    this.eq = equalityFor(type);
    for (const v of values) this.add(v);
  }

  get size(): number {
    return this.items.length;
  }

  has(value: unknown): boolean {
    const bucket = this.buckets.get(this.hash(value));
    return bucket !== undefined && bucket.some((v) => this.eq(v, value));
  }

  /** Adds the value; false if an equal value was already there. */
  add(value: unknown): boolean {
    const h = this.hash(value);
    const bucket = this.buckets.get(h);
    if (bucket === undefined) this.buckets.set(h, [value]);
    else if (bucket.some((v) => this.eq(v, value))) return false;
    else bucket.push(value);
    this.items.push(value);
    return true;
  }

  values(): unknown[] {
    return this.items.slice();
  }
}
