/**
 * Comparison operators with ksqlDB's rules, for the evaluator:
 *
 * - Numbers compare with numbers (in the wider type); STRING with STRING; BOOLEAN with BOOLEAN;
 *   BYTES with BYTES; DATE, TIME and TIMESTAMP with their own kind or with a STRING, which is
 *   read in ISO form (`ts > '2020-01-01'`); DATE with TIMESTAMP (as midnight UTC).
 * - ARRAY, MAP and STRUCT support only `=`, `<>` and IS [NOT] DISTINCT FROM.
 * - A comparison with NULL is false (not NULL, as in ksqlDB); IS [NOT] DISTINCT FROM treats
 *   two NULLs as the same value.
 */
import { compileCast, type Converter } from './cast.js';
import { commonSupertype, widenNumeric } from './coercion.js';
import { SqlTypeError } from './errors.js';
import { formatSqlType, isNumeric, isTemporal, Types, type SqlType } from './sql-type.js';
import { comparatorFor, equalityFor, isOrderable } from './values.js';

export type ComparisonOperator = '=' | '<>' | '<' | '<=' | '>' | '>=' | 'IS DISTINCT FROM' | 'IS NOT DISTINCT FROM';

const OPERATOR_NAMES: Record<ComparisonOperator, string> = {
  '=': 'EQUAL',
  '<>': 'NOT_EQUAL',
  '<': 'LESS_THAN',
  '<=': 'LESS_THAN_OR_EQUAL',
  '>': 'GREATER_THAN',
  '>=': 'GREATER_THAN_OR_EQUAL',
  'IS DISTINCT FROM': 'IS_DISTINCT_FROM',
  'IS NOT DISTINCT FROM': 'IS_NOT_DISTINCT_FROM',
};

function isEqualityOperator(op: ComparisonOperator): boolean {
  return op === '=' || op === '<>' || op === 'IS DISTINCT FROM' || op === 'IS NOT DISTINCT FROM';
}


/**
 * The type both sides are converted to before comparing, or undefined when ksqlDB rejects the
 * comparison.
 */
export function comparisonType(op: ComparisonOperator, left: SqlType, right: SqlType): SqlType | undefined {
  if (left.kind === 'NULL' && right.kind === 'NULL') return Types.STRING;
  if (left.kind === 'NULL') return comparisonType(op, right, right);
  if (right.kind === 'NULL') return comparisonType(op, left, left);
  if (isNumeric(left) && isNumeric(right)) return widenNumeric(left, right);
  if (left.kind === 'ARRAY' || left.kind === 'MAP' || left.kind === 'STRUCT') {
    if (!isEqualityOperator(op) || right.kind !== left.kind) return undefined;
    return commonSupertype(left, right);
  }
  if (left.kind === right.kind) return isOrderable(left) ? left : undefined;
  if (isTemporal(left) && right.kind === 'STRING') return left;
  if (isTemporal(right) && left.kind === 'STRING') return right;
  if ((left.kind === 'DATE' && right.kind === 'TIMESTAMP') || (left.kind === 'TIMESTAMP' && right.kind === 'DATE')) return Types.TIMESTAMP;
  return undefined;
}

/**
 * ksqlDB's error for an invalid comparison: `Cannot compare ID (INTEGER) to 'x' (STRING) with
 * GREATER_THAN_OR_EQUAL.` The texts are the operands as written.
 */
export function comparisonError(op: ComparisonOperator, left: SqlType, right: SqlType, leftText: string, rightText: string): SqlTypeError {
  return new SqlTypeError(
    `Cannot compare ${leftText} (${formatSqlType(left)}) to ${rightText} (${formatSqlType(right)}) with ${OPERATOR_NAMES[op]}.`,
  );
}

/**
 * `left op right` for values of the given types; throws the comparison error when ksqlDB would
 * reject it (`texts` names the operands in the message).
 */
export function compileComparison(
  op: ComparisonOperator,
  left: SqlType,
  right: SqlType,
  texts: { left: string; right: string } = { left: 'left', right: 'right' },
): (a: unknown, b: unknown) => boolean {
  const type = comparisonType(op, left, right);
  if (type === undefined) throw comparisonError(op, left, right, texts.left, texts.right);
  const l = converter(left, type);
  const r = converter(right, type);
  if (op === 'IS DISTINCT FROM' || op === 'IS NOT DISTINCT FROM') {
    const eq = equalityFor(type);
    const distinct = op === 'IS DISTINCT FROM';
    return (a, b) => eq(l(a), r(b)) !== distinct;
  }
  const test = orderTest(op, type);
  return (a, b) => {
    if (a === null || a === undefined || b === null || b === undefined) return false;
    return test(l(a), r(b));
  };
}

function orderTest(op: ComparisonOperator, type: SqlType): (a: unknown, b: unknown) => boolean {
  if (op === '=' || op === '<>') {
    const eq = isOrderable(type) ? ((cmp) => (a: unknown, b: unknown) => cmp(a, b) === 0)(comparatorFor(type)) : equalityFor(type);
    return op === '=' ? eq : (a, b) => !eq(a, b);
  }
  const cmp = comparatorFor(type);
  switch (op) {
    case '<':
      return (a, b) => cmp(a, b) < 0;
    case '<=':
      return (a, b) => cmp(a, b) <= 0;
    case '>':
      return (a, b) => cmp(a, b) > 0;
    default:
      return (a, b) => cmp(a, b) >= 0;
  }
}

function converter(from: SqlType, to: SqlType): Converter {
  if (from.kind === 'NULL') return (v) => v;
  return compileCast(from, to);
}
