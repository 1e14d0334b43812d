/**
 * ksqlDB reads AVRO and PROTOBUF through Kafka Connect's data model and then checks each value's
 * Connect type against its column's type (ConnectDataTranslator). Both formats share that check,
 * so a record fails the same way whichever format wrote it.
 *
 *   column      accepts Connect types
 *   BOOLEAN     boolean
 *   INTEGER     int32                 DATE, TIME   int32 (with or without the logical type)
 *   BIGINT      int64, int32          TIMESTAMP    int64, int32
 *   DOUBLE      float64, float32
 *   STRING      any integer, float, boolean or string (as Java's String.valueOf prints it)
 *   DECIMAL, BYTES   bytes            ARRAY array   MAP map   STRUCT struct
 */
import type { SqlType } from '../types/sql-type.js';

export type ConnectType = 'int32' | 'int64' | 'float32' | 'float64' | 'boolean' | 'string' | 'bytes' | 'array' | 'map' | 'struct' | 'null';

const ACCEPTS: Record<string, readonly ConnectType[]> = {
  BOOLEAN: ['boolean'],
  INTEGER: ['int32'],
  BIGINT: ['int64', 'int32'],
  DOUBLE: ['float64', 'float32'],
  STRING: ['int32', 'int64', 'float32', 'float64', 'boolean', 'string'],
  DECIMAL: ['bytes'],
  BYTES: ['bytes'],
  DATE: ['int32'],
  TIME: ['int32'],
  TIMESTAMP: ['int64', 'int32'],
  ARRAY: ['array'],
  MAP: ['map'],
  STRUCT: ['struct'],
};

/** The Connect type a column of this SQL type is. */
export function connectTypeOfSql(type: SqlType): string {
  switch (type.kind) {
    case 'INTEGER':
    case 'DATE':
    case 'TIME':
      return 'int32';
    case 'BIGINT':
    case 'TIMESTAMP':
      return 'int64';
    case 'DOUBLE':
      return 'float64';
    case 'DECIMAL':
      return 'bytes';
    default:
      return type.kind.toLowerCase();
  }
}

/** Throws ksqlDB's error when a value of Connect type `source` cannot fill a column of `type`. */
export function checkConnectType(source: ConnectType, type: SqlType, path: string): void {
  if (!(ACCEPTS[type.kind] ?? []).includes(source)) {
    throw new Error(`Cannot deserialize type ${source} as type ${connectTypeOfSql(type)} for path: ${path}`);
  }
}
