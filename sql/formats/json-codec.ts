/**
 * JSON text <-> SQL values, shared by JSON and JSON_SR (which is the same text after a registry
 * prefix). Numbers are kept exact: json-parse.ts hands over plain JS numbers only where they
 * are exactly the text's integers, and lossless-json's numbers (their text) elsewhere, so BIGINT
 * and DECIMAL round trip exactly. Writing follows Kafka Connect's JsonConverter as ksqlDB
 * configures it:
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
 *
 * Readers and writers are compiled once per type (closures with every type decision taken), as
 * they run per record. A reader's errors carry the path below the value it was given; each
 * container prefixes its part (`.F`, `[0]`) on the way out, so no path is built unless needed.
 */
import { isLosslessNumber, parse, type LosslessNumber } from 'lossless-json';
import { Decimal } from 'decimal.js';
import { formatSqlType, type SqlType, type StructField } from '../types/sql-type.js';
import { asDecimal, decimalText, fitDecimal, parseDecimalText } from './decimal-codec.js';
import { CoercionError } from './errors.js';
import { decodeBase64, javaDoubleToString, parseJavaDouble, parseJavaInt, parseJavaLong } from './java-text.js';

const MS_PER_DAY = 86_400_000;

/** Parses JSON text keeping numbers as text; a repeated key keeps its last value, as Jackson. */
export function parseJson(text: string): unknown {
  return parse(text, null, { onDuplicateKey: ({ newValue }) => newValue });
}

/** A parsed JSON value (lossless-json's, or JSON.parse's where json-parse.ts found that exact) to a run-time value. */
export type JsonReader = (node: unknown) => unknown;

/** A run-time value (null allowed) to JSON text. */
export type JsonWriter = (value: unknown) => string;

/** A row (wrapped: an object of the columns) from a parsed document; null for a JSON null. */
export type JsonRowReader = (node: unknown) => unknown[] | null;

/** Converts a parsed JSON value to a run-time value of `type`; `path` names it in errors (`$.A`). */
export function jsonToSql(node: unknown, type: SqlType, path: string): unknown {
  try {
    return jsonReader(type)(node);
  } catch (err) {
    throw rebase(err, path);
  }
}

/** JSON text for a run-time value of `type` (null for NULL). */
export function sqlToJson(value: unknown, type: SqlType): string {
  return jsonWriter(type)(value);
}

const readers = new WeakMap<SqlType, JsonReader>();
const writers = new WeakMap<SqlType, JsonWriter>();

/** The reader of values of `type` (compiled once per type object). */
export function jsonReader(type: SqlType): JsonReader {
  let reader = readers.get(type);
  if (reader === undefined) readers.set(type, (reader = compileReader(type)));
  return reader;
}

/** The writer of values of `type` (compiled once per type object). */
export function jsonWriter(type: SqlType): JsonWriter {
  let writer = writers.get(type);
  if (writer === undefined) writers.set(type, (writer = compileWriter(type)));
  return writer;
}

/** The error with `prefix` put before its path; other errors as they are. */
export function rebase(err: unknown, prefix: string): unknown {
  return err instanceof CoercionError ? new CoercionError(err.reason, prefix + err.path) : err;
}

/** A plain JS number from json-parse.ts: an integer, exactly the text's, below 2^53. */
const isExactInteger = (node: unknown): node is number => typeof node === 'number' && Number.isSafeInteger(node);

