/**
 * Arithmetic operators with ksqlDB's typing and Java's run-time behaviour, for the evaluator:
 *
 * - The result type is the wider operand's (INTEGER < BIGINT < DECIMAL < DOUBLE); DECIMAL
 *   results get decimal.ts's precision and scale; STRING + STRING concatenates.
 * - INTEGER and BIGINT wrap on overflow (two's complement, as Java's int and long); integer
 *   division truncates; integer division or remainder by zero throws SqlArithmeticError, which
 *   ksqlDB turns into NULL. DOUBLE follows IEEE (1/0 is Infinity). DECIMAL division by zero
 *   throws too; a DECIMAL result beyond its precision throws NumericOverflowError.
 * - NULL in gives NULL out.
 */
import type { Decimal } from 'decimal.js';
import { Dec, decimalResultType, asDecimalType, fitDecimal, type DecimalOperator } from './decimal.js';
import { SqlArithmeticError, SqlTypeError } from './errors.js';
import { isNumeric, Types, type SqlType } from './sql-type.js';

export type ArithmeticOperator = DecimalOperator;

const RANK: Partial<Record<SqlType['kind'], number>> = { INTEGER: 0, BIGINT: 1, DECIMAL: 2, DOUBLE: 3 };

/** The type of `left op right`, or SqlTypeError with ksqlDB's message. */
export function arithmeticResultType(op: ArithmeticOperator, left: SqlType, right: SqlType): SqlType {
  if (op === '+' && left.kind === 'STRING' && right.kind === 'STRING') return Types.STRING;
  if (isNumeric(left) && isNumeric(right)) {
    const wider = RANK[left.kind]! >= RANK[right.kind]! ? left : right;
    if (wider.kind !== 'DECIMAL') return wider;
    return decimalResultType(op, asDecimalType(left), asDecimalType(right));
  }
  throw new SqlTypeError(`Unsupported arithmetic types. ${left.kind} ${right.kind}`);
}

export interface CompiledArithmetic {
  readonly type: SqlType;
  readonly compute: (left: unknown, right: unknown) => unknown;
}

/** `left op right` for values of the given types: the result type and the per-row operation. */
export function compileArithmetic(op: ArithmeticOperator, left: SqlType, right: SqlType): CompiledArithmetic {
  const type = arithmeticResultType(op, left, right);
  const raw = rawOperation(op, type, left, right);
  return { type, compute: (a, b) => (a === null || a === undefined || b === null || b === undefined ? null : raw(a, b)) };
}

function divisionByZero(): never {
  throw new SqlArithmeticError('/ by zero');
}

function rawOperation(op: ArithmeticOperator, type: SqlType, left: SqlType, right: SqlType): (a: unknown, b: unknown) => unknown {
  switch (type.kind) {
    case 'STRING':
      return (a, b) => (a as string) + (b as string);
    case 'INTEGER':
      switch (op) {
        case '+':
          return (a, b) => ((a as number) + (b as number)) | 0;
        case '-':
          return (a, b) => ((a as number) - (b as number)) | 0;
        case '*':
          return (a, b) => Math.imul(a as number, b as number);
        case '/':
          return (a, b) => (b === 0 ? divisionByZero() : Math.trunc((a as number) / (b as number)) | 0);
        case '%':
          return (a, b) => (b === 0 ? divisionByZero() : ((a as number) % (b as number)) | 0);
      }
      break;
    case 'BIGINT': {
      const l = toBigint(left);
      const r = toBigint(right);
      switch (op) {
        case '+':
          return (a, b) => BigInt.asIntN(64, l(a) + r(b));
        case '-':
          return (a, b) => BigInt.asIntN(64, l(a) - r(b));
        case '*':
          return (a, b) => BigInt.asIntN(64, l(a) * r(b));
        case '/':
          return (a, b) => {
            const d = r(b);
            return d === 0n ? divisionByZero() : BigInt.asIntN(64, l(a) / d);
          };
        case '%':
          return (a, b) => {
            const d = r(b);
            return d === 0n ? divisionByZero() : l(a) % d;
          };
      }
      break;
    }
    case 'DOUBLE': {
      const l = toDouble(left);
      const r = toDouble(right);
      switch (op) {
        case '+':
          return (a, b) => l(a) + r(b);
        case '-':
          return (a, b) => l(a) - r(b);
        case '*':
          return (a, b) => l(a) * r(b);
        case '/':
          return (a, b) => l(a) / r(b);
        case '%':
          return (a, b) => l(a) % r(b);
      }
      break;
    }
    case 'DECIMAL': {
      const l = toDecimal(left);
      const r = toDecimal(right);
      const { precision, scale } = type;
      const fit = (d: Decimal): Decimal => fitDecimal(d, precision, scale);
      switch (op) {
        case '+':
          return (a, b) => fit(l(a).plus(r(b)));
        case '-':
          return (a, b) => fit(l(a).minus(r(b)));
        case '*':
          return (a, b) => fit(l(a).times(r(b)));
        case '/':
          return (a, b) => {
            const d = r(b);
            if (d.isZero()) throw new SqlArithmeticError('Division by zero');
            return fit(l(a).div(d));
          };
        case '%':
          return (a, b) => {
            const d = r(b);
            if (d.isZero()) throw new SqlArithmeticError('Division by zero');
            return fit(l(a).mod(d));
          };
      }
      break;
    }
    default:
      break;
  }
  throw new SqlTypeError(`Unsupported arithmetic types. ${left.kind} ${right.kind}`);
}

function toBigint(t: SqlType): (v: unknown) => bigint {
  // Pseudo columns (ROWTIME, WINDOWSTART, WINDOWEND) are BIGINT held as numbers, not to allocate a bigint per record.
  return t.kind === 'BIGINT' ? (v) => (typeof v === 'bigint' ? v : BigInt(v as number)) : (v) => BigInt(v as number);
}

function toDouble(t: SqlType): (v: unknown) => number {
  if (t.kind === 'DECIMAL') return (v) => (v as Decimal).toNumber();
  if (t.kind === 'BIGINT') return (v) => Number(v as bigint);
  return (v) => v as number;
}

function toDecimal(t: SqlType): (v: unknown) => Decimal {
  if (t.kind === 'DECIMAL') return (v) => new Dec(v as Decimal);
  if (t.kind === 'BIGINT') return (v) => new Dec((v as bigint).toString());
  return (v) => new Dec(v as number);
}

/** Unary minus: Java's wrapping negation for INTEGER and BIGINT (-MIN is MIN). */
export function compileNegation(type: SqlType): (value: unknown) => unknown {
  switch (type.kind) {
    case 'INTEGER':
      return (v) => (v === null || v === undefined ? null : -(v as number) | 0);
    case 'BIGINT':
      return (v) => (v === null || v === undefined ? null : BigInt.asIntN(64, -(v as bigint)));
    case 'DOUBLE':
      return (v) => (v === null || v === undefined ? null : -(v as number));
    case 'DECIMAL':
      return (v) => (v === null || v === undefined ? null : (v as Decimal).neg());
    default:
      throw new SqlTypeError(`Unsupported arithmetic type for negation: ${type.kind}`);
  }
}
