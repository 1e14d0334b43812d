/**
 * JSON text <-> SQL values, shared by JSON and JSON_SR (which is the same text after a registry
 * prefix). Numbers are kept as their text (lossless-json) so BIGINT and DECIMAL round trip
 * exactly. Writing follows Kafka Connect's JsonConverter as ksqlDB configures it:
 *
 *   BOOLEAN true/false        INTEGER, BIGINT   integer literals
 *   DOUBLE  Java's Double.toString (1.0, 1.0E10; NaN and infinities as strings)
 *   DECIMAL a number with exactly the type's scale (10.50 for DECIMAL(4, 2))
 *   STRING  a string          BYTES     base64 string
 *   DATE    days since 1970-01-01      TIME  ms since midnight     TIMESTAMP  ms since epoch
 *   ARRAY   array             MAP       object (STRING keys only)
 *   STRUCT  object with the declared field names, in order, nulls written out
 *
 * Reading is ksqlDB's KsqlJsonDeserializer: lenient where it is lenient (numbers from numeric
 * strings, any scalar to STRING, integers truncated from fractions), strict elsewhere (BOOLEAN
 * only from true/false). Object fields match a declared name exactly, else by the name the JSON
 * key upper-cases to, so unquoted (upper-case) names match any case while quoted names must
 * match exactly.
 */
import { isLosslessNumber, parse, type LosslessNumber } from 'lossless-json';
import { Decimal } from 'decimal.js';
import { formatSqlType, type SqlType } from '../types/sql-type.js';
import { asDecimal, decimalText, fitDecimal, parseDecimalText } from './decimal-codec.js';
import { CoercionError } from './errors.js';
import { decodeBase64, javaDoubleToString, parseJavaDouble, parseJavaInt, parseJavaLong } from './java-text.js';

const MS_PER_DAY = 86_400_000;

/** Parses JSON text keeping numbers as text; a repeated key keeps its last value, as Jackson. */
export function parseJson(text: string): unknown {
  return parse(text, null, { onDuplicateKey: ({ newValue }) => newValue });
}

/** Converts a parsed JSON value to a run-time value of `type`; `path` names it in errors (`$.A`). */
export function jsonToSql(node: unknown, type: SqlType, path: string): unknown {
  if (node === null || node === undefined) return null;
  switch (type.kind) {
    case 'BOOLEAN':
      if (typeof node === 'boolean') return node;
      throw mismatch(node, type, path);
    case 'INTEGER':
      if (isLosslessNumber(node)) return Number(BigInt.asIntN(32, truncate(node)));
      if (typeof node === 'string') return coerceString(node, type, path, parseJavaInt);
      throw mismatch(node, type, path);
    case 'BIGINT':
      if (isLosslessNumber(node)) return BigInt.asIntN(64, truncate(node));
      if (typeof node === 'string') return coerceString(node, type, path, parseJavaLong);
      throw mismatch(node, type, path);
    case 'DOUBLE':
      if (isLosslessNumber(node)) return Number(node.value);
      if (typeof node === 'string') return coerceString(node, type, path, parseJavaDouble);
      throw mismatch(node, type, path);
    case 'DECIMAL': {
      if (!isLosslessNumber(node) && typeof node !== 'string') throw mismatch(node, type, path);
      try {
        return fitDecimal(parseDecimalText(isLosslessNumber(node) ? node.value : node), type.precision, type.scale);
      } catch (err) {
        throw new CoercionError((err as Error).message, path);
      }
    }
    case 'STRING':
      return jsonToText(node, path);
    case 'BYTES':
      if (typeof node !== 'string') throw mismatch(node, type, path);
      try {
        return decodeBase64(node);
      } catch (err) {
        throw new CoercionError((err as Error).message, path);
      }
    case 'DATE':
      return Number(temporal(node, type, path));
    case 'TIME': {
      const ms = Number(temporal(node, type, path));
      if (ms < 0 || ms > MS_PER_DAY) {
        throw new CoercionError(`Time values must use number of milliseconds greater than 0 and less than ${MS_PER_DAY}.`, path);
      }
      return ms;
    }
    case 'TIMESTAMP':
      return Number(temporal(node, type, path));
    case 'ARRAY':
      if (!Array.isArray(node)) throw mismatch(node, type, path);
      return node.map((item, i) => jsonToSql(item, type.element, `${path}[${i}]`));
    case 'MAP': {
      if (!isObject(node)) throw mismatch(node, type, path);
      const map = new Map<unknown, unknown>();
      for (const [k, v] of Object.entries(node)) map.set(k, jsonToSql(v, type.value, `${path}.${k}.value`));
      return map;
    }
    case 'STRUCT': {
      if (!isObject(node)) throw mismatch(node, type, path);
      const struct: Record<string, unknown> = {};
      let upper: Map<string, unknown> | undefined;
      for (const field of type.fields) {
        let v: unknown = Object.hasOwn(node, field.name) ? node[field.name] : undefined;
        if (v === undefined) {
          upper ??= upperCasedKeys(node);
          v = upper.get(field.name);
        }
        struct[field.name] = jsonToSql(v, field.type, `${path}.${field.name}`);
      }
      return struct;
    }
    default:
      throw new CoercionError(`Type is not supported: ${type.kind}`, path);
  }
}