function compileReader(type: SqlType): JsonReader {
  switch (type.kind) {
    case 'BOOLEAN':
      return (node) => {
        if (node === null || node === undefined) return null;
        if (typeof node === 'boolean') return node;
        throw mismatch(node, type);
      };
    case 'INTEGER':
      return (node) => {
        if (node === null || node === undefined) return null;
        // ToInt32 wraps as BigInt.asIntN(32, …) does.
        if (isExactInteger(node)) return node | 0;
        if (isNumberNode(node)) return Number(BigInt.asIntN(32, truncate(numberText(node))));
        if (typeof node === 'string') return coerceString(node, type, parseJavaInt);
        throw mismatch(node, type);
      };
    case 'BIGINT':
      return (node) => {
        if (node === null || node === undefined) return null;
        if (isExactInteger(node)) return BigInt(node);
        if (isNumberNode(node)) return BigInt.asIntN(64, truncate(numberText(node)));
        if (typeof node === 'string') return coerceString(node, type, parseJavaLong);
        throw mismatch(node, type);
      };
    case 'DOUBLE':
      return (node) => {
        if (node === null || node === undefined) return null;
        if (typeof node === 'number') return node;
        if (isLosslessNumber(node)) return Number(node.value);
        if (typeof node === 'string') return coerceString(node, type, parseJavaDouble);
        throw mismatch(node, type);
      };
    case 'DECIMAL': {
      const { precision, scale } = type;
      return (node) => {
        if (node === null || node === undefined) return null;
        if (!isNumberNode(node) && typeof node !== 'string') throw mismatch(node, type);
        try {
          return fitDecimal(parseDecimalText(typeof node === 'string' ? node : numberText(node)), precision, scale);
        } catch (err) {
          throw new CoercionError((err as Error).message, '');
        }
      };
    }
    case 'STRING':
      return (node) => (node === null || node === undefined ? null : typeof node === 'string' ? node : jsonToText(node));
    case 'BYTES':
      return (node) => {
        if (node === null || node === undefined) return null;
        if (typeof node !== 'string') throw mismatch(node, type);
        try {
          return decodeBase64(node);
        } catch (err) {
          throw new CoercionError((err as Error).message, '');
        }
      };
    case 'DATE':
    case 'TIMESTAMP':
      return (node) => (node === null || node === undefined ? null : temporal(node, type));
    case 'TIME':
      return (node) => {
        if (node === null || node === undefined) return null;
        const ms = temporal(node, type);
        if (ms < 0 || ms > MS_PER_DAY) {
          throw new CoercionError(`Time values must use number of milliseconds greater than 0 and less than ${MS_PER_DAY}.`, '');
        }
        return ms;
      };
    case 'ARRAY': {
      const element = jsonReader(type.element);
      return (node) => {
        if (node === null || node === undefined) return null;
        if (!Array.isArray(node)) throw mismatch(node, type);
        const out = new Array<unknown>(node.length);
        let i = 0;
        try {
          for (; i < node.length; i++) out[i] = element(node[i]);
        } catch (err) {
          throw rebase(err, `[${i}]`);
        }
        return out;
      };
    }
    case 'MAP': {
      const value = jsonReader(type.value);
      return (node) => {
        if (node === null || node === undefined) return null;
        if (!isObject(node)) throw mismatch(node, type);
        const map = new Map<unknown, unknown>();
        for (const k of Object.keys(node)) {
          try {
            map.set(k, value(node[k]));
          } catch (err) {
            throw rebase(err, `.${k}.value`);
          }
        }
        return map;
      };
    }
    case 'STRUCT': {
      const read = fieldsReader(type.fields);
      return (node) => {
        if (node === null || node === undefined) return null;
        if (!isObject(node)) throw mismatch(node, type);
        const values = read(node);
        const struct: Record<string, unknown> = {};
        for (let i = 0; i < values.length; i++) struct[type.fields[i]!.name] = values[i];
        return struct;
      };
    }
    default:
      return (node) => {
        if (node === null || node === undefined) return null;
        throw new CoercionError(`Type is not supported: ${type.kind}`, '');
      };
  }
}

/** A row reads exactly as a STRUCT of its columns, into an array in column order. */
export function jsonRowReader(fields: readonly StructField[]): JsonRowReader {
  const read = fieldsReader(fields);
  let rowType: SqlType | undefined;
  return (node) => {
    if (node === null || node === undefined) return null;
    if (!isObject(node)) throw rebase(mismatch(node, (rowType ??= { kind: 'STRUCT', fields })), '$');
    try {
      return read(node);
    } catch (err) {
      throw rebase(err, '$');
    }
  };
}

