/**
 * Errors a statement can fail with once it has parsed: unknown or duplicate names, schemas and
 * properties that do not fit, queries ksqlDB would reject. Each has a stable code; the message
 * follows ksqlDB's wording where users (and ksqlDB's own tests) match on it, and says what to do.
 */
import { FreshetError } from '../../storage/errors.js';

export type SqlErrorCode =
  | 'SQL_UNKNOWN_SOURCE'
  | 'SQL_SOURCE_EXISTS'
  | 'SQL_UNKNOWN_COLUMN'
  | 'SQL_AMBIGUOUS_COLUMN'
  | 'SQL_INVALID_SCHEMA'
  | 'SQL_INVALID_PROPERTY'
  | 'SQL_INVALID_QUERY'
  | 'SQL_INVALID_JOIN'
  | 'SQL_INVALID_AGGREGATION'
  | 'SQL_TOPIC_ERROR'
  | 'SQL_SOURCE_IN_USE'
  | 'SQL_UNKNOWN_QUERY'
  | 'SQL_UNSUPPORTED'
  | 'SQL_ASSERTION_FAILED';

export class SqlStatementError extends FreshetError {
  constructor(code: SqlErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export function unknownSource(name: string): SqlStatementError {
  return new SqlStatementError('SQL_UNKNOWN_SOURCE', `${quoted(name)} does not exist.`);
}

function quoted(name: string): string {
  return `\`${name}\``;
}
