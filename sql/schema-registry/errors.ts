/**
 * Schema registry errors with Confluent Schema Registry's numeric error codes, so the REST layer
 * can answer `{"error_code": 40401, "message": ...}` with the HTTP status in its first three
 * digits, and clients written for Confluent recognise them.
 */
import { FreshetError } from '../../storage/errors.js';

const CODES = {
  // Plain HTTP failures, which Confluent's REST layer answers with the status as error_code.
  BAD_REQUEST: 400,
  HTTP_NOT_FOUND: 404,
  NOT_ACCEPTABLE: 406,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL_SERVER_ERROR: 500,
  SUBJECT_NOT_FOUND: 40401,
  VERSION_NOT_FOUND: 40402,
  SCHEMA_NOT_FOUND: 40403,
  SUBJECT_SOFT_DELETED: 40404,
  SUBJECT_NOT_SOFT_DELETED: 40405,
  SCHEMA_VERSION_SOFT_DELETED: 40406,
  SCHEMA_VERSION_NOT_SOFT_DELETED: 40407,
  SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED: 40408,
  INCOMPATIBLE_SCHEMA: 409,
  INVALID_SCHEMA: 42201,
  INVALID_VERSION: 42202,
  INVALID_COMPATIBILITY_LEVEL: 42203,
  OPERATION_NOT_PERMITTED: 42205,
  REFERENCE_EXISTS: 42206,
  STORE_ERROR: 50001,
} as const;

export type SchemaRegistryErrorCode = keyof typeof CODES;

export class SchemaRegistryError extends FreshetError {
  declare readonly code: SchemaRegistryErrorCode;
  /** Confluent's error_code (40401, 42201, ...). */
  readonly errorCode: number;
  /** The HTTP status the REST API answers with. */
  readonly httpStatus: number;

  constructor(code: SchemaRegistryErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.errorCode = CODES[code];
    this.httpStatus = Number(String(this.errorCode).slice(0, 3));
  }

  /** The error for a numeric code from a remote registry (unknown codes become STORE_ERROR). */
  static fromErrorCode(errorCode: number, message: string): SchemaRegistryError {
    const name = (Object.keys(CODES) as SchemaRegistryErrorCode[]).find((k) => CODES[k] === errorCode) ?? 'STORE_ERROR';
    return new SchemaRegistryError(name, message);
  }
}