/** Reads the fields of an object into an array in field order (missing fields are null). */
function fieldsReader(fields: readonly StructField[]): (node: Record<string, unknown>) => unknown[] {
  const n = fields.length;
  const names = fields.map((f) => f.name);
  const read = fields.map((f) => jsonReader(f.type));
  // A name an object inherits ('constructor', '__proto__') must be an own property to count.
  const inherited = names.map((name) => name in Object.prototype);
  return (node) => {
    const out = new Array<unknown>(n);
    let upper: Map<string, unknown> | undefined;
    let i = 0;
    try {
      for (; i < n; i++) {
        const name = names[i]!;
        let v = inherited[i] && !Object.hasOwn(node, name) ? undefined : node[name];
        if (v === undefined) {
          upper ??= upperCasedKeys(node);
          v = upper.get(name);
        }
        out[i] = read[i]!(v);
      }
    } catch (err) {
      throw rebase(err, `.${names[i]!}`);
    }
    return out;
  };
}

/** JSON keys upper-cased, for columns that match any case (ksqlDB's "case-insensitive" lookup). */
function upperCasedKeys(node: Record<string, unknown>): Map<string, unknown> {
  const upper = new Map<string, unknown>();
  for (const [k, v] of Object.entries(node)) upper.set(k.toUpperCase(), v);
  return upper;
}

/** Jackson's asText and ksqlDB's STRING coercion: scalars as text, objects as JSON, arrays as [a, b]. */
function jsonToText(node: unknown): string {
  if (typeof node === 'string') return node;
  if (typeof node === 'boolean') return String(node);
  if (isNumberNode(node)) return numberText(node);
  if (Array.isArray(node)) {
    return `[${node.map((item) => (item === null ? 'null' : jsonToText(item))).join(', ')}]`;
  }
  return writeParsedJson(node);
}

/** Re-serialises a parsed JSON value compactly, numbers as written. */
export function writeParsedJson(node: unknown): string {
  if (node === null || node === undefined) return 'null';
  if (isNumberNode(node)) return numberText(node);
  if (typeof node === 'string' || typeof node === 'boolean') return JSON.stringify(node);
  if (Array.isArray(node)) return `[${node.map(writeParsedJson).join(',')}]`;
  return `{${Object.entries(node as Record<string, unknown>).map(([k, v]) => `${JSON.stringify(k)}:${writeParsedJson(v)}`).join(',')}}`;
}

function temporal(node: unknown, type: SqlType): number {
  if (isExactInteger(node)) return node;
  if (isNumberNode(node)) return Number(BigInt.asIntN(64, truncate(numberText(node))));
  if (typeof node === 'string') return Number(coerceString(node, type, parseJavaLong));
  throw mismatch(node, type);
}

function isNumberNode(node: unknown): node is number | LosslessNumber {
  return typeof node === 'number' || isLosslessNumber(node);
}

/** A number's text as written (a plain number is one json-parse.ts found to print as its text). */
function numberText(node: number | LosslessNumber): string {
  return typeof node === 'number' ? String(node) : node.value;
}

const INTEGER_TEXT = /^-?\d+$/;

/** The integer part of a JSON number, as Jackson's intValue/longValue take it. */
function truncate(text: string): bigint {
  if (INTEGER_TEXT.test(text)) return BigInt(text);
  return BigInt(new Decimal(text).truncated().toFixed(0));
}

function coerceString<T>(text: string, type: SqlType, parseText: (s: string) => T): T {
  try {
    return parseText(text);
  } catch {
    throw new CoercionError(`Can't coerce string to type. targetType: ${type.kind}`, '');
  }
}

