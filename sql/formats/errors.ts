/**
 * Errors of the formats layer. Two kinds, found at different times:
 *
 * - `FormatError`: a statement asks for something a format cannot do (an unknown format, a type
 *   the format has no encoding for, a property it does not take). Raised while planning; the
 *   messages follow ksqlDB's wording because users and the conformance tests match on it.
 * - `SerializationError` (the engine's, re-exported): a record's bytes do not decode, or a row
 *   does not encode. Raised per record at run time; the engine counts and skips such records.
 */
import { FreshetError } from '../../storage/errors.js';
import { SerializationError } from '../../engine/serde/serdes.js';

export { SerializationError };

export type FormatErrorCode =
  /** No format has this name. */
  | 'FORMAT_UNKNOWN'
  /** The columns (their count, types or names) cannot be written in this format. */
  | 'FORMAT_UNSUPPORTED_SCHEMA'
  /** A WITH property the format does not take, or a bad value for one it does. */
  | 'FORMAT_INVALID_PROPERTY'
  /** The format needs a schema registry and none was given. */
  | 'FORMAT_NO_SCHEMA_REGISTRY'
  /** A schema from the registry cannot be used for these columns. */
  | 'FORMAT_SCHEMA_MISMATCH';

export class FormatError extends FreshetError {
  declare readonly code: FormatErrorCode;

  constructor(code: FormatErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Wraps any failure while decoding one record as the engine's typed, skippable error. */
export function deserializationFailure(target: 'key' | 'value', topic: string, err: unknown): SerializationError {
  if (err instanceof SerializationError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new SerializationError(`Failed to deserialize ${target} from topic: ${topic}. ${reason}`, { cause: err });
}

/** As `deserializationFailure`, for rows that cannot be encoded. */
export function serializationFailure(target: 'key' | 'value', topic: string, err: unknown): SerializationError {
  if (err instanceof SerializationError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new SerializationError(`Failed to serialize ${target} for topic: ${topic}. ${reason}`, { cause: err });
}

/** A value that does not convert to a column's type; carries the path ksqlDB reports (`$.A[0]`). */
export class CoercionError extends Error {
  constructor(
    readonly reason: string,
    readonly path: string,
  ) {
    super(`${reason}, path: ${path}`);
    this.name = 'CoercionError';
  }
}
