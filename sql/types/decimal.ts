/**
 * DECIMAL values and types as ksqlDB treats them (java.math.BigDecimal under the hood there).
 *
 * A DECIMAL value at run time is a decimal.js `Decimal`; it does not carry its scale, the column's
 * type does, so every result is rounded to its type's scale here and printed with that scale.
 * Arithmetic runs on `Dec`, a decimal.js constructor with enough significant digits for
 * ksqlDB's widest DECIMAL, because decimal.js's default of 20 digits would silently round.
 */
import { Decimal } from 'decimal.js';
import { NumericOverflowError, SqlTypeError, SqlValueError } from './errors.js';
import { MAX_DECIMAL_PRECISION, Types, type SqlType } from './sql-type.js';

export type DecimalType = Extract<SqlType, { kind: 'DECIMAL' }>;

/** decimal.js with room for DECIMAL(1000, s) products and quotients; rounds half up as BigDecimal's HALF_UP. */
export const Dec = Decimal.clone({
  precision: 2 * MAX_DECIMAL_PRECISION + 10,
  rounding: Decimal.ROUND_HALF_UP,
  toExpNeg: -9e15,
  toExpPos: 9e15,
});
/** A DECIMAL value (any decimal.js Decimal). */
export type Dec = Decimal;

/** INTEGER and BIGINT as DECIMAL, wide enough for any of their values (ksqlDB's upcasts). */
export const INT_AS_DECIMAL = Types.decimal(10, 0) as DecimalType;
export const BIGINT_AS_DECIMAL = Types.decimal(19, 0) as DecimalType;

export function isDecimal(value: unknown): value is Decimal {
  return Decimal.isDecimal(value);
}

export function toDec(value: Decimal | number | bigint | string): Decimal {
  return new Dec(typeof value === 'bigint' ? value.toString() : value);
}

/**
 * The DECIMAL type a value needs: its significant digits and decimal places, with a negative
 * scale folded into the precision (2E+1 is DECIMAL(2, 0)) and room for the leading zero of values
 * between -1 and 1 (0.05 is DECIMAL(3, 2)), as ksqlDB types literals.
 */
export function decimalTypeOf(value: Decimal): DecimalType {
  return decimalTypeOfText(value.toFixed());
}

/**
 * As `decimalTypeOf`, but keeping the scale the number is written with: '14.1230' is
 * DECIMAL(6, 4) although its value is 14.123. Throws for text that is not a number.
 */
export function decimalTypeOfText(text: string): DecimalType {
  const m = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) throw new SqlValueError(`Cannot parse '${text}' as a DECIMAL.`);
  const fraction = m[2] ?? '';
  let scale = fraction.length - Number(m[3] ?? 0);
  const significant = `${m[1]}${fraction}`.replace(/^0+/, '');
  const zero = significant.replace(/0/g, '') === '';
  let precision = zero ? 1 : significant.length;
  if (scale < 0) {
    precision -= scale;
    scale = 0;
  }
  // Values between -1 and 1 get a digit for the leading zero, as the parser types 0.05.
  const integerDigits = zero ? 0 : precision - scale;
  if (integerDigits <= 0) precision = scale + 1;
  return Types.decimal(precision, scale) as DecimalType;
}

/** INTEGER, BIGINT and DECIMAL as DECIMAL types, for widening and arithmetic. */
export function asDecimalType(type: SqlType): DecimalType {
  switch (type.kind) {
    case 'DECIMAL':
      return type;
    case 'INTEGER':
      return INT_AS_DECIMAL;
    case 'BIGINT':
      return BIGINT_AS_DECIMAL;
    default:
      throw new SqlTypeError(`Cannot convert ${type.kind} to DECIMAL.`);
  }
}

/** The narrowest DECIMAL holding every value of both types: widest integer part, widest scale. */
export function widenDecimal(a: SqlType, b: SqlType): DecimalType {
  const l = asDecimalType(a);
  const r = asDecimalType(b);
  const scale = Math.max(l.scale, r.scale);
  const whole = Math.max(l.precision - l.scale, r.precision - r.scale);
  return checkedDecimalType(whole + scale, scale);
}

export type DecimalOperator = '+' | '-' | '*' | '/' | '%';

/**
 * ksqlDB's result types of DECIMAL arithmetic (SQL Server's rules): sums keep the widest scale and
 * gain a digit, products add precisions and scales, quotients keep at least six decimal places,
 * remainders are no wider than the narrower integer part.
 */
