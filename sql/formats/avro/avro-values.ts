/**
 * Run-time SQL values <-> Avro datums (see avro-binary.ts for the datum representation).
 *
 * Writing fits a value to whatever schema the writer uses: ksqlDB's generated one, or a
 * registered one (VALUE_SCHEMA_ID). Records match fields by exact name; a schema field no column
 * fills takes its default, else null if the field is nullable, else the record cannot be
 * written (ksqlDB: "Missing default value for required Avro field"). A union takes the first
 * branch that holds the value's type.
 *
 * Reading follows ksqlDB's Connect translation: the writer's type must suit the column
 * (BIGINT takes int and long, DOUBLE float and double, STRING any scalar as its Java text;
 * BOOLEAN, BYTES, ARRAY, MAP and STRUCT need their own kind) or the record fails with "Cannot
 * deserialize type int64 as type int32 for path: ->C1". Record fields match columns exactly or
 * upper-cased; fields nobody asked for are dropped and columns nothing filled are null.
 */
import { formatSqlType, type SqlType } from '../../types/sql-type.js';
import { logicalType, nullableBranch, printAvroSchema, type AvroField, type AvroRecord, type AvroSchema } from '../../schema-registry/avro-schema.js';
import { asDecimal, bigIntToTwosComplement, decimalToUnscaledBytes, Dec, unscaledBytesToDecimal } from '../decimal-codec.js';
import { javaDoubleToString, javaFloatToString } from '../java-text.js';
import { bytesOf, mapEntries } from '../json-codec.js';
import { AvroUnionValue } from './avro-binary.js';
import { mapEntryRecord, unionBranchName } from './avro-sql-schema.js';
import { checkConnectType, type ConnectType } from '../connect-types.js';
import { Decimal } from 'decimal.js';

// ---- writing ------------------------------------------------------------------------------------

/** A datum of `schema` for a value of SQL type `type`. */
export function toAvroDatum(value: unknown, type: SqlType, schema: AvroSchema, path: string): unknown {
  if (schema.type === 'union') {
    if (value === null || value === undefined) {
      const i = schema.branches.findIndex((b) => b.type === 'null');
      if (i < 0) throw new Error(`null value for the non-nullable field ${path || '(root)'}`);
      return new AvroUnionValue(i, null);
    }
    const i = schema.branches.findIndex((b) => b.type !== 'null' && holds(b, type));
    if (i < 0) throw new Error(`No branch of ${printAvroSchema(schema)} holds a ${formatSqlType(type)} (${path || 'root'})`);
    return new AvroUnionValue(i, toAvroDatum(value, type, schema.branches[i]!, path));
  }
  if (value === null || value === undefined) {
    if (schema.type === 'null') return null;
    throw new Error(`null value for the non-nullable field ${path || '(root)'}`);
  }
  const lt = logicalType(schema);
  switch (schema.type) {
    case 'boolean':
      return Boolean(value);
    case 'int': {
      const n = typeof value === 'bigint' ? Number(value) : (value as number);
      if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) throw new Error(`${String(value)} does not fit an Avro int (${path})`);
      return n;
    }
    case 'long': {
      const n = typeof value === 'bigint' ? value : BigInt(Math.trunc(value as number));
      return lt === 'timestamp-micros' || lt === 'time-micros' ? n * 1000n : n;
    }
    case 'float':
    case 'double':
      return type.kind === 'DECIMAL' ? asDecimal(value).toNumber() : Number(value);
    case 'string':
      return String(value);
    case 'enum':
      if (!schema.symbols.includes(String(value))) throw new Error(`'${String(value)}' is not a symbol of enum ${schema.name} (${path})`);
      return String(value);
    case 'bytes':
      if (lt === 'decimal') return decimalToUnscaledBytes(rescale(asDecimal(value), schema, path), Number(schema.props.scale ?? 0));
      return bytesOf(value);
    case 'fixed': {
      if (lt === 'decimal') {
        const unscaled = BigInt(new Dec(rescale(asDecimal(value), schema, path)).times(new Dec(10).pow(Number(schema.props.scale ?? 0))).toFixed(0));
        const minimal = bigIntToTwosComplement(unscaled);
        if (minimal.length > schema.size) throw new Error(`${asDecimal(value).toFixed()} does not fit fixed(${schema.size}) (${path})`);
        const out = Buffer.alloc(schema.size, unscaled < 0n ? 0xff : 0);
        minimal.copy(out, schema.size - minimal.length);
        return out;
      }
      const b = bytesOf(value);
      if (b.length !== schema.size) throw new Error(`A fixed ${schema.name} holds ${schema.size} bytes, got ${b.length} (${path})`);
      return b;
    }
    case 'array': {
      const element = type.kind === 'ARRAY' ? type.element : type;
      return (value as unknown[]).map((v, i) => toAvroDatum(v, element, schema.items, `${path}[${i}]`));
    }
    case 'map': {
      const valueType = type.kind === 'MAP' ? type.value : type;
      const out = new Map<string, unknown>();
      for (const [k, v] of mapEntries(value)) out.set(String(k), toAvroDatum(v, valueType, schema.values, `${path}['${String(k)}']`));
      return out;
    }
    case 'record':
    case 'error': {
      if (type.kind !== 'STRUCT') throw new Error(`A ${formatSqlType(type)} cannot be written as the record ${schema.name} (${path})`);
      const struct = value as Record<string, unknown>;
      const fieldTypes = new Map(type.fields.map((f) => [f.name, f.type]));
      return recordDatum(schema, (name) => (fieldTypes.has(name) ? { value: struct[name], type: fieldTypes.get(name)! } : undefined), path);
    }
    default:
      throw new Error(`Cannot write a ${formatSqlType(type)} as Avro ${schema.type} (${path})`);
  }
}

