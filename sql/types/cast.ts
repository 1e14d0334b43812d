/**
 * CAST(x AS T) with ksqlDB's semantics. `compileCast(from, to)` checks the pair once, at plan
 * time (UnsupportedCastError), and returns the per-row conversion; a value that does not convert
 * throws SqlValueError (or NumericOverflowError), which ksqlDB logs and turns into NULL.
 *
 *   numbers -> numbers   narrowing as Java's primitive casts: truncation toward zero, BIGINT and
 *                        DECIMAL wrap into INTEGER's 32 bits, DOUBLE saturates (NaN is 0);
 *                        to DECIMAL(p, s) rounds half up and overflows past 10^(p-s)
 *   STRING -> numbers    Integer.parseInt/Long.parseLong/BigDecimal/Double.parseDouble of the
 *                        trimmed text
 *   STRING -> BOOLEAN    true for `true`/`yes` or a prefix of them, any case; false otherwise
 *   STRING -> DATE/TIME/TIMESTAMP   ISO forms, partials allowed (temporal.ts)
 *   TIMESTAMP -> DATE/TIME, DATE -> TIMESTAMP   the UTC date or time of day; midnight
 *   anything but BYTES -> STRING   format-value.ts
 *   ARRAY/MAP/STRUCT     element-, entry- or field-wise; a STRUCT keeps the target's fields that
 *                        the source has (same name, case-sensitive), the rest NULL
 */
import type { Decimal } from 'decimal.js';
import { Dec, fitDecimal, parseDecimal } from './decimal.js';
import { SqlValueError, UnsupportedCastError } from './errors.js';
import { castToString } from './format-value.js';
import { typeEquals, type SqlStruct, type SqlType } from './sql-type.js';
import { dateToTimestamp, parseDate, parseTime, parseTimestamp, timestampToDate, timestampToTime } from './temporal.js';

/** A per-row conversion; NULL in, NULL out. */
export type Converter = (value: unknown) => unknown;

const identity: Converter = (v) => v;

/** Whether ksqlDB can CAST from one type to the other. */
export function isCastSupported(from: SqlType, to: SqlType): boolean {
  try {
    compileCast(from, to);
    return true;
  } catch (e) {
    if (e instanceof UnsupportedCastError) return false;
    throw e;
  }
}

/** The conversion for CAST(x AS to) where x has type `from`; throws UnsupportedCastError. */
export function compileCast(from: SqlType, to: SqlType): Converter {
  const convert = nonNullCast(from, to);
  if (convert === identity) return identity;
  return (v) => (v === null || v === undefined ? null : convert(v));
}

/** CAST of one value; prefer `compileCast` on hot paths. */
export function castValue(value: unknown, from: SqlType, to: SqlType): unknown {
  return compileCast(from, to)(value);
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** Java's (int) of a double: NaN is 0, out-of-range saturates, otherwise truncation. */
function doubleToInt(d: number): number {
  if (Number.isNaN(d)) return 0;
  if (d >= INT_MAX) return INT_MAX;
  if (d <= INT_MIN) return INT_MIN;
  return Math.trunc(d);
}

/** Java's (long) of a double. */
function doubleToLong(d: number): bigint {
  if (Number.isNaN(d)) return 0n;
  if (d >= 2 ** 63) return 9223372036854775807n;
  if (d <= -(2 ** 63)) return -9223372036854775808n;
  return BigInt(Math.trunc(d));
}

/** A DOUBLE as DECIMAL(p, s): its binary value to p significant digits, then to s places (DecimalUtil.cast). */
export function doubleToDecimal(d: number, precision: number, scale: number): Decimal {
  if (!Number.isFinite(d)) throw new SqlValueError(`Cannot convert ${d} to DECIMAL(${precision}, ${scale}).`);
  const significant = new Dec(d.toPrecision(Math.min(Math.max(precision, 1), 100)));
  return fitDecimal(significant, precision, scale);
}

export function parseJavaInt(text: string): number {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) throw new SqlValueError(`For input string: "${t}"`);
  const n = Number(t);
  if (n < INT_MIN || n > INT_MAX) throw new SqlValueError(`For input string: "${t}"`);
  return n;
}

export function parseJavaLong(text: string): bigint {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) throw new SqlValueError(`For input string: "${t}"`);
  const n = BigInt(t);
  if (n < -9223372036854775808n || n > 9223372036854775807n) throw new SqlValueError(`For input string: "${t}"`);
  return n;
}

/** Double.parseDouble of trimmed text: decimal or scientific, NaN, Infinity, a trailing d/f. */
export function parseJavaDouble(text: string): number {
  const t = text.trim();
  const m = /^([+-]?)(NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)[dDfF]?$/.exec(t);
  if (!m) throw new SqlValueError(`For input string: "${t}"`);
  if (m[2] === 'NaN') return NaN;
  return Number(`${m[1]}${m[2]}`);
}

/** ksqlDB's CAST(string AS BOOLEAN): true for `true`, `yes` or a prefix of either, any case. */
export function parseSqlBoolean(text: string): boolean {
  const t = text.trim().toLowerCase();
  return t !== '' && ('true'.startsWith(t) || 'yes'.startsWith(t));
}

function unsupported(from: SqlType, to: SqlType): never {
  throw new UnsupportedCastError(from, to);
}