export function decimalResultType(op: DecimalOperator, left: DecimalType, right: DecimalType): DecimalType {
  const [p1, s1, p2, s2] = [left.precision, left.scale, right.precision, right.scale];
  switch (op) {
    case '+':
    case '-': {
      const scale = Math.max(s1, s2);
      return checkedDecimalType(scale + Math.max(p1 - s1, p2 - s2) + 1, scale);
    }
    case '*':
      return checkedDecimalType(p1 + p2 + 1, s1 + s2);
    case '/': {
      const scale = Math.max(6, s1 + p2 + 1);
      return checkedDecimalType(p1 - s1 + s2 + scale, scale);
    }
    case '%': {
      const scale = Math.max(s1, s2);
      return checkedDecimalType(Math.min(p1 - s1, p2 - s2) + scale, scale);
    }
  }
}

function checkedDecimalType(precision: number, scale: number): DecimalType {
  if (precision < 1 || scale < 0 || precision < scale) {
    throw new SqlTypeError(`DECIMAL(${precision}, ${scale}) is not a valid type: precision must be at least 1 and at least the scale.`);
  }
  // Beyond ksqlDB's limit the type is capped: digits past it would be rounded away anyway.
  if (precision > MAX_DECIMAL_PRECISION) return Types.decimal(MAX_DECIMAL_PRECISION, Math.min(scale, MAX_DECIMAL_PRECISION)) as DecimalType;
  return Types.decimal(precision, scale) as DecimalType;
}

/**
 * Rounds `value` half up to `scale` places after checking it fits `precision` (ksqlDB's
 * DecimalUtil.cast): a value of 10^(precision - scale) or more overflows.
 */
export function fitDecimal(value: Decimal, precision: number, scale: number): Decimal {
  const digits = precision - scale;
  if (value.abs().gte(new Dec(10).pow(digits))) {
    throw new NumericOverflowError(precision, scale, value.toFixed());
  }
  const rounded = new Dec(value).toDecimalPlaces(scale, Decimal.ROUND_HALF_UP);
  // Rounding up can reach the limit (9.99 to DECIMAL(2, 1) is 10.0).
  if (rounded.abs().gte(new Dec(10).pow(digits))) {
    throw new NumericOverflowError(precision, scale, rounded.toFixed(scale));
  }
  return rounded;
}

/** As `fitDecimal` but refusing to round, for values that must already have the type's scale. */
export function fitDecimalExactly(value: Decimal, precision: number, scale: number): Decimal {
  if (value.decimalPlaces() > scale) {
    throw new SqlValueError(
      `Cannot fit decimal '${value.toFixed()}' into DECIMAL(${precision}, ${scale}) without rounding.`,
    );
  }
  return fitDecimal(value, precision, scale);
}

/** The digits without exponent, with exactly `scale` decimal places (BigDecimal.toPlainString). */
export function decimalToPlainString(value: Decimal, scale: number): string {
  return value.toFixed(Math.max(0, scale));
}

/**
 * BigDecimal.toString of a value of the given scale: plain unless the exponent is below -6, then
 * scientific with an `E` (0.00000010 at scale 8 is `1.0E-7`). This is what Java's
 * String.valueOf prints inside collections and joins.
 */
export function decimalToJavaString(value: Decimal, scale: number): string {
  const negative = value.isNegative() && !value.isZero();
  const unscaled = value.abs().times(new Dec(10).pow(scale)).toFixed(0);
  const adjusted = -scale + (unscaled.length - 1);
  let body: string;
  if (scale >= 0 && adjusted >= -6) {
    if (scale === 0) body = unscaled;
    else if (unscaled.length > scale) body = `${unscaled.slice(0, unscaled.length - scale)}.${unscaled.slice(unscaled.length - scale)}`;
    else body = `0.${'0'.repeat(scale - unscaled.length)}${unscaled}`;
  } else {
    body = unscaled.length > 1 ? `${unscaled[0]}.${unscaled.slice(1)}` : unscaled;
    body += `E${adjusted > 0 ? '+' : ''}${adjusted}`;
  }
  return negative ? `-${body}` : body;
}

/**
 * Parses a string as BigDecimal's constructor does (after trimming): optional sign, digits with
 * an optional point, optional exponent. Anything else is an error, not a NaN.
 */
export function parseDecimal(text: string): Decimal {
  const trimmed = text.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) {
    throw new SqlValueError(`Cannot parse '${text}' as a DECIMAL.`);
  }
  return new Dec(trimmed);
}