/** A record datum, each field filled by `lookup` (by field name) or its default. */
export function recordDatum(schema: AvroRecord, lookup: (name: string) => { value: unknown; type: SqlType } | undefined, path: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const field of schema.fields) {
    const source = lookup(field.name);
    const at = `${path}.${field.name}`;
    const nullable = field.type.type === 'null' || (field.type.type === 'union' && field.type.branches.some((b) => b.type === 'null'));
    if (source !== undefined && source.value !== null && source.value !== undefined) {
      out.set(field.name, toAvroDatum(source.value, source.type, field.type, at));
    } else if (source === undefined) {
      // A field no column fills takes its default first (ksqlDB fills absent fields so).
      if (field.hasDefault) out.set(field.name, avroDefault(field.type, field.default));
      else if (nullable) out.set(field.name, toAvroDatum(null, { kind: 'NULL' }, field.type, at));
      else throw new Error(`Missing default value for required Avro field: [${field.name}]. This field appears in Avro schema in Schema Registry`);
    } else if (nullable) {
      out.set(field.name, toAvroDatum(null, source.type, field.type, at));
    } else if (field.hasDefault) {
      out.set(field.name, avroDefault(field.type, field.default));
    } else {
      throw new Error(`null value for the non-nullable field ${at}`);
    }
  }
  return out;
}

/** Rounds a decimal to the schema's scale (half up) and checks it fits the precision. */
function rescale(value: Decimal, schema: AvroSchema & { props: Record<string, unknown> }, path: string): Decimal {
  const scale = Number(schema.props.scale ?? 0);
  const precision = Number(schema.props.precision ?? 64);
  const rounded = new Dec(value).toDecimalPlaces(scale, Decimal.ROUND_HALF_UP);
  if (rounded.abs().gte(new Dec(10).pow(precision - scale))) throw new Error(`${value.toFixed()} does not fit DECIMAL(${precision}, ${scale}) (${path})`);
  return rounded;
}

