/**
 * Implicit type coercion, as ksqlDB does it ("Type coercion and casting" in its reference):
 *
 * - Numbers widen INTEGER -> BIGINT -> DECIMAL -> DOUBLE. A STRING converts implicitly to DATE,
 *   TIME, TIMESTAMP (parsed in ISO form) and BYTES (base64) where a function asks for those.
 *   This is what function arguments get (`canImplicitlyCast`).
 * - ARRAY, MAP and STRUCT coerce when their elements, keys/values or common fields do.
 * - Literals are laxer in expression lists (IN, CASE/COALESCE branches, ARRAY/MAP/STRUCT
 *   constructors): any literal becomes a STRING, a STRING literal holding a number becomes a
 *   number wide enough for it ('2e1' joins integers as DECIMAL), one holding a boolean word
 *   (`true`, `no`, `y`, ...) becomes a BOOLEAN.
 * - The common type of a list is found left to right from its first non-NULL element: numbers
 *   widen to the widest, structs gather the union of their fields (`commonType`).
 */
import type { Decimal } from 'decimal.js';
import type { Expression } from '../ast/expressions.js';
import { formatExpression } from '../ast/format-expression.js';
import { Dec, decimalTypeOfText, fitDecimal, parseDecimal, widenDecimal } from './decimal.js';
import { SqlTypeError, SqlValueError } from './errors.js';
import { castToString } from './format-value.js';
import { formatSqlType, isNumeric, isTemporal, Types, typeEquals, type SqlType, type StructField } from './sql-type.js';
import { dateToTimestamp, parseDate, parseTime, parseTimestamp } from './temporal.js';

const NUMERIC_RANK: Partial<Record<SqlType['kind'], number>> = { INTEGER: 0, BIGINT: 1, DECIMAL: 2, DOUBLE: 3 };


/**
 * Whether a value of `from` may be passed where `to` is expected without a CAST (function
 * arguments, ksqlDB's SqlBaseType.canImplicitlyCast, applied element-wise to collections).
 * Any DECIMAL goes to any DECIMAL here; the value is rounded to the target's scale.
 */
export function canImplicitlyCast(from: SqlType, to: SqlType): boolean {
  if (from.kind === 'NULL') return true;
  if (from.kind === 'ARRAY' && to.kind === 'ARRAY') return canImplicitlyCast(from.element, to.element);
  if (from.kind === 'MAP' && to.kind === 'MAP') return canImplicitlyCast(from.key, to.key) && canImplicitlyCast(from.value, to.value);
  if (from.kind === 'STRUCT' && to.kind === 'STRUCT') {
    return to.fields.every((f) => {
      const source = from.fields.find((g) => g.name === f.name);
      return source === undefined || canImplicitlyCast(source.type, f.type);
    });
  }
  if (from.kind === to.kind) return true;
  const a = NUMERIC_RANK[from.kind];
  const b = NUMERIC_RANK[to.kind];
  if (a !== undefined && b !== undefined) return a <= b;
  return from.kind === 'STRING' && (isTemporal(to) || to.kind === 'BYTES');
}

/** The narrowest numeric type holding both: DOUBLE if either is, else a widened DECIMAL, else BIGINT, else INTEGER. */
export function widenNumeric(a: SqlType, b: SqlType): SqlType {
  if (a.kind === 'DOUBLE' || b.kind === 'DOUBLE') return Types.DOUBLE;
  if (a.kind === 'DECIMAL' || b.kind === 'DECIMAL') return widenDecimal(a, b);
  if (a.kind === 'BIGINT' || b.kind === 'BIGINT') return Types.BIGINT;
  return Types.INTEGER;
}

/**
 * The common type two types coerce to, or undefined when there is none (`literal` says whether
 * the second side is a literal, which may become a STRING). Structured types combine
 * element-wise; STRUCTs take the union of their fields.
 */
export function commonSupertype(a: SqlType, b: SqlType, literal = false): SqlType | undefined {
  if (a.kind === 'NULL') return b;
  if (b.kind === 'NULL') return a;
  if (isNumeric(a) && isNumeric(b)) return widenNumeric(a, b);
  if (a.kind === 'ARRAY' && b.kind === 'ARRAY') {
    const e = commonSupertype(a.element, b.element);
    return e && Types.array(e);
  }
  if (a.kind === 'MAP' && b.kind === 'MAP') {
    const k = commonSupertype(a.key, b.key);
    const v = commonSupertype(a.value, b.value);
    return k && v && Types.map(k, v);
  }
  if (a.kind === 'STRUCT' && b.kind === 'STRUCT') return mergeStructs(b.fields, a.fields, (x, y) => commonSupertype(x, y));
  if (a.kind === b.kind) return a;
  if (literal && a.kind === 'STRING') return a;
  // A STRING meeting a time type or BYTES converts to it, in either order.
  if (a.kind === 'STRING' && (isTemporal(b) || b.kind === 'BYTES')) return b;
  if (b.kind === 'STRING' && (isTemporal(a) || a.kind === 'BYTES')) return a;
  return undefined;
}

