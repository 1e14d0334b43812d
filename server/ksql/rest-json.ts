/**
 * SQL values and types as ksqlDB's REST API shows them:
 *
 *   BIGINT, INTEGER, DOUBLE, DECIMAL  JSON numbers (BIGINT beyond 2^53 loses digits in JSON
 *                                     parsers, as with ksqlDB)
 *   BYTES                             base64 text
 *   DATE, TIME, TIMESTAMP             ISO text: 2024-01-31, 12:30:00, 2024-01-31T12:30:00.000
 *   ARRAY, MAP, STRUCT                arrays and objects
 *
 * and a column type as the `schema` objects of DESCRIBE (`{type, fields, memberSchema}`).
 */
import type { Decimal } from 'decimal.js';
import { isDecimal } from '../../sql/types/decimal.js';
import { formatSqlType, type SqlType } from '../../sql/types/sql-type.js';
import { formatDate, formatTime, formatTimestamp } from '../../sql/types/temporal.js';

export function toRestValue(type: SqlType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'BIGINT':
      return typeof value === 'bigint' ? Number(value) : value;
    case 'DECIMAL':
      return isDecimal(value) ? new RawJson((value as Decimal).toFixed(type.scale)) : value;
    case 'BYTES':
      return Buffer.isBuffer(value) ? value.toString('base64') : value;
    case 'DATE':
      return typeof value === 'number' ? formatDate(value) : value;
    case 'TIME':
      return typeof value === 'number' ? formatTime(value) : value;
    case 'TIMESTAMP':
      return typeof value === 'number' ? formatTimestamp(value) : value;
    case 'ARRAY':
      return Array.isArray(value) ? value.map((v) => toRestValue(type.element, v)) : value;
    case 'MAP': {
      if (!(value instanceof Map)) return value;
      const out: Record<string, unknown> = {};
      for (const [k, v] of value) out[String(k)] = toRestValue(type.value, v);
      return out;
    }
    case 'STRUCT': {
      const struct = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const f of type.fields) out[f.name] = toRestValue(f.type, struct[f.name]);
      return out;
    }
    default:
      return value;
  }
}

/** A JSON number written as given (a DECIMAL keeps its digits and scale). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON.stringify that writes RawJson as its text. */
export function stringifyRest(value: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof RawJson) {
      marks.push(v.text);
      return `\u0000RAW${marks.length - 1}\u0000`;
    }
    return typeof v === 'bigint' ? Number(v) : v;
  });
  if (marks.length === 0) return text;
  return text.replace(/"\\u0000RAW(\d+)\\u0000"/g, (_m, i: string) => marks[Number(i)]!);
}

export interface RestSchema {
  type: string;
  fields: { name: string; schema: RestSchema }[] | null;
  memberSchema: RestSchema | null;
  parameters?: Record<string, number>;
}

/** A type as DESCRIBE's `schema`: ksqlDB's names (INTEGER, BIGINT, STRING, …). */
export function restSchema(type: SqlType): RestSchema {
  switch (type.kind) {
    case 'ARRAY':
      return { type: 'ARRAY', fields: null, memberSchema: restSchema(type.element) };
    case 'MAP':
      return { type: 'MAP', fields: null, memberSchema: restSchema(type.value) };
    case 'STRUCT':
      return { type: 'STRUCT', fields: type.fields.map((f) => ({ name: f.name, schema: restSchema(f.type) })), memberSchema: null };
    case 'DECIMAL':
      return { type: 'DECIMAL', fields: null, memberSchema: null, parameters: { precision: type.precision, scale: type.scale } };
    default:
      return { type: type.kind === 'STRING' ? 'STRING' : type.kind, fields: null, memberSchema: null };
  }
}

/** The column list of a query result header: `` `ID` STRING KEY, `V` BIGINT ``. */
export function headerSchema(columns: readonly { name: string; type: SqlType; key?: boolean }[]): string {
  return columns.map((c) => `\`${c.name}\` ${formatSqlType(c.type)}${c.key ? ' KEY' : ''}`).join(', ');
}
