/**
 * Errors of the SQL value layer: types that do not fit together (found at plan time) and values
 * that cannot be converted (found at run time). Codes are stable; messages follow ksqlDB's
 * wording where users and tests match on it.
 */
import { FreshetError } from '../../storage/errors.js';
import { formatSqlType, type SqlType } from './sql-type.js';

/** Two types do not fit together: an operator, a list or a cast that the analyzer must reject. */
export class SqlTypeError extends FreshetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SQL_TYPE_ERROR', message, options);
  }
}

/** `CAST(x AS T)` between types ksqlDB has no conversion for; raised when the cast is planned. */
export class UnsupportedCastError extends FreshetError {
  constructor(
    readonly from: SqlType,
    readonly to: SqlType,
  ) {
    super('SQL_UNSUPPORTED_CAST', `Cast of ${formatSqlType(from)} to ${formatSqlType(to)} is not supported`);
  }
}

/**
 * A value could not be converted at run time ('abc' to INTEGER, a malformed timestamp). ksqlDB
 * logs these to the processing log and carries on with NULL; the evaluator decides.
 */
export class SqlValueError extends FreshetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SQL_VALUE_ERROR', message, options);
  }
}

/** A DECIMAL result that needs more digits than its type allows, as ksqlDB words it. */
export class NumericOverflowError extends FreshetError {
  constructor(precision: number, scale: number, value: string) {
    super(
      'SQL_NUMERIC_OVERFLOW',
      `Numeric field overflow: A field with precision ${precision} and scale ${scale} must round to an absolute value less than 10^${precision - scale}. Got ${value}`,
    );
  }
}

/** Integer division by zero and the like: Java's ArithmeticException, which ksqlDB turns into NULL. */
export class SqlArithmeticError extends FreshetError {
  constructor(message: string) {
    super('SQL_ARITHMETIC_ERROR', message);
  }
}