/** Whether a (non-union) schema can hold values of a SQL type, for choosing a union branch. */
function holds(schema: AvroSchema, type: SqlType): boolean {
  const lt = logicalType(schema);
  switch (type.kind) {
    case 'BOOLEAN':
      return schema.type === 'boolean';
    case 'INTEGER':
      return schema.type === 'int' || schema.type === 'long' || schema.type === 'double' || schema.type === 'float';
    case 'BIGINT':
      return schema.type === 'long' || schema.type === 'double' || schema.type === 'float';
    case 'DOUBLE':
      return schema.type === 'double' || schema.type === 'float';
    case 'STRING':
      return schema.type === 'string' || schema.type === 'enum';
    case 'BYTES':
      return (schema.type === 'bytes' || schema.type === 'fixed') && lt !== 'decimal';
    case 'DECIMAL':
      return ((schema.type === 'bytes' || schema.type === 'fixed') && lt === 'decimal') || schema.type === 'double';
    case 'DATE':
      return schema.type === 'int' && lt !== 'time-millis';
    case 'TIME':
      return (schema.type === 'int' && lt !== 'date') || (schema.type === 'long' && lt === 'time-micros');
    case 'TIMESTAMP':
      return schema.type === 'long' && lt !== 'time-micros';
    case 'ARRAY':
      return schema.type === 'array';
    case 'MAP':
      return schema.type === 'map';
    case 'STRUCT':
      return schema.type === 'record' || schema.type === 'error';
    case 'NULL':
      return schema.type === 'null';
    default:
      return false;
  }
}

/** A field default (JSON, as the schema writes it) as a datum. */
export function avroDefault(schema: AvroSchema, json: unknown): unknown {
  switch (schema.type) {
    case 'union':
      return new AvroUnionValue(0, avroDefault(schema.branches[0]!, json));
    case 'null':
      return null;
    case 'long':
      return BigInt(json as number);
    case 'float':
    case 'double':
      return typeof json === 'string' ? Number(json) : json;
    case 'bytes':
    case 'fixed':
      // Avro writes byte defaults as strings whose code points are the bytes.
      return Buffer.from(json as string, 'latin1');
    case 'array':
      return (json as unknown[]).map((v) => avroDefault(schema.items, v));
    case 'map':
      return new Map(Object.entries(json as Record<string, unknown>).map(([k, v]) => [k, avroDefault(schema.values, v)]));
    case 'record':
    case 'error': {
      const obj = json as Record<string, unknown>;
      return new Map(schema.fields.map((f: AvroField) => [f.name, avroDefault(f.type, Object.hasOwn(obj, f.name) ? obj[f.name] : f.default)]));
    }
    default:
      return json;
  }
}

// ---- reading ------------------------------------------------------------------------------------

function connectType(schema: AvroSchema): ConnectType {
  switch (schema.type) {
    case 'int':
      return 'int32';
    case 'long':
      return 'int64';
    case 'float':
      return 'float32';
    case 'double':
      return 'float64';
    case 'enum':
    case 'string':
      return 'string';
    case 'fixed':
    case 'bytes':
      return 'bytes';
    case 'record':
    case 'error':
    case 'union':
      return 'struct';
    default:
      return schema.type;
  }
}