/** Fields of `source` in order, then those only in `target`; a field in both gets `combine`'s type. */
function mergeStructs(
  source: readonly StructField[],
  target: readonly StructField[],
  combine: (target: SqlType, source: SqlType, name: string) => SqlType | undefined,
): SqlType | undefined {
  const fields: StructField[] = [];
  const names = [...source.map((f) => f.name), ...target.map((f) => f.name)].filter((n, i, all) => all.indexOf(n) === i);
  for (const name of names) {
    const s = source.find((f) => f.name === name);
    const t = target.find((f) => f.name === name);
    const type = s && t ? combine(t.type, s.type, name) : (s ?? t)!.type;
    if (type === undefined) return undefined;
    fields.push({ name, type });
  }
  return Types.struct(fields);
}

/** The type of an expression, or null for a bare NULL literal. */
export type TypeOf = (expression: Expression) => SqlType | null;

/**
 * The common type of an expression list (IN lists, CASE results, COALESCE arguments, ARRAY and
 * MAP constructor elements), following ksqlDB's rules left to right. Undefined when every element
 * is a NULL literal (or the list is empty). Throws SqlTypeError naming the element that does not
 * fit, in ksqlDB's words.
 */
export function commonType(expressions: readonly Expression[], typeOf: TypeOf): SqlType | undefined {
  let result: SqlType | undefined;
  for (const e of expressions) result = stepCommon(e, result, typeOf);
  return result;
}

function stepCommon(e: Expression, target: SqlType | undefined, typeOf: TypeOf): SqlType | undefined {
  const type = e.kind === 'NullLiteral' ? null : typeOf(e);
  if (target === undefined) return type === null || type.kind === 'NULL' ? undefined : type;
  if (type === null || type.kind === 'NULL') return target;
  switch (e.kind) {
    case 'ArrayConstructor': {
      if (target.kind !== 'ARRAY') throw coercionFailure(e, type, target);
      const element = seeded(target.element, e.elements, typeOf, e, type, target);
      return Types.array(element);
    }
    case 'MapConstructor': {
      if (target.kind !== 'MAP') throw coercionFailure(e, type, target);
      const key = seeded(target.key, e.entries.map((x) => x.key), typeOf, e, type, target);
      const value = seeded(target.value, e.entries.map((x) => x.value), typeOf, e, type, target);
      return Types.map(key, value);
    }
    case 'StructConstructor': {
      if (target.kind !== 'STRUCT' || type.kind !== 'STRUCT') throw coercionFailure(e, type, target);
      const merged = mergeStructs(type.fields, target.fields, (t, _s, name) => {
        const field = e.fields.find((f) => f.name === name)!;
        return stepCommon(field.value, t, typeOf);
      });
      if (!merged) throw coercionFailure(e, type, target);
      return merged;
    }
    case 'StringLiteral':
      if (isNumeric(target)) return numericTypeOfString(e.value, target);
      if (target.kind === 'BOOLEAN') {
        if (parseBooleanWord(e.value) === undefined) throw invalidSyntax(e.value, target);
        return target;
      }
      break;
    default:
      break;
  }
  const literal = isLiteral(e);
  const common = commonSupertype(target, type, literal);
  if (common === undefined) throw coercionFailure(e, type, target);
  return common;
}

function seeded(seed: SqlType, items: readonly Expression[], typeOf: TypeOf, e: Expression, type: SqlType, target: SqlType): SqlType {
  try {
    let result: SqlType | undefined = seed;
    for (const item of items) result = stepCommon(item, result, typeOf);
    return result ?? seed;
  } catch (err) {
    throw coercionFailure(e, type, target, err);
  }
}

function isLiteral(e: Expression): boolean {
  return /Literal$/.test(e.kind);
}

/** The numeric type a string literal joins a numeric list with (ksqlDB's rule for '10', '1.5', '2e1'). */
function numericTypeOfString(text: string, target: SqlType): SqlType {
  let source: SqlType;
  const trimmed = text.trim();
  if (/^[+-]?\d+$/.test(trimmed)) {
    const n = BigInt(trimmed);
    // ksqlDB's bounds are exclusive here: the extreme values themselves become the wider type.
    if (n > -2147483648n && n < 2147483647n) source = Types.INTEGER;
    else if (n > -9223372036854775808n && n < 9223372036854775807n) source = Types.BIGINT;
    else source = decimalTypeOfText(trimmed);
  } else {
    try {
      parseDecimal(trimmed);
      source = decimalTypeOfText(trimmed);
    } catch {
      throw invalidSyntax(text, target);
    }
  }
  return widenNumeric(source, target);
}