/** JSON keys upper-cased, for columns that match any case (ksqlDB's "case-insensitive" lookup). */
function upperCasedKeys(node: Record<string, unknown>): Map<string, unknown> {
  const upper = new Map<string, unknown>();
  for (const [k, v] of Object.entries(node)) upper.set(k.toUpperCase(), v);
  return upper;
}

/** Jackson's asText and ksqlDB's STRING coercion: scalars as text, objects as JSON, arrays as [a, b]. */
function jsonToText(node: unknown, path: string): string {
  if (typeof node === 'string') return node;
  if (typeof node === 'boolean') return String(node);
  if (isLosslessNumber(node)) return node.value;
  if (Array.isArray(node)) {
    return `[${node.map((item, i) => (item === null ? 'null' : jsonToText(item, `${path}[${i}]`))).join(', ')}]`;
  }
  return writeParsedJson(node);
}

/** Re-serialises a parsed JSON value compactly, numbers as written. */
export function writeParsedJson(node: unknown): string {
  if (node === null || node === undefined) return 'null';
  if (isLosslessNumber(node)) return node.value;
  if (typeof node === 'string' || typeof node === 'boolean') return JSON.stringify(node);
  if (Array.isArray(node)) return `[${node.map(writeParsedJson).join(',')}]`;
  return `{${Object.entries(node as Record<string, unknown>).map(([k, v]) => `${JSON.stringify(k)}:${writeParsedJson(v)}`).join(',')}}`;
}

function temporal(node: unknown, type: SqlType, path: string): bigint {
  if (isLosslessNumber(node)) return BigInt.asIntN(64, truncate(node));
  if (typeof node === 'string') return coerceString(node, type, path, parseJavaLong);
  throw mismatch(node, type, path);
}

/** The integer part of a JSON number, as Jackson's intValue/longValue take it. */
function truncate(n: LosslessNumber): bigint {
  if (/^-?\d+$/.test(n.value)) return BigInt(n.value);
  return BigInt(new Decimal(n.value).truncated().toFixed(0));
}

function coerceString<T>(text: string, type: SqlType, path: string, parseText: (s: string) => T): T {
  try {
    return parseText(text);
  } catch {
    throw new CoercionError(`Can't coerce string to type. targetType: ${type.kind}`, path);
  }
}

function mismatch(node: unknown, type: SqlType, path: string): CoercionError {
  return new CoercionError(`Can't convert type. sourceType: ${nodeKind(node)}, requiredType: ${formatSqlType(type)}`, path);
}

/** Jackson's node class names, which ksqlDB's messages show. */
function nodeKind(node: unknown): string {
  if (typeof node === 'boolean') return 'BooleanNode';
  if (typeof node === 'string') return 'TextNode';
  if (Array.isArray(node)) return 'ArrayNode';
  if (isLosslessNumber(node)) {
    if (!/^-?\d+$/.test(node.value)) return 'DecimalNode';
    const n = BigInt(node.value);
    if (n === BigInt.asIntN(32, n)) return 'IntNode';
    return n === BigInt.asIntN(64, n) ? 'LongNode' : 'BigIntegerNode';
  }
  return 'ObjectNode';
}

function isObject(node: unknown): node is Record<string, unknown> {
  return typeof node === 'object' && node !== null && !Array.isArray(node) && !isLosslessNumber(node);
}

/** JSON text for a run-time value of `type` (null for NULL). */
export function sqlToJson(value: unknown, type: SqlType): string {
  if (value === null || value === undefined) return 'null';
  switch (type.kind) {
    case 'BOOLEAN':
      return value ? 'true' : 'false';
    case 'INTEGER':
    case 'DATE':
    case 'TIME':
    case 'TIMESTAMP':
      return integerText(value);
    case 'BIGINT':
      return integerText(value);
    case 'DOUBLE': {
      const d = value as number;
      return Number.isFinite(d) ? javaDoubleToString(d) : JSON.stringify(javaDoubleToString(d));
    }
    case 'DECIMAL':
      return decimalText(asDecimal(value), type.scale);
    case 'STRING':
      return JSON.stringify(String(value));
    case 'BYTES':
      return JSON.stringify(bytesOf(value).toString('base64'));
    case 'ARRAY':
      return `[${(value as unknown[]).map((e) => sqlToJson(e, type.element)).join(',')}]`;
    case 'MAP': {
      const parts: string[] = [];
      for (const [k, v] of mapEntries(value)) parts.push(`${JSON.stringify(String(k))}:${sqlToJson(v, type.value)}`);
      return `{${parts.join(',')}}`;
    }
    case 'STRUCT': {
      const struct = value as Record<string, unknown>;
      return `{${type.fields.map((f) => `${JSON.stringify(f.name)}:${sqlToJson(struct[f.name], f.type)}`).join(',')}}`;
    }
    default:
      throw new Error(`Cannot write a value of type ${type.kind} as JSON.`);
  }
}

function integerText(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  throw new Error(`${String(value)} is not an integer.`);
}

export function bytesOf(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  throw new Error('A BYTES value must be a Buffer.');
}

/** A MAP value's entries whether it is held as a Map or, leniently, as a plain object. */
export function mapEntries(value: unknown): Iterable<[unknown, unknown]> {
  if (value instanceof Map) return value.entries();
  return Object.entries(value as Record<string, unknown>);
}