function nonNullCast(from: SqlType, to: SqlType): Converter {
  if (from.kind === 'NULL') return identity;
  if (typeEquals(from, to)) return identity;
  if (to.kind === 'STRING') {
    if (from.kind === 'BYTES' || from.kind === 'LAMBDA' || from.kind === 'INTERVAL_UNIT') return unsupported(from, to);
    return (v) => castToString(from, v);
  }
  switch (from.kind) {
    case 'INTEGER':
      switch (to.kind) {
        case 'BIGINT':
          return (v) => BigInt(v as number);
        case 'DOUBLE':
          return identity;
        case 'DECIMAL':
          return (v) => fitDecimal(new Dec(v as number), to.precision, to.scale);
        default:
          return unsupported(from, to);
      }
    case 'BIGINT':
      switch (to.kind) {
        case 'INTEGER':
          return (v) => Number(BigInt.asIntN(32, v as bigint));
        case 'DOUBLE':
          return (v) => Number(v as bigint);
        case 'DECIMAL':
          return (v) => fitDecimal(new Dec((v as bigint).toString()), to.precision, to.scale);
        default:
          return unsupported(from, to);
      }
    case 'DECIMAL':
      switch (to.kind) {
        case 'INTEGER':
          return (v) => Number(BigInt.asIntN(32, BigInt((v as Decimal).trunc().toFixed(0))));
        case 'BIGINT':
          return (v) => BigInt.asIntN(64, BigInt((v as Decimal).trunc().toFixed(0)));
        case 'DOUBLE':
          return (v) => (v as Decimal).toNumber();
        case 'DECIMAL':
          return (v) => fitDecimal(v as Decimal, to.precision, to.scale);
        default:
          return unsupported(from, to);
      }
    case 'DOUBLE':
      switch (to.kind) {
        case 'INTEGER':
          return (v) => doubleToInt(v as number);
        case 'BIGINT':
          return (v) => doubleToLong(v as number);
        case 'DECIMAL':
          return (v) => doubleToDecimal(v as number, to.precision, to.scale);
        default:
          return unsupported(from, to);
      }
    case 'STRING':
      switch (to.kind) {
        case 'BOOLEAN':
          return (v) => parseSqlBoolean(v as string);
        case 'INTEGER':
          return (v) => parseJavaInt(v as string);
        case 'BIGINT':
          return (v) => parseJavaLong(v as string);
        case 'DOUBLE':
          return (v) => parseJavaDouble(v as string);
        case 'DECIMAL':
          return (v) => fitDecimal(parseDecimal(v as string), to.precision, to.scale);
        case 'TIMESTAMP':
          return (v) => parseTimestamp((v as string).trim());
        case 'DATE':
          return (v) => parseDate((v as string).trim());
        case 'TIME':
          return (v) => parseTime((v as string).trim());
        default:
          return unsupported(from, to);
      }
    case 'TIMESTAMP':
      if (to.kind === 'DATE') return (v) => timestampToDate(v as number);
      if (to.kind === 'TIME') return (v) => timestampToTime(v as number);
      return unsupported(from, to);
    case 'DATE':
      if (to.kind === 'TIMESTAMP') return (v) => dateToTimestamp(v as number);
      return unsupported(from, to);
    case 'ARRAY': {
      if (to.kind !== 'ARRAY') return unsupported(from, to);
      const element = wrapped(from.element, to.element, from, to);
      return (v) => (v as unknown[]).map(element);
    }
    case 'MAP': {
      if (to.kind !== 'MAP') return unsupported(from, to);
      const key = wrapped(from.key, to.key, from, to);
      const value = wrapped(from.value, to.value, from, to);
      return (v) => {
        const out = new Map<unknown, unknown>();
        for (const [k, x] of v as Map<unknown, unknown>) out.set(key(k), value(x));
        return out;
      };
    }
    case 'STRUCT': {
      if (to.kind !== 'STRUCT') return unsupported(from, to);
      const fields = to.fields.map((f) => {
        const source = from.fields.find((g) => g.name === f.name);
        return { name: f.name, convert: source ? wrapped(source.type, f.type, from, to) : undefined };
      });
      return (v) => {
        const struct = v as SqlStruct;
        const out: SqlStruct = {};
        for (const f of fields) out[f.name] = f.convert ? f.convert(struct[f.name] ?? null) : null;
        return out;
      };
    }
    default:
      return unsupported(from, to);
  }
}

/** An element conversion; an unsupported element cast is reported for the whole types. */
function wrapped(from: SqlType, to: SqlType, outerFrom: SqlType, outerTo: SqlType): Converter {
  try {
    return compileCast(from, to);
  } catch (e) {
    if (e instanceof UnsupportedCastError) throw new UnsupportedCastError(outerFrom, outerTo);
    throw e;
  }
}

/**
 * The conversion for an implicit cast the analyzer inserts (a function argument, a list element
 * to its common type): a CAST where one exists, plus STRING to BYTES (base64), which ksqlDB does
 * implicitly but not with CAST.
 */
export function compileImplicitCast(from: SqlType, to: SqlType): Converter {
  if (from.kind === 'STRING' && to.kind === 'BYTES') return (v) => (v === null || v === undefined ? null : Buffer.from(v as string, 'base64'));
  if (from.kind === 'ARRAY' && to.kind === 'ARRAY') {
    const element = compileImplicitCast(from.element, to.element);
    return element === identity ? identity : (v) => (v === null || v === undefined ? null : (v as unknown[]).map(element));
  }
  return compileCast(from, to);
}