function mismatch(node: unknown, type: SqlType): CoercionError {
  return new CoercionError(`Can't convert type. sourceType: ${nodeKind(node)}, requiredType: ${formatSqlType(type)}`, '');
}

/** Jackson's node class names, which ksqlDB's messages show. */
function nodeKind(node: unknown): string {
  if (typeof node === 'boolean') return 'BooleanNode';
  if (typeof node === 'string') return 'TextNode';
  if (Array.isArray(node)) return 'ArrayNode';
  if (isNumberNode(node)) {
    const text = numberText(node);
    if (!INTEGER_TEXT.test(text)) return 'DecimalNode';
    const n = BigInt(text);
    if (n === BigInt.asIntN(32, n)) return 'IntNode';
    return n === BigInt.asIntN(64, n) ? 'LongNode' : 'BigIntegerNode';
  }
  return 'ObjectNode';
}

function isObject(node: unknown): node is Record<string, unknown> {
  return typeof node === 'object' && node !== null && !Array.isArray(node) && !isLosslessNumber(node);
}

function compileWriter(type: SqlType): JsonWriter {
  switch (type.kind) {
    case 'BOOLEAN':
      return (value) => (value === null || value === undefined ? 'null' : value ? 'true' : 'false');
    case 'INTEGER':
    case 'BIGINT':
    case 'DATE':
    case 'TIME':
    case 'TIMESTAMP':
      return (value) => (value === null || value === undefined ? 'null' : integerText(value));
    case 'DOUBLE':
      return (value) => {
        if (value === null || value === undefined) return 'null';
        const d = value as number;
        return Number.isFinite(d) ? javaDoubleToString(d) : JSON.stringify(javaDoubleToString(d));
      };
    case 'DECIMAL': {
      const scale = type.scale;
      return (value) => (value === null || value === undefined ? 'null' : decimalText(asDecimal(value), scale));
    }
    case 'STRING':
      return (value) => (value === null || value === undefined ? 'null' : JSON.stringify(typeof value === 'string' ? value : String(value)));
    case 'BYTES':
      return (value) => (value === null || value === undefined ? 'null' : JSON.stringify(bytesOf(value).toString('base64')));
    case 'ARRAY': {
      const element = jsonWriter(type.element);
      return (value) => {
        if (value === null || value === undefined) return 'null';
        const items = value as unknown[];
        let s = '[';
        for (let i = 0; i < items.length; i++) s += (i === 0 ? '' : ',') + element(items[i]);
        return s + ']';
      };
    }
    case 'MAP': {
      const entry = jsonWriter(type.value);
      return (value) => {
        if (value === null || value === undefined) return 'null';
        let s = '{';
        let first = true;
        for (const [k, v] of mapEntries(value)) {
          s += (first ? '' : ',') + JSON.stringify(String(k)) + ':' + entry(v);
          first = false;
        }
        return s + '}';
      };
    }
    case 'STRUCT': {
      const names = type.fields.map((f) => f.name);
      const write = jsonFieldsWriter(type.fields);
      return (value) => {
        if (value === null || value === undefined) return 'null';
        const struct = value as Record<string, unknown>;
        return write(names.map((n) => struct[n]));
      };
    }
    default:
      return (value) => {
        if (value === null || value === undefined) return 'null';
        throw new Error(`Cannot write a value of type ${type.kind} as JSON.`);
      };
  }
}

/** An object of the fields from their values in field order (a row, or a struct's values). */
export function jsonFieldsWriter(fields: readonly StructField[]): (values: readonly unknown[]) => string {
  if (fields.length === 0) return () => '{}';
  const prefixes = fields.map((f, i) => `${i === 0 ? '{' : ','}${JSON.stringify(f.name)}:`);
  const write = fields.map((f) => jsonWriter(f.type));
  const n = fields.length;
  return (values) => {
    let s = '';
    for (let i = 0; i < n; i++) s += prefixes[i]! + write[i]!(values[i]);
    return s + '}';
  };
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