/** The SQL value of a datum written with `schema`, for a column of type `type`. */
export function fromAvroDatum(datum: unknown, schema: AvroSchema, type: SqlType, path: string): unknown {
  if (schema.type === 'union') {
    const u = datum as AvroUnionValue;
    const branch = schema.branches[u.index]!;
    if (branch.type === 'null') return null;
    if (nullableBranch(schema) || schema.branches.filter((b) => b.type !== 'null').length === 1) return fromAvroDatum(u.value, branch, type, path);
    return fromUnion(u, schema.branches, type, path);
  }
  if (datum === null || datum === undefined) return null;
  const entry = mapEntryRecord(schema);
  if (entry && type.kind === 'MAP') return mapFromEntries(datum as Map<string, unknown>[], entry, type, path);
  checkConnectType(connectType(schema), type, path);
  const lt = logicalType(schema);
  switch (type.kind) {
    case 'BOOLEAN':
    case 'INTEGER':
    case 'DATE':
    case 'TIME':
    case 'DOUBLE':
      return typeof datum === 'bigint' ? Number(datum) : datum;
    case 'BIGINT':
      return BigInt(datum as number | bigint);
    case 'TIMESTAMP':
      return lt === 'timestamp-micros' ? Number((datum as bigint) / 1000n) : Number(datum);
    case 'STRING':
      if (schema.type === 'float') return javaFloatToString(datum as number);
      if (schema.type === 'double') return javaDoubleToString(datum as number);
      return String(datum);
    case 'DECIMAL': {
      const scale = lt === 'decimal' ? Number(schema.props.scale ?? 0) : type.scale;
      const value = unscaledBytesToDecimal(datum as Buffer, scale);
      const rounded = new Dec(value).toDecimalPlaces(type.scale, Decimal.ROUND_HALF_UP);
      if (rounded.abs().gte(new Dec(10).pow(type.precision - type.scale))) {
        throw new Error(`Cannot fit decimal '${value.toFixed()}' into DECIMAL(${type.precision}, ${type.scale}) for path: ${path}`);
      }
      return rounded;
    }
    case 'BYTES':
      return datum;
    case 'ARRAY':
      return (datum as unknown[]).map((v) => fromAvroDatum(v, (schema as { items: AvroSchema }).items, type.element, `${path}->ARRAY`));
    case 'MAP': {
      const out = new Map<unknown, unknown>();
      for (const [k, v] of datum as Map<string, unknown>) out.set(k, fromAvroDatum(v, (schema as { values: AvroSchema }).values, type.value, `${path}->MAP_VAL`));
      return out;
    }
    case 'STRUCT':
      return structFromRecord(datum as Map<string, unknown>, schema as AvroRecord, type.fields, path);
    default:
      throw new Error(`Type is not supported: ${type.kind}`);
  }
}

/** Record fields into struct fields: exact name, else upper-cased; unmatched fields dropped. */
export function structFromRecord(datum: Map<string, unknown>, schema: AvroRecord, fields: readonly { name: string; type: SqlType }[], path: string): Record<string, unknown> {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f.name] = null;
  for (const field of schema.fields) {
    const target = byName.get(field.name) ?? byName.get(field.name.toUpperCase());
    if (!target) continue;
    out[target.name] = fromAvroDatum(datum.get(field.name), field.type, target.type, `${path}->${target.name}`);
  }
  return out;
}

/** A MapEntry array (see mapEntryRecord) as a MAP. */
function mapFromEntries(entries: Map<string, unknown>[], entry: AvroRecord, type: Extract<SqlType, { kind: 'MAP' }>, path: string): Map<unknown, unknown> {
  const out = new Map<unknown, unknown>();
  for (const e of entries) {
    out.set(fromAvroDatum(e.get('key'), entry.fields[0]!.type, type.key, `${path}->MAP_KEY`), fromAvroDatum(e.get('value'), entry.fields[1]!.type, type.value, `${path}->MAP_VAL`));
  }
  return out;
}

/** A general union reads as a STRUCT with one field per branch, only the written one set. */
function fromUnion(u: AvroUnionValue, branches: readonly AvroSchema[], type: SqlType, path: string): unknown {
  checkConnectType('struct', type, path);
  if (type.kind !== 'STRUCT') return null;
  const out: Record<string, unknown> = {};
  for (const f of type.fields) out[f.name] = null;
  const branch = branches[u.index]!;
  const name = unionBranchName(branch);
  const target = type.fields.find((f) => f.name === name) ?? type.fields.find((f) => f.name === name.toUpperCase());
  if (target) out[target.name] = fromAvroDatum(u.value, branch, target.type, `${path}->${target.name}`);
  return out;
}