function invalidSyntax(value: string, target: SqlType): SqlTypeError {
  return new SqlTypeError(`invalid input syntax for type ${target.kind}: "${value}".`);
}

function coercionFailure(e: Expression, type: SqlType, target: SqlType, cause?: unknown): SqlTypeError {
  const text = formatExpression(e);
  return new SqlTypeError(
    `operator does not exist: ${formatSqlType(target)} = ${formatSqlType(type)} (${text})\nHint: You might need to add explicit type casts.`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * `true`, `false`, `yes`, `no`, or a prefix of one of them, any case: what a STRING literal may
 * hold to become a BOOLEAN. Undefined for anything else.
 */
export function parseBooleanWord(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (t === '') return undefined;
  if ('true'.startsWith(t) || 'yes'.startsWith(t)) return true;
  if ('false'.startsWith(t) || 'no'.startsWith(t)) return false;
  return undefined;
}

/**
 * Converts a literal's value from its type to a list's common type (ksqlDB's lax literal
 * coercion): numbers widen, anything becomes a STRING, strings parse into numbers, booleans,
 * times and (base64) bytes. Throws SqlValueError when the value does not convert.
 */
export function coerceLiteral(value: unknown, from: SqlType, to: SqlType): unknown {
  if (value === null || value === undefined) return null;
  if (typeEquals(from, to) && to.kind !== 'DECIMAL') return value;
  if (to.kind === 'STRING') return from.kind === 'STRING' ? value : castToString(from, value);
  if (from.kind === 'STRING') return coerceString(value as string, to);
  if (isNumeric(from) && isNumeric(to)) return widenNumber(value, from, to);
  if (from.kind === 'DATE' && to.kind === 'TIMESTAMP') return dateToTimestamp(value as number);
  if (from.kind === 'ARRAY' && to.kind === 'ARRAY') return (value as unknown[]).map((v) => coerceLiteral(v, from.element, to.element));
  if (from.kind === 'MAP' && to.kind === 'MAP') {
    const out = new Map<unknown, unknown>();
    for (const [k, v] of value as Map<unknown, unknown>) out.set(coerceLiteral(k, from.key, to.key), coerceLiteral(v, from.value, to.value));
    return out;
  }
  if (from.kind === 'STRUCT' && to.kind === 'STRUCT') {
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const f of to.fields) {
      const g = from.fields.find((x) => x.name === f.name);
      out[f.name] = g ? coerceLiteral(source[f.name] ?? null, g.type, f.type) : null;
    }
    return out;
  }
  throw new SqlValueError(`Cannot coerce a ${formatSqlType(from)} value to ${formatSqlType(to)}.`);
}

/** A number of type `from` as a value of the wider numeric type `to`. */
export function widenNumber(value: unknown, from: SqlType, to: SqlType): unknown {
  switch (to.kind) {
    case 'INTEGER':
      return value;
    case 'BIGINT':
      return typeof value === 'bigint' ? value : BigInt(value as number);
    case 'DOUBLE':
      return from.kind === 'DECIMAL' ? (value as Decimal).toNumber() : Number(value);
    case 'DECIMAL': {
      const d = from.kind === 'DECIMAL' ? (value as Decimal) : new Dec(String(value));
      return fitDecimal(d, to.precision, to.scale);
    }
    default:
      throw new SqlValueError(`Cannot widen ${formatSqlType(from)} to ${formatSqlType(to)}.`);
  }
}

function coerceString(text: string, to: SqlType): unknown {
  const fail = (): never => {
    throw new SqlValueError(`invalid input syntax for type ${to.kind}: "${text}".`);
  };
  const t = text.trim();
  switch (to.kind) {
    case 'BOOLEAN':
      return parseBooleanWord(text) ?? fail();
    case 'INTEGER': {
      if (!/^[+-]?\d+$/.test(t)) return fail();
      const n = Number(t);
      return n >= -2147483648 && n <= 2147483647 ? n : fail();
    }
    case 'BIGINT': {
      if (!/^[+-]?\d+$/.test(t)) return fail();
      const n = BigInt(t);
      return n >= -9223372036854775808n && n <= 9223372036854775807n ? n : fail();
    }
    case 'DECIMAL':
      try {
        return fitDecimal(parseDecimal(t), to.precision, to.scale);
      } catch {
        return fail();
      }
    case 'DOUBLE':
      try {
        return parseDecimal(t).toNumber();
      } catch {
        return fail();
      }
    case 'TIMESTAMP':
      return parseTimestamp(text);
    case 'DATE':
      return parseDate(text);
    case 'TIME':
      return parseTime(text);
    case 'BYTES':
      return Buffer.from(text, 'base64');
    default:
      return fail();
  }
}
